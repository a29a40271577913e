"""Deep Research through the MCP surface: start, follow with progress, page the report, cancel."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from mcp.types import TextResourceContents

from gemini_mcp.config import Settings
from gemini_mcp.emulator import EmulatorConfig, running_emulator
from gemini_mcp.emulator.server import Emulator
from tests.harness.clients import Mode

from .harness import creates, data, make_settings, open_client, text


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_research_is_followed_to_completion_with_progress_and_its_report_paged(
    settings: Settings, emulator: Emulator, mode: Mode
) -> None:
    updates: list[tuple[float, str | None]] = []

    totals: set[float | None] = set()

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        updates.append((progress, message))
        totals.add(total)

    async with open_client(settings, mode) as client:
        started = data(await client.call_tool("start_deep_research", {"query": "History of the bicycle"}))
        assert started["status"] in ("in_progress", "queued")
        assert started["agent"] == "deep-research-preview-04-2026"
        iid = started["interaction_id"]
        with anyio.fail_after(60):
            result = data(
                await client.call_tool(
                    "get_interaction", {"interaction_id": iid, "wait_seconds": 30}, progress_callback=on_progress
                )
            )
        assert result["status"] == "completed"
        assert result["done"] is True
        total = result["total_chars"]
        assert total > 100
        pages: list[str] = []
        offset: int | None = 0
        while offset is not None:
            page = data(
                await client.call_tool("get_interaction", {"interaction_id": iid, "offset": offset, "max_chars": 100})
            )
            assert len(page["text"]) <= 100
            pages.append(page["text"])
            offset = page["next_offset"]
        report = await client.read_resource(f"gemini://interactions/{iid}/report")
        listed = data(await client.call_tool("list_interactions", {"status": "completed"}))

    full = "".join(pages)
    assert len(full) == total
    assert len(pages) == -(-total // 100)
    assert result["text"] == full
    assert updates, "no progress notification arrived"
    assert [v for v, _ in updates] == sorted({v for v, _ in updates})
    assert totals == {30} and all(v <= 30 for v, _ in updates)  # progress counts seconds waited, of wait_seconds
    assert all(" s waited: " in (m or "") for _, m in updates), updates
    body = creates(emulator)[0]
    assert body["background"] is True
    assert body["agent_config"] == {"type": "deep-research", "thinking_summaries": "auto"}
    content = report.contents[0]
    assert isinstance(content, TextResourceContents)
    assert full in content.text
    assert len([line for line in content.text.splitlines() if line.startswith("# ")]) == 1, content.text[:300]
    assert [i["interaction_id"] for i in listed["interactions"]] == [iid]


async def test_thought_summaries_are_recorded_and_sent_as_progress_messages(tmp_path: Path) -> None:
    messages: list[str | None] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        messages.append(message)

    config = EmulatorConfig(research_seconds=2.0, research_steps=3)
    async with running_emulator(config) as emu, open_client(make_settings(tmp_path, emu.base_url)) as client:
        iid = data(await client.call_tool("start_deep_research", {"query": "Tides"}))["interaction_id"]
        with anyio.fail_after(60):
            result = data(
                await client.call_tool(
                    "get_interaction", {"interaction_id": iid, "wait_seconds": 30}, progress_callback=on_progress
                )
            )
    assert result["status"] == "completed"
    assert len(result["progress"]) == 3
    assert all("Tides" in p or "Step" in p for p in result["progress"])
    for summary in result["progress"][1:]:  # each message: "<seconds> of 30 s waited: <thought summary>"
        assert any(m == f"{m.split(' of 30 s waited: ')[0]} of 30 s waited: {summary}" for m in messages if m), messages


async def test_cancel_stops_a_running_research(tmp_path: Path) -> None:
    async with running_emulator(EmulatorConfig(research_seconds=60)) as emu:
        async with open_client(make_settings(tmp_path, emu.base_url)) as client:
            iid = data(await client.call_tool("start_deep_research", {"query": "Long topic"}))["interaction_id"]
            cancelled = data(await client.call_tool("cancel_interaction", {"interaction_id": iid}))
            with anyio.fail_after(30):
                after = data(await client.call_tool("get_interaction", {"interaction_id": iid, "wait_seconds": 5}))
            again = await client.call_tool("cancel_interaction", {"interaction_id": iid})
        cancel_posts = [r for r in emu.requests if r.method == "POST" and r.path.endswith("/cancel")]
    assert cancelled["status"] == "cancelled"
    assert after["status"] == "cancelled"
    assert after["done"] is True
    assert len(cancel_posts) == 1
    assert "already stopped" in text(again)
