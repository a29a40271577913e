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

import tempfile
import time
from pathlib import Path
from typing import Any

from bench.busyidle import busy_and_idle
from bench.common import Sizes, stdio_client, stdio_params, tool_payload
from bench.procs import emulator_process
from bench.report import FigureResult, Row
from gemini_mcp.emulator import EmulatorConfig, running_emulator


async def _load(sizes: Sizes, tmp: Path) -> dict[str, Any]:
    runs, window = sizes.scale_runs, sizes.scale_window
    with emulator_process(research_seconds=window + 600.0, research_steps=4) as emu:
        s = await busy_and_idle(tmp, emu.base_url, runs, settle=sizes.research_settle, window=window)
    return {
        "runs": runs,
        "window_s": round(s.window_s, 2),
        "busy_cpu_pct": round(s.busy_pct, 3),
        "idle_cpu_pct": round(s.idle_pct, 3),
        "busy_rss_growth_mb": round(s.busy_growth_mb, 2),
        "idle_rss_growth_mb": round(s.idle_growth_mb, 2),
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
