"""Open a `files` entry once, then trust only the descriptor (no check-then-use race).

`paths.resolve_file` resolves and checks the path; a principal who can write inside a root may swap it
(a symlink, a FIFO, a growing file, a hard link to a secret) before it is read. So the file is opened with
``O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC`` (a swapped-in symlink fails, a FIFO does not block), and everything
else is decided from the descriptor: ``fstat`` says a regular file within the cap whose device+inode is not
a protected file, its real path (``/proc/self/fd``) lies under the roots and is not protected by name, and at
most cap+1 bytes are read from that same descriptor. Blocking: call it from a worker thread.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gemini_mcp.core.paths import is_protected, is_protected_id, protected_error
from gemini_mcp.errors import FilePathError

__all__ = ["OpenedFile", "open_checked"]

_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_CHUNK = 1024 * 1024


@dataclass
class OpenedFile:
    """An open, checked regular file. Close it (or use ``with``)."""

    fd: int
    real_path: Path
    size: int

    def __enter__(self) -> OpenedFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def head(self, count: int = 64) -> bytes:
        return os.pread(self.fd, count, 0)

    def read_at_most(self, limit: int) -> bytes | None:
        """The whole file, or None when it holds more than ``limit`` bytes (it may have grown since fstat)."""
        parts: list[bytes] = []
        total = 0
        offset = 0
        while total <= limit:
            chunk = os.pread(self.fd, min(_CHUNK, limit + 1 - total), offset)
            if not chunk:
                return b"".join(parts)
            parts.append(chunk)
            total += len(chunk)
            offset += len(chunk)
        return None


def _real_path(fd: int) -> Path | None:
    """Where the descriptor really points (Linux: /proc/self/fd; macOS: F_GETPATH), None if unknown."""
    try:
        return Path(os.readlink(f"/proc/self/fd/{fd}"))
    except OSError:
        pass
    if sys.platform == "darwin":  # pragma: no cover - exercised on macOS only
        import fcntl

        try:
            raw = fcntl.fcntl(fd, getattr(fcntl, "F_GETPATH", 50), b"\0" * 1024)
            return Path(raw.rstrip(b"\0").decode())
        except OSError:
            return None
    return None  # pragma: no cover


def _open_error(exc: OSError, item: str, field: str, resolved: Path) -> FilePathError:
    shown = repr(item.strip()[:200])
    if exc.errno in (errno.ELOOP, errno.EMLINK):
        return FilePathError(f"{field}: {shown} changed into a symbolic link while it was being read; not sent")
    if exc.errno == errno.ENOENT:
        return FilePathError(f"{field}: {shown} does not exist (looked at {resolved})")
    if exc.errno == errno.EACCES:
        return FilePathError(f"{field}: {shown} is not readable by the server")
    return FilePathError(f"{field}: {shown} cannot be read: {exc.strerror or exc}")


def _inside(real: Path, roots: Sequence[Path]) -> bool:
    return any(real.is_relative_to(root) for root in roots)


def open_checked(resolved: Path, item: str, roots: Sequence[Path], *, field: str) -> OpenedFile:
    """Open ``resolved`` (from ``paths.resolve_file``) and re-check it through the descriptor.

    Raises FilePathError naming ``field`` for a symlink, a non-regular file (FIFO, device), a protected file
    (by name, real path, or device+inode) or one whose real path left the roots.
    """
    try:
        fd = os.open(resolved, _FLAGS)
    except OSError as exc:
        raise _open_error(exc, item, field, resolved) from None
    try:
        info = os.fstat(fd)
        shown = repr(item.strip()[:200])
        if not stat.S_ISREG(info.st_mode):
            raise FilePathError(f"{field}: {shown} is not a regular file")
        if is_protected_id(info.st_dev, info.st_ino):
            raise protected_error(item, field)
        real = _real_path(fd)
        if real is None:  # pragma: no cover - no /proc and no F_GETPATH: the path must still be this file
            again = os.stat(resolved, follow_symlinks=False)
            real = resolved if (again.st_dev, again.st_ino) == (info.st_dev, info.st_ino) else Path("/")
        if not _inside(real, roots):
            raise FilePathError(f"{field}: {shown} left the allowed file roots while it was being read; not sent")
        if is_protected(real):
            raise protected_error(item, field)
        return OpenedFile(fd, real, info.st_size)
    except BaseException:
        os.close(fd)
        raise
