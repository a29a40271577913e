"""Audio and images out through an MCP client: speech models answer with WAV audio content (also when streamed),
image_config shapes the picture, media Gemini gives only by link become resource links, gemini://models says
which models take which settings."""

from __future__ import annotations

import base64
import io
import json
import struct
import wave

from mcp.types import AudioContent, BlobResourceContents, ImageContent, ResourceLink, TextResourceContents

from gemini_mcp.config import Settings
from gemini_mcp.emulator.server import Emulator

from .harness import creates, data, open_client, text
from .test_streaming import Progress, token_client

TTS = "gemini-3.1-flash-tts-preview"
IMAGE = "gemini-3-pro-image"


def wav_voice(raw: bytes) -> tuple[tuple[int, int, int, int], str]:
    """(channels, sample width, rate, frames) of the clip (it must open as WAV) and the voice comment the emulator
    puts in its INFO chunk."""
    with wave.open(io.BytesIO(raw)) as clip:
        shape = (clip.getnchannels(), clip.getsampwidth(), clip.getframerate(), clip.getnframes())
    comment = raw[raw.index(b"ICMT") + 8 :].split(b"\0", 1)[0].decode()
    return shape, comment


async def test_a_speech_model_answers_with_wav_audio_in_the_asked_voice(settings: Settings, emulator: Emulator) -> None:
    async with open_client(settings) as client:
        result = await client.call_tool(
            "ask_gemini",
            {"prompt": "Say: good morning everyone", "model": TTS, "voice": "puck", "response_modalities": ["audio"]},
        )
        answer = data(result)
        resource = await client.read_resource(answer["audio"][0]["uri"])
        again = data(
            await client.call_tool("ask_gemini", {"prompt": "Say: bye", "conversation_id": answer["conversation_id"]})
        )
    bodies = creates(emulator)
    assert bodies[0]["generation_config"] == {"speech_config": [{"voice": "Puck"}]}
    assert bodies[0]["response_modalities"] == ["audio"]
    assert bodies[0]["response_format"] == [{"type": "audio", "mime_type": "audio/wav"}]
    assert bodies[1]["generation_config"] == {"speech_config": [{"voice": "Puck"}]}  # the voice is remembered
    [clip_block] = [c for c in result.content if isinstance(c, AudioContent)]
    assert clip_block.mime_type == "audio/wav"
    raw = base64.b64decode(clip_block.data)
    (channels, width, rate, frames), comment = wav_voice(raw)
    assert (channels, width, rate) == (1, 2, 24000) and frames > 0
    assert comment == "voice=Puck"
    assert answer["audio"] == [
        {
            "index": 0,
            "mime_type": "audio/wav",
            "uri": f"gemini://interactions/{answer['interaction_id']}/audio/0",
            "source_uri": None,
        }
    ]
    assert answer["usage"]["output_tokens_by_modality"]["audio"] > 0
    assert f"[audio 0: audio/wav, {answer['audio'][0]['uri']}]" in text(result)
    blob = resource.contents[0]
    assert isinstance(blob, BlobResourceContents) and blob.mime_type == "audio/wav"
    assert base64.b64decode(blob.blob) == raw
    assert again["audio"] and again["audio"][0]["uri"].endswith("/audio/0")


async def test_streamed_audio_deltas_come_back_as_audio_content(settings: Settings, emulator: Emulator) -> None:
    progress = Progress()
    async with token_client(settings) as client:
        result = await client.call_tool(
            "ask_gemini", {"prompt": "Say: streaming works", "model": TTS, "voice": "Kore"}, progress_callback=progress
        )
    assert creates(emulator)[0]["stream"] is True
    [clip_block] = [c for c in result.content if isinstance(c, AudioContent)]
    _, comment = wav_voice(base64.b64decode(clip_block.data))
    assert comment == "voice=Kore"
    assert data(result)["audio"][0]["mime_type"] == "audio/wav"


async def test_image_config_shapes_the_picture(settings: Settings, emulator: Emulator) -> None:
    async with open_client(settings) as client:
        result = await client.call_tool(
            "ask_gemini",
            {
                "prompt": "A wide beach",
                "model": IMAGE,
                "image_config": {"aspect_ratio": "16:9", "image_size": "2K"},
                "response_modalities": ["image"],
            },
        )
    body = creates(emulator)[0]
    assert body["response_format"] == [{"type": "image", "aspect_ratio": "16:9", "image_size": "2K"}]
    assert body["response_modalities"] == ["image"] and "generation_config" not in body
    [picture] = [c for c in result.content if isinstance(c, ImageContent)]
    raw = base64.b64decode(picture.data)
    assert struct.unpack(">II", raw[16:24]) == (64, 36)
    assert data(result)["text"] == ""


async def test_an_image_given_only_by_link_is_passed_on_as_a_resource_link(
    settings: Settings, emulator: Emulator
) -> None:
    async with open_client(settings) as client:
        result = await client.call_tool(
            "ask_gemini", {"prompt": "A huge map", "model": IMAGE, "image_config": {"image_size": "4K"}}
        )
    answer = data(result)
    [image] = answer["images"]
    assert image["source_uri"].startswith("https://generativelanguage.googleapis.com/v1beta/files/")
    assert image["uri"] == image["source_uri"]
    [link] = [c for c in result.content if isinstance(c, ResourceLink)]
    assert (str(link.uri), link.mime_type, link.name) == (image["uri"], "image/png", "image-0")
    assert not [c for c in result.content if isinstance(c, ImageContent)]


async def test_models_resource_says_which_models_take_audio_and_image_settings(settings: Settings) -> None:
    async with open_client(settings) as client:
        resource = await client.read_resource("gemini://models")
    body = resource.contents[0]
    assert isinstance(body, TextResourceContents)
    catalog = json.loads(body.text)
    by_id = {m["id"]: m for m in catalog["models"]}
    assert by_id[TTS]["output_modalities"] == ["audio"] and by_id[TTS]["takes"] == ["voice"]
    assert by_id[IMAGE]["output_modalities"] == ["text", "image"] and by_id[IMAGE]["takes"] == ["image_config"]
    assert "takes" not in by_id["gemini-3.8-flash"]
    assert "Kore" in catalog["voices"]
