"""Two gemini-mcp servers over stdio on one emulator, side by side: a busy one that starts N Deep Research runs,
and an idle one as the baseline, both sampled from /proc over the same window.

Both get one ask_gemini call first (so both have google-genai loaded and a client built). Then the busy one
starts the runs (8 lanes; one owner, so its research cap is raised to N), both settle, and the window measures
CPU seconds (user + system) and RSS growth since the warm-up of each.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

import anyio
from mcp import Client

from bench.common import stdio_client, stdio_params, tool_payload
from bench.procs import child_pids, cpu_seconds, rss_bytes

MB = 1024 * 1024


@dataclass
class Sample:
    started: int  # runs the busy server started
    still_running: int  # of those, listed as in_progress after the window
    window_s: float
    busy_cpu_s: float
    idle_cpu_s: float
    busy_rss_mb: float
    idle_rss_mb: float
    busy_growth_mb: float  # RSS growth since the warm-up
    idle_growth_mb: float

    @property
    def busy_pct(self) -> float:
        return self.busy_cpu_s / self.window_s * 100

    @property
    def idle_pct(self) -> float:
        return self.idle_cpu_s / self.window_s * 100


async def spawned(stack: contextlib.AsyncExitStack, client: Client) -> int:
    """Enter a stdio client and return the pid of the server process it spawned."""
    before = set(child_pids(os.getpid()))
    await stack.enter_async_context(client)
    new = [pid for pid in child_pids(os.getpid()) if pid not in before]
    if len(new) != 1:
        raise RuntimeError(f"expected one new server process, found {new}")
    return new[0]


async def busy_and_idle(tmp: Path, base_url: str, runs: int, *, settle: float, window: float) -> Sample:
    cap = {"GEMINI_MCP_MAX_RUNNING_RESEARCH": str(runs)}  # one owner runs all N (the default cap is 3)
    busy = stdio_client(stdio_params(tmp / "busy", base_url, **cap))
    idle = stdio_client(stdio_params(tmp / "idle", base_url))
    async with contextlib.AsyncExitStack() as stack:
        busy_pid, idle_pid = await spawned(stack, busy), await spawned(stack, idle)
        for client in (busy, idle):
            tool_payload(await client.call_tool("ask_gemini", {"prompt": "warm up"}))
        busy_rss0, idle_rss0 = rss_bytes(busy_pid), rss_bytes(idle_pid)
        started: list[str] = []

        async def start(lane: range) -> None:
            for i in lane:
                payload = tool_payload(await busy.call_tool("start_deep_research", {"query": f"Topic {i}"}))
                started.append(str(payload.get("interaction_id")))

        async with anyio.create_task_group() as tg:
            for lane in range(8):
                tg.start_soon(start, range(lane, runs, 8))
        await anyio.sleep(settle)  # let the watcher attach
        t0, busy_cpu0, idle_cpu0 = time.monotonic(), cpu_seconds(busy_pid), cpu_seconds(idle_pid)
        await anyio.sleep(window)
        busy_cpu, idle_cpu = cpu_seconds(busy_pid) - busy_cpu0, cpu_seconds(idle_pid) - idle_cpu0
        elapsed = time.monotonic() - t0
        busy_rss1, idle_rss1 = rss_bytes(busy_pid), rss_bytes(idle_pid)
        listing = tool_payload(await busy.call_tool("list_interactions", {"status": "in_progress", "limit": 200}))
    return Sample(
        started=len(started),
        still_running=len(listing.get("interactions", [])),
        window_s=elapsed,
        busy_cpu_s=busy_cpu,
        idle_cpu_s=idle_cpu,
        busy_rss_mb=busy_rss1 / MB,
        idle_rss_mb=idle_rss1 / MB,
        busy_growth_mb=(busy_rss1 - busy_rss0) / MB,
        idle_growth_mb=(idle_rss1 - idle_rss0) / MB,
    )
