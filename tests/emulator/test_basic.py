# pyright: reportAttributeAccessIssue=false, reportArgumentType=false, reportOptionalMemberAccess=false, reportOptionalSubscript=false, reportIndexIssue=false, reportOptionalIterable=false, reportCallIssue=false, reportOptionalOperand=false, reportGeneralTypeIssues=false, reportOperatorIssue=false
"""Unary, chained and streaming create through the unmodified google-genai SDK (async and sync)."""

from __future__ import annotations

import anyio
import pytest
from google import genai

from gemini_mcp.emulator import EmulatorConfig, EmulatorThread
from gemini_mcp.emulator.server import Emulator

from .helpers import MODEL, make_client


async def test_unary_create_async(emulator: Emulator, genai_client: genai.Client) -> None:
    with anyio.fail_after(10):
        inter = await genai_client.aio.interactions.create(model=MODEL, input="Tell me about otters.")
    assert inter.status == "completed"
    assert inter.id is not None and inter.id.startswith("v1_")
    assert inter.output_text == f'You said: "Tell me about otters." (turn 1, {MODEL}).'
    assert inter.usage is not None
    assert inter.usage.total_input_tokens and inter.usage.total_output_tokens
    assert inter.usage.total_tokens == inter.usage.total_input_tokens + inter.usage.total_output_tokens
    [req] = emulator.requests
    assert (req.method, req.path) == ("POST", "/v1/interactions")
    assert req.body == {"model": MODEL, "input": "Tell me about otters."}
    assert req.headers["x-goog-api-key"] == "test-key"


async def test_chain_remembers_name_async(genai_client: genai.Client) -> None:
    with anyio.fail_after(10):
        first = await genai_client.aio.interactions.create(model=MODEL, input="Hi, my name is Phil.")
        second = await genai_client.aio.interactions.create(
            model=MODEL, input="What is my name?", previous_interaction_id=first.id
        )
        third = await genai_client.aio.interactions.create(
            model=MODEL, input="And again?", previous_interaction_id=second.id
        )
    assert first.output_text is not None and "Nice to meet you, Phil!" in first.output_text
    assert second.previous_interaction_id == first.id
    assert second.output_text is not None and "Your name is Phil." in second.output_text
    assert "(turn 2," in second.output_text
    assert third.output_text is not None and "(turn 3," in third.output_text


async def test_unchained_turn_does_not_know_the_name(genai_client: genai.Client) -> None:
    await genai_client.aio.interactions.create(model=MODEL, input="Hi, my name is Phil.")
    other = await genai_client.aio.interactions.create(model=MODEL, input="What is my name?")
    assert other.output_text is not None and "Phil" not in other.output_text
    assert "You have not told me your name yet." in other.output_text


async def test_streaming_create_every_event_in_order(emulator: Emulator, genai_client: genai.Client) -> None:
    events = []
    with anyio.fail_after(10):
        stream = await genai_client.aio.interactions.create(
            model=MODEL,
            input="Count to three.",
            stream=True,
            generation_config={"thinking_summaries": "auto", "thinking_level": "low"},
        )
        async for event in stream:
            events.append(event)
    kinds = [e.event_type for e in events]
    assert kinds[:3] == ["interaction.created", "interaction.status_update", "step.start"]
    assert kinds[-1] == "interaction.completed"
    assert [e.event_id for e in events] == [f"evt_{i}" for i in range(1, len(events) + 1)]
    # step.start -> step.delta+ -> step.stop for each step index, in order
    body = [e for e in events if e.event_type.startswith("step.")]
    starts = [e.index for e in body if e.event_type == "step.start"]
    assert starts == [0, 1]
    assert [e.step.type for e in body if e.event_type == "step.start"] == ["thought", "model_output"]
    for idx in starts:
        seq = [e.event_type for e in body if e.index == idx]
        assert seq[0] == "step.start" and seq[-1] == "step.stop"
        assert set(seq[1:-1]) == {"step.delta"} and len(seq) >= 3
    deltas = [e.delta for e in body if e.event_type == "step.delta"]
    assert {d.type for d in deltas} == {"thought_summary", "thought_signature", "text"}
    text = "".join(d.text for d in deltas if d.type == "text")
    assert text == f'You said: "Count to three." (turn 1, {MODEL}).'
    assert len([d for d in deltas if d.type == "text"]) > 1  # streamed in pieces
    created, completed = events[0], events[-1]
    assert created.interaction.status == "in_progress"
    assert completed.interaction.status == "completed" and completed.interaction.usage.total_thought_tokens > 0
    assert events[1].status == "in_progress" and events[1].interaction_id == created.interaction.id
    # the stored interaction agrees with the stream
    stored = await genai_client.aio.interactions.get(created.interaction.id)
    assert stored.output_text == text
    assert [s.type for s in stored.steps] == ["thought", "model_output"]
    assert stored.steps[0].summary[0].text.startswith("**Planning the answer** (thinking level low)")
    assert emulator.requests[0].headers["accept"] == "text/event-stream"


async def test_include_input_and_api_versions(emulator: Emulator, genai_client: genai.Client) -> None:
    inter = await genai_client.aio.interactions.create(model=MODEL, input="hello", api_version="v1beta")
    got = await genai_client.aio.interactions.get(inter.id, include_input=True)
    assert got.model_extra is not None or got.input is not None
    assert got.input[0].type == "user_input"  # type: ignore[index,union-attr]
    assert emulator.requests[0].path == "/v1beta/interactions"
    assert emulator.requests[1].query == {"include_input": "true", "stream": "false"}


async def test_base_url_from_env_async(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", emulator.base_url)
    monkeypatch.setenv("GEMINI_API_KEY", "env-key")
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    client = make_client(None, api_key=None)
    inter = await client.aio.interactions.create(model=MODEL, input="from env")
    assert inter.output_text is not None and '"from env"' in inter.output_text
    assert emulator.requests[-1].headers["x-goog-api-key"] == "env-key"


def test_sync_client_unary_chain_stream_and_env(monkeypatch: pytest.MonkeyPatch) -> None:
    with EmulatorThread(EmulatorConfig(research_seconds=0.3)) as emu:
        client = make_client(emu.base_url)
        first = client.interactions.create(model=MODEL, input="Hi, my name is Phil.")
        second = client.interactions.create(model=MODEL, input="What is my name?", previous_interaction_id=first.id)
        assert second.output_text is not None and "Phil" in second.output_text
        kinds = [e.event_type for e in client.interactions.create(model=MODEL, input="stream me", stream=True)]
        assert kinds[0] == "interaction.created" and kinds[-1] == "interaction.completed"
        assert kinds.count("step.start") == kinds.count("step.stop") == 1
        monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", emu.base_url)
        monkeypatch.setenv("GEMINI_API_KEY", "env-key")
        monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
        env_client = make_client(None, api_key=None)
        got = env_client.interactions.get(second.id)
        assert got.output_text == second.output_text
        assert emu.requests[-1].headers["x-goog-api-key"] == "env-key"
