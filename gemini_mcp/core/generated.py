"""Images and audio a model generated, read from an interaction's ``model_output`` steps.

A block carries base64 ``data`` or a ``uri`` (Files API). Raw PCM audio (``audio/l16``, Gemini's speech
default) is wrapped into a WAV file so every client can play it. The index of an item is the ``n`` of its
``gemini://interactions/{id}/images/{n}`` or ``.../audio/{n}`` resource. Knows nothing about MCP.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
from dataclasses import dataclass
from typing import Any

from gemini_mcp.gemini.jsonwalk import as_dict, as_list

PCM_RATE = 24000  # Gemini's speech models' sample rate when the block does not say
_RATE = re.compile(r"rate=(\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class MediaData:
    """One generated image or audio clip: base64 ``data`` and/or a ``uri`` Gemini gave."""

    mime_type: str
    data: str | None
    uri: str | None


def _media(steps: list[dict[str, Any]], kind: str, default_mime: str) -> list[MediaData]:
    out: list[MediaData] = []
    for step in steps:
        if step.get("type") != "model_output":
            continue
        for block in map(as_dict, as_list(step.get("content"))):
            if block.get("type") == kind and (block.get("data") or block.get("uri")):
                mime = str(block.get("mime_type") or default_mime)
                data = str(block["data"]) if block.get("data") else None
                if kind == "audio" and data is not None and mime.lower().startswith("audio/l16"):
                    mime, data = "audio/wav", pcm_to_wav(data, mime, block)
                out.append(MediaData(mime_type=mime, data=data, uri=str(block["uri"]) if block.get("uri") else None))
    return out


def images(steps: list[dict[str, Any]]) -> list[MediaData]:
    """Images in the model's output, in order."""
    return _media(steps, "image", "image/png")


def audio(steps: list[dict[str, Any]]) -> list[MediaData]:
    """Audio clips in the model's output, in order (raw PCM returned as WAV)."""
    return _media(steps, "audio", "audio/wav")


def pcm_to_wav(data: str, mime: str, block: dict[str, Any]) -> str:
    """Base64 16-bit little-endian mono PCM -> base64 WAV (rate from the block or the MIME type's ``rate=``)."""
    try:
        pcm = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return data
    match = _RATE.search(mime)
    raw_rate = block.get("sample_rate") or (match.group(1) if match else PCM_RATE)
    rate = int(raw_rate) if str(raw_rate).isdigit() else PCM_RATE
    channels = int(block.get("channels") or 1)
    fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * 2 * channels, 2 * channels, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(pcm)) + pcm
    return base64.b64encode(b"RIFF" + struct.pack("<I", len(body)) + body).decode("ascii")
