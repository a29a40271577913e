"""Tool results as MCP content: the readable text block plus structured content, generated images and audio as
image/audio content, media Gemini gave only by link as resource links; argument models back to plain JSON."""

from __future__ import annotations

from typing import Any

from mcp.types import AudioContent, CallToolResult, ImageContent, ResourceLink, TextContent
from pydantic import BaseModel

from gemini_mcp.core.results import AskResult


def tool_result(model: BaseModel) -> CallToolResult:
    render = getattr(model, "render", None)
    text = str(render()) if callable(render) else model.model_dump_json()
    return CallToolResult(
        content=[TextContent(type="text", text=text)], structured_content=model.model_dump(mode="json", by_alias=True)
    )


def answer_result(answer: AskResult) -> CallToolResult:
    """An answered turn: text + structured content, then its images and audio (or links to them)."""
    out = tool_result(answer)
    out.content.extend(ImageContent(type="image", data=d, mime_type=m) for m, d in answer.image_data)
    out.content.extend(AudioContent(type="audio", data=d, mime_type=m) for m, d in answer.audio_data)
    linked = [("image", i) for i in answer.images] + [("audio", a) for a in answer.audio]
    for kind, item in linked:
        if item.source_uri and item.uri == item.source_uri:
            name = f"{kind}-{item.index}"
            out.content.append(ResourceLink(type="resource_link", uri=item.uri, name=name, mime_type=item.mime_type))
    return out


def plain(value: Any) -> Any:
    """Validated argument models (alone or in a list) back to plain JSON (remembered, sent to Gemini)."""
    if isinstance(value, BaseModel):
        return value.model_dump(exclude_none=True)
    if isinstance(value, list):
        return [plain(v) for v in value]  # pyright: ignore[reportUnknownVariableType]
    return value
