"""Crash safety: SIGKILL the server (a real `gemini-mcp --transport http` process) mid-job and mid-turn.

After a restart on the same data dir nothing that was recorded is lost, SQLite's integrity check passes,
and a Deep Research job that was running is followed again by the new process on its own.
"""

from __future__ import annotations

import json
import signal
import sqlite3
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
from anyio.abc import Process
from mcp import Client

from gemini_mcp.emulator import EmulatorConfig, Fault, running_emulator
from gemini_mcp.emulator.server import Emulator
from tests.harness.clients import http_client, structured, text
from tests.harness.processes import http_server_process

from .harness import subprocess_env, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL is POSIX")]


@asynccontextmanager
async def server(emu: Emulator, data_dir: Path) -> AsyncGenerator[tuple[Process, str]]:
    async with http_server_process(data_dir, subprocess_env(emu.base_url)) as child:
        yield child.process, child.base_url


async def call(client: Client, tool: str, args: dict[str, Any]) -> dict[str, Any]:
    with anyio.fail_after(30):
        result = await client.call_tool(tool, args)
    assert not result.is_error, text(result)
    return structured(result)


def integrity(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


async def kill(process: Process) -> None:
    process.send_signal(signal.SIGKILL)
    with anyio.fail_after(10):
        code = await process.wait()
    assert code == -signal.SIGKILL


async def call_until_killed(url: str, tool: str, args: dict[str, Any]) -> None:
    """Make a call the server will not live to answer; the connection error that follows is expected."""
    try:
        async with http_client(url) as client:
            await client.call_tool(tool, args)
    except BaseException as exc:  # a dead server surfaces as various transport errors (groups too)
        if isinstance(exc, anyio.get_cancelled_exc_class()):
            raise
        return
    raise AssertionError("the call returned although the server was killed")


async def test_sigkill_during_deep_research_loses_nothing_and_the_job_is_followed_again(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    async with running_emulator(EmulatorConfig(research_seconds=4.0, research_steps=8)) as emu:
        async with server(emu, data) as (process, url):
            async with http_client(url) as client:
                chat = await call(client, "ask_gemini", {"prompt": "Hi, my name is Phil."})
                job = await call(client, "start_deep_research", {"query": "the history of SQLite's WAL mode"})
                interaction_id = job["interaction_id"]
                # Let the watcher record some progress before the kill (a caller waits, so it streams the run).
                waiting = {"interaction_id": interaction_id, "wait_seconds": 1}
                with anyio.fail_after(20):
                    while not (await call(client, "get_interaction", waiting))["progress"]:
                        await anyio.sleep(0.1)
            await kill(process)

        assert integrity(data / "gemini-mcp.sqlite3") == "ok"
        gets_before_restart = len(emu.requests)

        async with server(emu, data) as (_, url), http_client(url) as client:
            # The restarted server resumes the job by itself, before anyone asks about it.
            await wait_for(
                lambda: any(r.path.endswith(interaction_id) for r in emu.requests[gets_before_restart:]),
                timeout=20,
                what="the restarted server to follow the running job",
            )
            conversations = (await call(client, "list_conversations", {}))["conversations"]
            ids = {c["conversation_id"]: c for c in conversations}
            assert ids[chat["conversation_id"]]["turns"] == 1
            assert job["conversation_id"] in ids
            interactions = {i["interaction_id"] for i in (await call(client, "list_interactions", {}))["interactions"]}
            assert {chat["interaction_id"], interaction_id} <= interactions

            with anyio.fail_after(30):
                while not (
                    done := await call(
                        client, "get_interaction", {"interaction_id": interaction_id, "wait_seconds": 10}
                    )
                )["done"]:
                    pass
            assert done["status"] == "completed"
            assert done["total_chars"] > 0
            assert len(done["progress"]) == len(set(done["progress"]))  # resumed from the cursor, no replays

            follow_up = await call(
                client, "ask_gemini", {"prompt": "What is my name?", "conversation_id": chat["conversation_id"]}
            )
            assert "Phil" in follow_up["text"]
        assert integrity(data / "gemini-mcp.sqlite3") == "ok"


async def test_sigkill_during_a_conversation_turn_keeps_the_earlier_turns(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    async with running_emulator(EmulatorConfig()) as emu:
        async with server(emu, data) as (process, url):
            async with http_client(url) as client:
                first = await call(client, "ask_gemini", {"prompt": "Hi, my name is Phil."})
            conversation = first["conversation_id"]
            emu.add_fault(Fault(kind="delay", method="POST", path=r"/interactions$", delay=5.0))
            posts = sum(1 for r in emu.requests if r.method == "POST")
            async with anyio.create_task_group() as tg:
                tg.start_soon(
                    call_until_killed,
                    url,
                    "ask_gemini",
                    {"prompt": "Remember: I like tea.", "conversation_id": conversation},
                )
                await wait_for(lambda: sum(1 for r in emu.requests if r.method == "POST") > posts, timeout=20)
                await kill(process)
        emu.clear_faults()

        assert integrity(data / "gemini-mcp.sqlite3") == "ok"

        async with server(emu, data) as (_, url), http_client(url) as client:
            listed = {c["conversation_id"]: c for c in (await call(client, "list_conversations", {}))["conversations"]}
            assert listed[conversation]["turns"] == 1  # the unfinished turn was never recorded; the first one was
            again = await call(client, "ask_gemini", {"prompt": "What is my name?", "conversation_id": conversation})
            assert "Phil" in again["text"]
            listed = {c["conversation_id"]: c for c in (await call(client, "list_conversations", {}))["conversations"]}
            assert listed[conversation]["turns"] == 2
        assert integrity(data / "gemini-mcp.sqlite3") == "ok"


def recorded_turns(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM interactions").fetchone()[0])


def ledger_matches_the_records(db: Path) -> dict[str, float]:
    """Every billed interaction has exactly one ledger row with its cost, every row an interaction, and every
    conversation counts the turns it has. Returns interaction id -> cost."""
    with sqlite3.connect(db) as conn:
        usages = {i: json.loads(u) if u else {} for i, u in conn.execute("SELECT id, usage FROM interactions")}
        rows = conn.execute("SELECT interaction_id, cost_usd FROM ledger").fetchall()
        billed = {i: u["cost_usd"] for i, u in usages.items() if "cost_usd" in u}
        assert dict(rows) == billed and len(rows) == len(billed)
        for cid, turns, last in conn.execute("SELECT id, turns, last_interaction_id FROM conversations").fetchall():
            ids = [r[0] for r in conn.execute("SELECT id FROM interactions WHERE conversation_id = ?", (cid,))]
            assert turns == len(ids) and last in ids, (cid, turns, ids)
    return billed


async def ask_until_killed(url: str, args: dict[str, Any]) -> None:
    """A turn that may or may not be answered before the server dies: either way is fine here."""
    try:
        async with http_client(url) as client:
            await client.call_tool("ask_gemini", args)
    except BaseException as exc:  # a dead server surfaces as various transport errors (groups too)
        if isinstance(exc, anyio.get_cancelled_exc_class()):
            raise


async def test_sigkill_right_after_a_turn_is_recorded_loses_and_doubles_no_charge(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    db = data / "gemini-mcp.sqlite3"
    async with running_emulator(EmulatorConfig(research_seconds=3.0, research_steps=4, model_latency=0.05)) as emu:
        async with server(emu, data) as (process, url):
            async with http_client(url) as client:
                chat = await call(client, "ask_gemini", {"prompt": "Hi, my name is Phil."})
                job = await call(client, "start_deep_research", {"query": "the economics of tidal power"})
            before = recorded_turns(db)
            async with anyio.create_task_group() as tg:
                for n in range(6):  # turns in flight, three chained on one conversation, three new ones
                    conversation = {"conversation_id": chat["conversation_id"]} if n % 2 else {}
                    tg.start_soon(ask_until_killed, url, {"prompt": f"Turn {n}", **conversation})
                await wait_for(lambda: recorded_turns(db) > before, timeout=20, what="a turn to be recorded")
                await kill(process)
        assert integrity(db) == "ok"
        before_restart = ledger_matches_the_records(db)
        assert chat["interaction_id"] in before_restart and job["interaction_id"] not in before_restart

        async with server(emu, data) as (_, url), http_client(url) as client:
            with anyio.fail_after(30):
                while not (
                    done := await call(
                        client, "get_interaction", {"interaction_id": job["interaction_id"], "wait_seconds": 10}
                    )
                )["done"]:
                    pass
            usage_text = getattr((await client.read_resource("gemini://usage")).contents[0], "text", "")
        after = ledger_matches_the_records(db)
        assert {i: c for i, c in after.items() if i in before_restart} == before_restart  # nothing lost or changed
        assert after[job["interaction_id"]] == done["usage"]["cost_usd"] > 0  # the resumed run, billed once
        assert json.loads(usage_text)["last_24h"]["cost_usd"] == pytest.approx(sum(after.values()))
