"""`files` -> Interactions API content blocks (images, PDFs and office documents, audio, video, text).

Local paths are read only under the allowed roots (`gemini_mcp.core.paths.resolve_file` resolves ``~``, ``..``,
symlinks and Windows spellings *before* the check), then opened once and re-checked through the descriptor
(`gemini_mcp.core.safe_open`), so a path swapped between check and read is never followed. https URLs are
passed to Gemini as ``uri`` blocks and never fetched here. The MIME type comes from the extension, or from the
file's first bytes when the extension says nothing. Sizes are checked (fstat) before the body is read, and the
read stops at the cap. PEM private keys are refused by content. Blocking I/O: the caller runs this in a worker
thread. Knows nothing about MCP.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from gemini_mcp.core.paths import is_url, protected_error, resolve_file
from gemini_mcp.core.safe_open import OpenedFile, open_checked
from gemini_mcp.errors import InvalidRequestError

logger = logging.getLogger(__name__)

MiB = 1024 * 1024
#: Largest single local file sent inline, and largest total of inline files per call. Gemini caps a
#: request's inline data; bigger media must be passed as an https URL.
MAX_FILE_BYTES = 20 * MiB
MAX_TOTAL_BYTES = 20 * MiB
MAX_FILES = 20
#: Text files are sent as text blocks; they must decode as UTF-8.
MAX_TEXT_BYTES = 2 * MiB

# extension -> (content block type, mime type); mime strings are the ones the Interactions API lists.
EXTENSIONS: dict[str, tuple[str, str]] = {
    ".png": ("image", "image/png"),
    ".jpg": ("image", "image/jpeg"),
    ".jpeg": ("image", "image/jpeg"),
    ".webp": ("image", "image/webp"),
    ".gif": ("image", "image/gif"),
    ".heic": ("image", "image/heic"),
    ".heif": ("image", "image/heif"),
    ".bmp": ("image", "image/bmp"),
    ".tif": ("image", "image/tiff"),
    ".tiff": ("image", "image/tiff"),
    ".pdf": ("document", "application/pdf"),
    ".csv": ("document", "text/csv"),
    ".docx": ("document", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ".doc": ("document", "application/msword"),
    ".odt": ("document", "application/vnd.oasis.opendocument.text"),
    ".pptx": ("document", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ".ppt": ("document", "application/vnd.ms-powerpoint"),
    ".odp": ("document", "application/vnd.oasis.opendocument.presentation"),
    ".xlsx": ("document", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".xls": ("document", "application/vnd.ms-excel"),
    ".ods": ("document", "application/vnd.oasis.opendocument.spreadsheet"),
    ".wav": ("audio", "audio/wav"),
    ".mp3": ("audio", "audio/mp3"),
    ".aiff": ("audio", "audio/aiff"),
    ".aif": ("audio", "audio/aiff"),
    ".aac": ("audio", "audio/aac"),
    ".ogg": ("audio", "audio/ogg"),
    ".oga": ("audio", "audio/ogg"),
    ".opus": ("audio", "audio/opus"),
    ".flac": ("audio", "audio/flac"),
    ".m4a": ("audio", "audio/m4a"),
    ".weba": ("audio", "audio/webm"),
    ".mp4": ("video", "video/mp4"),
    ".m4v": ("video", "video/mp4"),
    ".mpeg": ("video", "video/mpeg"),
    ".mpg": ("video", "video/mpg"),
    ".mov": ("video", "video/mov"),
    ".avi": ("video", "video/avi"),
    ".flv": ("video", "video/x-flv"),
    ".webm": ("video", "video/webm"),
    ".wmv": ("video", "video/wmv"),
    ".3gp": ("video", "video/3gpp"),
}
# fmt: off
TEXT_EXTENSIONS = frozenset([
    ".txt", ".md", ".markdown", ".rst", ".json", ".jsonl", ".yaml", ".yml", ".toml", ".ini", ".cfg",
    ".xml", ".html", ".htm", ".css", ".log", ".tsv", ".sql", ".sh", ".py", ".js", ".ts", ".tsx",
    ".jsx", ".java", ".kt", ".go", ".rs", ".c", ".h", ".cc", ".cpp", ".hpp", ".cs", ".rb", ".php",
    ".swift", ".scala", ".r", ".m", ".tex",
])
# fmt: on


@dataclass(frozen=True)
class FileInfo:
    """What one `files` entry became (for notes and logs; never the bytes)."""

    source: str
    kind: str
    mime_type: str
    size: int | None


def supported_kinds() -> str:
    return "images (png, jpg, webp, gif, heic, bmp, tiff), PDFs and office documents, audio, video and text files"


def sniff(head: bytes) -> tuple[str, str] | None:
    """(block type, mime type) from a file's first bytes, for files whose extension says nothing."""
    checks: list[tuple[bool, tuple[str, str]]] = [
        (head.startswith(b"\x89PNG\r\n\x1a\n"), ("image", "image/png")),
        (head.startswith(b"\xff\xd8\xff"), ("image", "image/jpeg")),
        (head[:6] in (b"GIF87a", b"GIF89a"), ("image", "image/gif")),
        (head[:4] == b"RIFF" and head[8:12] == b"WEBP", ("image", "image/webp")),
        (head[:4] == b"RIFF" and head[8:12] == b"WAVE", ("audio", "audio/wav")),
        (head[:4] == b"RIFF" and head[8:12] == b"AVI ", ("video", "video/avi")),
        (head.startswith(b"BM") and len(head) > 14, ("image", "image/bmp")),
        (head.startswith(b"%PDF-"), ("document", "application/pdf")),
        (head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"), ("audio", "audio/mp3")),
        (head.startswith(b"fLaC"), ("audio", "audio/flac")),
        (head.startswith(b"OggS"), ("audio", "audio/ogg")),
        (head.startswith(b"\x1a\x45\xdf\xa3"), ("video", "video/webm")),
        (head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1"), ("image", "image/heic")),
        (head[4:8] == b"ftyp" and head[8:11] == b"M4A", ("audio", "audio/m4a")),
        (head[4:8] == b"ftyp" and head[8:10] == b"qt", ("video", "video/mov")),
        (head[4:8] == b"ftyp", ("video", "video/mp4")),
    ]
    for matched, result in checks:
        if matched:
            return result
    return None


def _looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return not head
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 3  # a multi-byte character cut at the end of the sample
    return True


def url_block(url: str, field: str = "files") -> tuple[dict[str, Any], FileInfo]:
    """A ``uri`` content block for an https URL (YouTube links become video blocks)."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() != "https" or not parts.netloc:
        raise InvalidRequestError(
            f"{field}: {url[:200]!r} is not an https URL; only https URLs are passed to Gemini (http is refused)"
        )
    host = (parts.hostname or "").lower()
    if host in ("youtu.be", "youtube.com", "www.youtube.com", "m.youtube.com"):
        return {"type": "video", "uri": url.strip()}, FileInfo(url, "video", "video/*", None)
    suffix = PurePosixPath(parts.path).suffix.lower()
    known = EXTENSIONS.get(suffix)
    if known is None:
        raise InvalidRequestError(
            f"{field}: cannot tell what kind of file {url[:200]!r} is from its extension ({suffix or 'none'}). "
            f"URLs must end in a known extension ({supported_kinds()}). For a web page, put the URL in the "
            "prompt and pass tools=['url_context'] instead"
        )
    kind, mime = known
    return {"type": kind, "uri": url.strip(), "mime_type": mime}, FileInfo(url, kind, mime, None)


def _too_big(
    field: str, source: str, size: int | None, limit: int, what: str = "files sent inline"
) -> InvalidRequestError:
    """``size`` None: the file grew past the cap while it was read."""
    said = f"{size / MiB:.1f} MiB" if size is not None else f"more than {limit / MiB:.0f} MiB (it grew while read)"
    return InvalidRequestError(
        f"{field}: {source[:200]!r} is {said}; {what} may be at most {limit / MiB:.0f} MiB. "
        "Pass a smaller file, or an https URL to it"
    )


def local_block(
    path: Path,
    source: str,
    *,
    field: str = "files",
    max_bytes: int = MAX_FILE_BYTES,
    roots: Sequence[Path] | None = None,
) -> tuple[dict[str, Any], FileInfo]:
    """A content block with the file's bytes inline (text files as a text block).

    ``path`` is opened once (`safe_open.open_checked`) and only that descriptor is trusted afterwards. Blocking:
    call from a worker thread.
    """
    with open_checked(path, source, roots if roots is not None else [path.parent], field=field) as opened:
        if opened.size > max_bytes:
            raise _too_big(field, source, opened.size, max_bytes)
        head = opened.head(64)
        if head.startswith(b"-----BEGIN") and b"PRIVATE KEY" in head:
            raise protected_error(source, field)
        suffix = path.suffix.lower()
        known = EXTENSIONS.get(suffix)
        if known is None and suffix not in TEXT_EXTENSIONS:
            known = sniff(head)
        if known is None and (suffix in TEXT_EXTENSIONS or (not suffix and _looks_like_text(head))):
            return _text_block(opened, path.name, source, field)
        if known is None:
            raise InvalidRequestError(
                f"{field}: {source[:200]!r} has an unsupported file type (extension {suffix or 'none'}, and its "
                f"content is not a recognised format). Supported: {supported_kinds()}"
            )
        kind, mime = known
        raw = opened.read_at_most(max_bytes)
    if raw is None:
        raise _too_big(field, source, None, max_bytes)
    logger.debug("files: %r -> %s block (%s, %d bytes)", path.name, kind, mime, len(raw))
    data = base64.b64encode(raw).decode("ascii")
    return {"type": kind, "data": data, "mime_type": mime}, FileInfo(source, kind, mime, len(raw))


def _text_block(opened: OpenedFile, name: str, source: str, field: str) -> tuple[dict[str, Any], FileInfo]:
    if opened.size > MAX_TEXT_BYTES:
        raise _too_big(field, source, opened.size, MAX_TEXT_BYTES, "text files")
    raw = opened.read_at_most(MAX_TEXT_BYTES)
    if raw is None:
        raise _too_big(field, source, None, MAX_TEXT_BYTES, "text files")
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidRequestError(
            f"{field}: {source[:200]!r} is neither a supported media file nor UTF-8 text. Supported: "
            f"{supported_kinds()}"
        ) from None
    block = {"type": "text", "text": f"<file name={name!r}>\n{content}\n</file>"}
    return block, FileInfo(source, "text", "text/plain", len(raw))


def content_blocks(
    files: Sequence[str],
    roots: Sequence[Path],
    *,
    field: str = "files",
    max_file_bytes: int = MAX_FILE_BYTES,
    max_total_bytes: int = MAX_TOTAL_BYTES,
) -> tuple[list[dict[str, Any]], list[FileInfo]]:
    """Content blocks for every entry of `files`, in order. Raises InvalidRequestError naming the entry."""
    if len(files) > MAX_FILES:
        raise InvalidRequestError(f"{field}: at most {MAX_FILES} files per call (got {len(files)})")
    blocks: list[dict[str, Any]] = []
    infos: list[FileInfo] = []
    total = 0
    for index, item in enumerate(files):
        where = f"{field}[{index}]"
        if is_url(item.strip()):
            block, info = url_block(item, where)
        else:
            path = resolve_file(item, roots, field=where)
            block, info = local_block(path, item, field=where, max_bytes=max_file_bytes, roots=roots)
            total += info.size or 0
            if total > max_total_bytes:
                raise InvalidRequestError(
                    f"{field}: the files add up to more than {max_total_bytes / MiB:.0f} MiB sent inline "
                    f"(reached at {where}). Send fewer or smaller files, or https URLs"
                )
        blocks.append(block)
        infos.append(info)
    return blocks, infos


def user_input(prompt: str, blocks: list[dict[str, Any]]) -> str | list[dict[str, Any]]:
    """The create body's ``input``: the bare prompt, or a list of content blocks (files first, then the prompt)."""
    if not blocks:
        return prompt
    return [*blocks, {"type": "text", "text": prompt}]
