"""The MCP prompts, seen through a real MCP client (in-memory, both protocol eras)."""

from __future__ import annotations

import pytest
from mcp import Client, MCPError
from mcp.server import MCPServer

from gemini_mcp.server.prompts import register_prompts


def _server() -> MCPServer:
    server = MCPServer("prompts-under-test")
    register_prompts(server)
    return server


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_prompts_are_listed_with_their_arguments(mode: str) -> None:
    async with Client(_server(), mode=mode) as client:
        listed = await client.list_prompts()
    prompts = {p.name: p for p in listed.prompts}
    assert set(prompts) == {"research_brief", "second_opinion"}
    args = {a.name: a for a in prompts["research_brief"].arguments or []}
    assert args["topic"].required is True
    assert {"audience", "focus", "length"} <= set(args)
    assert not any(args[name].required for name in ("audience", "focus", "length"))
    assert args["topic"].description


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_research_brief_teaches_start_poll_and_report(mode: str) -> None:
    async with Client(_server(), mode=mode) as client:
        result = await client.get_prompt(
            "research_brief", {"topic": "heat pumps in cold climates", "audience": "homeowners"}
        )
    assert len(result.messages) == 1
    message = result.messages[0]
    assert message.role == "user"
    text = message.content.text  # type: ignore[union-attr]
    assert "heat pumps in cold climates" in text
    assert "homeowners" in text
    # The flow a model needs in a client that cuts long calls: start, poll with wait_seconds, read the report.
    for needle in ("start_deep_research", "get_interaction", "wait_seconds", "gemini://interactions/"):
        assert needle in text


async def test_research_brief_without_topic_is_an_error_naming_the_argument() -> None:
    async with Client(_server(), mode="legacy") as client:
        with pytest.raises(MCPError) as missing:
            await client.get_prompt("research_brief", {})
        assert "topic" in missing.value.message
        with pytest.raises(MCPError) as blank:
            await client.get_prompt("research_brief", {"topic": "   "})
        assert "topic" in blank.value.message
        # The server keeps serving.
        ok = await client.get_prompt("second_opinion", {"subject": "def f(): return 1/0"})
    assert "ask_gemini" in ok.messages[0].content.text  # type: ignore[union-attr]
    assert "conversation_id" in ok.messages[0].content.text  # type: ignore[union-attr]
