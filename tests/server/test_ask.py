"""ask_gemini and server-kept conversations, through an in-memory MCP client against the emulator."""

from __future__ import annotations

import anyio

from gemini_mcp.config import Settings
from gemini_mcp.emulator.server import Emulator

from .harness import creates, data, open_client, text


async def test_second_turn_remembers_the_name_through_previous_interaction_id(
    settings: Settings, emulator: Emulator
) -> None:
    async with open_client(settings) as client:
        first = data(await client.call_tool("ask_gemini", {"prompt": "Hi, my name is Phil."}))
        second_result = await client.call_tool(
            "ask_gemini", {"prompt": "What is my name?", "conversation_id": first["conversation_id"]}
        )
    second = data(second_result)
    assert "Phil" in second["text"]
    assert "Phil" in text(second_result)
    assert second["conversation_id"] == first["conversation_id"]
    assert second["interaction_id"] != first["interaction_id"]
    bodies = creates(emulator)
    assert "previous_interaction_id" not in bodies[0]
    assert bodies[1]["previous_interaction_id"] == first["interaction_id"]


async def test_system_instruction_and_settings_are_sent_again_on_turn_two(
    settings: Settings, emulator: Emulator
) -> None:
    async with open_client(settings) as client:
        first = data(
            await client.call_tool(
                "ask_gemini",
                {"prompt": "Hello", "system_instruction": "Answer like a pirate.", "temperature": 0.3},
            )
        )
        await client.call_tool("ask_gemini", {"prompt": "And again", "conversation_id": first["conversation_id"]})
    bodies = creates(emulator)
    assert bodies[1]["system_instruction"] == "Answer like a pirate."
    assert bodies[1]["generation_config"] == {"temperature": 0.3}
    assert bodies[1]["model"] == "gemini-3-flash-preview"


async def test_a_value_given_on_a_turn_overrides_and_is_remembered(settings: Settings, emulator: Emulator) -> None:
    async with open_client(settings) as client:
        first = data(await client.call_tool("ask_gemini", {"prompt": "One", "system_instruction": "Be brief."}))
        conv = first["conversation_id"]
        await client.call_tool(
            "ask_gemini", {"prompt": "Two", "conversation_id": conv, "system_instruction": "Be verbose."}
        )
        await client.call_tool("ask_gemini", {"prompt": "Three", "conversation_id": conv})
    bodies = creates(emulator)
    assert [b["system_instruction"] for b in bodies] == ["Be brief.", "Be verbose.", "Be verbose."]


async def test_without_conversation_id_each_call_starts_a_new_conversation(settings: Settings) -> None:
    async with open_client(settings) as client:
        a = data(await client.call_tool("ask_gemini", {"prompt": "Hi, my name is Phil."}))
        b = data(await client.call_tool("ask_gemini", {"prompt": "What is my name?"}))
        listed = data(await client.call_tool("list_conversations", {}))
    assert a["conversation_id"] != b["conversation_id"]
    assert "Phil" not in b["text"]
    titles = {c["conversation_id"]: c for c in listed["conversations"]}
    assert titles[a["conversation_id"]]["title"] == "Hi, my name is Phil."
    assert titles[a["conversation_id"]]["turns"] == 1


async def test_retired_model_is_replaced_by_its_successor_with_a_note(settings: Settings, emulator: Emulator) -> None:
    async with open_client(settings) as client:
        result = data(await client.call_tool("ask_gemini", {"prompt": "Hi", "model": "gemini-1.5-pro"}))
    assert result["model"] == "gemini-3.6-flash"  # gemini-1.5-* -> gemini-3.5-flash (retired too) -> gemini-3.6-flash
    [note] = result["notes"]
    assert note.startswith("Model 'gemini-1.5-pro' was shut down by Google on 2025-09-24")
    assert "used its successor 'gemini-3.6-flash' instead" in note
    assert [body["model"] for body in creates(emulator)] == ["gemini-3.6-flash"]


async def test_with_a_progress_token_the_answer_is_streamed_as_progress(settings: Settings, emulator: Emulator) -> None:
    messages: list[str] = []
    values: list[float] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        values.append(progress)
        messages.append(message or "")

    # legacy mode: JSON-RPC framing carries the progress token in _meta (the in-process "auto" mode hands the
    # callback straight to the dispatcher and sends no token, so the server cannot know a caller listens).
    async with open_client(settings, "legacy") as client:
        first = data(await client.call_tool("ask_gemini", {"prompt": "Hi, my name is Phil."}))
        result = await client.call_tool(
            "ask_gemini",
            {"prompt": "What is my name?", "conversation_id": first["conversation_id"]},
            progress_callback=on_progress,
        )
    streamed = data(result)
    bodies = creates(emulator)
    assert bodies[0]["stream"] is True and bodies[1]["stream"] is True  # every turn streams: its id comes first
    assert not [m for m in messages if "Phil." in m and "Nice to meet you" in m], "progress of the unwatched turn"
    assert bodies[1]["previous_interaction_id"] == first["interaction_id"]
    assert messages, "no progress notification"
    assert values == sorted(set(values))
    answer = "".join(m for m in messages if not m.startswith("(thinking)"))
    assert streamed["text"] in answer or answer.endswith(streamed["text"])
    assert "Phil" in streamed["text"]
    assert streamed["usage"] is not None


async def test_concurrent_turns_of_one_conversation_chain_instead_of_forking(
    settings: Settings, emulator: Emulator
) -> None:
    async with open_client(settings) as client:
        first = data(await client.call_tool("ask_gemini", {"prompt": "Hi, my name is Phil."}))
        conv = first["conversation_id"]
        results: list[dict[str, object]] = []

        async def turn(n: int) -> None:
            results.append(data(await client.call_tool("ask_gemini", {"prompt": f"Turn {n}", "conversation_id": conv})))

        async with anyio.create_task_group() as tg:
            for n in range(3):
                tg.start_soon(turn, n)
        listed = data(await client.call_tool("list_conversations", {}))
    chain = [b.get("previous_interaction_id") for b in creates(emulator)]
    ids = [first["interaction_id"], *(r["interaction_id"] for r in results)]
    assert len(set(chain[1:])) == 3, "two turns chained on the same interaction"
    assert set(chain[1:]) < set(ids)  # each turn chained on a distinct earlier turn: one linear history
    assert listed["conversations"][0]["turns"] == 4
