"""One call must not freeze the server: a catastrophic-backtracking ``pattern`` and a 60,000-property
``response_schema`` get a clear error while ``/healthz`` keeps answering within a second."""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from pathlib import Path
from typing import Any

import anyio
import pytest

from gemini_mcp.emulator import EmulatorConfig, running_emulator
from gemini_mcp.emulator.server import Emulator
from tests.harness.clients import http_client

from .attack import ALICE, team_server, team_settings, text, warm_up, watching_healthz

EVIL = "a" * 29 + "b"  # the emulator answers a string property with its name: 30 characters against ^(a+)+$


@pytest.fixture
async def emu() -> AsyncGenerator[Emulator]:
    async with running_emulator(EmulatorConfig()) as emulator:
        yield emulator


def redos_schema() -> dict[str, Any]:
    return {"type": "object", "properties": {EVIL: {"type": "string", "pattern": "^(a+)+$"}}, "required": [EVIL]}


def huge_schema() -> dict[str, Any]:
    return {"type": "object", "properties": {f"field_{i}": {"type": "string"} for i in range(60_000)}}


async def test_redos_pattern_and_huge_schema_get_clear_errors_and_never_stall_healthz(
    emu: Emulator, tmp_path: Path
) -> None:
    huge = huge_schema()
    assert len(json.dumps(huge)) > 1_500_000  # the attack: a valid 1.8 MB schema
    settings = team_settings(emu.base_url, tmp_path / "data")
    async with team_server(settings) as url, http_client(url, ALICE) as client:
        await warm_up(client)
        async with watching_healthz(url) as health:
            with anyio.fail_after(30):
                redos = await client.call_tool("ask_gemini", {"prompt": "x", "response_schema": redos_schema()})
            with anyio.fail_after(30):
                big = await client.call_tool("ask_gemini", {"prompt": "x", "response_schema": huge})
            with anyio.fail_after(30):
                backref = await client.call_tool(
                    "ask_gemini", {"prompt": "x", "response_schema": {"type": "string", "pattern": "^(a+)\\1$"}}
                )
            with anyio.fail_after(30):
                nested = await client.call_tool(
                    "ask_gemini",
                    {
                        "prompt": "x",
                        "function_declarations": [
                            {"name": "f", "parameters": {"type": "object", "patternProperties": {"(?=x)": {}}}}
                        ],
                    },
                )
            await anyio.sleep(0.3)  # a few more /healthz samples after the last call
    # The answer did not match: a clear error, found in linear time (RE2), not 2^30 steps of backtracking.
    assert redos.is_error
    assert "does not match response_schema" in text(redos) and "does not match '^(a+)+$'" in text(redos)
    assert big.is_error
    assert "response_schema: the schema has more than 5,000 values" in text(big)
    assert backref.is_error and "cannot be checked in linear time" in text(backref), text(backref)
    assert nested.is_error and "function_declarations[0].parameters" in text(nested), text(nested)
    assert "cannot be checked in linear time" in text(nested)
    health.assert_healthy()
    sent = [r for r in emu.requests if r.method == "POST"]
    assert len(sent) == 2  # the warm-up and the ReDoS turn (Gemini answered; the answer was then refused)
