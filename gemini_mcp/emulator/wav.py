"""A small, valid WAV (RIFF, 16-bit PCM mono) built with struct: what the emulator's speech models return.

Each speaker's segment is a sine tone whose pitch derives from the voice name, and a ``LIST/INFO`` chunk
names the voices (``ICMT``: ``voice=<v>; language=<l>; speaker=<s>`` per speaker) so a test can check
that ``speech_config`` was honoured. ``wave`` and any audio player read the file (they skip INFO chunks).
"""

from __future__ import annotations

import base64
import hashlib
import math
import struct
from dataclasses import dataclass

SAMPLE_RATE = 24000
MIME_TYPE = "audio/wav"
MIME_TYPES = ("audio/wav", "audio/l16")  # what the emulator encodes


@dataclass(frozen=True)
class Speaker:
    voice: str
    language: str | None = None
    speaker: str | None = None

    def describe(self) -> str:
        parts = [f"voice={self.voice}"]
        if self.language:
            parts.append(f"language={self.language}")
        if self.speaker:
            parts.append(f"speaker={self.speaker}")
        return "; ".join(parts)


def pitch(voice: str) -> float:
    """A tone between 180 and 420 Hz that depends only on the voice name."""
    return 180.0 + hashlib.sha256(voice.lower().encode("utf-8")).digest()[0] * (240.0 / 255.0)


def duration(text: str) -> float:
    """About a tenth of a second per word, between 0.2 and 1.0 s (keeps the clip small)."""
    return min(1.0, max(0.2, 0.1 * len(text.split())))


def _tone(frequency: float, seconds: float, rate: int) -> bytes:
    count = int(seconds * rate)
    return b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * frequency * i / rate))) for i in range(count))


def _chunk(kind: bytes, data: bytes) -> bytes:
    pad = b"\0" if len(data) % 2 else b""
    return kind + struct.pack("<I", len(data)) + data + pad


def make_pcm(text: str, speakers: list[Speaker], rate: int = SAMPLE_RATE) -> bytes:
    """Raw mono 16-bit little-endian PCM (``audio/l16``): one tone per speaker, ``duration(text)`` in total."""
    voices = speakers or [Speaker("Kore")]
    seconds = duration(text) / len(voices)
    return b"".join(_tone(pitch(s.voice), seconds, rate) for s in voices)


def make_wav(text: str, speakers: list[Speaker], rate: int = SAMPLE_RATE) -> bytes:
    """The PCM of :func:`make_pcm` in a WAV file, with the voices named in an INFO comment."""
    voices = speakers or [Speaker("Kore")]
    pcm = make_pcm(text, voices, rate)
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    comment = " | ".join(s.describe() for s in voices).encode("utf-8") + b"\0"
    info = _chunk(b"LIST", b"INFO" + _chunk(b"ICMT", comment))
    body = b"WAVE" + _chunk(b"fmt ", fmt) + info + _chunk(b"data", pcm)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def audio_base64(text: str, speakers: list[Speaker], rate: int = SAMPLE_RATE, mime_type: str = MIME_TYPE) -> str:
    """``audio/wav`` (default) or raw ``audio/l16``, base64."""
    data = make_pcm(text, speakers, rate) if mime_type == "audio/l16" else make_wav(text, speakers, rate)
    return base64.b64encode(data).decode("ascii")
