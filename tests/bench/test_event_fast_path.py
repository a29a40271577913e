"""The watcher's and ask_gemini's per-event fast path reads the same fields as the full dump.

gemini.event_from_sdk reads frequent small events (status updates, step start/delta/stop) straight
off the SDK objects instead of dumping them (the dump cost more than parsing, per event). For every
event of real emulator streams — text, thought summaries and signatures, annotations, an in-stream
error — the flattened fields must equal the dump-based conversion, and `event_payload` (the full JSON
that streaming.py folds into steps) must equal the dump.
"""

from __future__ import annotations

from typing import Any

import anyio

from gemini_mcp.emulator import EmulatorConfig, Fault, running_emulator
from gemini_mcp.gemini.genai import (
    InteractionEvent,
    _dump,  # pyright: ignore[reportPrivateUsage]
    event_from_dict,
    event_from_sdk,
    event_payload,
)

FIELDS = ("event_type", "event_id", "status", "thought", "text", "error", "interaction")


def _fields(event: InteractionEvent | None) -> tuple[object, ...]:
    assert event is not None
    return tuple(getattr(event, name) for name in FIELDS)


async def _events(stream: Any) -> list[Any]:
    return [event async for event in stream]


async def test_fast_path_equals_the_dump_for_every_streamed_event() -> None:
    from google import genai
    from google.genai import types

    async with running_emulator(EmulatorConfig(research_seconds=0.3, research_steps=3)) as emu:
        options = types.HttpOptions(base_url=emu.base_url, retry_options=types.HttpRetryOptions(attempts=1))
        client = genai.Client(api_key="test-key", http_options=options)
        api = client.aio.interactions
        try:
            with anyio.fail_after(60):
                raw: list[Any] = []
                raw += await _events(await api.create(model="gemini-3-flash-preview", input="Tell me.", stream=True))
                raw += await _events(
                    await api.create(
                        model="gemini-3-flash-preview",
                        input="Search the web for glaciers.",
                        tools=[{"type": "google_search"}],
                        stream=True,
                    )
                )
                job = await api.create(
                    agent="deep-research-preview-04-2026",
                    input="Research glaciers.",
                    background=True,
                    agent_config={"type": "deep-research", "thinking_summaries": "auto"},
                )
                assert job.id
                raw += await _events(await api.get(job.id, stream=True))
                emu.add_fault(Fault(kind="error_event", after_events=3, message="boom"))
                raw += await _events(await api.create(model="gemini-3-flash-preview", input="Fail.", stream=True))
        finally:
            await client.aio.aclose()
            client.close()

    kinds = {getattr(event, "event_type", None) for event in raw}
    assert {"interaction.status_update", "step.start", "step.delta", "step.stop", "error"} <= kinds
    converted = [(event_from_sdk(event), event_from_dict(_dump(event))) for event in raw]
    for fast, full in converted:
        assert _fields(fast) == _fields(full)
        assert fast is not None
        assert event_payload(fast) == full.data  # what streaming.py folds into steps
    assert any(fast is not None and fast.thought for fast, _ in converted), "no thought summary was streamed"
    assert any(fast is not None and fast.text for fast, _ in converted), "no text delta was streamed"
    assert any(fast is not None and fast.error for fast, _ in converted), "the in-stream error was lost"
