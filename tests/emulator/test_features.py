# pyright: reportAttributeAccessIssue=false, reportArgumentType=false, reportOptionalMemberAccess=false, reportOptionalSubscript=false, reportIndexIssue=false, reportCallIssue=false, reportOptionalOperand=false, reportGeneralTypeIssues=false, reportOperatorIssue=false, reportOptionalIterable=false
"""Issue 4 features through the SDK: built-in tools, structured output, function calls, images, files in,
thinking, model latency."""

from __future__ import annotations

import asyncio
import base64
import json
import struct
import zlib
from typing import Any

import anyio
import jsonschema
import pytest
from google import genai
from google.genai import _interactions as gi

from gemini_mcp.emulator import EmulatorConfig, EmulatorThread, running_emulator
from gemini_mcp.emulator.schema_instance import instance
from gemini_mcp.emulator.server import Emulator

from .helpers import MODEL, make_client

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather for a place",
    "parameters": {
        "type": "object",
        "properties": {
            "location": {"type": "string"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "days": {"type": "integer", "minimum": 1, "maximum": 7},
        },
        "required": ["location"],
    },
}


async def test_google_search_steps_and_citations(genai_client: genai.Client) -> None:
    inter = await genai_client.aio.interactions.create(
        model=MODEL, input="Who won the 2024 Nobel Prize in Physics?", tools=[{"type": "google_search"}]
    )
    assert [s.type for s in inter.steps] == ["google_search_call", "google_search_result", "model_output"]
    call, result, answer = inter.steps
    assert call.arguments.queries and call.search_type == "web_search"
    assert result.call_id == call.id
    extras = [r.model_extra for r in result.result]
    assert len(extras) == 3
    for item in extras:  # like Google: a grounding redirect link titled with the domain, plus the real target
        assert item["url"].startswith("https://vertexaisearch.cloud.google.com/grounding-api-redirect/")
        assert item["target_url"].startswith("https://") and item["title"] in item["target_url"]
    assert result.result[0].search_suggestions.startswith("<div")
    text = answer.content[0]
    assert [(a.url, a.title) for a in text.annotations] == [(i["url"], i["title"]) for i in extras]
    for ann in text.annotations:
        assert text.text.encode("utf-8")[ann.start_index : ann.end_index].decode("utf-8").startswith("Source ")
    assert inter.usage.grounding_tool_count[0].type == "google_search"
    assert "I searched the web for" in inter.output_text


async def test_code_execution_runs_the_numbers(genai_client: genai.Client) -> None:
    inter = await genai_client.aio.interactions.create(
        model=MODEL, input="What is 17 + 25?", tools=[{"type": "code_execution"}]
    )
    call, result, _ = inter.steps
    assert call.type == "code_execution_call" and call.arguments.language == "python"
    assert "[17, 25]" in call.arguments.code
    assert result.type == "code_execution_result" and result.call_id == call.id and result.result == "42\n"
    assert "printed 42" in inter.output_text


async def test_url_context_reads_urls_from_the_prompt(genai_client: genai.Client) -> None:
    url = "https://docs.python.org/3/library/asyncio-task.html"
    stream = await genai_client.aio.interactions.create(
        model=MODEL, input=f"Summarise {url} please.", tools=[{"type": "url_context"}], stream=True
    )
    events = [e async for e in stream]
    starts = [e.step for e in events if e.event_type == "step.start"]
    assert [s.type for s in starts] == ["url_context_call", "url_context_result", "model_output"]
    assert starts[0].arguments.urls == [url]
    assert starts[1].result[0].url == url and starts[1].result[0].status == "success"
    [ann_delta] = [e.delta for e in events if e.event_type == "step.delta" and e.delta.type == "text_annotation_delta"]
    assert ann_delta.annotations[0].url == url
    assert ann_delta.annotations[0].title == "Asyncio task | docs.python.org"


SCHEMAS: list[dict[str, Any]] = [
    {
        "type": "object",
        "properties": {
            "title": {"type": "string", "minLength": 3},
            "rating": {"type": "integer", "minimum": 1, "maximum": 5},
            "genre": {"type": "string", "enum": ["drama", "comedy"]},
            "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2},
            "director": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "born": {"type": "string", "format": "date"}},
                "required": ["name"],
            },
            "score": {"type": ["number", "null"], "exclusiveMinimum": 2},
            "ok": {"type": "boolean"},
        },
        "required": ["title", "rating", "genre", "tags", "director"],
        "additionalProperties": False,
    },
    {
        "type": "array",
        "items": {"$ref": "#/$defs/point"},
        "$defs": {"point": {"type": "object", "properties": {"x": {"type": "number"}}, "required": ["x"]}},
    },
    {"anyOf": [{"type": "null"}, {"type": "object", "properties": {"id": {"const": 7}}}]},
    {
        "allOf": [
            {"type": "object", "properties": {"a": {"type": "string", "maxLength": 2}}, "required": ["a"]},
            {"properties": {"b": {"type": "integer"}}},
        ]
    },
]


@pytest.mark.parametrize("schema", SCHEMAS)
def test_schema_instances_validate(schema: dict[str, Any]) -> None:
    jsonschema.validate(instance(schema), schema)


async def test_response_format_gives_json_matching_the_schema(genai_client: genai.Client, emulator: Emulator) -> None:
    aio = genai_client.aio.interactions
    raw = await aio.create(
        model=MODEL, input="Review a film.", response_format=SCHEMAS[0], response_mime_type="application/json"
    )
    data = json.loads(raw.output_text)
    jsonschema.validate(data, SCHEMAS[0])
    assert data["genre"] == "drama" and len(data["tags"]) == 2
    typed = await aio.create(
        model=MODEL,
        input="Points please",
        response_format={"type": "text", "mime_type": "application/json", "schema": SCHEMAS[1]},
        response_mime_type="application/json",
    )
    jsonschema.validate(json.loads(typed.output_text), SCHEMAS[1])
    assert emulator.requests[-1].body["response_format"]["schema"] == SCHEMAS[1]
    bare = await aio.create(model=MODEL, input="just json", response_mime_type="application/json")
    assert json.loads(bare.output_text)["answer"].startswith('You said: "just json"')


async def test_function_call_round_trip(genai_client: genai.Client) -> None:
    aio = genai_client.aio.interactions
    first = await aio.create(model=MODEL, input="What's the weather in Paris?", tools=[WEATHER])
    assert first.status == "requires_action"
    [call] = [s for s in first.steps if s.type == "function_call"]
    assert call.name == "get_weather" and call.id.startswith("call_")
    assert call.arguments == {"location": "Paris", "unit": "celsius", "days": 1}
    jsonschema.validate(call.arguments, WEATHER["parameters"])
    result = {"type": "function_result", "call_id": call.id, "name": "get_weather", "result": {"temp_c": 21}}
    second = await aio.create(model=MODEL, input=[result], previous_interaction_id=first.id, tools=[WEATHER])
    assert second.status == "completed"
    assert 'The function get_weather returned {"temp_c": 21}.' in second.output_text
    assert "(turn 2," in second.output_text
    bad = {**result, "call_id": "call_wrong"}
    with pytest.raises(gi.BadRequestError) as info:
        await aio.create(model=MODEL, input=[bad], previous_interaction_id=first.id)
    assert "call_wrong" in info.value.body["error"]["message"]
    # tool_choice none: no call; a function named in the prompt is the one called
    other = {"type": "function", "name": "get_time", "parameters": {"type": "object", "properties": {}}}
    quiet = await aio.create(model=MODEL, input="hi", tools=[WEATHER], generation_config={"tool_choice": "none"})
    assert quiet.status == "completed"
    named = await aio.create(model=MODEL, input="call get_time now", tools=[WEATHER, other])
    assert [s.name for s in named.steps if s.type == "function_call"] == ["get_time"]


async def test_function_call_streams_requires_action(genai_client: genai.Client) -> None:
    stream = await genai_client.aio.interactions.create(
        model=MODEL, input="Weather for Oslo?", tools=[WEATHER], stream=True
    )
    events = [e async for e in stream]
    [start] = [e for e in events if e.event_type == "step.start"]
    assert start.step.type == "function_call" and start.step.arguments["location"] == "Oslo"
    assert events[-1].event_type == "interaction.completed" and events[-1].interaction.status == "requires_action"


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, size = 8, (0, 0)
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) == crc
        if kind == b"IHDR":
            size = struct.unpack(">II", body[:8])
        if kind == b"IDAT":
            assert len(zlib.decompress(body)) == size[1] * (1 + 3 * size[0])
        pos += 12 + length
    return size


@pytest.mark.parametrize("model", ["gemini-3-pro-image", "gemini-3.1-flash-image", "gemini-nano-banana-2.1"])
async def test_image_models_return_a_png(genai_client: genai.Client, model: str) -> None:
    inter = await genai_client.aio.interactions.create(model=model, input="A red fox in the snow")
    blocks = inter.steps[-1].content
    assert [b.type for b in blocks] == ["text", "image"]
    image = blocks[1]
    assert image.mime_type == "image/png"
    assert _png_size(base64.b64decode(image.data)) == (32, 32)
    assert inter.output_image is not None
    assert {m.modality for m in inter.usage.output_tokens_by_modality} == {"text", "image"}
    stream = await genai_client.aio.interactions.create(model=model, input="A fox", stream=True)
    deltas = [e.delta for e in [e async for e in stream] if e.event_type == "step.delta"]
    assert deltas[-1].type == "image" and deltas[-1].mime_type == "image/png"


async def test_input_blocks_are_acknowledged(genai_client: genai.Client, emulator: Emulator) -> None:
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 60).decode()
    blocks = [
        {"type": "text", "text": "Describe these."},
        {"type": "image", "data": png, "mime_type": "image/png"},
        {"type": "document", "uri": "https://example.com/report.pdf", "mime_type": "application/pdf"},
        {"type": "audio", "data": base64.b64encode(b"RIFF" + b"\0" * 28).decode(), "mime_type": "audio/wav"},
    ]
    inter = await genai_client.aio.interactions.create(model=MODEL, input=blocks)
    text = inter.output_text
    assert 'You said: "Describe these."' in text
    assert "1 image (image/png, 68 bytes)" in text
    assert "1 document (application/pdf, https://example.com/report.pdf)" in text
    assert "1 audio (audio/wav, 32 bytes)" in text
    assert emulator.requests[-1].body["input"][0]["type"] == "user_input"  # the SDK wraps blocks in a step


async def test_thinking_level_and_summaries(genai_client: genai.Client) -> None:
    aio = genai_client.aio.interactions
    thinking = await aio.create(
        model="gemini-3.1-pro-preview",
        input="Plan a trip",
        generation_config={"thinking_level": "high", "thinking_summaries": "auto"},
    )
    thought = thinking.steps[0]
    assert thought.type == "thought" and "thinking level high" in thought.summary[0].text
    assert thought.signature
    assert thinking.usage.total_thought_tokens > 0
    plain = await aio.create(
        model="gemini-3.1-pro-preview", input="Plan a trip", generation_config={"thinking_level": "high"}
    )
    assert [s.type for s in plain.steps] == ["model_output"] and plain.usage.total_thought_tokens == 0


async def test_model_latency_applies() -> None:
    async with running_emulator(EmulatorConfig(model_latency=0.3)) as emu:
        client = make_client(emu.base_url)
        aio = client.aio.interactions
        try:
            with anyio.fail_after(20):
                background = await aio.create(model=MODEL, input="slow thought", background=True)
                assert background.status == "in_progress" and not background.steps
                while (got := await aio.get(background.id)).status == "in_progress":
                    await asyncio.sleep(0.05)
                assert got.status == "completed" and '"slow thought"' in got.output_text
                unary = await aio.create(model=MODEL, input="wait for me")
                assert unary.status == "completed"
        finally:
            await client.aio.aclose()


def test_sync_client_features() -> None:
    with EmulatorThread(EmulatorConfig()) as emu:
        client = make_client(emu.base_url)
        first = client.interactions.create(model=MODEL, input="Weather in Rome?", tools=[WEATHER])
        call = first.steps[-1]
        second = client.interactions.create(
            model=MODEL,
            previous_interaction_id=first.id,
            input=[{"type": "function_result", "call_id": call.id, "name": call.name, "result": "sunny"}],
        )
        assert "returned sunny" in second.output_text
        searched = client.interactions.create(model=MODEL, input="news", tools=[{"type": "google_search"}])
        assert searched.steps[0].type == "google_search_call"
        client.close()


async def test_same_request_same_output(genai_client: genai.Client) -> None:
    """Deterministic: ids, signatures and images derive from the content, not from the interaction id."""
    kwargs: dict[str, Any] = {
        "model": "gemini-3-pro-image",
        "input": "Weather and a picture of Lima?",
        "tools": [{"type": "google_search"}, WEATHER],
        "generation_config": {"thinking_summaries": "auto"},
    }
    one = await genai_client.aio.interactions.create(**kwargs)
    two = await genai_client.aio.interactions.create(**kwargs)
    assert one.id != two.id
    assert [s.model_dump() for s in one.steps] == [s.model_dump() for s in two.steps]
    assert one.status == "requires_action" and one.steps[-1].arguments["location"] == "Lima"
