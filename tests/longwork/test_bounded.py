"""No call waits longer than the bound: slow turns return a handle, get_interaction returns their answer."""

from __future__ import annotations

import time
from typing import Any

from mcp import Client
from mcp.types import ImageContent

from gemini_mcp.config import Settings
from gemini_mcp.emulator.server import Emulator
from tests.harness.clients import creates, data, error_text, finish, open_client

from .conftest import BOUND, SLOW, slow, warm

ASK_FIELDS = ("text", "json", "function_calls", "citations", "tool_activity", "thoughts", "usage")


async def test_a_slow_turn_returns_in_progress_within_the_bound_and_get_interaction_answers(
    settings: Settings, emulator: Emulator
) -> None:
    slow(emulator, 2.5)
    args = {
        "prompt": "Search the news and sum 17 and 25",
        "model": SLOW,
        "tools": ["google_search", "code_execution"],
        "include_thoughts": True,
        "response_schema": {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]},
    }
    async with open_client(settings) as client:
        await warm(client)
        started = time.monotonic()
        pending = data(await client.call_tool("ask_gemini", args))
        took = time.monotonic() - started
        assert pending["status"] == "in_progress" and pending["text"] == ""
        assert pending["interaction_id"].startswith("v1_") and pending["conversation_id"].startswith("conv_")
        assert any("get_interaction" in note and pending["interaction_id"] in note for note in pending["notes"])
        capped = data(
            await client.call_tool("get_interaction", {"interaction_id": pending["interaction_id"], "wait_seconds": 60})
        )
        later = await finish_slow(client, pending["interaction_id"])
        slow(emulator, 0)
        direct = data(await client.call_tool("ask_gemini", args))  # the same turn, answered within the call
    assert took < BOUND + 1.5, f"ask_gemini took {took:.1f} s with a {BOUND} s bound"
    assert any("capped at 1 s" in note for note in capped["notes"])
    assert later["status"] == direct["status"] == "completed"
    for name in ASK_FIELDS:
        assert later[name] == direct[name], name
    assert later["tool_activity"] and later["citations"] and later["thoughts"]
    assert creates(emulator)[0]["stream"] is True  # streamed upstream: the id was known at once


async def test_get_interaction_returns_the_images_of_a_turn_that_outlived_its_call(
    settings: Settings, emulator: Emulator
) -> None:
    slow(emulator, 1.8, "gemini-3-pro-image")
    async with open_client(settings) as client:
        pending = data(await client.call_tool("ask_gemini", {"prompt": "Draw a cat", "model": "gemini-3-pro-image"}))
        assert pending["status"] == "in_progress"
        await finish_slow(client, pending["interaction_id"])
        result = await client.call_tool(
            "get_interaction", {"interaction_id": pending["interaction_id"], "wait_seconds": 1}
        )
    got = data(result)
    assert got["images"] and got["images"][0]["uri"].endswith("/images/0")
    assert [c.mime_type for c in result.content if isinstance(c, ImageContent)] == ["image/png"]


async def test_a_second_turn_sent_while_the_first_is_pending_chains_after_it(
    settings: Settings, emulator: Emulator
) -> None:
    slow(emulator, 1.6)
    async with open_client(settings) as client:
        await warm(client)
        first = data(await client.call_tool("ask_gemini", {"prompt": "Hi, my name is Phil.", "model": SLOW}))
        assert first["status"] == "in_progress"
        slow(emulator, 0.2)
        second = data(
            await client.call_tool(
                "ask_gemini", {"prompt": "What is my name?", "conversation_id": first["conversation_id"]}
            )
        )
        if second["status"] == "in_progress":  # a loaded machine: it was sent, but answered after the bound
            second = await finish_slow(client, second["interaction_id"])
    bodies = creates(emulator)
    assert len(bodies) == 2 and bodies[1]["previous_interaction_id"] == first["interaction_id"]
    assert second["status"] == "completed" and second["text"].startswith("Your name is Phil.")


async def test_a_turn_behind_one_that_outlasts_the_bound_is_refused_not_forked(
    settings: Settings, emulator: Emulator
) -> None:
    slow(emulator, 30)
    async with open_client(settings) as client:
        first = data(await client.call_tool("ask_gemini", {"prompt": "Think long", "model": SLOW}))
        started = time.monotonic()  # (the SDK is loaded by now)
        busy = error_text(
            await client.call_tool("ask_gemini", {"prompt": "And?", "conversation_id": first["conversation_id"]})
        )
        took = time.monotonic() - started
        await client.call_tool("cancel_interaction", {"interaction_id": first["interaction_id"]})
    assert f"interaction {first['interaction_id']}) is still running" in busy and "get_interaction" in busy
    assert took < BOUND + 1.5
    assert len(creates(emulator)) == 1  # nothing was sent beside the pending turn


async def test_background_true_returns_at_once_and_completes_through_get_interaction(
    settings: Settings, emulator: Emulator
) -> None:
    slow(emulator, 2.0)
    async with open_client(settings) as client:
        await warm(client)
        started = time.monotonic()
        handle = data(
            await client.call_tool("ask_gemini", {"prompt": "Hi, my name is Phil.", "model": SLOW, "background": True})
        )
        took = time.monotonic() - started
        done = await finish_slow(client, handle["interaction_id"])
        follow = data(
            await client.call_tool(
                "ask_gemini",
                {
                    "prompt": "What is my name?",
                    "conversation_id": handle["conversation_id"],
                    "model": SLOW,
                    "background": False,
                },
            )
        )
    assert took < 1.0 and handle["status"] == "in_progress"
    assert any("background" in note for note in handle["notes"])
    assert creates(emulator)[0]["background"] is True
    assert done["status"] == "completed" and "Nice to meet you, Phil!" in done["text"]
    assert follow["status"] == "in_progress" or follow["text"].startswith("Your name is Phil.")
    assert creates(emulator)[1]["previous_interaction_id"] == handle["interaction_id"]


async def test_background_needs_store(settings: Settings, emulator: Emulator) -> None:
    async with open_client(settings) as client:
        refused = error_text(await client.call_tool("ask_gemini", {"prompt": "x", "background": True, "store": False}))
    assert "background=true needs store=true" in refused
    assert creates(emulator) == []


async def finish_slow(client: Client, interaction_id: str) -> dict[str, Any]:
    return await finish(client, interaction_id, wait_seconds=30)
