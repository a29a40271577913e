"""Throughput: N concurrent MCP clients over Streamable HTTP vs N concurrent direct SDK callers.

The emulator (own process) answers after ``model_latency`` (0.2 s). MCP side: ``gemini-mcp
--transport http`` as a child process, N handshake-era MCP clients in this process, each making K
sequential ask_gemini calls, all N at once. Direct side: N tasks in this process sharing one
google-genai client, each making K sequential ``create`` calls, with the plain SDK (the target's
baseline) and again with the SDK speedups the server installs. Throughput = calls / wall time.
CPU seconds of the server, and of this process, are recorded to show where the time goes.
"""

from __future__ import annotations

import contextlib
import math
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio
from mcp import Client

from bench.common import Sizes, sdk_client, speedups_module, tool_payload
from bench.procs import MODEL, cpu_seconds, emulator_process, http_server_process, server_env
from bench.report import FigureResult, Row, summary_ms


async def _concurrently(
    workers: int, calls: int, call: Callable[[int, int], Awaitable[None]]
) -> tuple[float, list[float]]:
    latencies: list[float] = []

    async def worker(w: int) -> None:
        for k in range(calls):
            start = time.perf_counter()
            await call(w, k)
            latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for w in range(workers):
            tg.start_soon(worker, w)
    return time.perf_counter() - start, latencies


async def run(sizes: Sizes) -> FigureResult:
    n, k = sizes.http_clients, sizes.http_calls_per_client
    result = FigureResult(
        "http_concurrency", f"{n} concurrent callers x {k} calls, {sizes.http_model_latency} s model latency"
    )
    with (
        emulator_process(model_latency=sizes.http_model_latency) as emu,
        tempfile.TemporaryDirectory(prefix="bench-http-") as tmp,
    ):
        sdk = sdk_client(emu.base_url)

        async def direct(w: int, i: int) -> None:
            answer = await sdk.interactions.create(model=MODEL, input=f"Caller {w} question {i}")
            assert answer.status == "completed", answer.status

        speedups = speedups_module()
        speedups.uninstall()
        await _concurrently(n, 1, direct)  # warm-up
        cpu0 = time.process_time()
        direct_wall, direct_lat = await _concurrently(n, k, direct)
        direct_cpu = time.process_time() - cpu0
        fast_wall = math.nan
        if speedups.install(force=True):
            await _concurrently(n, 1, direct)
            fast_wall, _ = await _concurrently(n, k, direct)
            speedups.uninstall()
        await sdk.aclose()

        with http_server_process(server_env(emu.base_url, Path(tmp))) as (url, pid):
            async with contextlib.AsyncExitStack() as stack:
                clients = [await stack.enter_async_context(Client(url, mode="legacy")) for _ in range(n)]

                async def via_mcp(w: int, i: int) -> None:
                    answer = await clients[w].call_tool("ask_gemini", {"prompt": f"Caller {w} question {i}"})
                    tool_payload(answer)

                await _concurrently(n, 1, via_mcp)  # warm-up (loads google-genai in the server)
                server_cpu0, cpu0 = cpu_seconds(pid), time.process_time()
                mcp_wall, mcp_lat = await _concurrently(n, k, via_mcp)
                mcp_client_cpu = time.process_time() - cpu0
                server_cpu = cpu_seconds(pid) - server_cpu0

    total = n * k
    result.details = {
        "mcp": {
            "wall_s": round(mcp_wall, 3),
            "calls_per_s": round(total / mcp_wall, 2),
            "latency": summary_ms(mcp_lat),
            "server_cpu_s": round(server_cpu, 3),
            "client_cpu_s": round(mcp_client_cpu, 3),
        },
        "direct": {
            "wall_s": round(direct_wall, 3),
            "calls_per_s": round(total / direct_wall, 2),
            "latency": summary_ms(direct_lat),
            "client_cpu_s": round(direct_cpu, 3),
        },
    }
    result.rows.append(
        Row.compare(
            "HTTP concurrency",
            f"throughput, {n} clients",
            total / mcp_wall,
            total / direct_wall,
            "calls/s",
            target=">= 0.9x",
            min_ratio=0.9,
        )
    )
    if not math.isnan(fast_wall):
        result.details["direct_with_speedups"] = {
            "wall_s": round(fast_wall, 3),
            "calls_per_s": round(total / fast_wall, 2),
        }
        result.rows.append(
            Row.compare(
                "HTTP concurrency",
                "throughput vs SDK+speedups",
                total / mcp_wall,
                total / fast_wall,
                "calls/s",
                target="(MCP layer only)",
            )
        )
    return result
