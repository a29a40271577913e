"""Cold start over stdio: spawn -> initialize answered -> tools/list answered.

Baseline: bench/minimal_server.py (an MCPServer with one tool), spawned the same way by the same
client. Runs alternate between the two so machine noise hits both alike.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from mcp import StdioServerParameters

from bench.common import Sizes, stdio_client, stdio_params
from bench.procs import REPO, base_env, emulator_process, python
from bench.report import FigureResult, Row, summary_ms


async def _spawn_and_list(params: StdioServerParameters) -> tuple[float, float, list[str]]:
    start = time.perf_counter()
    async with stdio_client(params) as client:
        initialized = time.perf_counter()
        tools = await client.list_tools()
        listed = time.perf_counter()
    return initialized - start, listed - start, [tool.name for tool in tools.tools]


async def run(sizes: Sizes) -> FigureResult:
    result = FigureResult("cold_start", "spawn over stdio -> initialize -> tools/list")
    baseline = StdioServerParameters(
        command=python(), args=[str(REPO / "bench" / "minimal_server.py")], env=base_env(), cwd=REPO
    )
    base_list: list[float] = []
    base_init: list[float] = []
    ours_list: list[float] = []
    ours_init: list[float] = []
    names: list[str] = []
    with emulator_process() as emu, tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp:
        ours = stdio_params(Path(tmp), emu.base_url)
        if sizes.cold_starts > 1:  # one untimed spawn each warms the OS page cache and the .pyc files
            await _spawn_and_list(baseline)
            await _spawn_and_list(ours)
        for _ in range(sizes.cold_starts):
            init, listed, _ = await _spawn_and_list(baseline)
            base_init.append(init)
            base_list.append(listed)
            init, listed, names = await _spawn_and_list(ours)
            ours_init.append(init)
            ours_list.append(listed)
    result.details = {
        "gemini_mcp_tools": names,
        "tools_list": {"gemini_mcp": summary_ms(ours_list), "minimal": summary_ms(base_list)},
        "initialize": {"gemini_mcp": summary_ms(ours_init), "minimal": summary_ms(base_init)},
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
    return result
