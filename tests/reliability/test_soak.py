"""A long-running server under a stream of mixed calls and faults does not grow tasks, fds or connections."""

from __future__ import annotations

import random
from pathlib import Path

import anyio
import pytest

from gemini_mcp.emulator import EmulatorConfig, Fault, running_emulator
from gemini_mcp.server.app import build_server
from gemini_mcp.server.http import build_http_app
from tests.harness.clients import Mode, http_client, structured, text
from tests.harness.ports import client_connections
from tests.harness.servers import serve_app

from .harness import LeakCheck, memory_client, server_settings

ROUNDS = 60
FAULTS: list[Fault | None] = [
    None,
    None,
    Fault(kind="status", status=429, retry_after="0", count=1),
    Fault(kind="status", status=429, retry_delay="40s", count=3),
    Fault(kind="status", status=503, count=1),
    Fault(kind="status", status=403),
    Fault(kind="malformed", count=1),
    Fault(kind="delay", delay=3.0, count=2),  # beyond the 1 s timeout
    Fault(kind="cut", method="GET", after_events=1, count=1),
]


@pytest.mark.slow
async def test_mixed_calls_and_faults_leave_no_residue(tmp_path: Path) -> None:
    rng = random.Random(5)  # reproducible mix
    async with running_emulator(EmulatorConfig(research_seconds=0.3, research_steps=2)) as emu:
        port = int(emu.base_url.rsplit(":", 1)[1])
        async with memory_client(server_settings(emu.base_url, tmp_path, request_timeout=1.0)) as client:
            first = await client.call_tool("ask_gemini", {"prompt": "Hi, my name is Phil."})
            conversation = structured(first)["conversation_id"]
            leaks = LeakCheck(port)
            errors = oks = 0
            jobs: list[str] = []
            for round_ in range(ROUNDS):
                fault = rng.choice(FAULTS)
                if fault is not None:
                    emu.add_fault(fault)
                with anyio.fail_after(30):
                    if round_ % 10 == 9:
                        result = await client.call_tool("start_deep_research", {"query": f"topic {round_}"})
                        if not result.is_error:
                            jobs.append(structured(result)["interaction_id"])
                    else:
                        args = {"prompt": f"question {round_}", "conversation_id": conversation}
                        result = await client.call_tool("ask_gemini", args)
                emu.clear_faults()
                errors += result.is_error
                oks += not result.is_error
                if result.is_error:
                    assert text(result).strip() != "Error executing tool ask_gemini", "unexpected exception"
            assert oks > ROUNDS // 3 and errors > 5
            for job in jobs:  # every research run still finishes
                with anyio.fail_after(30):
                    while not structured(
                        await client.call_tool("get_interaction", {"interaction_id": job, "wait_seconds": 5})
                    )["done"]:
                        pass
            last = await client.call_tool("ask_gemini", {"prompt": "What is my name?", "conversation_id": conversation})
            assert "Phil" in structured(last)["text"]
            await leaks.assert_no_leaks()


@pytest.mark.slow
async def test_many_http_sessions_open_and_close_without_residue(tmp_path: Path) -> None:
    """Clients come and go for days: 30 sessions (both protocol eras) leave no task, fd or socket behind."""
    async with running_emulator(EmulatorConfig()) as emu:
        port = int(emu.base_url.rsplit(":", 1)[1])
        settings = server_settings(emu.base_url, tmp_path)
        async with serve_app(build_http_app(settings, build_server(settings))) as url:
            async with http_client(url, mode="legacy") as client:  # warm up: pools, lazy imports
                await client.call_tool("ask_gemini", {"prompt": "warm up"})
            leaks = LeakCheck(port)
            server_port = int(url.rsplit(":", 1)[1])
            for round_ in range(30):
                mode: Mode = "legacy" if round_ % 2 else "auto"
                async with http_client(url, mode=mode) as client:
                    with anyio.fail_after(30):
                        result = await client.call_tool("ask_gemini", {"prompt": f"session {round_}"})
                    assert not result.is_error, text(result)
            await leaks.assert_no_leaks(slack_fds=4)
            open_to_server = client_connections(server_port)
            assert len(open_to_server) <= 1, open_to_server
