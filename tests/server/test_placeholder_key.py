"""A key left as a config template's placeholder is recognised: tool calls say so and never call Gemini."""

from __future__ import annotations

from pathlib import Path

import pytest

from gemini_mcp.emulator.server import Emulator
from tests.harness.clients import error_text, open_client
from tests.harness.settings import make_settings

PLACEHOLDERS = [
    ("paste-your-gemini-api-key-here", "it starts with 'paste'"),
    ("${GEMINI_API_KEY}", "unexpanded ${...} variable"),
    ("${input:gemini_api_key}", "unexpanded ${...} variable"),
    ("$(security find-generic-password -w)", "unexpanded $(...) command"),
    ("<your-api-key>", "<...> placeholder"),
    ("your_api_key", "'your...key'"),
    ("xxxxxxxxxxxxxxxx", "'xxx'"),
    ("AIza Sy123", "whitespace"),
]


@pytest.mark.parametrize(("key", "reason"), PLACEHOLDERS)
async def test_a_placeholder_key_is_named_and_gemini_is_never_called(
    tmp_path: Path, emulator: Emulator, key: str, reason: str
) -> None:
    settings = make_settings(tmp_path / "data", emulator.base_url, api_key=key)
    async with open_client(settings) as client:
        asked = error_text(await client.call_tool("ask_gemini", {"prompt": "Hi"}))
        research = error_text(await client.call_tool("start_deep_research", {"query": "A topic"}))
    for message in (asked, research):
        assert "GEMINI_API_KEY looks like a placeholder" in message, message
        assert reason in message
        assert "put your real key in the client's env block" in message
        assert key not in message
    assert emulator.requests == []  # nothing was sent


async def test_a_real_looking_key_is_not_a_placeholder(tmp_path: Path, emulator: Emulator) -> None:
    settings = make_settings(tmp_path / "data", emulator.base_url, api_key="AIzaSyD-not-a-real-key-0123456789")
    async with open_client(settings) as client:
        answer = await client.call_tool("ask_gemini", {"prompt": "Hi"})
    assert not answer.is_error
    assert emulator.requests  # the emulator records what reaches it (so the assertion above can fail)
