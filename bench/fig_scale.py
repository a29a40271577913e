"""Watcher scale: 2,000 running Deep Research runs in one process with nobody waiting, and a waited-on run.

Load: two gemini-mcp servers over stdio against one emulator process whose runs outlast the window; the
busy one starts N runs (nobody waits on them, so its watcher polls them with backoff instead of holding N
streams); after a settle both are sampled from /proc over the same window: CPU % of one core and RSS above
the idle server. Latency: a third server on an in-process emulator (so the bench knows when each thought
summary is emitted: the run's creation time plus its planned offset); a client waits on one run with
`get_interaction(wait_seconds)` and records when each thought arrives as a progress notification. The
figure is the worst delay between the emulator emitting a thought and the client receiving it.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio

from bench.common import Sizes, stdio_client, stdio_params, tool_payload
from bench.fig_research import MB, _spawned  # pyright: ignore[reportPrivateUsage]
from bench.procs import cpu_seconds, emulator_process, rss_bytes
from bench.report import FigureResult, Row
from gemini_mcp.emulator import EmulatorConfig, running_emulator


async def _load(sizes: Sizes, tmp: Path) -> dict[str, Any]:
    runs, window = sizes.scale_runs, sizes.scale_window
    research_seconds = window + 600.0
    with emulator_process(research_seconds=research_seconds, research_steps=4) as emu:
        cap = {"GEMINI_MCP_MAX_RUNNING_RESEARCH": str(runs)}  # one owner runs all N runs (the default cap is 3)
        busy_client = stdio_client(stdio_params(tmp / "busy", emu.base_url, **cap))
        idle_client = stdio_client(stdio_params(tmp / "idle", emu.base_url))
        async with contextlib.AsyncExitStack() as stack:
            busy_pid = await _spawned(stack, busy_client)
            idle_pid = await _spawned(stack, idle_client)
            for client in (busy_client, idle_client):
                tool_payload(await client.call_tool("ask_gemini", {"prompt": "warm up"}))
            busy_rss0, idle_rss0 = rss_bytes(busy_pid), rss_bytes(idle_pid)

            async def start(lane: range) -> None:
                for i in lane:
                    tool_payload(await busy_client.call_tool("start_deep_research", {"query": f"Topic {i}"}))

            async with anyio.create_task_group() as tg:
                for lane in range(8):
                    tg.start_soon(start, range(lane, runs, 8))
            await anyio.sleep(sizes.research_settle)
            t0, busy_cpu0, idle_cpu0 = time.monotonic(), cpu_seconds(busy_pid), cpu_seconds(idle_pid)
            await anyio.sleep(window)
            busy_cpu, idle_cpu = cpu_seconds(busy_pid) - busy_cpu0, cpu_seconds(idle_pid) - idle_cpu0
            elapsed = time.monotonic() - t0
            busy_growth = (rss_bytes(busy_pid) - busy_rss0) / MB
            idle_growth = (rss_bytes(idle_pid) - idle_rss0) / MB
    return {
        "runs": runs,
        "window_s": round(elapsed, 2),
        "busy_cpu_pct": round(busy_cpu / elapsed * 100, 3),
        "idle_cpu_pct": round(idle_cpu / elapsed * 100, 3),
        "busy_rss_growth_mb": round(busy_growth, 2),
        "idle_rss_growth_mb": round(idle_growth, 2),
    }


def _thought_times(inter: Any) -> dict[str, float]:
    """Each thought summary's text -> the wall time the emulator emitted it."""
    out: dict[str, float] = {}
    for planned in inter.plan:
        delta = planned.data.get("delta") or {}
        if delta.get("type") == "thought_summary":
            out[str(delta["content"]["text"]).strip()] = inter.created + planned.offset
    return out


async def _latency(tmp: Path) -> list[float]:
    arrivals: dict[str, float] = {}

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        del progress, total
        text = (message or "").partition(" waited: ")[2]  # "<n> of <w> s waited: <latest thought>"
        if text and text not in arrivals:
            arrivals[text] = time.time()

    async with running_emulator(EmulatorConfig(research_seconds=12.0, research_steps=6)) as emu:
        client = stdio_client(stdio_params(tmp / "waiter", emu.base_url))
        async with client:
            tool_payload(await client.call_tool("ask_gemini", {"prompt": "warm up"}))
            started = tool_payload(await client.call_tool("start_deep_research", {"query": "Latency"}))
            iid = str(started["interaction_id"])
            waiting_since = time.time()
            done = False
            while not done:
                answer = await client.call_tool(
                    "get_interaction", {"interaction_id": iid, "wait_seconds": 30}, progress_callback=on_progress
                )
                done = bool(tool_payload(answer).get("done"))
            emitted = _thought_times(emu.store.interactions[iid])
    return [arrivals[text] - at for text, at in emitted.items() if at > waiting_since + 1 and text in arrivals]


async def run(sizes: Sizes) -> FigureResult:
    result = FigureResult("watcher_scale", f"{sizes.scale_runs} running runs nobody waits on; a waited-on run")
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        load = await _load(sizes, Path(tmp))
        delays = await _latency(Path(tmp))
    worst = max(delays) if delays else float("nan")
    result.details = {**load, "progress_delays_s": [round(d, 3) for d in delays]}
    group = f"Watcher x{sizes.scale_runs}"
    cpu, idle_cpu = load["busy_cpu_pct"], load["idle_cpu_pct"]
    result.rows.append(Row.compare(group, "CPU % of a core", cpu, idle_cpu, "%", target="+<= 2 %", max_added=2.0))
    grown, idle_grown = load["busy_rss_growth_mb"], load["idle_rss_growth_mb"]
    result.rows.append(
        Row.compare(group, "RSS above idle", grown, idle_grown, "MB", target="+<= 100 MB", max_added=100)
    )
    result.rows.append(
        Row(group, "waited-on progress delay (worst)", worst, 1.0, "s", "<= 1 s", worst <= 1.0, worst / 1.0, None)
    )
    return result
