"""Stream events parsed by `gemini.events.parse_event` carry everything the streaming fold and the watcher need.

The unmodified google-genai SDK streams from the emulator through `GenAIBackend`; folding the typed events
must give the interaction a unary `get` returns, and the text, thought and error fields must hold what the
stream said.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import pytest
from pydantic import SecretStr

from gemini_mcp.config import Settings
from gemini_mcp.core.streaming import StepAssembler
from gemini_mcp.emulator import EmulatorConfig, Fault, running_emulator
from gemini_mcp.errors import StreamFailedError
from gemini_mcp.gemini.genai import GenAIBackend
from gemini_mcp.gemini.port import CreateRequest, StreamEvent

MODEL = "gemini-3-flash-preview"
AGENT = "deep-research-preview-04-2026"


def _settings(tmp_path: Path, base_url: str) -> Settings:
    return Settings(api_key=SecretStr("test-key"), base_url=base_url, data_dir=tmp_path, max_retries=0)


def _thought_text(steps: list[dict[str, Any]]) -> str:
    return "".join(
        str(part.get("text", ""))
        for step in steps
        if step.get("type") == "thought"
        for part in step.get("summary", [])
        if part.get("type") == "text"
    )


async def _collect(events: Any) -> list[StreamEvent]:
    return [event async for event in events]


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        (CreateRequest(input="Hi, my name is Phil.", model=MODEL), "Phil"),
        (
            CreateRequest(input="Search the web for glaciers.", model=MODEL, tools=[{"type": "google_search"}]),
            '"url_citation"',
        ),
        (
            CreateRequest(input="Think it over.", model=MODEL, generation_config={"thinking_summaries": "auto"}),
            '"thought_summary"',
        ),
    ],
    ids=["text", "search-with-citations", "thoughts"],
)
async def test_a_streamed_turn_folds_into_the_interaction_get_returns(
    tmp_path: Path, request_: CreateRequest, expected: str
) -> None:
    async with running_emulator(EmulatorConfig()) as emu:
        backend = GenAIBackend(_settings(tmp_path, emu.base_url))
        try:
            with anyio.fail_after(30):
                events = await _collect(backend.create_stream(request_))
                assembler = StepAssembler()
                for event in events:
                    assembler.feed(event)
                assembler.final_steps = None  # fold the deltas alone, not the completed event's copy of the steps
                folded = assembler.result()
                stored = await backend.get(folded.id)
        finally:
            await backend.aclose()
    assert assembler.completed and folded.status == stored.status == "completed"
    assert folded.steps == stored.steps
    assert folded.text == stored.text and stored.text
    assert "".join(e.text for e in events if e.text is not None) == stored.text
    assert "".join(e.thought for e in events if e.thought is not None) == _thought_text(stored.steps)
    assert events[0].kind == "interaction.created" and events[-1].kind == "interaction.completed"
    assert expected in json.dumps(stored.steps) + json.dumps([e.delta for e in events])
    assert events[-1].interaction is not None and events[-1].interaction.id == stored.id


async def test_a_research_stream_carries_status_thoughts_and_the_cursor(tmp_path: Path) -> None:
    async with running_emulator(EmulatorConfig(research_seconds=0.3, research_steps=3)) as emu:
        backend = GenAIBackend(_settings(tmp_path, emu.base_url))
        try:
            with anyio.fail_after(30):
                job = await backend.create(
                    CreateRequest(
                        input="Research glaciers.",
                        agent=AGENT,
                        background=True,
                        agent_config={"type": "deep-research", "thinking_summaries": "auto"},
                    )
                )
                events = await _collect(backend.stream(job.id))
                final = await backend.get(job.id)
        finally:
            await backend.aclose()
    thoughts = [e.thought for e in events if e.thought]
    assert len(thoughts) == 3 and "".join(thoughts) == _thought_text(final.steps)
    assert {e.status for e in events if e.kind == "interaction.status_update"} >= {"in_progress"}
    assert all(e.interaction_id == job.id for e in events if e.kind == "interaction.status_update")
    assert [e.status for e in events if e.status][-1] == "completed"
    assert all(e.event_id for e in events if e.kind.startswith("step.") or e.kind == "interaction.status_update")


async def test_an_in_stream_error_event_carries_its_message(tmp_path: Path) -> None:
    async with running_emulator(EmulatorConfig()) as emu:
        emu.add_fault(Fault(kind="error_event", after_events=3, message="boom"))
        backend = GenAIBackend(_settings(tmp_path, emu.base_url))
        try:
            with anyio.fail_after(30):
                events = await _collect(backend.create_stream(CreateRequest(input="Fail.", model=MODEL)))
        finally:
            await backend.aclose()
    errors = [e.error for e in events if e.kind == "error"]
    assert len(errors) == 1 and errors[0] is not None and errors[0].message == "boom"
    assembler = StepAssembler()
    with pytest.raises(StreamFailedError, match="boom"):
        for event in events:
            assembler.feed(event)
