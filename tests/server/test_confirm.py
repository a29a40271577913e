"""Confirmation before a Deep Research run (GEMINI_MCP_CONFIRM_RESEARCH), through real MCP clients that answer
the elicitation form (or cannot), on both protocol eras; the emulator's request log shows what reached Gemini."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.types import ElicitRequestParams, ElicitResult

from gemini_mcp.config import Settings
from gemini_mcp.emulator.server import Emulator
from gemini_mcp.server.app import build_server
from tests.harness.clients import Mode, data, error_text, text
from tests.harness.settings import make_settings

AGENT = "deep-research-preview-04-2026"
QUERY = "the history of tidal power"


class User:
    """A client user who answers every question the same way, and remembers what was asked."""

    def __init__(self, action: str, content: dict[str, Any] | None = None) -> None:
        self.action = action
        self.content = content
        self.asked: list[str] = []

    async def __call__(self, _ctx: Any, params: ElicitRequestParams) -> ElicitResult:
        self.asked.append(params.message)
        return ElicitResult(action=self.action, content=self.content)  # type: ignore[arg-type]


@asynccontextmanager
async def client_on(settings: Settings, mode: Mode, user: User | None) -> AsyncGenerator[Client]:
    server = build_server(settings)
    async with Client(server, raise_exceptions=True, mode=mode, elicitation_callback=user) as client:  # type: ignore[arg-type]
        yield client


def agent_creates(emulator: Emulator) -> list[dict[str, Any]]:
    return [r.body for r in emulator.requests if r.method == "POST" and (r.body or {}).get("agent")]


def settings_for(tmp_path: Path, emulator: Emulator, **overrides: Any) -> Settings:
    return make_settings(tmp_path / "data", emulator.base_url, **overrides)


MODES = pytest.mark.parametrize("mode", ["legacy", "auto"])


@MODES
async def test_a_user_who_accepts_starts_the_run_after_seeing_query_agent_cost_and_duration(
    tmp_path: Path, emulator: Emulator, mode: Mode
) -> None:
    user = User("accept", {"start": True})
    async with client_on(settings_for(tmp_path, emulator), mode, user) as client:
        started = data(await client.call_tool("start_deep_research", {"query": QUERY}))
    assert started["started"] and started["interaction_id"] and started["status"] == "in_progress"
    assert [body["agent"] for body in agent_creates(emulator)] == [AGENT]
    [question] = user.asked
    assert QUERY in question and AGENT in question
    assert "Estimated cost: $2.00-$5.00" in question and "Duration: about 5-20 minutes" in question


@MODES
@pytest.mark.parametrize(("action", "content"), [("decline", None), ("cancel", None), ("accept", {"start": False})])
async def test_a_user_who_declines_gets_a_normal_result_and_nothing_reaches_gemini(
    tmp_path: Path, emulator: Emulator, mode: Mode, action: str, content: dict[str, Any] | None
) -> None:
    user = User(action, content)
    async with client_on(settings_for(tmp_path, emulator), mode, user) as client:
        result = await client.call_tool("start_deep_research", {"query": QUERY})
        listed = data(await client.call_tool("list_interactions", {}))
    assert not result.is_error
    declined = data(result)
    assert declined["started"] is False and declined["status"] == "not_started"
    assert declined["interaction_id"] is None and declined["estimated_cost_usd"] == [2.0, 5.0]
    assert "was not started" in text(result) and "Nothing was sent to Gemini" in text(result)
    assert len(user.asked) == 1
    assert emulator.requests == [] and listed["interactions"] == []


@MODES
async def test_a_client_without_elicitation_proceeds_under_auto(tmp_path: Path, emulator: Emulator, mode: Mode) -> None:
    async with client_on(settings_for(tmp_path, emulator, confirm_research="auto"), mode, None) as client:
        started = data(await client.call_tool("start_deep_research", {"query": QUERY}))
    assert started["started"] and len(agent_creates(emulator)) == 1


@MODES
async def test_a_client_without_elicitation_is_refused_under_always(
    tmp_path: Path, emulator: Emulator, mode: Mode
) -> None:
    async with client_on(settings_for(tmp_path, emulator, confirm_research="always"), mode, None) as client:
        refused = error_text(await client.call_tool("start_deep_research", {"query": QUERY}))
    assert "GEMINI_MCP_CONFIRM_RESEARCH=always" in refused and "elicitation" in refused
    assert "Nothing was started" in refused
    assert emulator.requests == []


async def test_always_asks_a_client_that_can_be_asked(tmp_path: Path, emulator: Emulator) -> None:
    user = User("accept", {"start": True})
    async with client_on(settings_for(tmp_path, emulator, confirm_research="always"), "auto", user) as client:
        started = data(await client.call_tool("start_deep_research", {"query": QUERY}))
    assert started["started"] and len(user.asked) == 1


async def test_never_does_not_ask(tmp_path: Path, emulator: Emulator) -> None:
    user = User("decline")
    async with client_on(settings_for(tmp_path, emulator, confirm_research="never"), "auto", user) as client:
        started = data(await client.call_tool("start_deep_research", {"query": QUERY}))
    assert started["started"] and user.asked == []


async def test_a_run_the_budget_refuses_is_refused_before_the_user_is_asked(tmp_path: Path, emulator: Emulator) -> None:
    user = User("accept", {"start": True})
    async with client_on(settings_for(tmp_path, emulator, daily_budget_usd=1.0), "auto", user) as client:
        refused = error_text(await client.call_tool("start_deep_research", {"query": QUERY}))
    assert "estimated at $2.00-$5.00" in refused
    assert user.asked == [] and emulator.requests == []
