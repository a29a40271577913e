"""Generated media read from steps: raw PCM audio becomes WAV, links stay links, images and audio in order."""

from __future__ import annotations

import base64
import io
import struct
import wave

from gemini_mcp.core.generated import audio, images


def test_raw_pcm_audio_is_wrapped_as_wav_and_links_are_kept() -> None:
    pcm = struct.pack("<4h", 0, 1000, -1000, 0)
    steps = [
        {
            "type": "model_output",
            "content": [
                {
                    "type": "audio",
                    "mime_type": "audio/L16;codec=pcm;rate=16000",
                    "data": base64.b64encode(pcm).decode(),
                },
                {"type": "audio", "mime_type": "audio/mp3", "uri": "https://example.com/a.mp3"},
            ],
        }
    ]
    wav_clip, linked = audio(steps)
    with wave.open(io.BytesIO(base64.b64decode(wav_clip.data or ""))) as clip:
        assert wav_clip.mime_type == "audio/wav" and clip.getframerate() == 16000 and clip.readframes(4) == pcm
    assert (linked.mime_type, linked.data, linked.uri) == ("audio/mp3", None, "https://example.com/a.mp3")


def test_images_and_audio_are_listed_in_order_with_data_or_uri() -> None:
    steps = [
        {"type": "user_input", "content": [{"type": "image", "data": "aW4=", "mime_type": "image/png"}]},
        {
            "type": "model_output",
            "content": [
                {"type": "text", "text": "Here."},
                {"type": "image", "uri": "https://example.com/big.png", "mime_type": "image/png"},
                {"type": "image", "data": "b3V0", "mime_type": "image/jpeg"},
                {"type": "audio", "data": "UklGRg==", "mime_type": "audio/wav"},
            ],
        },
    ]
    assert [(i.mime_type, i.data, i.uri) for i in images(steps)] == [
        ("image/png", None, "https://example.com/big.png"),
        ("image/jpeg", "b3V0", None),
    ]
    assert [(a.mime_type, a.data) for a in audio(steps)] == [("audio/wav", "UklGRg==")]
