"""The feature suite's names for the shared harness (tests/harness), and one reader of its own: user_content."""

from __future__ import annotations

from typing import Any

from tests.harness.clients import creates, data, error_text, open_client, text
from tests.harness.settings import make_settings

__all__ = ["creates", "data", "error_text", "make_settings", "open_client", "text", "user_content"]


def user_content(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The content blocks of the body's user input, however the SDK shaped it (wrapped into one step)."""
    raw = body["input"]
    if isinstance(raw, str):
        return [{"type": "text", "text": raw}]
    steps = [s for s in raw if s.get("type") == "user_input"]
    assert len(steps) == 1, raw
    return steps[0]["content"]
