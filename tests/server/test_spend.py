"""Bounded spend through real MCP clients on the emulator: costs on results, the daily budget (refused before
anything reaches Gemini, freed as the 24 h window moves), research estimates, the running-research cap, and
gemini://usage adding up to what the results said."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from gemini_mcp.config import Settings
from gemini_mcp.emulator import EmulatorConfig, running_emulator
from gemini_mcp.emulator.server import Emulator
from gemini_mcp.server.app import build_server
from tests.harness.clients import data, error_text, finish
from tests.harness.settings import make_settings

DAY = 24 * 3600.0


class Clock:
    """The budget window's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@asynccontextmanager
async def client_on(settings: Settings, clock: Clock, mode: str = "auto") -> AsyncGenerator[Client]:
    async with Client(build_server(settings, clock=clock), raise_exceptions=True, mode=mode) as client:  # type: ignore[arg-type]
        yield client


def settings_for(tmp_path: Path, emulator: Emulator, **overrides: Any) -> Settings:
    return make_settings(tmp_path / "data", emulator.base_url, **overrides)


async def read_json(client: Client, uri: str) -> dict[str, Any]:
    result = await client.read_resource(uri)
    return json.loads(getattr(result.contents[0], "text", ""))


async def test_a_tiny_budget_allows_one_call_then_refuses_before_anything_reaches_gemini(
    tmp_path: Path, emulator: Emulator
) -> None:
    clock = Clock()
    async with client_on(settings_for(tmp_path, emulator, daily_budget_usd=0.000001), clock) as client:
        first = data(await client.call_tool("ask_gemini", {"prompt": "Hi, my name is Phil."}))
        assert first["usage"]["cost_usd"] > 0
        seen = len(emulator.requests)
        clock.now += 3600
        refused = error_text(await client.call_tool("ask_gemini", {"prompt": "And again?"}))
        research = error_text(await client.call_tool("start_deep_research", {"query": "tides"}))
        assert len(emulator.requests) == seen  # neither call reached Gemini
    for message in (refused, research):
        assert "Daily budget reached" in message
        assert f"${first['usage']['cost_usd']:.6f}".rstrip("0") in message  # what was spent
        assert "of the $0.000001 allowed" in message  # the budget
        assert "Room frees up at" in message and "(in 23 h" in message  # when
        assert "GEMINI_MCP_DAILY_BUDGET_USD" in message  # the setting
        assert "Nothing was sent to Gemini" in message


async def test_the_budget_frees_up_as_the_24_hour_window_moves(tmp_path: Path, emulator: Emulator) -> None:
    clock = Clock()
    async with client_on(settings_for(tmp_path, emulator, daily_budget_usd=0.000001), clock) as client:
        first = data(await client.call_tool("ask_gemini", {"prompt": "Hi"}))
        clock.now += DAY - 60
        assert "Daily budget reached" in error_text(await client.call_tool("ask_gemini", {"prompt": "Hi again"}))
        clock.now += 61
        again = data(
            await client.call_tool("ask_gemini", {"prompt": "Hi again", "conversation_id": first["conversation_id"]})
        )
        assert again["usage"]["cost_usd"] > 0
        usage = await read_json(client, "gemini://usage")
    assert usage["last_24h"]["cost_usd"] == pytest.approx(again["usage"]["cost_usd"])
    assert usage["last_30_days"]["cost_usd"] == pytest.approx(first["usage"]["cost_usd"] + again["usage"]["cost_usd"])


async def test_a_research_run_whose_upper_estimate_does_not_fit_is_refused_but_chat_is_not(
    tmp_path: Path, emulator: Emulator
) -> None:
    async with client_on(settings_for(tmp_path, emulator, daily_budget_usd=3.0), Clock()) as client:
        refused = error_text(await client.call_tool("start_deep_research", {"query": "the history of tea"}))
        assert not [r for r in emulator.requests if r.method == "POST"]
        answer = data(await client.call_tool("ask_gemini", {"prompt": "Hi"}))
    assert "estimated at $2.00-$5.00" in refused and "deep-research-preview-04-2026" in refused
    assert "of the $3.00 daily budget is left" in refused and "Nothing was started" in refused
    assert "GEMINI_MCP_DAILY_BUDGET_USD" in refused
    assert answer["usage"]["cost_usd"] > 0


async def test_the_running_research_cap_lists_the_running_ids_and_cancel_frees_a_slot(tmp_path: Path) -> None:
    async with running_emulator(EmulatorConfig(research_seconds=120, research_steps=3)) as emu:
        settings = settings_for(tmp_path, emu, max_running_research=2)
        async with client_on(settings, Clock()) as client:
            runs = [data(await client.call_tool("start_deep_research", {"query": f"topic {n}"})) for n in range(2)]
            creates = len([r for r in emu.requests if r.method == "POST"])
            refused = error_text(await client.call_tool("start_deep_research", {"query": "one more"}))
            assert len([r for r in emu.requests if r.method == "POST"]) == creates
            await client.call_tool("cancel_interaction", {"interaction_id": runs[0]["interaction_id"]})
            third = data(await client.call_tool("start_deep_research", {"query": "one more"}))
            usage = await read_json(client, "gemini://usage")
            for run in (runs[1], third):
                await client.call_tool("cancel_interaction", {"interaction_id": run["interaction_id"]})
    assert "GEMINI_MCP_MAX_RUNNING_RESEARCH=2" in refused
    assert all(run["interaction_id"] in refused for run in runs)
    assert "cancel_interaction" in refused and "free a slot" in refused
    assert third["started"] and third["estimated_cost_usd"] == [2.0, 5.0]
    assert sorted(usage["running_research"]) == sorted([runs[1]["interaction_id"], third["interaction_id"]])


async def test_gemini_usage_adds_up_to_the_costs_the_results_reported(tmp_path: Path, emulator: Emulator) -> None:
    async with client_on(settings_for(tmp_path, emulator, daily_budget_usd=50.0), Clock()) as client:
        chat = data(await client.call_tool("ask_gemini", {"prompt": "Hi, my name is Phil."}))
        second = data(
            await client.call_tool(
                "ask_gemini", {"prompt": "What is my name?", "conversation_id": chat["conversation_id"]}
            )
        )
        pro = data(await client.call_tool("ask_gemini", {"prompt": "Hi", "model": "gemini-3.1-pro-preview"}))
        job = data(await client.call_tool("start_deep_research", {"query": "tidal power"}))
        report = await finish(client, job["interaction_id"])
        usage = await read_json(client, "gemini://usage")
        conversation = await read_json(client, f"gemini://conversations/{chat['conversation_id']}")
    costs = [chat["usage"]["cost_usd"], second["usage"]["cost_usd"], pro["usage"]["cost_usd"]]
    research = report["usage"]["cost_usd"]
    assert all(c > 0 for c in costs) and research > costs[2]
    day = usage["last_24h"]
    assert day["cost_usd"] == pytest.approx(sum(costs) + research)
    assert day["interactions"] == 4 and day["unpriced"] == 0
    assert day["by_model"] == pytest.approx(
        {"gemini-3-flash-preview": costs[0] + costs[1], "gemini-3.1-pro-preview": costs[2]}
    )
    assert day["by_agent"] == pytest.approx({"deep-research-preview-04-2026": research})
    assert usage["daily_budget_usd"] == 50.0
    assert usage["remaining_usd"] == pytest.approx(50.0 - day["cost_usd"])
    assert usage["prices_as_of"] == "2026-11-29" and usage["prices_source"].startswith("https://ai.google.dev/")
    assert conversation["cost_usd"] == pytest.approx(costs[0] + costs[1])


async def test_a_flex_turn_costs_half_of_a_standard_one(tmp_path: Path, emulator: Emulator) -> None:
    async with client_on(settings_for(tmp_path, emulator), Clock()) as client:
        standard = data(await client.call_tool("ask_gemini", {"prompt": "Hi there"}))
        flex = data(await client.call_tool("ask_gemini", {"prompt": "Hi there", "service_tier": "flex"}))
    assert flex["usage"]["input_tokens"] == standard["usage"]["input_tokens"]
    assert flex["usage"]["cost_usd"] == pytest.approx(standard["usage"]["cost_usd"] / 2, abs=1e-6)
