"""Another process holding the database's write lock for 2 s does not stall the server's tools."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from anyio.abc import Process, TaskStatus
from anyio.streams.text import TextReceiveStream
from mcp.client import Client

from bench.fig_contention import LOCK_HOLDER, LOCK_SECONDS
from gemini_mcp.emulator import EmulatorConfig, running_emulator
from gemini_mcp.server.app import build_server
from gemini_mcp.store.port import Conversation
from gemini_mcp.store.sqlite import SQLiteStore
from tests.harness.clients import data
from tests.harness.settings import make_settings


@asynccontextmanager
async def foreign_write_lock(db_path: Path, seconds: float) -> AsyncIterator[Process]:
    """A separate `sqlite3` process holding `BEGIN IMMEDIATE` on the database for `seconds`."""
    command = [sys.executable, "-c", LOCK_HOLDER, str(db_path), str(seconds)]
    async with await anyio.open_process(command) as process:
        assert process.stdout is not None
        async for line in TextReceiveStream(process.stdout):
            assert line.strip() == "locked", line
            break
        yield process
        await process.wait()


def write_lock_is_held(db_path: Path) -> bool:
    """True while some other connection holds the write lock (checked without waiting)."""
    db = sqlite3.connect(db_path, timeout=0, isolation_level=None)
    try:
        db.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return True
    finally:
        db.close()
    return False


async def test_tools_list_and_get_interaction_answer_while_another_process_holds_the_write_lock(
    tmp_path: Path,
) -> None:
    config = EmulatorConfig(research_seconds=1.0, research_steps=8)
    async with running_emulator(config) as emu:
        settings = make_settings(tmp_path / "data", emu.base_url)
        store = await SQLiteStore.open(settings.db_path)
        async with Client(build_server(settings, store=store), raise_exceptions=True) as client:
            started = data(await client.call_tool("start_deep_research", {"query": "History of the bicycle"}))
            iid = started["interaction_id"]

            async def write(*, task_status: TaskStatus[None]) -> None:
                task_status.started()
                await store.save_conversation(Conversation(id="c1", owner="local", title="Waits for the lock"))

            with anyio.fail_after(30):
                async with foreign_write_lock(settings.db_path, LOCK_SECONDS), anyio.create_task_group() as tg:
                    await tg.start(write)  # the server's store now waits for the foreign lock
                    began = anyio.current_time()
                    tools = await client.list_tools()
                    listed = anyio.current_time() - began
                    got = data(await client.call_tool("get_interaction", {"interaction_id": iid}))
                    answered = anyio.current_time() - began
                    assert write_lock_is_held(settings.db_path)  # both answered inside the lock
                    assert "get_interaction" in {tool.name for tool in tools.tools}
                    assert got["interaction_id"] == iid
                    assert listed < 1.0 and answered < 1.0, (listed, answered)  # generous: the lock lasts 2 s
                finished = data(await client.call_tool("get_interaction", {"interaction_id": iid, "wait_seconds": 20}))
                assert finished["status"] == "completed"
                assert await store.get_conversation("local", "c1") is not None  # the waiting write went through
        await store.close()
