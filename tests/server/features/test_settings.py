"""Issue 14 settings through an MCP client: the exact request bodies the emulator received, what the client got,
what is remembered, and bad values refused before Gemini is called."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gemini_mcp.config import Settings
from gemini_mcp.emulator.server import Emulator

from .harness import creates, data, error_text, open_client, text
from .test_streaming import Progress, token_client

WEATHER = {
    "name": "get_weather",
    "description": "Current weather for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


async def test_function_results_alone_answer_the_calls(settings: Settings, emulator: Emulator) -> None:
    async with open_client(settings) as client:
        first = data(
            await client.call_tool("ask_gemini", {"prompt": "Weather in Oslo?", "function_declarations": [WEATHER]})
        )
        [call] = first["function_calls"]
        second = data(
            await client.call_tool(
                "ask_gemini",
                {
                    "conversation_id": first["conversation_id"],
                    "function_results": [{"call_id": call["id"], "name": "get_weather", "result": {"temp_c": 7}}],
                },
            )
        )
        listed = data(await client.call_tool("list_interactions", {"limit": 1}))
    body = creates(emulator)[1]
    assert body["input"] == [
        {"type": "function_result", "call_id": call["id"], "name": "get_weather", "result": {"temp_c": 7}}
    ]
    assert body["previous_interaction_id"] == first["interaction_id"]
    assert second["status"] == "completed"
    assert 'The function get_weather returned {"temp_c": 7}.' in second["text"]
    assert listed["interactions"][0]["prompt"] == "(function results)"


async def test_prompt_is_required_without_function_results(settings: Settings, emulator: Emulator) -> None:
    async with open_client(settings) as client:
        message = error_text(await client.call_tool("ask_gemini", {}))
    assert message.startswith("Error executing tool ask_gemini: prompt: required")
    assert "function_results" in message
    assert creates(emulator) == []


async def test_generation_settings_are_sent_and_remembered(settings: Settings, emulator: Emulator) -> None:
    first_args = {
        "prompt": "Count",
        "top_p": 0.9,
        "seed": 42,
        "stop_sequences": ["(turn"],
        "thinking_level": "xhigh",
        "service_tier": "flex",
    }
    async with open_client(settings) as client:
        first = data(await client.call_tool("ask_gemini", first_args))
        conv = first["conversation_id"]
        await client.call_tool("ask_gemini", {"prompt": "Again", "conversation_id": conv})
        third = data(
            await client.call_tool("ask_gemini", {"prompt": "More", "conversation_id": conv, "stop_sequences": []})
        )
    bodies = creates(emulator)
    expected = {"thinking_level": "xhigh", "top_p": 0.9, "seed": 42, "stop_sequences": ["(turn"]}
    assert bodies[0]["generation_config"] == expected
    assert bodies[0]["service_tier"] == "flex"
    assert bodies[1]["generation_config"] == expected and bodies[1]["service_tier"] == "flex"  # remembered
    assert bodies[2]["generation_config"] == {"thinking_level": "xhigh", "top_p": 0.9, "seed": 42}  # [] clears
    assert first["text"] == 'You said: "Count" '  # cut before the stop sequence
    assert third["text"].endswith("(seed 42).")


async def test_tool_choice_forces_forbids_or_limits_calls_for_one_turn(settings: Settings, emulator: Emulator) -> None:
    other = {"name": "get_time", "parameters": {"type": "object", "properties": {}}}
    async with open_client(settings) as client:
        none = data(
            await client.call_tool(
                "ask_gemini",
                {"prompt": "Weather in Oslo?", "function_declarations": [WEATHER, other], "tool_choice": "none"},
            )
        )
        conv = none["conversation_id"]
        forced = data(
            await client.call_tool(
                "ask_gemini",
                {"prompt": "Now", "conversation_id": conv, "tool_choice": {"tools": ["get_time"], "mode": "any"}},
            )
        )
        later = data(await client.call_tool("ask_gemini", {"prompt": "Weather in Rome?", "conversation_id": conv}))
    bodies = creates(emulator)
    assert bodies[0]["generation_config"] == {"tool_choice": "none"}
    assert bodies[1]["generation_config"] == {"tool_choice": {"allowed_tools": {"mode": "any", "tools": ["get_time"]}}}
    assert "generation_config" not in bodies[2]  # tool_choice applies to one turn
    assert none["status"] == "completed" and none["function_calls"] == []
    assert forced["status"] == "requires_action" and [c["name"] for c in forced["function_calls"]] == ["get_time"]
    assert later["status"] == "requires_action"


async def test_google_search_types_are_sent(settings: Settings, emulator: Emulator) -> None:
    search = {"type": "google_search", "search_types": ["web_search", "image_search"]}
    async with open_client(settings) as client:
        answer = data(
            await client.call_tool("ask_gemini", {"prompt": "Tides news", "tools": [search, "code_execution"]})
        )
    assert creates(emulator)[0]["tools"] == [search, {"type": "code_execution"}]
    assert {a["tool"] for a in answer["tool_activity"]} == {"google_search", "code_execution"}


async def test_json_mode_parses_the_answer(settings: Settings, emulator: Emulator) -> None:
    async with open_client(settings) as client:
        answer = data(await client.call_tool("ask_gemini", {"prompt": "Give me JSON", "json_mode": True}))
    body = creates(emulator)[0]
    assert body["response_mime_type"] == "application/json" and "response_format" not in body
    assert answer["json"] == json.loads(answer["text"])
    assert answer["json"]["answer"].startswith('You said: "Give me JSON"')


async def test_a_failed_turn_reports_geminis_error(settings: Settings, emulator: Emulator) -> None:
    async with open_client(settings) as client:
        result = await client.call_tool("ask_gemini", {"prompt": "Think [fail: The model ran out of ideas.]"})
        answer = data(result)
        record = data(await client.call_tool("get_interaction", {"interaction_id": answer["interaction_id"]}))
    assert answer["status"] == "failed"
    assert answer["error"] == "The model ran out of ideas."
    assert "Gemini reported the turn failed: The model ran out of ideas." in text(result)
    assert record["status"] == "failed" and record["error"] == "The model ran out of ideas."


async def test_file_search_citations_and_activity(settings: Settings, emulator: Emulator) -> None:
    stores = ["fileSearchStores/handbook-1"]
    async with open_client(settings) as client:
        result = await client.call_tool(
            "ask_gemini", {"prompt": "What is the leave policy?", "file_search_store_names": stores}
        )
    answer = data(result)
    assert creates(emulator)[0]["tools"] == [{"type": "file_search", "file_search_store_names": stores}]
    [activity] = answer["tool_activity"]
    assert activity["tool"] == "file_search" and "Passage 1 of" in activity["output"]
    files = [c for c in answer["citations"] if c["page_number"] is not None]
    assert len(files) == 2
    for cite in files:
        assert cite["url"].startswith("fileSearchStores/handbook-1/documents/")
        assert cite["title"].endswith(".pdf")
        assert f"{cite['title']}, page {cite['page_number']} <{cite['url']}>" in text(result)


async def test_mcp_server_tool_activity(settings: Settings, emulator: Emulator) -> None:
    server = {"name": "tickets", "url": "https://mcp.example.com/mcp", "allowed_tools": ["search_tickets"]}
    async with open_client(settings) as client:
        result = await client.call_tool("ask_gemini", {"prompt": "Open tickets about Login?", "mcp_servers": [server]})
    answer = data(result)
    [activity] = answer["tool_activity"]
    assert activity == {
        "tool": "mcp_server",
        "call_id": activity["call_id"],
        "queries": [],
        "language": None,
        "code": None,
        "output": "search_tickets on tickets found 2 items about Open tickets about Login.",
        "urls": [],
        "name": "search_tickets",
        "server_name": "tickets",
        "arguments": {"query": "Open tickets about Login"},
        "is_error": False,
    }
    assert {"url": "https://mcp.example.com/mcp", "title": "tickets (MCP)", "page_number": None} in answer["citations"]
    assert "[tool] called tickets.search_tickets(" in text(result)


async def test_deep_research_takes_the_agent_settings(settings: Settings, emulator: Emulator) -> None:
    async with open_client(settings) as client:
        started = data(
            await client.call_tool(
                "start_deep_research",
                {
                    "query": "Tides",
                    "service_tier": "flex",
                    "visualization": "auto",
                    "collaborative_planning": True,
                    "enable_bigquery_tool": False,
                },
            )
        )
    body = creates(emulator)[0]
    assert body["agent_config"] == {
        "type": "deep-research",
        "thinking_summaries": "auto",
        "visualization": "auto",
        "collaborative_planning": True,
        "enable_bigquery_tool": False,
    }
    assert body["service_tier"] == "flex" and body["background"] is True
    assert started["status"] == "in_progress"


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("ask_gemini", {"top_p": 1.5}, "top_p"),
    ("ask_gemini", {"seed": -1}, "seed"),
    ("ask_gemini", {"stop_sequences": ["a", "b", "c", "d", "e", "f"]}, "stop_sequences"),
    ("ask_gemini", {"stop_sequences": [""]}, "stop_sequences"),
    ("ask_gemini", {"tool_choice": "sometimes"}, "tool_choice"),
    ("ask_gemini", {"tool_choice": {"tools": []}}, "tool_choice"),
    ("ask_gemini", {"tool_choice": "any"}, "tool_choice"),
    ("ask_gemini", {"tool_choice": {"tools": ["nope"]}, "function_declarations": [WEATHER]}, "tool_choice"),
    ("ask_gemini", {"service_tier": "cheap"}, "service_tier"),
    ("ask_gemini", {"response_modalities": ["smell"]}, "response_modalities"),
    ("ask_gemini", {"response_modalities": []}, "response_modalities"),
    ("ask_gemini", {"response_modalities": ["audio"]}, "response_modalities"),
    ("ask_gemini", {"voice": ""}, "voice"),
    ("ask_gemini", {"voice": "Robot", "model": "gemini-3.1-flash-tts-preview"}, "voice"),
    ("ask_gemini", {"voice": "Kore"}, "voice"),
    ("ask_gemini", {"image_config": {"aspect_ratio": "7:3"}}, "image_config"),
    ("ask_gemini", {"image_config": {"image_size": "8K"}}, "image_config"),
    ("ask_gemini", {"image_config": {"aspect_ratio": "1:1"}}, "image_config"),
    ("ask_gemini", {"json_mode": "maybe"}, "json_mode"),
    ("ask_gemini", {"json_mode": True, "model": "gemini-3.1-flash-tts-preview"}, "json_mode"),
    ("ask_gemini", {"thinking_level": "max"}, "thinking_level"),
    ("ask_gemini", {"tools": [{"type": "google_search", "search_types": ["news"]}]}, "tools"),
    ("start_deep_research", {"service_tier": "cheap"}, "service_tier"),
    ("start_deep_research", {"visualization": "on"}, "visualization"),
    ("start_deep_research", {"collaborative_planning": "maybe"}, "collaborative_planning"),
    ("start_deep_research", {"enable_bigquery_tool": "maybe"}, "enable_bigquery_tool"),
]


@pytest.mark.parametrize(("tool", "arguments", "name"), BAD)
async def test_bad_values_are_refused_before_gemini_is_called(
    settings: Settings, emulator: Emulator, tool: str, arguments: dict[str, Any], name: str
) -> None:
    base = {"prompt": "Hi"} if tool == "ask_gemini" else {"query": "Tides"}
    async with open_client(settings) as client:
        message = error_text(await client.call_tool(tool, {**base, **arguments}))
        still_serving = data(await client.call_tool("list_conversations", {}))
    assert f"\n{name}" in message or f": {name}" in message, message
    assert creates(emulator) == []
    assert still_serving == {"conversations": []}


async def test_a_streamed_turn_that_fails_reports_geminis_error(settings: Settings, emulator: Emulator) -> None:
    progress = Progress()
    async with token_client(settings) as client:
        result = await client.call_tool(
            "ask_gemini",
            {"prompt": "Search [fail: Search backend down.]", "tools": ["google_search"]},
            progress_callback=progress,
        )
    answer = data(result)
    assert creates(emulator)[0]["stream"] is True
    assert (answer["status"], answer["error"]) == ("failed", "Search backend down.")
    assert [a["tool"] for a in answer["tool_activity"]] == ["google_search"]  # the steps before the failure stay
