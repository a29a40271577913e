"""Per-call latency of ask_gemini over stdio vs the same calls made directly with the SDK.

Processes: emulator (own process) <- gemini-mcp (stdio child) <- MCP client (this process); the
baseline is ``client.aio.interactions.create`` in this process against the same emulator. Calls
alternate in blocks (direct, direct with the SDK speedups, MCP) so drift in machine load hits all.

Two baselines are reported: the plain SDK (the issue's baseline: what a user calling google-genai
themselves gets) and the SDK with gemini_mcp.gemini.speedups applied in this process (what the server
itself runs on, so ``added`` there is the MCP layer's own cost).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from bench.common import Sizes, sdk_client, speedups_module, stdio_client, stdio_params, tool_payload
from bench.procs import MODEL, emulator_process
from bench.report import FigureResult, Row, summary_ms


async def run(sizes: Sizes) -> FigureResult:
    result = FigureResult("latency", f"ask_gemini over stdio, {sizes.calls} sequential calls")
    speedups = speedups_module()
    direct: list[float] = []
    direct_fast: list[float] = []
    mcp: list[float] = []
    with emulator_process() as emu, tempfile.TemporaryDirectory(prefix="bench-lat-") as tmp:
        sdk = sdk_client(emu.base_url)
        async with stdio_client(stdio_params(Path(tmp), emu.base_url)) as client:

            async def direct_call(i: int) -> float:
                start = time.perf_counter()
                answer = await sdk.interactions.create(model=MODEL, input=f"Benchmark question {i}")
                elapsed = time.perf_counter() - start
                assert answer.status == "completed", answer.status
                return elapsed

            async def mcp_call(i: int) -> float:
                start = time.perf_counter()
                answer = await client.call_tool("ask_gemini", {"prompt": f"Benchmark question {i}"})
                elapsed = time.perf_counter() - start
                payload = tool_payload(answer)
                assert payload.get("status", "completed") == "completed", payload
                return elapsed

            for i in range(sizes.warmup):
                await direct_call(i)
                await mcp_call(i)
            done = 0
            while done < sizes.calls:
                n = min(sizes.block, sizes.calls - done)
                if speedups is not None:
                    speedups.uninstall()
                direct.extend([await direct_call(done + k) for k in range(n)])
                if speedups is not None and speedups.install(force=True):
                    await direct_call(0)  # untimed: the fresh caches fill on the first call
                    direct_fast.extend([await direct_call(done + k) for k in range(n)])
                    speedups.uninstall()
                mcp.extend([await mcp_call(done + k) for k in range(n)])
                done += n
        await sdk.aclose()

    result.details = {
        "mcp_stdio": summary_ms(mcp),
        "direct_sdk": summary_ms(direct),
        "direct_sdk_with_speedups": summary_ms(direct_fast),
    }
    med = statistics.median
    mcp_ms = [s * 1000 for s in mcp]
    direct_ms = [s * 1000 for s in direct]
    result.rows.append(
        Row.compare(
            "ask_gemini stdio",
            "median per call",
            med(mcp_ms),
            med(direct_ms),
            "ms",
            target="<= 1.3x and +<= 3 ms",
            max_ratio=1.3,
            max_added=3.0,
        )
    )
    result.rows.append(
        Row.compare(
            "ask_gemini stdio",
            "p99 per call",
            result.details["mcp_stdio"]["p99_ms"],
            result.details["direct_sdk"]["p99_ms"],
            "ms",
            target="(info)",
        )
    )
    if direct_fast:
        fast_ms = [s * 1000 for s in direct_fast]
        result.rows.append(
            Row.compare(
                "ask_gemini stdio",
                "median vs SDK+speedups",
                med(mcp_ms),
                med(fast_ms),
                "ms",
                target="(MCP layer only)",
                note="baseline is the SDK with the same serializer caches the server installs",
            )
        )
    return result
