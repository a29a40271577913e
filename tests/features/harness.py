"""Helpers for the issue-4 feature tests: settings on the emulator, an in-memory client, result readers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gemini_mcp.config import Settings
from tests.server.harness import creates, data, error_text, open_client, text

__all__ = ["creates", "data", "error_text", "open_client", "text"]


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


def user_content(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The content blocks of the body's user input, however the SDK shaped it (wrapped into one step)."""
    raw = body["input"]
    if isinstance(raw, str):
        return [{"type": "text", "text": raw}]
    steps = [s for s in raw if s.get("type") == "user_input"]
    assert len(steps) == 1, raw
    return steps[0]["content"]
