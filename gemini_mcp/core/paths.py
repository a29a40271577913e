"""Safe resolution of local paths given in a tool's ``files`` argument.

A path may be absolute, relative to the first allowed root, ``~``-prefixed, a ``file://`` URI, or written with
Windows separators (``docs\\report.pdf``). It is resolved (symlinks followed, ``..`` collapsed) *before* the check
that it lies under one of the allowed roots (``GEMINI_MCP_FILE_ROOTS``; default: the working directory), so
neither ``../`` nor a symlink can leave the roots. Errors name the argument and say what to do, and never
reveal whether a path outside the roots exists.

Some files are never sent even inside a root: secrets by name (``.env``, ``.env.*``, ``.envrc``, ``.netrc``,
``.pgpass``, ``id_*`` SSH keys, ``*.pem``/``*.key`` key files, cloud and package-registry credentials) and every
path registered with ``protect()`` (the HTTP tokens file, the store, the embedded emulator's state), also when
reached through a hard link: ``is_protected_id`` compares device and inode. So a client — or a prompt-injected
model, or another team member — cannot exfiltrate them. Reading happens in ``safe_open``, which trusts only
the opened descriptor.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path, PureWindowsPath
from urllib.parse import unquote, urlsplit

from gemini_mcp.errors import FilePathError

__all__ = [
    "ROOTS_ENV",
    "FilePathError",
    "is_protected",
    "is_protected_id",
    "is_url",
    "protect",
    "resolve_file",
    "resolve_roots",
]

ROOTS_ENV = "GEMINI_MCP_FILE_ROOTS"
_DRIVE_RE = re.compile(r"^[A-Za-z]:[\\/]")
_MAX_PATH_CHARS = 4096
_PROTECTED: set[Path] = set()
#: Secret files by name: dotenv/direnv files, netrc/pgpass, SSH private keys, key files, credential stores.
_SECRET_NAMES = re.compile(
    r"^(\.env(\..*)?|\.envrc|[._]netrc|\.pgpass|\.git-credentials|\.pypirc|\.npmrc|credentials"
    r"|id_[a-z0-9_]+|.*\.(pem|key|p12|pfx))$",
    re.IGNORECASE,
)


def is_url(item: str) -> bool:
    """True for http(s) URLs, which are passed to Gemini as-is instead of being read locally."""
    return item.lower().startswith(("https://", "http://"))


def resolve_roots(roots: Sequence[Path | str] | None) -> list[Path]:
    """The allowed roots, resolved; empty or None means the current working directory."""
    chosen = [Path(r).expanduser() for r in (roots or []) if str(r).strip()] or [Path.cwd()]
    return [r.resolve() for r in chosen]


def protect(*paths: Path | str) -> None:
    """Never send these files (or anything under these directories) as ``files``, whatever the roots say."""
    for path in paths:
        _PROTECTED.add(Path(path).expanduser().resolve())


def is_protected(resolved: Path) -> bool:
    """True for secret files by name and for registered files/directories (``resolved`` must be resolved)."""
    if _SECRET_NAMES.match(resolved.name):
        return True
    return any(resolved == p or resolved.is_relative_to(p) for p in _PROTECTED)


def is_protected_id(device: int, inode: int) -> bool:
    """True when (device, inode) is a registered protected file, whatever name (hard link) reached it.

    Registered paths are looked up at each call, so a file created or replaced after ``protect()`` (the
    store's -wal file, a rewritten tokens file) is covered too.
    """
    for path in _PROTECTED:
        try:
            info = path.stat()
        except OSError:
            continue
        if (info.st_dev, info.st_ino) == (device, inode):
            return True
    return False


def _describe(roots: Sequence[Path]) -> str:
    return ", ".join(str(r) for r in roots)


def _to_native(item: str, field: str) -> Path:
    """Turn the user's spelling of a path into a native Path, before resolution."""
    text = item.strip()
    if not text:
        raise FilePathError(f"{field}: empty path")
    if len(text) > _MAX_PATH_CHARS:
        raise FilePathError(f"{field}: path longer than {_MAX_PATH_CHARS} characters")
    if "\x00" in text:
        raise FilePathError(f"{field}: path contains a NUL character")
    if text.lower().startswith("file://"):
        parts = urlsplit(text)
        if parts.netloc not in ("", "localhost"):
            raise FilePathError(f"{field}: file:// URIs on another host ({parts.netloc}) are not supported")
        text = unquote(parts.path)
        if os.name != "nt" and _DRIVE_RE.match(text.lstrip("/")):
            text = text.lstrip("/")
    if os.name != "nt":
        if _DRIVE_RE.match(text) or text.startswith("\\\\"):
            win = PureWindowsPath(text)
            raise FilePathError(
                f"{field}: {text!r} is a Windows path, but this server runs on {os.uname().sysname} and reads "
                f"files from its own disk. Give a path under the allowed roots ({ROOTS_ENV}) on the server's machine, "
                f"or an https URL (file name: {win.name!r})"
            )
        if "\\" in text:
            text = text.replace("\\", "/")
    return Path(text).expanduser()


def protected_error(item: str, field: str) -> FilePathError:
    return FilePathError(
        f"{field}: {item.strip()[:200]!r} is a protected file of this server (secrets, tokens or its data "
        "store) and is never sent"
    )


def resolve_file(item: str, roots: Sequence[Path], *, field: str = "files") -> Path:
    """The real path of an existing regular file under one of ``roots`` (already resolved), or FilePathError."""
    candidate = _to_native(item, field)
    base = roots[0] if roots else Path.cwd().resolve()
    if not candidate.is_absolute():
        candidate = base / candidate
    outside = FilePathError(
        f"{field}: {item.strip()[:200]!r} is outside the allowed file roots ({_describe(roots)}). "
        f"Use a path under them, or set {ROOTS_ENV} to a comma-separated list of directories the server may read"
    )
    try:
        resolved = candidate.resolve(strict=False)
    except (OSError, RuntimeError):  # symlink loops, permission problems on a parent
        raise outside from None
    if not any(resolved.is_relative_to(root) for root in roots):
        raise outside
    if is_protected(resolved):
        raise protected_error(item, field)
    try:
        if not resolved.exists():
            raise FilePathError(f"{field}: {item.strip()[:200]!r} does not exist (looked at {resolved})")
        if not resolved.is_file():
            raise FilePathError(f"{field}: {item.strip()[:200]!r} is not a regular file")
        if not os.access(resolved, os.R_OK):
            raise FilePathError(f"{field}: {item.strip()[:200]!r} is not readable by the server")
    except OSError as exc:
        raise FilePathError(f"{field}: {item.strip()[:200]!r} cannot be read: {exc.strerror or exc}") from None
    return resolved
