"""Which directories `files` may read: the client's roots capped by GEMINI_MCP_FILE_ROOTS, else a safe cwd.

Policy only (no MCP): `server/roots.py` fetches the client's roots and hands them here as paths.
- The client declares roots: files are readable under them, and when GEMINI_MCP_FILE_ROOTS is set only
  under both (the server's setting is a ceiling the client cannot widen).
- No client roots: GEMINI_MCP_FILE_ROOTS when set, else the working directory, except when that is `/`,
  the home directory itself or a system directory (desktop apps start servers in `/`): then no local
  file is readable and the error says to set GEMINI_MCP_FILE_ROOTS.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from gemini_mcp.core.paths import ROOTS_ENV, is_url
from gemini_mcp.errors import FilePathError

#: Directories (and everything under them) that never serve as the default root.
SYSTEM_TREES = ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/run", "/sbin")
SYSTEM_TREES_MORE = ("/sys", "/usr", "/System", "/Library", "/private/etc", "C:\\Windows", "C:\\Program Files")
#: Directories that are too wide to be the default root themselves (their subdirectories are fine).
WIDE_DIRS = ("/", "/home", "/Users", "/root", "/var", "/opt", "/srv", "/mnt", "/media", "/tmp", "/private", "C:\\")


@dataclass(frozen=True)
class FileRoots:
    """The directories local `files` may be read from, or why none may be (`refusal`)."""

    paths: tuple[Path, ...]
    refusal: str = ""

    def for_files(self, files: Sequence[str], field: str = "files") -> list[Path]:
        """The roots to check `files` against; FilePathError when a local path is given and none is readable."""
        if self.paths or all(is_url(item.strip()) for item in files):
            return list(self.paths)
        raise FilePathError(f"{field}: {self.refusal}")


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (a server there shares the client's disk)."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def unsafe_default(directory: Path) -> str:
    """Why `directory` (resolved) must not be the default root, or "" when it may."""
    text = str(directory)
    if text in WIDE_DIRS or directory.parent == directory:
        return f"the working directory is {text}, far wider than a project"
    if directory == Path.home().resolve():
        return f"the working directory is your home directory ({text}), which holds keys and credentials"
    for tree in SYSTEM_TREES + SYSTEM_TREES_MORE:
        if text == tree or text.startswith(tree.rstrip("/\\") + os.sep):
            return f"the working directory is a system directory ({text})"
    return ""


def _resolved(paths: Sequence[Path | str]) -> list[Path]:
    return [Path(p).expanduser().resolve() for p in paths if str(p).strip()]


def server_roots(setting: Sequence[Path | str], cwd: Path | None = None) -> FileRoots:
    """Without client roots: GEMINI_MCP_FILE_ROOTS, else the working directory when that is safe."""
    if chosen := _resolved(setting):
        return FileRoots(tuple(chosen))
    here = (cwd or Path.cwd()).resolve()
    why = unsafe_default(here)
    if not why:
        return FileRoots((here,))
    return FileRoots(
        (),
        f"no local file is readable: {why}, and {ROOTS_ENV} is not set. Set {ROOTS_ENV} in the server's env "
        "block to the directories it may read (comma-separated), or use a client that shares its workspace "
        "roots; https URLs work regardless",
    )


def client_roots(client: Sequence[Path], setting: Sequence[Path | str]) -> FileRoots:
    """The client's roots, each narrowed to GEMINI_MCP_FILE_ROOTS when that is set."""
    offered = _resolved(client)
    ceiling = _resolved(setting)
    if not ceiling:
        kept = offered
    else:
        kept = [c for c in offered if any(c.is_relative_to(s) for s in ceiling)]
        kept += [s for s in ceiling if any(s.is_relative_to(c) for c in offered) and s not in kept]
    if kept:
        return FileRoots(tuple(dict.fromkeys(kept)))
    if not offered:
        return FileRoots((), "no local file is readable: the client shares no roots (no workspace folder is open)")
    return FileRoots(
        (),
        f"no local file is readable: the client's roots ({_describe(offered)}) all lie outside {ROOTS_ENV} "
        f"({_describe(ceiling)}), which limits what this server may read",
    )


def root_paths(uris: Sequence[str]) -> list[Path]:
    """Local paths of the client's `file://` root URIs (other schemes name nothing on this disk)."""
    paths: list[Path] = []
    for uri in uris:
        parts = urlsplit(uri)
        if parts.scheme.lower() == "file" and parts.netloc in ("", "localhost"):
            paths.append(Path(unquote(parts.path)))
    return paths


def _describe(paths: Sequence[Path]) -> str:
    return ", ".join(str(p) for p in paths)


def describe(setting: Sequence[Path | str], *, client_roots_apply: bool, cwd: Path | None = None) -> str:
    """The file policy in a few words, for the start-up line and `check`."""
    ceiling = _resolved(setting)
    fallback = server_roots(setting, cwd)
    if client_roots_apply and ceiling:
        return f"from the client's roots, within {_describe(ceiling)} ({ROOTS_ENV})"
    if ceiling:
        return f"under {_describe(ceiling)} ({ROOTS_ENV})"
    here = (cwd or Path.cwd()).resolve()
    own = (
        f"under {_describe(fallback.paths)} (the working directory)"
        if fallback.paths
        else f"none ({unsafe_default(here)}; set {ROOTS_ENV})"
    )
    if client_roots_apply:
        return f"from the client's roots; without them {own}"
    return own
