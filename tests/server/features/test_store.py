"""store=false: Google keeps nothing, the result says so, and the turn cannot be continued."""

from __future__ import annotations

from gemini_mcp.config import Settings
from gemini_mcp.emulator.server import Emulator

from .harness import creates, data, error_text, open_client


async def test_store_false_is_sent_noted_and_not_continuable(settings: Settings, emulator: Emulator) -> None:
    async with open_client(settings) as client:
        first = data(await client.call_tool("ask_gemini", {"prompt": "Hi, my name is Phil.", "store": False}))
        refused = error_text(
            await client.call_tool(
                "ask_gemini", {"prompt": "What is my name?", "conversation_id": first["conversation_id"]}
            )
        )
        stored = data(await client.call_tool("ask_gemini", {"prompt": "Hello"}))
        unstored_follow_up = error_text(
            await client.call_tool(
                "ask_gemini", {"prompt": "again", "conversation_id": stored["conversation_id"], "store": False}
            )
        )
    bodies = creates(emulator)
    assert bodies[0]["store"] is False
    assert "store" not in bodies[1]
    assert len(bodies) == 2
    assert any("store=false" in n and "cannot be continued" in n for n in first["notes"])
    assert "its last turn was sent with store=false" in refused
    assert "store=false cannot continue a conversation" in unstored_follow_up
