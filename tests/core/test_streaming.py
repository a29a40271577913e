"""StepAssembler folds typed stream events into the same steps a unary call returns; ProgressThrottle coalesces."""

from __future__ import annotations

from typing import Any

import pytest

from gemini_mcp.core.streaming import ProgressThrottle, StepAssembler
from gemini_mcp.errors import StreamFailedError
from gemini_mcp.gemini.port import InteractionData, StreamError, StreamEvent


def _delta(index: int, delta: dict[str, Any]) -> StreamEvent:
    """A step.delta as `gemini.events.parse_event` builds it (text and thought text also as fields)."""
    content: dict[str, Any] = delta.get("content") or {}
    thought = content.get("text") if delta["type"] == "thought_summary" else None
    text = delta.get("text") if delta["type"] == "text" else None
    return StreamEvent("step.delta", index=index, delta=delta, text=text, thought=thought)


def _events() -> list[StreamEvent]:
    return [
        StreamEvent(
            "interaction.created",
            "evt_1",
            status="in_progress",
            interaction=InteractionData(id="v1_x", status="in_progress", model="gemini-3-flash-preview"),
        ),
        StreamEvent("step.start", "evt_2", index=0, step={"type": "thought"}),
        _delta(0, {"type": "thought_summary", "content": {"type": "text", "text": "Plan. "}}),
        _delta(0, {"type": "thought_summary", "content": {"type": "text", "text": "Go."}}),
        StreamEvent("step.stop", index=0),
        StreamEvent("step.start", index=1, step={"type": "function_call", "id": "fc1", "name": "lookup"}),
        _delta(1, {"type": "arguments_delta", "arguments": '{"city": '}),
        _delta(1, {"type": "arguments_delta", "arguments": '"Oslo"}'}),
        StreamEvent("step.stop", index=1),
        StreamEvent("step.start", index=2, step={"type": "google_search_call", "id": "s1"}),
        _delta(2, {"type": "google_search_call", "arguments": {"queries": ["oslo weather"]}}),
        StreamEvent("step.stop", index=2),
        StreamEvent("step.start", index=3, step={"type": "model_output"}),
        _delta(3, {"type": "text", "text": "Hello "}),
        _delta(3, {"type": "text", "text": "there."}),
        _delta(
            3,
            {
                "type": "text_annotation_delta",
                "annotations": [{"type": "url_citation", "url": "https://a.example", "title": "A"}],
            },
        ),
        _delta(3, {"type": "image", "data": "iVBO", "mime_type": "image/png"}),
        StreamEvent("step.stop", "evt_19", index=3),
        StreamEvent(
            "interaction.completed",
            "evt_20",
            status="requires_action",
            interaction=InteractionData(id="v1_x", status="requires_action", usage={"total_tokens": 9}),
        ),
    ]


def test_events_fold_into_complete_steps() -> None:
    asm = StepAssembler()
    for event in _events():
        asm.feed(event)
    data = asm.result()
    assert (data.id, data.status, data.model, data.usage) == (
        "v1_x",
        "requires_action",
        "gemini-3-flash-preview",
        {"total_tokens": 9},
    )
    assert asm.completed and asm.last_event_id == "evt_20"
    assert data.steps[0] == {"type": "thought", "summary": [{"type": "text", "text": "Plan. Go."}]}
    assert data.steps[1] == {"type": "function_call", "id": "fc1", "name": "lookup", "arguments": {"city": "Oslo"}}
    assert data.steps[2] == {"type": "google_search_call", "id": "s1", "arguments": {"queries": ["oslo weather"]}}
    assert data.steps[3]["content"] == [
        {
            "type": "text",
            "text": "Hello there.",
            "annotations": [{"type": "url_citation", "url": "https://a.example", "title": "A"}],
        },
        {"type": "image", "data": "iVBO", "mime_type": "image/png"},
    ]
    assert data.text == "Hello there."


def test_an_error_event_raises_with_its_message() -> None:
    asm = StepAssembler()
    asm.feed(_events()[0])
    with pytest.raises(StreamFailedError, match=r"in interaction v1_x \(INTERNAL\): boom. Try again."):
        asm.feed(StreamEvent("error", error=StreamError("boom", "INTERNAL")))


async def test_throttle_coalesces_deltas_within_an_interval_and_flushes_the_rest() -> None:
    sent: list[tuple[float, str]] = []

    async def send(progress: float, message: str) -> None:
        sent.append((progress, message))

    throttle = ProgressThrottle(send, interval=3600.0)
    for event in _events():
        await throttle.feed(event)
    assert sent == [(6.0, "Thinking: Plan.")]  # the first delta goes out at once, the rest wait for the interval
    eager = ProgressThrottle(send, interval=0.0)
    sent.clear()
    for event in _events():
        await eager.feed(event)
    await eager.close()
    assert [m for _, m in sent] == ["Thinking: Plan.", "Thinking: Go.", "Hello ", "there."]
    assert [p for p, _ in sent] == sorted({p for p, _ in sent})  # strictly increasing
