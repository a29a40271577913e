"""Long-work fixtures: settings with a short call bound (the `emulator` fixture comes from tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from gemini_mcp.config import Settings
from gemini_mcp.emulator.server import Emulator
from tests.harness.settings import make_settings

BOUND = 1.0  # GEMINI_MCP_MAX_WAIT_SECONDS in these tests
SLOW = "gemini-3.1-pro-preview"  # the model the emulator makes slow in these tests


@pytest.fixture
def settings(tmp_path: Path, emulator: Emulator) -> Settings:
    return make_settings(tmp_path / "data", emulator.base_url, max_wait_seconds=BOUND)


def slow(emulator: Emulator, seconds: float, model: str = SLOW) -> None:
    """Make `model` answer after `seconds` on this (in-process) emulator."""
    emulator.config.model_latencies[model] = seconds


async def warm(client: Client) -> None:
    """Load the server's Gemini SDK (an unknown id is looked up on Gemini), so a timed call measures the call."""
    await client.call_tool("get_interaction", {"interaction_id": "v1_warm_up"})
