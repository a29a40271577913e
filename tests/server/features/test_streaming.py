"""With a progress token, ask_gemini streams: deltas and thoughts arrive as progress, the full result still returns."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from pathlib import Path

import anyio
from mcp.client import Client

from gemini_mcp.config import Settings
from gemini_mcp.emulator import Fault
from gemini_mcp.emulator.server import Emulator
from tests.harness.servers import serve_http

from .harness import creates, data, error_text, open_client

PROMPT = "Tell me a long story about a lighthouse keeper who counts the waves every night."


def token_client(settings: Settings) -> AbstractAsyncContextManager[Client]:
    """An in-memory client with JSON-RPC framing (legacy mode), so `progress_callback` sends a progress token in
    the request meta, as stdio and HTTP clients do; the in-process "auto" mode sends none."""
    return open_client(settings, mode="legacy")


class Progress:
    def __init__(self) -> None:
        self.updates: list[tuple[float, str | None]] = []

    async def __call__(self, progress: float, total: float | None, message: str | None) -> None:
        self.updates.append((progress, message))

    @property
    def messages(self) -> str:
        return "".join(m or "" for _, m in self.updates)


async def test_progress_token_streams_text_and_thoughts_and_returns_the_full_answer(
    settings: Settings, emulator: Emulator
) -> None:
    progress = Progress()
    async with token_client(settings) as client:
        streamed = data(
            await client.call_tool(
                "ask_gemini", {"prompt": PROMPT, "include_thoughts": True}, progress_callback=progress
            )
        )
        unary = data(await client.call_tool("ask_gemini", {"prompt": PROMPT, "include_thoughts": True}))
    bodies = creates(emulator)
    assert bodies[0]["stream"] is True
    assert bodies[1]["stream"] is True  # every turn streams (its interaction id comes first); no token, no progress
    assert streamed["text"] == unary["text"]
    assert streamed["thoughts"] and streamed["thoughts"] == unary["thoughts"]
    assert progress.updates, "no progress notifications arrived"
    assert "Thinking:" in progress.messages
    assert PROMPT[:20] in progress.messages.replace("\n", " ")
    values = [p for p, _ in progress.updates]
    assert values == sorted(values) and len(set(values)) == len(values)  # strictly increasing
    assert streamed["usage"]["total_tokens"] == unary["usage"]["total_tokens"]


async def test_an_error_event_in_the_stream_is_a_clear_tool_error(settings: Settings, emulator: Emulator) -> None:
    emulator.add_fault(Fault(kind="error_event", after_events=3, message="The model overloaded mid-answer."))
    async with token_client(settings) as client:
        message = error_text(await client.call_tool("ask_gemini", {"prompt": PROMPT}, progress_callback=Progress()))
        after = data(await client.call_tool("ask_gemini", {"prompt": "again"}, progress_callback=Progress()))
    assert "Gemini reported an error while streaming the answer" in message
    assert "(INTERNAL): The model overloaded mid-answer." in message
    assert after["status"] == "completed"


async def test_a_cut_stream_is_resumed_from_the_last_event_id(settings: Settings, emulator: Emulator) -> None:
    emulator.add_fault(Fault(kind="cut", after_events=4))
    progress = Progress()
    async with token_client(settings) as client:
        result = data(await client.call_tool("ask_gemini", {"prompt": PROMPT}, progress_callback=progress))
    resumes = [r for r in emulator.requests if r.method == "GET"]
    assert len(resumes) == 1
    assert resumes[0].path.endswith("/interactions/" + result["interaction_id"])
    assert resumes[0].query["stream"] == "true"
    assert resumes[0].query["last_event_id"] == "evt_4"
    assert PROMPT in result["text"]
    assert result["status"] == "completed"


async def test_a_stream_that_keeps_breaking_is_finished_by_the_watcher(settings: Settings, emulator: Emulator) -> None:
    """After three failed resumes the turn is not lost (issue 13): the watcher takes it over and, its streams cut
    too, polls the interaction until it is done; the caller still gets the answer within its bound."""
    emulator.add_fault(Fault(kind="cut", after_events=3))
    emulator.add_fault(Fault(kind="cut", method="GET", after_events=0, count=10))
    async with token_client(settings) as client:
        result = data(await client.call_tool("ask_gemini", {"prompt": PROMPT}, progress_callback=Progress()))
    gets = [r for r in emulator.requests if r.method == "GET"]
    assert result["status"] == "completed" and PROMPT in result["text"]
    assert len([r for r in gets if r.query.get("stream") == "true"]) >= 3
    assert [r for r in gets if r.query.get("stream") != "true"], "the watcher did not poll"


async def test_streaming_over_streamable_http(tmp_path: Path, settings: Settings, emulator: Emulator) -> None:
    progress = Progress()
    with anyio.fail_after(60):
        async with serve_http(settings) as url, Client(url) as client:
            result = data(await client.call_tool("ask_gemini", {"prompt": PROMPT}, progress_callback=progress))
    assert creates(emulator)[0]["stream"] is True
    assert progress.updates and PROMPT[:20] in progress.messages
    assert PROMPT in result["text"]
