# pyright: reportAttributeAccessIssue=false, reportOptionalMemberAccess=false, reportArgumentType=false
"""Deep Research runs report usage the size of a real run's, so the server's cost estimate is realistic."""

from __future__ import annotations

from typing import Any

import anyio
from google import genai

from gemini_mcp.core.prices import cost_usd, load_prices
from gemini_mcp.emulator import EmulatorConfig, running_emulator

from .helpers import AGENT, make_client

RESEARCH = {"type": "deep-research", "thinking_summaries": "auto"}
MAX_AGENT = "deep-research-max-preview-04-2026"


async def _finished_usage(client: genai.Client, agent: str) -> dict[str, Any]:
    aio = client.aio.interactions
    job = await aio.create(agent=agent, input="Research tidal power.", background=True, agent_config=RESEARCH)
    with anyio.fail_after(20):
        while (got := await aio.get(job.id)).status == "in_progress":
            await anyio.sleep(0.05)
    assert got.status == "completed"
    return got.usage.model_dump(mode="json", exclude_none=True)


async def test_a_default_research_run_costs_a_few_dollars_at_public_rates() -> None:
    async with running_emulator(EmulatorConfig(research_seconds=0.2, research_steps=4)) as emu:
        client = make_client(emu.base_url)
        try:
            usage = await _finished_usage(client, AGENT)
        finally:
            await client.aio.aclose()
    assert usage["total_input_tokens"] >= 240_000  # pages read
    assert 0 < usage["total_cached_tokens"] < usage["total_input_tokens"]
    assert usage["total_thought_tokens"] >= 40_000
    searches = {g["type"]: g["count"] for g in usage["grounding_tool_count"]}
    assert searches["google_search"] == 60
    cost = cost_usd(load_prices(), usage, agent=AGENT)
    assert cost is not None and 1.0 < cost < 5.0  # the table's range for this agent is $2-5 for longer runs


async def test_the_max_agent_reports_more_usage_than_the_standard_one(genai_client: genai.Client) -> None:
    standard = await _finished_usage(genai_client, AGENT)
    maximal = await _finished_usage(genai_client, MAX_AGENT)
    assert maximal["total_input_tokens"] > standard["total_input_tokens"]
    table = load_prices()
    more, less = cost_usd(table, maximal, agent=MAX_AGENT), cost_usd(table, standard, agent=AGENT)
    assert more is not None and less is not None and more > less
