"""Helpers for the issue-4 feature tests: settings on the emulator, an in-memory client, result readers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from mcp.client import Client
from mcp.types import CallToolResult

from gemini_mcp.config import Settings
from gemini_mcp.emulator.server import Emulator
from gemini_mcp.server import build_server


def make_settings(data_dir: Path, base_url: str | None, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "api_key": "test-key",
        "base_url": base_url,
        "data_dir": data_dir,
        "max_retries": 0,
        "request_timeout": 20.0,
        **overrides,
    }
    return Settings.model_validate(values)


@asynccontextmanager
async def open_client(settings: Settings) -> AsyncIterator[Client]:
    """An in-memory MCP client on a fresh server (entered inside the test, see tests/server/harness.py)."""
    async with Client(build_server(settings), raise_exceptions=True) as c:
        yield c


def data(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, text(result)
    assert result.structured_content is not None
    return result.structured_content


def text(result: CallToolResult) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)


def error_text(result: CallToolResult) -> str:
    assert result.is_error, f"expected an error, got {text(result)}"
    return text(result)


def creates(emulator: Emulator) -> list[dict[str, Any]]:
    """Bodies of every POST .../interactions the emulator received, in order."""
    return [r.body for r in emulator.requests if r.method == "POST" and r.path.endswith("/interactions")]


def user_content(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The content blocks of the body's user input, however the SDK shaped it (wrapped into one step)."""
    raw = body["input"]
    if isinstance(raw, str):
        return [{"type": "text", "text": raw}]
    steps = [s for s in raw if s.get("type") == "user_input"]
    assert len(steps) == 1, raw
    return steps[0]["content"]
