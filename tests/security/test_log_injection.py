"""A client chooses tool and argument names; a newline in one must not forge a log line. The call log escapes
them and names the principal that made the call."""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator
from pathlib import Path

import anyio
import pytest

from gemini_mcp.emulator import EmulatorConfig, running_emulator
from gemini_mcp.emulator.server import Emulator
from tests.harness.clients import http_client

from .attack import ALICE, team_server, team_settings

FORGED = "tool delete_conversation(conversation_id) ok in 1 ms by bob"


@pytest.fixture
async def emu() -> AsyncGenerator[Emulator]:
    async with running_emulator(EmulatorConfig()) as emulator:
        yield emulator


async def test_a_newline_in_a_tool_or_argument_name_cannot_forge_a_log_line(
    emu: Emulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gemini_mcp.calls")
    settings = team_settings(emu.base_url, tmp_path / "data")
    async with team_server(settings) as url, http_client(url, ALICE) as client:
        with anyio.fail_after(30):
            await client.call_tool(f"ask_gemini\n{FORGED}", {"prompt": "x"})
            await client.call_tool("list_conversations", {f"limit\r\n{FORGED}": 1, "x\x1b[2J": 2})
            await client.call_tool("list_conversations", {"limit": 5})
    lines = [r.getMessage() for r in caplog.records if r.name == "gemini_mcp.calls"]
    assert len(lines) == 3, lines
    for line in lines:
        assert "\n" not in line and "\r" not in line and "\x1b" not in line, line
        assert line.endswith(" by alice"), line  # the principal is named
        assert not line.startswith(FORGED)
    assert lines[0].startswith("tool 'ask_gemini\\ntool delete_conversation"), lines[0]
    assert "'limit\\r\\ntool delete_conversation" in lines[1] and "'x\\x1b[2J'" in lines[1], lines[1]
    assert lines[2].startswith("tool list_conversations(limit) ok in "), lines[2]  # plain names stay plain
