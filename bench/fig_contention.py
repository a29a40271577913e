"""Store contention: the server's event-loop lag while another process holds the database's write lock.

One in-process gemini-mcp server (an in-memory MCP client, so the client, server and probe share one event
loop) against an emulator process, with one research job running (the watcher writes its progress). A
probe task sleeps 5 ms at a time and records how late it wakes: that is the loop lag every tool call and
progress heartbeat would see. Phases alternate: baseline (nobody else touches the database) and locked (a
separate `sqlite3` process holds `BEGIN IMMEDIATE` for 2 s). In both, a driver keeps calling
get_interaction and list_interactions (reads) and ask_gemini (a write, which must wait out the lock).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio

from bench.common import Sizes, tool_payload
from bench.procs import API_KEY, emulator_process
from bench.report import FigureResult, Row, percentile, summary_ms

TICK = 0.005
LOCK_SECONDS = 2.0
TARGET_P99_MS = 50.0
WARM_UP_SECONDS = 3.0
LOCK_HOLDER = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
db.execute("COMMIT")
"""


class Phase:
    def __init__(self) -> None:
        self.lags: list[float] = []
        self.reads: list[float] = []
        self.writes = 0


async def probe(current: Callable[[], Phase], stop: anyio.Event) -> None:
    while not stop.is_set():
        start = anyio.current_time()
        await anyio.sleep(TICK)
        current().lags.append(max(0.0, anyio.current_time() - start - TICK))


async def drive(client: Any, iid: str, current: Callable[[], Phase], stop: anyio.Event) -> None:
    async def writer() -> None:
        while not stop.is_set():
            tool_payload(await client.call_tool("ask_gemini", {"prompt": "One more question"}))
            current().writes += 1

    async with anyio.create_task_group() as tg:
        tg.start_soon(writer)
        while not stop.is_set():
            start = anyio.current_time()
            tool_payload(await client.call_tool("get_interaction", {"interaction_id": iid}))
            tool_payload(await client.call_tool("list_interactions", {"limit": 20}))
            current().reads.append(anyio.current_time() - start)
        tg.cancel_scope.cancel()


def hold_lock(db_path: Path) -> subprocess.Popen[str]:
    """Start the foreign lock holder; return once it holds the lock."""
    proc = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, str(db_path), str(LOCK_SECONDS)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    if proc.stdout.readline().strip() != "locked":
        raise RuntimeError(f"the lock holder did not take the lock (exit {proc.wait()})")
    return proc


async def run(sizes: Sizes) -> FigureResult:
    from mcp.client import Client

    from gemini_mcp.config import Settings
    from gemini_mcp.server.app import build_server

    rounds = max(1, sizes.store_calls // 10)
    phases = {"baseline": Phase(), "locked": Phase()}
    active = [Phase()]  # warm-up: start-up and the SDK's first import are not what this figure measures
    result = FigureResult("store_contention", "event-loop lag while another process holds the store's write lock")
    research_seconds = rounds * 2 * LOCK_SECONDS + 30
    with (
        emulator_process(research_seconds=research_seconds, research_steps=int(research_seconds * 4)) as emu,
        tempfile.TemporaryDirectory(prefix="bench-contention-") as tmp,
    ):
        values = {"api_key": API_KEY, "base_url": emu.base_url, "data_dir": Path(tmp), "max_retries": 0}
        settings = Settings.model_validate(values)
        async with Client(build_server(settings), raise_exceptions=True) as client:
            started = tool_payload(await client.call_tool("start_deep_research", {"query": "Bicycles"}))
            stop = anyio.Event()
            async with anyio.create_task_group() as tg:
                tg.start_soon(probe, lambda: active[0], stop)
                tg.start_soon(drive, client, started["interaction_id"], lambda: active[0], stop)
                await anyio.sleep(WARM_UP_SECONDS)
                for _ in range(rounds):
                    active[0] = phases["baseline"]
                    await anyio.sleep(LOCK_SECONDS)
                    holder = await anyio.to_thread.run_sync(hold_lock, settings.db_path)
                    active[0] = phases["locked"]
                    await anyio.to_thread.run_sync(holder.wait)
                    active[0] = phases["baseline"]  # writes queued behind the lock now land: count them as baseline
                stop.set()
            await client.call_tool("cancel_interaction", {"interaction_id": started["interaction_id"]})
    return _report(result, phases, rounds)


def _report(result: FigureResult, phases: dict[str, Phase], rounds: int) -> FigureResult:
    base, locked = phases["baseline"], phases["locked"]
    result.details = {
        "rounds": rounds,
        "lock_seconds": LOCK_SECONDS,
        "tick_ms": TICK * 1000,
        **{f"{name}_loop_lag": summary_ms(p.lags) for name, p in phases.items()},
        **{f"{name}_reads": summary_ms(p.reads) for name, p in phases.items()},
        **{f"{name}_writes_done": p.writes for name, p in phases.items()},
    }
    lag = Row.compare(
        "store under a foreign write lock",
        "event-loop lag p99",
        percentile(locked.lags, 99) * 1000,
        percentile(base.lags, 99) * 1000,
        "ms",
        target=f"< {TARGET_P99_MS:.0f} ms",
    )
    lag.met = lag.value < TARGET_P99_MS
    reads = Row.compare(
        "store under a foreign write lock",
        "get+list_interactions median",
        statistics.median(locked.reads) * 1000,
        statistics.median(base.reads) * 1000,
        "ms",
        target="<= 3x",
        max_ratio=3.0,
    )
    result.rows.extend([lag, reads])
    return result
