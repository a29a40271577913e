"""StepAssembler folds SSE payloads into the same steps a unary call returns; ProgressThrottle coalesces."""

from __future__ import annotations

from typing import Any

import pytest

from gemini_mcp.core.streaming import ProgressThrottle, StepAssembler, StreamFailedError


def _events() -> list[dict[str, Any]]:
    return [
        {
            "event_type": "interaction.created",
            "event_id": "evt_1",
            "interaction": {"id": "v1_x", "status": "in_progress", "model": "gemini-3-flash-preview"},
        },
        {"event_type": "step.start", "index": 0, "step": {"type": "thought"}, "event_id": "evt_2"},
        {
            "event_type": "step.delta",
            "index": 0,
            "delta": {"type": "thought_summary", "content": {"type": "text", "text": "Plan. "}},
        },
        {
            "event_type": "step.delta",
            "index": 0,
            "delta": {"type": "thought_summary", "content": {"type": "text", "text": "Go."}},
        },
        {"event_type": "step.stop", "index": 0},
        {"event_type": "step.start", "index": 1, "step": {"type": "function_call", "id": "fc1", "name": "lookup"}},
        {"event_type": "step.delta", "index": 1, "delta": {"type": "arguments_delta", "arguments": '{"city": '}},
        {"event_type": "step.delta", "index": 1, "delta": {"type": "arguments_delta", "arguments": '"Oslo"}'}},
        {"event_type": "step.stop", "index": 1},
        {"event_type": "step.start", "index": 2, "step": {"type": "google_search_call", "id": "s1"}},
        {
            "event_type": "step.delta",
            "index": 2,
            "delta": {"type": "google_search_call", "arguments": {"queries": ["oslo weather"]}},
        },
        {"event_type": "step.stop", "index": 2},
        {"event_type": "step.start", "index": 3, "step": {"type": "model_output"}},
        {"event_type": "step.delta", "index": 3, "delta": {"type": "text", "text": "Hello "}},
        {"event_type": "step.delta", "index": 3, "delta": {"type": "text", "text": "there."}},
        {
            "event_type": "step.delta",
            "index": 3,
            "delta": {
                "type": "text_annotation_delta",
                "annotations": [{"type": "url_citation", "url": "https://a.example", "title": "A"}],
            },
        },
        {"event_type": "step.delta", "index": 3, "delta": {"type": "image", "data": "iVBO", "mime_type": "image/png"}},
        {"event_type": "step.stop", "index": 3, "event_id": "evt_19"},
        {
            "event_type": "interaction.completed",
            "event_id": "evt_20",
            "interaction": {"id": "v1_x", "status": "requires_action", "usage": {"total_tokens": 9}},
        },
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
        asm.feed({"event_type": "error", "error": {"code": "INTERNAL", "message": "boom"}})


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
