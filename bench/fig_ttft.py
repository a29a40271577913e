"""Time to first streamed token: first progress notification of ask_gemini vs first SDK step.delta.

MCP side: ``call_tool("ask_gemini", progress_callback=...)`` over stdio (the callback makes the
client send a progress token, which makes the server stream); the clock stops at the first
progress notification. Direct side: ``create(stream=True)`` in this process; the clock stops at
the first ``step.delta`` event, with the plain SDK (the target's baseline) and with the SDK speedups
the server installs (the MCP layer's own cost). Same emulator process, alternating calls.
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
    result = FigureResult("ttft", "time to first streamed token")
    direct: list[float] = []
    direct_fast: list[float] = []
    mcp: list[float] = []
    speedups = speedups_module()
    messages: list[str] = []
    with emulator_process() as emu, tempfile.TemporaryDirectory(prefix="bench-ttft-") as tmp:
        sdk = sdk_client(emu.base_url)
        async with stdio_client(stdio_params(Path(tmp), emu.base_url)) as client:

            async def direct_first(i: int) -> float:
                start = time.perf_counter()
                first: float | None = None
                stream = await sdk.interactions.create(model=MODEL, input=f"Stream question {i}", stream=True)
                async for event in stream:
                    if first is None and getattr(event, "event_type", None) == "step.delta":
                        first = time.perf_counter() - start
                if first is None:
                    raise RuntimeError("the SDK stream had no step.delta event")
                return first

            async def mcp_first(i: int) -> float:
                first: list[float] = []
                start = time.perf_counter()

                async def on_progress(progress: float, total: float | None, message: str | None) -> None:
                    if not first:
                        first.append(time.perf_counter() - start)
                        messages.append(message or "")

                answer = await client.call_tool(
                    "ask_gemini", {"prompt": f"Stream question {i}"}, progress_callback=on_progress
                )
                tool_payload(answer)
                if not first:
                    raise RuntimeError(
                        "ask_gemini sent no progress notification although the call had a progress token"
                    )
                return first[0]

            for i in range(max(1, sizes.warmup // 2)):
                await direct_first(i)
                await mcp_first(i)
            for i in range(sizes.ttft_calls):
                if speedups is not None:
                    speedups.uninstall()
                direct.append(await direct_first(i))
                if speedups is not None and speedups.install(force=True):
                    direct_fast.append(await direct_first(i))
                    speedups.uninstall()
                mcp.append(await mcp_first(i))
        await sdk.aclose()

    result.details = {
        "mcp_first_progress": summary_ms(mcp),
        "direct_first_step_delta": summary_ms(direct),
        "direct_first_step_delta_with_speedups": summary_ms(direct_fast),
        "first_progress_messages": messages[:3],
    }
    result.rows.append(
        Row.compare(
            "first streamed token",
            "median time to first token",
            statistics.median(mcp) * 1000,
            statistics.median(direct) * 1000,
            "ms",
            target="+<= 5 ms",
            max_added=5.0,
        )
    )
    if direct_fast:
        result.rows.append(
            Row.compare(
                "first streamed token",
                "median vs SDK+speedups",
                statistics.median(mcp) * 1000,
                statistics.median(direct_fast) * 1000,
                "ms",
                target="(MCP layer only)",
            )
        )
    return result
