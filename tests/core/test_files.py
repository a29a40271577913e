"""`files` -> content blocks: MIME types by extension and by content, sizes, URLs, roots."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from gemini_mcp.core.files import content_blocks, sniff, user_input
from gemini_mcp.errors import FilePathError, InvalidRequestError

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 24
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 24


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = (tmp_path / "root").resolve()
    root.mkdir()
    return root


def test_each_media_kind_becomes_its_block_type_with_the_api_mime_type(root: Path) -> None:
    for name, data in [("a.png", PNG), ("b.pdf", PDF), ("c.wav", WAV), ("d.mp4", MP4), ("e.MP3", b"ID3\x03")]:
        (root / name).write_bytes(data)
    blocks, infos = content_blocks(["a.png", "b.pdf", "c.wav", "d.mp4", "e.MP3"], [root])
    assert [(b["type"], b["mime_type"]) for b in blocks] == [
        ("image", "image/png"),
        ("document", "application/pdf"),
        ("audio", "audio/wav"),
        ("video", "video/mp4"),
        ("audio", "audio/mp3"),
    ]
    assert base64.b64decode(blocks[0]["data"]) == PNG
    assert [i.size for i in infos] == [len(PNG), len(PDF), len(WAV), len(MP4), 4]


def test_a_file_without_a_known_extension_is_typed_by_its_first_bytes(root: Path) -> None:
    (root / "scan").write_bytes(PDF)
    (root / "photo.bin").write_bytes(PNG)
    blocks, _ = content_blocks(["scan", "photo.bin"], [root])
    assert [(b["type"], b["mime_type"]) for b in blocks] == [("document", "application/pdf"), ("image", "image/png")]


def test_text_files_are_sent_as_text_blocks_named_after_the_file(root: Path) -> None:
    (root / "notes.md").write_text("# Plan\nship it", encoding="utf-8")
    (root / "README").write_text("plain words", encoding="utf-8")
    blocks, _ = content_blocks(["notes.md", "README"], [root])
    assert blocks[0] == {"type": "text", "text": "<file name='notes.md'>\n# Plan\nship it\n</file>"}
    assert blocks[1]["type"] == "text" and "plain words" in blocks[1]["text"]


def test_unknown_binary_type_is_refused_with_the_supported_kinds(root: Path) -> None:
    (root / "blob.xyz").write_bytes(b"\x00\x01\x02\x03garbage")
    with pytest.raises(InvalidRequestError, match=r"files\[0\]: 'blob.xyz' has an unsupported file type") as info:
        content_blocks(["blob.xyz"], [root])
    assert "PDFs" in str(info.value)


def test_too_large_file_is_refused_before_reading_and_names_the_limit(root: Path) -> None:
    big = root / "huge.png"
    with big.open("wb") as handle:
        handle.truncate(21 * 1024 * 1024)  # sparse: nothing is written
    with pytest.raises(InvalidRequestError, match=r"files\[0\]: 'huge.png' is 21.0 MiB; .* at most 20 MiB"):
        content_blocks(["huge.png"], [root])


def test_the_total_of_inline_files_is_capped(root: Path) -> None:
    (root / "a.png").write_bytes(PNG * 10)
    (root / "b.png").write_bytes(PNG * 10)
    with pytest.raises(InvalidRequestError, match=r"add up to more than .* \(reached at files\[1\]\)"):
        content_blocks(["a.png", "b.png"], [root], max_total_bytes=len(PNG) * 15)


def test_paths_outside_the_roots_and_traversal_are_refused(root: Path, tmp_path: Path) -> None:
    (tmp_path / "secret.png").write_bytes(PNG)
    for spelling in ["../secret.png", str(tmp_path / "secret.png"), "sub/../../secret.png"]:
        with pytest.raises(FilePathError, match="outside the allowed file roots"):
            content_blocks([spelling], [root])


def test_https_urls_become_uri_blocks_and_others_are_refused(root: Path) -> None:
    blocks, _ = content_blocks(
        ["https://example.com/paper.pdf", "https://cdn.example.com/x/cat.JPG?size=2", "https://youtu.be/abc"], [root]
    )
    assert blocks == [
        {"type": "document", "uri": "https://example.com/paper.pdf", "mime_type": "application/pdf"},
        {"type": "image", "uri": "https://cdn.example.com/x/cat.JPG?size=2", "mime_type": "image/jpeg"},
        {"type": "video", "uri": "https://youtu.be/abc"},
    ]
    with pytest.raises(InvalidRequestError, match="not an https URL"):
        content_blocks(["http://example.com/a.png"], [root])
    with pytest.raises(InvalidRequestError, match="url_context"):
        content_blocks(["https://example.com/article"], [root])


def test_prompt_comes_after_the_files_in_the_input() -> None:
    block = {"type": "image", "uri": "https://e.com/a.png", "mime_type": "image/png"}
    assert user_input("hi", []) == "hi"
    assert user_input("hi", [block]) == [block, {"type": "text", "text": "hi"}]


def test_sniff_knows_the_common_signatures() -> None:
    assert sniff(b"GIF89a....") == ("image", "image/gif")
    assert sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == ("image", "image/webp")
    assert sniff(b"\x1a\x45\xdf\xa3rest") == ("video", "video/webm")
    assert sniff(b"hello") is None
