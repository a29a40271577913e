"""Cancellation: a cancelled ask_gemini closes its upstream request; a cancelled wait leaves the job running."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal

import anyio
import pytest
from mcp import Client
from mcp.types import CallToolResult

from gemini_mcp.config import Settings
from gemini_mcp.emulator import EmulatorConfig, Fault, running_emulator
from gemini_mcp.emulator.server import Emulator
from gemini_mcp.server.app import build_server
from gemini_mcp.server.http import build_http_app
from tests.harness.clients import http_client, structured, text
from tests.harness.ports import tcp_connections
from tests.harness.servers import serve_app

from .harness import LeakCheck, server_settings, wait_for

Transport = Literal["memory-auto", "memory-legacy", "http-legacy", "http-auto"]
UPSTREAM_DELAY = 30.0  # the emulator would answer only after this; the test must see the request closed long before


@asynccontextmanager
async def connect(settings: Settings, transport: Transport) -> AsyncGenerator[Client]:
    server = build_server(settings)
    if transport.startswith("memory"):
        async with Client(server, mode="legacy" if transport == "memory-legacy" else "auto") as client:
            yield client
        return
    async with (
        serve_app(build_http_app(settings, server)) as url,
        http_client(url, mode="legacy" if transport == "http-legacy" else "auto") as client,
    ):
        yield client


def port_of(emulator: Emulator) -> int:
    return int(emulator.base_url.rsplit(":", 1)[1])


def emulator_side(port: int) -> dict[int, str]:
    """The emulator's ends of its connections: peer (client) port -> TCP state."""
    return {c.remote_port: c.state for c in tcp_connections(port) if c.local_port == port and c.state != "LISTEN"}


async def cancel_when(
    call: Callable[[], Awaitable[CallToolResult]], ready: Callable[[], bool]
) -> tuple[bool, CallToolResult | None]:
    """Run ``call``; once ``ready()`` holds, cancel it the way a client does. Returns (cancelled, result)."""
    outcome: list[CallToolResult] = []
    scope = anyio.CancelScope()
    async with anyio.create_task_group() as tg:

        async def run() -> None:
            with scope:
                outcome.append(await call())

        tg.start_soon(run)
        await wait_for(lambda: ready() or bool(outcome), timeout=20, what="the call to be in flight")
        scope.cancel()
    return scope.cancelled_caught, (outcome[0] if outcome else None)


@pytest.mark.parametrize(
    ("transport", "streamed"),
    [
        ("memory-auto", False),
        ("memory-legacy", False),
        ("http-legacy", False),
        ("http-auto", False),
        ("memory-legacy", True),  # with a progress token the answer streams: that request must close too
        ("http-legacy", True),
    ],
)
async def test_cancelled_ask_gemini_closes_the_upstream_request(
    tmp_path: Path, transport: Transport, streamed: bool
) -> None:
    async with running_emulator(EmulatorConfig()) as emu:
        port = port_of(emu)
        settings = server_settings(emu.base_url, tmp_path)
        async with connect(settings, transport) as client:
            first = await client.call_tool("ask_gemini", {"prompt": "Hi, my name is Phil."})
            conversation = structured(first)["conversation_id"]
            leaks = LeakCheck(port)
            emu.add_fault(Fault(kind="delay", method="POST", path=r"/interactions$", delay=UPSTREAM_DELAY))
            posts_before = sum(1 for r in emu.requests if r.method == "POST")
            in_flight: dict[int, str] = {}

            async def on_progress(progress: float, total: float | None, message: str | None) -> None:
                pass

            def upstream_waiting() -> bool:
                if sum(1 for r in emu.requests if r.method == "POST") <= posts_before:
                    return False
                in_flight.update({p: s for p, s in emulator_side(port).items() if s == "ESTABLISHED"})
                return bool(in_flight)

            with anyio.fail_after(20):
                cancelled, result = await cancel_when(
                    lambda: client.call_tool(
                        "ask_gemini",
                        {"prompt": "a slow question", "conversation_id": conversation},
                        progress_callback=on_progress if streamed else None,
                    ),
                    upstream_waiting,
                )
            if streamed:
                assert any(r.body and r.body.get("stream") for r in emu.requests), "the answer was not streamed"
            assert cancelled and result is None, "the call finished instead of being cancelled"

            # The emulator sees its peer hang up (FIN: CLOSE_WAIT, or the socket is gone) well before its
            # 30 s delay would have answered: the upstream request was closed, not left to run.
            def closed() -> bool:
                now = emulator_side(port)
                return any(now.get(peer) != "ESTABLISHED" for peer in in_flight)

            await wait_for(closed, timeout=10, what="the emulator to see the request closed")

            # The cancelled turn did not advance the conversation, and the next call works normally.
            emu.clear_faults()
            with anyio.fail_after(20):
                again = await client.call_tool(
                    "ask_gemini", {"prompt": "What is my name?", "conversation_id": conversation}
                )
            assert not again.is_error, text(again)
            assert "Phil" in structured(again)["text"]
            listed = structured(await client.call_tool("list_conversations", {}))
            assert [c["turns"] for c in listed["conversations"] if c["conversation_id"] == conversation] == [2]
            if transport.startswith("memory"):
                await leaks.assert_no_leaks()


@pytest.mark.parametrize("transport", ["memory-legacy", "http-legacy"])
async def test_cancelling_a_wait_does_not_cancel_the_research_job(tmp_path: Path, transport: Transport) -> None:
    async with running_emulator(EmulatorConfig(research_seconds=2.0, research_steps=4)) as emu:
        settings = server_settings(emu.base_url, tmp_path)
        async with connect(settings, transport) as client:
            started = await client.call_tool("start_deep_research", {"query": "tidal power in Brittany"})
            interaction_id = structured(started)["interaction_id"]
            progressed = anyio.Event()

            async def on_progress(progress: float, total: float | None, message: str | None) -> None:
                progressed.set()

            async def wait_call() -> CallToolResult:
                return await client.call_tool(
                    "get_interaction",
                    {"interaction_id": interaction_id, "wait_seconds": 60},
                    progress_callback=on_progress,
                )

            with anyio.fail_after(20):
                cancelled, result = await cancel_when(wait_call, progressed.is_set)
            assert cancelled and result is None

            with anyio.fail_after(30):
                while True:
                    got = await client.call_tool(
                        "get_interaction", {"interaction_id": interaction_id, "wait_seconds": 10}
                    )
                    data: dict[str, Any] = structured(got)
                    if data["done"]:
                        break
            assert data["status"] == "completed"
            assert data["total_chars"] > 0
            assert not any(r.path.endswith("/cancel") for r in emu.requests)
