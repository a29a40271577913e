"""Watcher leases: a dead local holder is taken over at once; two watchers on one database stream a job once,
for a caller waiting in the process that does not follow it."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import anyio

from gemini_mcp.core.watcher import Watcher
from gemini_mcp.emulator import EmulatorConfig, running_emulator
from gemini_mcp.gemini.genai import GenAIBackend
from gemini_mcp.gemini.port import CreateRequest
from gemini_mcp.store import leases
from gemini_mcp.store.port import InteractionRecord, now
from gemini_mcp.store.sqlite import SQLiteStore
from tests.harness.settings import make_settings


def record(iid: str) -> InteractionRecord:
    stamp = now()
    return InteractionRecord(id=iid, owner="local", kind="agent", status="in_progress", created=stamp, updated=stamp)


def dead_holder() -> str:
    """A holder id naming a process on this host that has exited."""
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    return f"{socket.gethostname()}:{child.stdout.strip()}:gone"


async def test_a_lease_of_a_dead_process_on_this_host_is_taken_over_at_once(tmp_path: Path) -> None:
    store = await SQLiteStore.open(tmp_path / "db.sqlite3")
    await store.save_interaction(record("v1_a"))
    dead = dead_holder()
    assert leases.holder_is_dead(dead)
    assert not leases.holder_is_dead(leases.new_holder())
    assert not leases.holder_is_dead("elsewhere:1:x")
    assert await store.claim("v1_a", dead, 60)
    assert await leases.acquire(store, "v1_a", "me")
    assert await store.lease_holder("v1_a") == "me"
    assert not await leases.acquire(store, "v1_a", leases.new_holder())  # "me" is not a dead local pid
    await store.close()


async def test_two_watchers_on_one_database_stream_each_job_once(tmp_path: Path) -> None:
    async with running_emulator(EmulatorConfig(research_seconds=1.5, research_steps=2)) as emu:
        settings = make_settings(tmp_path, emu.base_url)
        store_a, store_b = await SQLiteStore.open(settings.db_path), await SQLiteStore.open(settings.db_path)
        backend = GenAIBackend(settings)
        created = await backend.create(
            CreateRequest(input="Moons", agent="deep-research-preview-04-2026", background=True, store=True)
        )
        await store_a.save_interaction(record(created.id))
        with anyio.fail_after(60):
            async with anyio.create_task_group() as tg:
                first, second = Watcher(store_a, backend), Watcher(store_b, backend)
                await first.run(tg)
                await second.run(tg)
                while (leased_to := await store_a.lease_holder(created.id)) is None:
                    await anyio.sleep(0.01)
                # The caller waits in the process that does NOT follow the job: its wait reaches the follower
                # through the store (SQLite cannot push: the follower's upkeep reads it), which then streams it.
                observer = second if leased_to == first.holder else first
                while first.is_following(created.id) or second.is_following(created.id):
                    if not await observer.wait_changed(created.id, 5):
                        await anyio.sleep(0.05)
        final = await store_b.get_interaction("local", created.id)
        streams = [r for r in emu.requests if r.method == "GET" and r.query.get("stream") == "true"]
        holder = await store_a.lease_holder(created.id)
        await backend.aclose()
        await store_a.close()
        await store_b.close()
    assert final is not None and final.status == "completed"
    assert len(streams) == 1
    assert holder is None  # released when the job ended
