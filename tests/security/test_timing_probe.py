"""Timing must not tell Bob that Alice's conversation exists and is busy: the per-conversation lock is keyed
by (owner, id), so Bob naming Alice's busy conversation is refused as fast as an id that never existed."""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator
from pathlib import Path

import anyio
import pytest
from mcp import Client

from gemini_mcp.emulator import EmulatorConfig, Fault, running_emulator
from gemini_mcp.emulator.server import Emulator
from tests.harness.clients import http_client

from .attack import ALICE, BOB, team_server, team_settings, text

BUSY_SECONDS = 4.0
UNKNOWN = "conv_0123456789abcdef"


@pytest.fixture
async def emu() -> AsyncGenerator[Emulator]:
    async with running_emulator(EmulatorConfig()) as emulator:
        yield emulator


async def timed_refusal(client: Client, conversation_id: str) -> tuple[float, str]:
    started = time.perf_counter()
    with anyio.fail_after(30):
        result = await client.call_tool("ask_gemini", {"prompt": "peek", "conversation_id": conversation_id})
    elapsed = time.perf_counter() - started
    assert result.is_error
    return elapsed, text(result)


async def test_another_owners_busy_conversation_answers_as_fast_as_an_unknown_id(emu: Emulator, tmp_path: Path) -> None:
    settings = team_settings(emu.base_url, tmp_path / "data")
    probes: list[tuple[float, str]] = []
    async with team_server(settings) as url, http_client(url, ALICE) as alice, http_client(url, BOB) as bob:
        with anyio.fail_after(30):
            first = await alice.call_tool("ask_gemini", {"prompt": "Hi, my name is Alice."})
        conversation_id = (first.structured_content or {})["conversation_id"]
        await timed_refusal(bob, UNKNOWN)  # warm both paths once
        emu.add_fault(Fault(kind="delay", delay=BUSY_SECONDS, method="POST"))
        seen = len(emu.requests)
        async with anyio.create_task_group() as tg:
            tg.start_soon(alice.call_tool, "ask_gemini", {"prompt": "slow turn", "conversation_id": conversation_id})
            with anyio.fail_after(10):  # Alice's turn holds her conversation's lock once Gemini has the request
                while len(emu.requests) == seen:
                    await anyio.sleep(0.01)
            probes += [await timed_refusal(bob, cid) for cid in (conversation_id, UNKNOWN) * 3]
    busy = [t for (t, _), cid in zip(probes, (conversation_id, UNKNOWN) * 3, strict=True) if cid == conversation_id]
    unknown = [t for (t, _), cid in zip(probes, (conversation_id, UNKNOWN) * 3, strict=True) if cid == UNKNOWN]
    assert max(busy) < 1.0, busy  # not BUSY_SECONDS: Bob never waited on Alice's lock
    assert abs(min(busy) - min(unknown)) < 0.25, (busy, unknown)  # within noise
    messages = {m.replace(conversation_id, "<id>").replace(UNKNOWN, "<id>") for _, m in probes}
    assert len(messages) == 1 and "was not found" in messages.pop()
