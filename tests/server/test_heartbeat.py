"""While a caller waits, progress goes out on every change and as a heartbeat between changes."""

from __future__ import annotations

from pathlib import Path

import anyio

from gemini_mcp.core.conversations import Conversations
from gemini_mcp.core.interactions import PROGRESS_EVERY, Interactions
from gemini_mcp.core.watcher import Watcher
from gemini_mcp.emulator import EmulatorConfig, running_emulator
from gemini_mcp.gemini.genai import GenAIBackend
from gemini_mcp.store.sqlite import SQLiteStore

from .harness import make_settings


async def test_heartbeats_keep_coming_between_changes_until_the_job_ends(tmp_path: Path) -> None:
    assert PROGRESS_EVERY <= 10  # the promise to clients: a notification at least every 10 s
    sent: list[tuple[float, str]] = []
    result = None

    async def progress(value: float, message: str) -> None:
        sent.append((value, message))

    async with running_emulator(EmulatorConfig(research_seconds=3.0, research_steps=1)) as emu:
        settings = make_settings(tmp_path, emu.base_url)
        store = SQLiteStore(settings.db_path)
        backend = GenAIBackend(settings)
        watcher = Watcher(store, backend)
        interactions = Interactions(store, backend, watcher, progress_every=0.2)
        with anyio.fail_after(60):
            async with anyio.create_task_group() as tg:
                await watcher.run(tg)
                _, record, _ = await Conversations(settings, store, backend).start_research(
                    "local", "Comets", agent=None, conversation_id=None, thinking_summaries=True
                )
                watcher.follow(record)
                result = await interactions.get(
                    "local", record.id, wait_seconds=30, offset=0, max_chars=1000, progress=progress
                )
                tg.cancel_scope.cancel()
        await backend.aclose()
        await store.close()
    assert result is not None
    assert result.status == "completed"
    values = [v for v, _ in sent]
    assert values == sorted(set(values))
    # One job with one thought summary changes the record only a few times; the rest are heartbeats.
    assert len(sent) >= 6, sent
    assert any(m == "status: in_progress" for _, m in sent)
