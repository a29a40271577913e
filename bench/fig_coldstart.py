"""Cold start over stdio: spawn -> initialize answered -> tools/list answered.

Baseline: bench/minimal_server.py (an MCPServer with one tool), spawned the same way by the same
client. Runs alternate between the two so machine noise hits both alike. Wall time is what the
target is about; the server's own CPU seconds until tools/list (from /proc) are reported too, as a
figure that machine load disturbs less.
"""

from __future__ import annotations

import math
import os
import statistics
import tempfile
import time
from pathlib import Path

from mcp import StdioServerParameters

from bench.common import Sizes, stdio_client, stdio_params
from bench.procs import REPO, base_env, child_pids, cpu_seconds, emulator_process, python
from bench.report import FigureResult, Row, summary_ms


async def _spawn_and_list(params: StdioServerParameters) -> tuple[float, float, float, list[str]]:
    """Seconds to initialize and to tools/list, and the server's CPU seconds (user+system) by then."""
    before = set(child_pids(os.getpid()))
    start = time.perf_counter()
    async with stdio_client(params) as client:
        initialized = time.perf_counter()
        tools = await client.list_tools()
        listed = time.perf_counter()
        spawned = [pid for pid in child_pids(os.getpid()) if pid not in before]
        cpu = cpu_seconds(spawned[0]) if len(spawned) == 1 else math.nan
    return initialized - start, listed - start, cpu, [tool.name for tool in tools.tools]


async def run(sizes: Sizes) -> FigureResult:
    result = FigureResult("cold_start", "spawn over stdio -> initialize -> tools/list")
    baseline = StdioServerParameters(
        command=python(), args=[str(REPO / "bench" / "minimal_server.py")], env=base_env(), cwd=REPO
    )
    base_list: list[float] = []
    base_init: list[float] = []
    base_cpu: list[float] = []
    ours_list: list[float] = []
    ours_init: list[float] = []
    ours_cpu: list[float] = []
    names: list[str] = []
    with emulator_process() as emu, tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp:
        ours = stdio_params(Path(tmp), emu.base_url)
        if sizes.cold_starts > 1:  # one untimed spawn each warms the OS page cache and the .pyc files
            await _spawn_and_list(baseline)
            await _spawn_and_list(ours)
        for _ in range(sizes.cold_starts):
            init, listed, cpu, _ = await _spawn_and_list(baseline)
            base_init.append(init)
            base_list.append(listed)
            base_cpu.append(cpu)
            init, listed, cpu, names = await _spawn_and_list(ours)
            ours_init.append(init)
            ours_list.append(listed)
            ours_cpu.append(cpu)
    result.details = {
        "gemini_mcp_tools": names,
        "tools_list": {"gemini_mcp": summary_ms(ours_list), "minimal": summary_ms(base_list)},
        "initialize": {"gemini_mcp": summary_ms(ours_init), "minimal": summary_ms(base_init)},
        "server_cpu_to_tools_list": {"gemini_mcp": summary_ms(ours_cpu), "minimal": summary_ms(base_cpu)},
    }
    result.rows.append(
        Row.compare(
            "cold start",
            "tools/list answered (median)",
            statistics.median(ours_list) * 1000,
            statistics.median(base_list) * 1000,
            "ms",
            target="<= 1.15x",
            max_ratio=1.15,
        )
    )
    result.rows.append(
        Row.compare(
            "cold start",
            "initialize answered (median)",
            statistics.median(ours_init) * 1000,
            statistics.median(base_init) * 1000,
            "ms",
            target="(info)",
        )
    )
    result.rows.append(
        Row.compare(
            "cold start",
            "server CPU to tools/list",
            statistics.median(ours_cpu) * 1000,
            statistics.median(base_cpu) * 1000,
            "ms",
            target="(info: less load-sensitive)",
        )
    )
    return result
