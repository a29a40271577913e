"""The background watcher against stream faults: cut streams resume from the cursor, failures fall back to polling."""

from __future__ import annotations

from pathlib import Path

import anyio

from gemini_mcp.core.watcher import Watcher
from gemini_mcp.emulator import EmulatorConfig, Fault, running_emulator
from gemini_mcp.gemini.genai import GenAIBackend
from gemini_mcp.store.port import InteractionRecord, now
from gemini_mcp.store.sqlite import SQLiteStore
from tests.harness.clients import data, open_client
from tests.harness.settings import make_settings


def stream_gets(emu: object) -> list[dict[str, str]]:
    return [r.query for r in emu.requests if r.method == "GET" and r.query.get("stream") == "true"]  # type: ignore[attr-defined]


async def test_a_cut_stream_is_resumed_from_the_last_event_id(tmp_path: Path) -> None:
    async with running_emulator(EmulatorConfig(research_seconds=1.0, research_steps=3)) as emu:
        emu.add_fault(Fault(kind="cut", method="GET", after_events=3))
        async with open_client(make_settings(tmp_path, emu.base_url)) as client:
            iid = data(await client.call_tool("start_deep_research", {"query": "Volcanoes"}))["interaction_id"]
            with anyio.fail_after(60):
                done = data(await client.call_tool("get_interaction", {"interaction_id": iid, "wait_seconds": 30}))
        gets = stream_gets(emu)
    assert done["status"] == "completed"
    assert len(done["progress"]) == 3  # no summary lost or duplicated across the cut
    assert "last_event_id" not in gets[0]
    assert gets[1]["last_event_id"] == "evt_3"


async def test_stream_failures_fall_back_to_polling_until_done(tmp_path: Path) -> None:
    async with running_emulator(EmulatorConfig(research_seconds=0.5, research_steps=2)) as emu:
        emu.add_fault(Fault(kind="status", status=503, method="GET", path=r"/interactions/", count=2, retry_after="0"))
        async with open_client(make_settings(tmp_path, emu.base_url)) as client:
            iid = data(await client.call_tool("start_deep_research", {"query": "Deserts"}))["interaction_id"]
            with anyio.fail_after(60):
                done = data(await client.call_tool("get_interaction", {"interaction_id": iid, "wait_seconds": 30}))
    assert done["status"] == "completed"
    assert done["total_chars"] > 0


async def test_an_in_stream_error_event_is_recorded_and_the_job_still_completes(tmp_path: Path) -> None:
    async with running_emulator(EmulatorConfig(research_seconds=0.5, research_steps=2)) as emu:
        emu.add_fault(Fault(kind="error_event", method="GET", after_events=2, message="Backend hiccup."))
        async with open_client(make_settings(tmp_path, emu.base_url)) as client:
            iid = data(await client.call_tool("start_deep_research", {"query": "Caves"}))["interaction_id"]
            with anyio.fail_after(60):
                done = data(await client.call_tool("get_interaction", {"interaction_id": iid, "wait_seconds": 30}))
    assert done["status"] == "completed"


async def test_watcher_marks_an_interaction_gemini_forgot_as_failed(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, None)
    async with running_emulator(EmulatorConfig()) as emu:
        settings = make_settings(tmp_path, emu.base_url)
        store = SQLiteStore(settings.db_path)
        stamp = now()
        await store.save_interaction(
            InteractionRecord(
                id="v1_forgotten", owner="local", kind="agent", status="in_progress", created=stamp, updated=stamp
            )
        )
        backend = GenAIBackend(settings)
        watcher = Watcher(store, backend)
        with anyio.fail_after(30):
            async with anyio.create_task_group() as tg:
                await watcher.run(tg)
                while watcher.is_following("v1_forgotten"):
                    await watcher.wait_changed("v1_forgotten", 5)
        record = await store.get_interaction("local", "v1_forgotten")
        await backend.aclose()
        await store.close()
    assert record is not None
    assert record.status == "failed"
    assert record.error is not None
    assert record.error.startswith("Interaction v1_forgotten no longer exists on Gemini")
    assert "1 day on the free tier and 55 days on paid tiers" in record.error
