"""Function calling round trip: declarations -> requires_action + function_calls -> function_results steps."""

from __future__ import annotations

from gemini_mcp.config import Settings
from gemini_mcp.emulator.server import Emulator

from .harness import creates, data, error_text, open_client, text

WEATHER = {
    "name": "get_weather",
    "description": "Current weather for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


async def test_declared_function_is_called_and_answered_on_the_chain(settings: Settings, emulator: Emulator) -> None:
    async with open_client(settings) as client:
        first_result = await client.call_tool(
            "ask_gemini", {"prompt": "What is the weather in Oslo?", "function_declarations": [WEATHER]}
        )
        first = data(first_result)
        call = first["function_calls"][0]
        second = data(
            await client.call_tool(
                "ask_gemini",
                {
                    "prompt": "Here is the result.",
                    "conversation_id": first["conversation_id"],
                    "function_results": [{"call_id": call["id"], "name": call["name"], "result": {"temp_c": 7}}],
                },
            )
        )
    bodies = creates(emulator)
    assert bodies[0]["tools"] == [{"type": "function", **WEATHER}]
    assert first["status"] == "requires_action"
    assert call["name"] == "get_weather" and call["id"]
    assert isinstance(call["arguments"], dict)
    assert f"[function call {call['id']}] get_weather(" in text(first_result)
    assert any("function_results" in note for note in first["notes"])
    assert bodies[1]["previous_interaction_id"] == first["interaction_id"]
    results = [s for s in bodies[1]["input"] if s["type"] == "function_result"]
    assert results == [
        {"type": "function_result", "call_id": call["id"], "name": "get_weather", "result": {"temp_c": 7}}
    ]
    assert bodies[1]["tools"] == [{"type": "function", **WEATHER}]  # remembered for the conversation
    assert second["status"] == "completed"
    assert second["function_calls"] == []
    assert "7" in second["text"]


async def test_non_object_results_are_wrapped_and_errors_flagged(settings: Settings, emulator: Emulator) -> None:
    async with open_client(settings) as client:
        first = data(
            await client.call_tool("ask_gemini", {"prompt": "Weather in Rome?", "function_declarations": [WEATHER]})
        )
        call = first["function_calls"][0]
        await client.call_tool(
            "ask_gemini",
            {
                "prompt": "It failed.",
                "conversation_id": first["conversation_id"],
                "function_results": [{"call_id": call["id"], "name": "get_weather", "result": 42, "is_error": True}],
            },
        )
    step = creates(emulator)[1]["input"][0]
    assert step == {
        "type": "function_result",
        "call_id": call["id"],
        "name": "get_weather",
        "result": {"result": 42},
        "is_error": True,
    }


async def test_function_argument_errors_are_named(settings: Settings, emulator: Emulator) -> None:
    bad_params = {**WEATHER, "parameters": {"type": "objekt"}}
    async with open_client(settings) as client:
        no_conv = error_text(
            await client.call_tool(
                "ask_gemini", {"prompt": "x", "function_results": [{"call_id": "c", "name": "f", "result": "r"}]}
            )
        )
        schema = error_text(
            await client.call_tool("ask_gemini", {"prompt": "x", "function_declarations": [bad_params]})
        )
        name = error_text(
            await client.call_tool("ask_gemini", {"prompt": "x", "function_declarations": [{"name": "bad name!"}]})
        )
    assert "function_results answer the function calls of an earlier turn: pass that turn's conversation_id" in no_conv
    assert "function_declarations[0].parameters is not a valid JSON Schema" in schema
    assert "function_declarations" in name and "name" in name
    assert creates(emulator) == []
