"""response_schema -> response_format + response_mime_type; the parsed, validated JSON comes back as `json`."""

from __future__ import annotations

import json

import jsonschema

from gemini_mcp.config import Settings
from gemini_mcp.emulator.server import Emulator

from .harness import creates, data, error_text, open_client, text

SCHEMA = {
    "type": "object",
    "properties": {
        "city": {"type": "string"},
        "population": {"type": "integer"},
        "landmarks": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["city", "population", "landmarks"],
}


async def test_schema_is_sent_and_the_answer_comes_back_parsed(settings: Settings, emulator: Emulator) -> None:
    async with open_client(settings) as client:
        result = await client.call_tool("ask_gemini", {"prompt": "Facts about Oslo.", "response_schema": SCHEMA})
    answer = data(result)
    body = creates(emulator)[0]
    assert body["response_format"] == SCHEMA
    assert body["response_mime_type"] == "application/json"
    jsonschema.validate(answer["json"], SCHEMA)
    assert json.loads(answer["text"]) == answer["json"]
    assert answer["text"] in text(result)


async def test_an_invalid_schema_is_refused_before_calling_gemini(settings: Settings, emulator: Emulator) -> None:
    bad = {"type": "object", "properties": {"n": {"type": "number", "minimum": "zero"}}}
    async with open_client(settings) as client:
        message = error_text(await client.call_tool("ask_gemini", {"prompt": "x", "response_schema": bad}))
        after = data(await client.call_tool("ask_gemini", {"prompt": "fine"}))
    assert (
        "response_schema is not a valid JSON Schema: 'zero' is not of type 'number' (at properties/n/minimum)"
        in message
    )
    assert after["json"] is None
    assert len(creates(emulator)) == 1


async def test_the_schema_is_per_turn_not_remembered(settings: Settings, emulator: Emulator) -> None:
    async with open_client(settings) as client:
        first = data(await client.call_tool("ask_gemini", {"prompt": "Oslo facts", "response_schema": SCHEMA}))
        second = data(
            await client.call_tool("ask_gemini", {"prompt": "Thanks!", "conversation_id": first["conversation_id"]})
        )
    assert "response_format" not in creates(emulator)[1]
    assert second["json"] is None


async def test_json_that_misses_the_schema_is_a_clear_error_and_the_turn_is_kept(
    settings: Settings, emulator: Emulator
) -> None:
    # The emulator (like real models at times) ignores `pattern`, so its answer breaks the schema.
    strict = {
        "type": "object",
        "properties": {"code": {"type": "string", "pattern": "^[0-9]{3}$"}},
        "required": ["code"],
    }
    async with open_client(settings) as client:
        message = error_text(await client.call_tool("ask_gemini", {"prompt": "A code.", "response_schema": strict}))
        listed = data(await client.call_tool("list_conversations", {}))
    conversation_id = listed["conversations"][0]["conversation_id"]
    assert "Gemini's JSON answer does not match response_schema:" in message
    assert "does not match '^[0-9]{3}$' at code" in message
    assert f"The turn is kept in conversation_id={conversation_id}" in message
    assert listed["conversations"][0]["turns"] == 1
