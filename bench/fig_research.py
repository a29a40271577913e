"""Background load: a server following N running Deep Research jobs vs an idle server, over a window.

Two gemini-mcp servers run side by side over stdio against one emulator process whose research
jobs outlast the window (one thought summary per job every ~30 s, like a real multi-minute run).
Both get one ask_gemini call first (so both have google-genai loaded and a client built). Then the
busy one starts N jobs; after a short settle (3 s) both are sampled from /proc over the same window:
CPU % of one core (user + system) and RSS. Figures: busy CPU % minus idle CPU %, and the busy
server's RSS growth since its warm-up minus the idle server's over the same period.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from pathlib import Path

import anyio
from mcp import Client

from bench.common import Sizes, stdio_client, stdio_params, tool_payload
from bench.procs import child_pids, cpu_seconds, emulator_process, rss_bytes
from bench.report import FigureResult, Row

MB = 1024 * 1024


async def _spawned(stack: contextlib.AsyncExitStack, client: Client) -> int:
    """Enter a stdio client and return the pid of the server process it spawned."""
    before = set(child_pids(os.getpid()))
    await stack.enter_async_context(client)
    new = [pid for pid in child_pids(os.getpid()) if pid not in before]
    if len(new) != 1:
        raise RuntimeError(f"expected one new server process, found {new}")
    return new[0]


async def run(sizes: Sizes) -> FigureResult:
    jobs, window = sizes.research_jobs, sizes.research_window
    research_seconds = window + 90.0
    steps = max(2, int(research_seconds / 30))
    result = FigureResult("research_idle", f"{jobs} running Deep Research jobs, {window:g} s window")
    with (
        emulator_process(research_seconds=research_seconds, research_steps=steps) as emu,
        tempfile.TemporaryDirectory(prefix="bench-research-") as tmp,
    ):
        cap = {"GEMINI_MCP_MAX_RUNNING_RESEARCH": str(jobs)}  # one owner runs all N jobs (the default cap is 3)
        busy_client = stdio_client(stdio_params(Path(tmp) / "busy", emu.base_url, **cap))
        idle_client = stdio_client(stdio_params(Path(tmp) / "idle", emu.base_url))
        async with contextlib.AsyncExitStack() as stack:
            busy_pid = await _spawned(stack, busy_client)
            idle_pid = await _spawned(stack, idle_client)
            for client in (busy_client, idle_client):
                tool_payload(await client.call_tool("ask_gemini", {"prompt": "warm up"}))
            busy_rss0, idle_rss0 = rss_bytes(busy_pid), rss_bytes(idle_pid)

            started: list[str] = []

            async def start(batch: range) -> None:
                for i in batch:
                    payload = tool_payload(
                        await busy_client.call_tool("start_deep_research", {"query": f"Research topic {i}"})
                    )
                    started.append(str(payload.get("interaction_id")))

            async with anyio.create_task_group() as tg:
                for lane in range(8):
                    tg.start_soon(start, range(lane, jobs, 8))
            await anyio.sleep(sizes.research_settle)  # let the watchers attach

            t0 = time.monotonic()
            busy_cpu0, idle_cpu0 = cpu_seconds(busy_pid), cpu_seconds(idle_pid)
            await anyio.sleep(window)
            busy_cpu, idle_cpu = cpu_seconds(busy_pid) - busy_cpu0, cpu_seconds(idle_pid) - idle_cpu0
            elapsed = time.monotonic() - t0
            busy_rss1, idle_rss1 = rss_bytes(busy_pid), rss_bytes(idle_pid)

            listing = tool_payload(
                await busy_client.call_tool("list_interactions", {"status": "in_progress", "limit": 200})
            )
            still_running = len(listing.get("interactions", []))

    busy_pct, idle_pct = busy_cpu / elapsed * 100, idle_cpu / elapsed * 100
    busy_growth, idle_growth = (busy_rss1 - busy_rss0) / MB, (idle_rss1 - idle_rss0) / MB
    result.details = {
        "jobs_started": len(started),
        "jobs_still_running_at_end": still_running,
        "window_s": round(elapsed, 2),
        "busy": {"cpu_s": round(busy_cpu, 3), "cpu_pct": round(busy_pct, 3), "rss_mb": round(busy_rss1 / MB, 1)},
        "idle": {"cpu_s": round(idle_cpu, 3), "cpu_pct": round(idle_pct, 3), "rss_mb": round(idle_rss1 / MB, 1)},
        "rss_growth_mb": {"busy": round(busy_growth, 2), "idle": round(idle_growth, 2)},
        "emulator": {"research_seconds": research_seconds, "research_steps": steps},
    }
    result.rows.append(
        Row.compare(
            f"Deep Research x{jobs}",
            "CPU % of a core",
            busy_pct,
            idle_pct,
            "%",
            target="+<= 2 % of a core",
            max_added=2.0,
        )
    )
    result.rows.append(
        Row(
            f"Deep Research x{jobs}",
            "RSS growth",
            busy_growth,
            idle_growth,
            "MB",
            "+<= 50 MB",
            busy_growth - idle_growth <= 50,
            None,
            busy_growth - idle_growth,
        )
    )
    return result
