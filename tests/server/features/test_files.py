"""`files`: local files under the roots and https URLs become content blocks with the right MIME types."""

from __future__ import annotations

import base64
from pathlib import Path

from gemini_mcp.config import Settings
from gemini_mcp.emulator.server import Emulator

from .harness import creates, data, error_text, open_client, text, user_content

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 24
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 24


async def test_local_media_and_urls_reach_gemini_as_typed_blocks(
    settings: Settings, emulator: Emulator, files_root: Path
) -> None:
    (files_root / "chart.png").write_bytes(PNG)
    (files_root / "docs").mkdir()
    (files_root / "docs" / "paper.pdf").write_bytes(PDF)
    (files_root / "voice.wav").write_bytes(WAV)
    (files_root / "clip.mp4").write_bytes(MP4)
    files = [
        "chart.png",
        str(files_root / "docs" / "paper.pdf"),
        "docs\\..\\voice.wav",
        "clip.mp4",
        "https://example.com/spec.pdf",
    ]
    async with open_client(settings) as client:
        result = await client.call_tool("ask_gemini", {"prompt": "Describe these.", "files": files})
    answer = data(result)
    blocks = user_content(creates(emulator)[0])
    assert [(b["type"], b.get("mime_type")) for b in blocks] == [
        ("image", "image/png"),
        ("document", "application/pdf"),
        ("audio", "audio/wav"),
        ("video", "video/mp4"),
        ("document", "application/pdf"),
        ("text", None),
    ]
    assert base64.b64decode(blocks[0]["data"]) == PNG
    assert base64.b64decode(blocks[1]["data"]) == PDF
    assert blocks[4] == {"type": "document", "uri": "https://example.com/spec.pdf", "mime_type": "application/pdf"}
    assert blocks[5]["text"] == "Describe these."
    assert "I received" in answer["text"] and "image/png" in answer["text"]
    assert "I received" in text(result)


async def test_a_text_file_is_sent_as_text(settings: Settings, emulator: Emulator, files_root: Path) -> None:
    (files_root / "notes.md").write_text("# Plan\nShip on Friday.", encoding="utf-8")
    async with open_client(settings) as client:
        data(await client.call_tool("ask_gemini", {"prompt": "Summarise.", "files": ["notes.md"]}))
    blocks = user_content(creates(emulator)[0])
    assert blocks[0] == {"type": "text", "text": "<file name='notes.md'>\n# Plan\nShip on Friday.\n</file>"}


async def test_bad_files_are_refused_before_gemini_is_called_and_the_server_keeps_serving(
    settings: Settings, emulator: Emulator, files_root: Path, tmp_path: Path
) -> None:
    (tmp_path / "secret.png").write_bytes(PNG)
    (files_root / "blob.xyz").write_bytes(b"\x00\x01\x02garbage")
    with (files_root / "huge.mp4").open("wb") as handle:
        handle.truncate(25 * 1024 * 1024)
    async with open_client(settings) as client:
        outside = error_text(
            await client.call_tool("ask_gemini", {"prompt": "x", "files": [str(tmp_path / "secret.png")]})
        )
        traversal = error_text(await client.call_tool("ask_gemini", {"prompt": "x", "files": ["../secret.png"]}))
        large = error_text(await client.call_tool("ask_gemini", {"prompt": "x", "files": ["huge.mp4"]}))
        unknown = error_text(await client.call_tool("ask_gemini", {"prompt": "x", "files": ["blob.xyz"]}))
        missing = error_text(await client.call_tool("ask_gemini", {"prompt": "x", "files": ["nope.png"]}))
        plain_http = error_text(await client.call_tool("ask_gemini", {"prompt": "x", "files": ["http://e.com/a.png"]}))
        after = data(await client.call_tool("ask_gemini", {"prompt": "still there?"}))
    assert "files[0]:" in outside and "is outside the allowed file roots" in outside
    assert str(files_root) in outside and "GEMINI_MCP_FILE_ROOTS" in outside
    assert "'../secret.png' is outside the allowed file roots" in traversal
    assert "'huge.mp4' is 25.0 MiB; files sent inline may be at most 20 MiB" in large
    assert "'blob.xyz' has an unsupported file type" in unknown
    assert "'nope.png' does not exist" in missing
    assert "not an https URL" in plain_http
    assert after["status"] == "completed"
    assert len(creates(emulator)) == 1  # only the last call reached Gemini


async def test_deep_research_takes_files_too(settings: Settings, emulator: Emulator, files_root: Path) -> None:
    (files_root / "brief.pdf").write_bytes(PDF)
    async with open_client(settings) as client:
        started = data(await client.call_tool("start_deep_research", {"query": "Assess this.", "files": ["brief.pdf"]}))
    body = creates(emulator)[0]
    assert body["agent"] and body["background"] is True
    blocks = user_content(body)
    assert [(b["type"], b.get("mime_type")) for b in blocks] == [("document", "application/pdf"), ("text", None)]
    assert started["status"] in ("in_progress", "queued")
