"""A small, valid PNG built with zlib + struct (what the emulator's image models return)."""

from __future__ import annotations

import base64
import hashlib
import struct
import zlib


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def make_png(seed: str, width: int = 32, height: int | None = None) -> bytes:
    """An RGB ``width``x``height`` gradient whose colours depend on ``seed`` (deterministic)."""
    height = width if height is None else height
    r0, g0, b0 = hashlib.sha256(seed.encode("utf-8")).digest()[:3]
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type: none
        for x in range(width):
            rows += bytes(((r0 + 4 * x) % 256, (g0 + 4 * y) % 256, (b0 + 2 * (x + y)) % 256))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(bytes(rows)))
        + _chunk(b"IEND", b"")
    )


def png_base64(seed: str, width: int = 32, height: int | None = None) -> str:
    return base64.b64encode(make_png(seed, width, height)).decode("ascii")
