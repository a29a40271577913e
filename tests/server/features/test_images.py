"""Image models: the picture comes back as MCP image content and stays readable as a resource."""

from __future__ import annotations

import base64

import pytest
from mcp.shared.exceptions import MCPError
from mcp.types import BlobResourceContents, ImageContent

from gemini_mcp.config import Settings
from gemini_mcp.emulator.server import Emulator

from .harness import creates, data, open_client

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def test_an_image_model_returns_image_content_and_a_resource(settings: Settings, emulator: Emulator) -> None:
    async with open_client(settings) as client:
        result = await client.call_tool(
            "ask_gemini", {"prompt": "Draw a red lighthouse.", "model": "gemini-3-pro-image"}
        )
        answer = data(result)
        resource = await client.read_resource(answer["images"][0]["uri"])
        with pytest.raises(MCPError, match="has no image 7"):
            await client.read_resource(answer["images"][0]["uri"].replace("/images/0", "/images/7"))
    assert creates(emulator)[0]["model"] == "gemini-3-pro-image"
    pictures = [c for c in result.content if isinstance(c, ImageContent)]
    assert len(pictures) == 1
    assert pictures[0].mime_type == "image/png"
    raw = base64.b64decode(pictures[0].data)
    assert raw.startswith(PNG_SIGNATURE)
    assert answer["images"][0] == {
        "index": 0,
        "mime_type": "image/png",
        "uri": f"gemini://interactions/{answer['interaction_id']}/images/0",
        "source_uri": None,
    }
    blob = resource.contents[0]
    assert isinstance(blob, BlobResourceContents)
    assert blob.mime_type == "image/png"
    assert base64.b64decode(blob.blob) == raw
