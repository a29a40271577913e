# pyright: reportAttributeAccessIssue=false, reportArgumentType=false, reportOptionalMemberAccess=false, reportOptionalSubscript=false, reportIndexIssue=false, reportCallIssue=false, reportOptionalOperand=false, reportGeneralTypeIssues=false, reportOperatorIssue=false, reportOptionalIterable=false
"""Issue 14 behaviours through the unmodified SDK, each test run with the async AND the sync client:
speech models (WAV + speech_config), image_config, service_tier, tool_choice, seed, stop_sequences,
failed interactions, file_search and mcp_server steps, and Google's 400s for bad settings."""

from __future__ import annotations

import base64
import io
import json
import struct
import wave
import zlib
from collections.abc import AsyncIterator
from functools import partial
from typing import Any

import anyio
import pytest
from google import genai
from google.genai import _interactions as gi

from gemini_mcp.emulator import Fault
from gemini_mcp.emulator.server import Emulator

from .helpers import AGENT, MODEL, make_client

TTS = "gemini-3.1-flash-tts-preview"
IMAGE = "gemini-3-pro-image"
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "parameters": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]},
}


class Sdk:
    """The same calls through ``client.aio.interactions`` or (in a worker thread) ``client.interactions``."""

    def __init__(self, client: genai.Client, mode: str) -> None:
        self.client, self.mode = client, mode

    async def _run(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if self.mode == "async":
            return await getattr(self.client.aio.interactions, name)(*args, **kwargs)
        return await anyio.to_thread.run_sync(partial(getattr(self.client.interactions, name), *args, **kwargs))

    async def create(self, **kwargs: Any) -> Any:
        with anyio.fail_after(20):
            return await self._run("create", **kwargs)

    async def get(self, interaction_id: str) -> Any:
        with anyio.fail_after(20):
            return await self._run("get", interaction_id)

    async def events(self, **kwargs: Any) -> list[Any]:
        with anyio.fail_after(20):
            if self.mode == "async":
                return [e async for e in await self.client.aio.interactions.create(stream=True, **kwargs)]
            return await anyio.to_thread.run_sync(lambda: list(self.client.interactions.create(stream=True, **kwargs)))


@pytest.fixture(params=["async", "sync"])
async def sdk(request: pytest.FixtureRequest, emulator: Emulator) -> AsyncIterator[Sdk]:
    client = make_client(emulator.base_url)
    try:
        yield Sdk(client, request.param)
    finally:
        await client.aio.aclose()
        client.close()


def read_wav(b64: str) -> tuple[wave.Wave_read, str]:
    data = base64.b64decode(b64)
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    assert struct.unpack("<I", data[4:8])[0] == len(data) - 8
    comment = data[data.index(b"ICMT") + 8 :].split(b"\0", 1)[0].decode()
    return wave.open(io.BytesIO(data)), comment


def png_size(b64: str) -> tuple[int, int]:
    data = base64.b64decode(b64)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    idat_len = struct.unpack(">I", data[33:37])[0]
    assert len(zlib.decompress(data[41 : 41 + idat_len])) == height * (1 + 3 * width)
    return width, height


async def test_speech_model_answers_with_a_wav_in_the_asked_voice(sdk: Sdk, emulator: Emulator) -> None:
    speech = [{"voice": "Puck", "language": "en-US"}]
    inter = await sdk.create(
        model=TTS,
        input="Say cheerfully: have a wonderful day",
        response_modalities=["audio"],
        generation_config={"speech_config": speech},
    )
    assert inter.status == "completed"
    [block] = inter.steps[-1].content
    assert block.type == "audio" and block.mime_type == "audio/wav"
    assert (block.sample_rate, block.channels) == (24000, 1)
    clip, comment = read_wav(block.data)
    assert (clip.getnchannels(), clip.getsampwidth(), clip.getframerate()) == (1, 2, 24000)
    assert 0.2 <= clip.getnframes() / 24000 <= 1.0
    assert comment == "voice=Puck; language=en-US"
    assert inter.output_audio is not None and inter.output_text in (None, "")
    assert {m.modality for m in inter.usage.output_tokens_by_modality} >= {"audio"}
    assert emulator.requests[-1].body["generation_config"] == {"speech_config": speech}
    other = await sdk.create(
        model=TTS,
        input="Say cheerfully: have a wonderful day",
        generation_config={"speech_config": [{"voice": "Kore"}]},
    )
    other_clip, other_comment = read_wav(other.steps[-1].content[0].data)
    assert other_comment == "voice=Kore"
    assert other_clip.readframes(2400) != read_wav(block.data)[0].readframes(2400)  # another voice, another pitch


async def test_multi_speaker_speech_and_streamed_audio(sdk: Sdk) -> None:
    speakers = {"speakers": [{"voice": "Kore", "speaker": "Ann"}, {"voice": "Charon", "speaker": "Bob"}]}
    events = await sdk.events(model=TTS, input="Ann: Hi! Bob: Hello.", generation_config={"speech_config": speakers})
    [audio] = [e.delta for e in events if e.event_type == "step.delta" and e.delta.type == "audio"]
    assert audio.mime_type == "audio/wav" and audio.sample_rate == 24000
    _, comment = read_wav(audio.data)
    assert comment == "voice=Kore; speaker=Ann | voice=Charon; speaker=Bob"
    assert events[-1].event_type == "interaction.completed" and events[-1].interaction.status == "completed"


async def test_image_format_shapes_the_png(sdk: Sdk, emulator: Emulator) -> None:
    wide_format = {"type": "image", "aspect_ratio": "16:9", "image_size": "2K"}
    wide = await sdk.create(model=IMAGE, input="A wide beach", response_format=[wide_format])
    assert [b.type for b in wide.steps[-1].content] == ["text", "image"]
    assert png_size(wide.steps[-1].content[1].data) == (64, 36)
    assert emulator.requests[-1].body["response_format"] == [wide_format]
    tall = await sdk.create(
        model=IMAGE,
        input="A tall tower",
        response_modalities=["image"],
        response_format={"type": "image", "aspect_ratio": "9:16"},
    )
    [image] = tall.steps[-1].content
    assert image.type == "image" and png_size(image.data) == (18, 32)
    linked = await sdk.create(model=IMAGE, input="A fox", response_format=[{"type": "image", "delivery": "uri"}])
    block = linked.steps[-1].content[1]
    assert block.data is None and block.uri.startswith("https://generativelanguage.googleapis.com/v1beta/files/")
    big = await sdk.create(model=IMAGE, input="A fox", response_format=[{"type": "image", "image_size": "4K"}])
    assert big.steps[-1].content[1].uri and big.steps[-1].content[1].data is None  # 4K: a link by default
    inline = {"type": "image", "image_size": "4K", "delivery": "inline"}
    assert png_size(
        (await sdk.create(model=IMAGE, input="A fox", response_format=inline)).steps[-1].content[1].data
    ) == (
        128,
        128,
    )


async def test_deprecated_generation_config_image_config_still_works(sdk: Sdk) -> None:
    with pytest.warns(DeprecationWarning):  # the SDK marks ImageConfig deprecated in favour of response_format
        inter = await sdk.create(
            model=IMAGE,
            input="A square",
            generation_config={"image_config": {"aspect_ratio": "4:3", "image_size": "512"}},
        )
    assert png_size(inter.steps[-1].content[1].data) == (16, 12)


async def test_audio_format_raw_pcm_and_uri_delivery(sdk: Sdk) -> None:
    pcm = await sdk.create(
        model=TTS,
        input="one two three four",
        response_format={"type": "audio", "mime_type": "audio/l16", "sample_rate": 16000},
    )
    [block] = pcm.steps[-1].content
    assert (block.mime_type, block.sample_rate) == ("audio/l16", 16000)
    assert len(base64.b64decode(block.data)) == 2 * int(0.4 * 16000)  # 0.1 s per word, 16-bit mono
    linked = await sdk.create(model=TTS, input="hello", response_format={"type": "audio", "delivery": "uri"})
    [link] = linked.steps[-1].content
    assert link.mime_type == "audio/wav" and link.uri and link.data is None


async def test_json_mode_without_a_schema(sdk: Sdk) -> None:
    inter = await sdk.create(
        model=MODEL, input="as json", response_format={"type": "text", "mime_type": "application/json"}
    )
    assert json.loads(inter.output_text)["answer"].startswith('You said: "as json"')


async def test_service_tier_is_echoed(sdk: Sdk) -> None:
    inter = await sdk.create(model=MODEL, input="cheap please", service_tier="flex")
    assert inter.service_tier == "flex"
    assert (await sdk.get(inter.id)).service_tier == "flex"
    events = await sdk.events(model=MODEL, input="cheap please", service_tier="priority")
    assert events[0].interaction.service_tier == "priority" and events[-1].interaction.service_tier == "priority"
    research = await sdk.create(agent=AGENT, input="tides", background=True, service_tier="flex")
    assert research.service_tier == "flex"


async def test_tool_choice_none_any_and_allowed_tools(sdk: Sdk) -> None:
    none = await sdk.create(
        model=MODEL, input="Weather in Oslo?", tools=[WEATHER], generation_config={"tool_choice": "none"}
    )
    assert none.status == "completed" and not [s for s in none.steps if s.type == "function_call"]
    first = await sdk.create(
        model=MODEL, input="Weather in Oslo?", tools=[WEATHER], generation_config={"tool_choice": "any"}
    )
    [call] = [s for s in first.steps if s.type == "function_call"]
    result = {"type": "function_result", "call_id": call.id, "name": call.name, "result": "cold"}
    forced = await sdk.create(
        model=MODEL,
        input=[result],
        previous_interaction_id=first.id,
        tools=[WEATHER],
        generation_config={"tool_choice": "any"},
    )
    assert forced.status == "requires_action"  # `any` calls a function even right after a result
    auto = await sdk.create(model=MODEL, input=[result], previous_interaction_id=first.id, tools=[WEATHER])
    assert auto.status == "completed" and "returned cold" in auto.output_text
    off = {"allowed_tools": {"mode": "none", "tools": []}}
    quiet = await sdk.create(model=MODEL, input="Weather?", tools=[WEATHER], generation_config={"tool_choice": off})
    assert quiet.status == "completed"


async def test_seed_makes_answers_reproducible(sdk: Sdk) -> None:
    async def answer(seed: int) -> str:
        inter = await sdk.create(model=MODEL, input="Pick a colour", generation_config={"seed": seed, "temperature": 1})
        return inter.output_text

    one, again, other = await answer(7), await answer(7), await answer(8)
    assert one == again and one != other
    assert one.endswith("(seed 7).") and other.endswith("(seed 8).")


async def test_stop_sequences_cut_the_answer(sdk: Sdk) -> None:
    inter = await sdk.create(model=MODEL, input="Count", generation_config={"stop_sequences": ["(turn", "zzz"]})
    assert inter.status == "completed" and inter.output_text == 'You said: "Count" '
    cited = await sdk.create(
        model=MODEL,
        input="Tides news",
        tools=[{"type": "google_search"}],
        generation_config={"stop_sequences": ["Source 2"]},
    )
    annotations = cited.steps[-1].content[0].annotations
    assert cited.output_text.endswith(" ") and "Source 2" not in cited.output_text
    assert len(annotations) == 1  # the citations after the cut are gone


async def test_a_marker_makes_the_interaction_fail(sdk: Sdk) -> None:
    inter = await sdk.create(model=MODEL, input="Think hard [fail: The model ran out of ideas.]")
    assert inter.status == "failed"
    assert [(e.code, e.message) for e in inter.errors] == [("INTERNAL", "The model ran out of ideas.")]
    assert not [s for s in inter.steps if s.type == "model_output"]
    assert (await sdk.get(inter.id)).errors[0].message == "The model ran out of ideas."
    events = await sdk.events(model=MODEL, input="search [fail]", tools=[{"type": "google_search"}])
    last = events[-1]
    assert last.event_type == "interaction.completed" and last.interaction.status == "failed"
    assert last.interaction.model_extra["errors"][0]["message"].startswith("The model could not complete")
    assert [e.step.type for e in events if e.event_type == "step.start"] == [
        "google_search_call",
        "google_search_result",
    ]


async def test_a_failed_fault_and_a_failing_research_job(sdk: Sdk, emulator: Emulator) -> None:
    emulator.add_fault(Fault(kind="failed", status=500, message="Backend exploded."))
    inter = await sdk.create(model=MODEL, input="hello")
    assert inter.status == "failed" and (inter.errors[0].code, inter.errors[0].message) == (
        "INTERNAL",
        "Backend exploded.",
    )
    assert (await sdk.create(model=MODEL, input="hello")).status == "completed"  # the fault was used up
    job = await sdk.create(
        agent=AGENT,
        input="Research tides [fail: Research quota exhausted.]",
        background=True,
        agent_config={"type": "deep-research", "thinking_summaries": "auto"},
    )
    with anyio.fail_after(20):
        while (got := await sdk.get(job.id)).status == "in_progress":
            await anyio.sleep(0.05)
    assert got.status == "failed" and got.errors[0].message == "Research quota exhausted."
    assert [s.type for s in got.steps] == ["thought"] * 3  # the thoughts so far stay, no report


async def test_file_search_steps_and_file_citations(sdk: Sdk) -> None:
    tool = {"type": "file_search", "file_search_store_names": ["fileSearchStores/handbook-1", "fileSearchStores/faq-2"]}
    inter = await sdk.create(model=MODEL, input="What is the leave policy?", tools=[tool])
    call, result, answer = inter.steps
    assert (call.type, result.type, result.call_id) == ("file_search_call", "file_search_result", call.id)
    passages = result.model_extra["result"]
    assert [p["file_search_store"] for p in passages] == ["fileSearchStores/handbook-1"] * 2 + [
        "fileSearchStores/faq-2"
    ] * 2
    text = answer.content[0]
    cites = [a for a in text.annotations if a.type == "file_citation"]
    assert [c.document_uri for c in cites] == [p["document_uri"] for p in passages]
    for cite in cites:
        cited = text.text.encode()[cite.start_index : cite.end_index].decode()
        assert cited.startswith("Source ") and cite.file_name in cited and f"page {cite.page_number}" in cited
    assert inter.usage.grounding_tool_count[0].type == "file_search"
    top = await sdk.create(model=MODEL, input="leave", tools=[{**tool, "top_k": 1}])
    assert len(top.steps[1].model_extra["result"]) == 1


async def test_mcp_server_tool_call_and_result(sdk: Sdk) -> None:
    tool = {
        "type": "mcp_server",
        "name": "tickets",
        "url": "https://mcp.example.com/mcp",
        "allowed_tools": [{"mode": "validated", "tools": ["search_tickets"]}],
    }
    events = await sdk.events(model=MODEL, input="Any open tickets about Login?", tools=[tool])
    call, result, _ = [e.step for e in events if e.event_type == "step.start"]
    assert (call.type, call.name, call.server_name) == ("mcp_server_tool_call", "search_tickets", "tickets")
    assert call.arguments == {"query": "Any open tickets about Login"}
    assert (result.type, result.call_id, result.name, result.server_name) == (
        "mcp_server_tool_result",
        call.id,
        "search_tickets",
        "tickets",
    )
    assert "search_tickets on tickets found 2 items" in result.result[0].text
    [notes] = [e.delta for e in events if e.event_type == "step.delta" and e.delta.type == "text_annotation_delta"]
    assert notes.annotations[0].url == "https://mcp.example.com/mcp"


async def test_agents_run_file_search_too(sdk: Sdk) -> None:
    tool = {"type": "file_search", "file_search_store_names": ["fileSearchStores/notes-9"]}
    job = await sdk.create(agent=AGENT, input="Research tides", background=True, tools=[tool])
    with anyio.fail_after(20):
        while (got := await sdk.get(job.id)).status == "in_progress":
            await anyio.sleep(0.05)
    assert [s.type for s in got.steps[:2]] == ["file_search_call", "file_search_result"]
    assert got.steps[-1].type == "model_output"


BAD: list[tuple[dict[str, Any], str]] = [
    ({"generation_config": {"top_p": 1.5}}, "generation_config.top_p"),
    ({"generation_config": {"temperature": -1}}, "generation_config.temperature"),
    ({"generation_config": {"seed": 1.5}}, "generation_config.seed"),
    ({"generation_config": {"stop_sequences": ["a", "b", "c", "d", "e", "f"]}}, "at most 5"),
    ({"generation_config": {"stop_sequences": [""]}}, "generation_config.stop_sequences"),
    ({"generation_config": {"thinking_level": "max"}}, "generation_config.thinking_level"),
    ({"generation_config": {"tool_choice": "sometimes"}}, "generation_config.tool_choice"),
    ({"generation_config": {"image_config": {"aspect_ratio": "7:3"}}}, "generation_config.image_config.aspect_ratio"),
    ({"generation_config": {"image_config": {"image_size": "8K"}}}, "generation_config.image_config.image_size"),
    ({"generation_config": {"speech_config": [{"voice": "Robot"}]}}, "generation_config.speech_config[0].voice"),
    ({"service_tier": "cheap"}, "service_tier"),
    ({"response_format": {"type": "image"}}, "image output is not supported by gemini-3-flash-preview"),
    ({"model": IMAGE, "response_format": [{"type": "image", "image_size": "8K"}]}, "response_format[0].image_size"),
    ({"model": TTS, "response_format": {"type": "audio", "mime_type": "audio/flac"}}, "response_format.mime_type"),
    ({"model": TTS, "response_format": {"type": "audio", "delivery": "email"}}, "response_format.delivery"),
    ({"response_modalities": ["audio"]}, "not supported by gemini-3-flash-preview"),
    ({"response_modalities": ["smell"]}, "response_modalities[0]"),
    ({"tools": [{"type": "google_search", "search_types": ["news"]}]}, "tools[0].search_types[0]"),
    ({"tools": [{"type": "file_search", "file_search_store_names": ["handbook"]}]}, "file_search_store_names"),
    ({"tools": [{"type": "mcp_server", "name": "x"}]}, "tools[0].url"),
]


@pytest.mark.parametrize(("extra", "names"), BAD)
async def test_bad_settings_are_refused_like_google(sdk: Sdk, extra: dict[str, Any], names: str) -> None:
    extra = dict(extra)
    with pytest.raises(gi.BadRequestError) as info:
        # extra_body: the SDK's own type checks would refuse some of these before sending
        await sdk.create(model=extra.pop("model", MODEL), input="x", extra_body=extra)
    assert names in info.value.body["error"]["message"]


async def test_bad_agent_config_is_refused(sdk: Sdk) -> None:
    with pytest.raises(gi.BadRequestError) as info:
        await sdk.create(
            agent=AGENT, input="x", background=True, agent_config={"type": "deep-research", "visualization": "on"}
        )
    assert "agent_config.visualization" in info.value.body["error"]["message"]
    ok = await sdk.create(
        agent=AGENT,
        input="x",
        background=True,
        agent_config={"type": "deep-research", "visualization": "auto", "collaborative_planning": False},
    )
    assert ok.status == "in_progress"
