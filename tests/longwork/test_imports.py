# pyright: reportAttributeAccessIssue=false, reportUnknownMemberType=false
"""Interactions made elsewhere: get_interaction imports them, ask_gemini(previous_interaction_id) chains on them."""

from __future__ import annotations

from typing import Any

from gemini_mcp.config import Settings
from gemini_mcp.emulator.server import Emulator
from tests.harness.clients import creates, data, error_text, finish, open_client

AGENT = "deep-research-preview-04-2026"


async def test_an_unknown_id_is_imported_and_a_new_conversation_chains_on_it(
    settings: Settings, emulator: Emulator, genai_client: Any
) -> None:
    elsewhere = await genai_client.aio.interactions.create(model="gemini-3-flash-preview", input="Hi, my name is Phil.")
    async with open_client(settings) as client:
        imported = data(await client.call_tool("get_interaction", {"interaction_id": elsewhere.id}))
        again = data(await client.call_tool("get_interaction", {"interaction_id": elsewhere.id}))
        listed = data(await client.call_tool("list_interactions", {}))
        follow = data(
            await client.call_tool(
                "ask_gemini", {"prompt": "What is my name?", "previous_interaction_id": elsewhere.id}
            )
        )
        next_turn = data(
            await client.call_tool("ask_gemini", {"prompt": "Thanks", "conversation_id": follow["conversation_id"]})
        )
        conversations = data(await client.call_tool("list_conversations", {}))
    assert imported["imported"] is True and imported["done"] and "Nice to meet you, Phil!" in imported["text"]
    assert any("fetched from Gemini" in note for note in imported["notes"])
    assert imported["usage"]["total_tokens"] > 0 and imported["conversation_id"] is None
    assert again["imported"] is False  # recorded now
    assert [i["interaction_id"] for i in listed["interactions"]] == [elsewhere.id]
    bodies = creates(emulator)
    assert bodies[1]["previous_interaction_id"] == elsewhere.id
    assert follow["text"].startswith("Your name is Phil.") and follow["conversation_id"].startswith("conv_")
    assert bodies[2]["previous_interaction_id"] == follow["interaction_id"]
    assert "(turn 3," in next_turn["text"]
    assert [c["conversation_id"] for c in conversations["conversations"]] == [follow["conversation_id"]]


async def test_a_running_research_made_elsewhere_is_imported_and_followed_to_its_report(
    settings: Settings, genai_client: Any
) -> None:
    job = await genai_client.aio.interactions.create(
        agent=AGENT, input="Research tea.", background=True, agent_config={"type": "deep-research"}
    )
    async with open_client(settings) as client:
        imported = data(await client.call_tool("get_interaction", {"interaction_id": job.id}))
        done = await finish(client, job.id)
    assert imported["imported"] is True and imported["kind"] == "agent"
    assert done["status"] == "completed" and done["text"].startswith("# Research report")


async def test_an_id_gemini_does_not_know_gives_the_usual_not_found(settings: Settings, emulator: Emulator) -> None:
    async with open_client(settings) as client:
        missing = error_text(await client.call_tool("get_interaction", {"interaction_id": "v1_nobody"}))
        chained = error_text(
            await client.call_tool("ask_gemini", {"prompt": "Hi", "previous_interaction_id": "v1_nobody"})
        )
        both = error_text(
            await client.call_tool(
                "ask_gemini", {"prompt": "Hi", "previous_interaction_id": "v1_x", "conversation_id": "conv_x"}
            )
        )
    for message in (missing, chained):
        assert "Interaction 'v1_nobody' was not found for this user" in message
    assert "not both" in both
    assert creates(emulator) == []
