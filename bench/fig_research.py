"""Background load: a server following N running Deep Research jobs vs an idle server, over a window.

Two gemini-mcp servers run side by side over stdio (`busyidle.py`) against one emulator process whose
research jobs outlast the window (one thought summary per job every ~30 s, like a real multi-minute run);
after a short settle (3 s) both are sampled from /proc over the same window: CPU % of one core and RSS.
Figures: busy CPU % minus idle CPU %, and the busy server's RSS growth since its warm-up minus the idle
server's over the same period.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.busyidle import busy_and_idle
from bench.common import Sizes
from bench.procs import emulator_process
from bench.report import FigureResult, Row


async def run(sizes: Sizes) -> FigureResult:
    jobs, window = sizes.research_jobs, sizes.research_window
    research_seconds = window + 90.0
    steps = max(2, int(research_seconds / 30))
    result = FigureResult("research_idle", f"{jobs} running Deep Research jobs, {window:g} s window")
    with (
        emulator_process(research_seconds=research_seconds, research_steps=steps) as emu,
        tempfile.TemporaryDirectory(prefix="bench-research-") as tmp,
    ):
        s = await busy_and_idle(Path(tmp), emu.base_url, jobs, settle=sizes.research_settle, window=window)
    busy_pct, idle_pct = s.busy_pct, s.idle_pct
    busy_growth, idle_growth = s.busy_growth_mb, s.idle_growth_mb
    result.details = {
        "jobs_started": s.started,
        "jobs_still_running_at_end": s.still_running,
        "window_s": round(s.window_s, 2),
        "busy": {"cpu_s": round(s.busy_cpu_s, 3), "cpu_pct": round(busy_pct, 3), "rss_mb": round(s.busy_rss_mb, 1)},
        "idle": {"cpu_s": round(s.idle_cpu_s, 3), "cpu_pct": round(idle_pct, 3), "rss_mb": round(s.idle_rss_mb, 1)},
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
