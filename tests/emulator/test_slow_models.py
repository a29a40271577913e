# pyright: reportAttributeAccessIssue=false, reportOptionalMemberAccess=false, reportOptionalSubscript=false, reportArgumentType=false, reportOperatorIssue=false, reportUnknownMemberType=false
"""Slow model turns: per-model latency (config, CLI, control API) and model interactions in the background."""

from __future__ import annotations

import time

import anyio
import httpx
import pytest
from google import genai

from gemini_mcp.emulator import EmulatorClient, EmulatorConfig, EmulatorThread, running_emulator
from gemini_mcp.emulator.__main__ import parse_args
from gemini_mcp.emulator.server import Emulator

from .helpers import MODEL, make_client

SLOW = "gemini-3.1-pro-preview"


async def _poll_done(aio: object, interaction_id: str) -> object:
    while True:
        got = await aio.get(interaction_id)  # type: ignore[attr-defined]
        if got.status != "in_progress":
            return got
        await anyio.sleep(0.05)


async def test_latency_is_per_model() -> None:
    config = EmulatorConfig(model_latencies={SLOW: 0.8})
    async with running_emulator(config) as emu:
        client = make_client(emu.base_url)
        aio = client.aio.interactions
        try:
            with anyio.fail_after(20):
                started = time.monotonic()
                fast = await aio.create(model=MODEL, input="quick")
                fast_seconds = time.monotonic() - started
                started = time.monotonic()
                slow = await aio.create(model=f"models/{SLOW}", input="slow")
                slow_seconds = time.monotonic() - started
        finally:
            await client.aio.aclose()
    assert fast.status == slow.status == "completed"
    assert '"slow"' in slow.output_text
    assert slow_seconds >= 0.8 > fast_seconds


async def test_background_model_turn_returns_at_once_and_completes() -> None:
    async with running_emulator(EmulatorConfig(model_latencies={SLOW: 0.6})) as emu:
        client = make_client(emu.base_url)
        aio = client.aio.interactions
        try:
            with anyio.fail_after(20):
                started = time.monotonic()
                job = await aio.create(model=SLOW, input="Hi, my name is Phil.", background=True)
                assert time.monotonic() - started < 0.6
                assert job.status == "in_progress" and not job.steps
                done = await _poll_done(aio, job.id)
                # A background turn chains like any other.
                follow = await aio.create(model=SLOW, input="What is my name?", previous_interaction_id=job.id)
        finally:
            await client.aio.aclose()
    assert done.status == "completed" and done.usage.total_tokens > 0
    assert "Nice to meet you, Phil!" in done.output_text
    assert follow.output_text.startswith("Your name is Phil.")
    bodies = [r.body for r in emu.requests if r.method == "POST" and isinstance(r.body, dict)]
    assert bodies[0]["background"] is True and bodies[1]["previous_interaction_id"] == job.id


async def test_streamed_slow_turn_names_its_id_before_the_answer() -> None:
    """What a caller with a deadline needs: the interaction id at once, the answer later (resumable by id)."""
    async with running_emulator(EmulatorConfig(model_latencies={SLOW: 0.8})) as emu:
        client = make_client(emu.base_url)
        aio = client.aio.interactions
        try:
            with anyio.fail_after(20):
                started = time.monotonic()
                stream = await aio.create(model=SLOW, input="take your time", stream=True)
                first = await anext(aiter(stream))
                first_after = time.monotonic() - started
                await stream.close()  # the caller gives up on this connection...
                resumed = [e async for e in await aio.get(first.interaction.id, stream=True, last_event_id="evt_1")]
                got = await aio.get(first.interaction.id)  # ...and the turn still finished upstream
        finally:
            await client.aio.aclose()
    assert first.event_type == "interaction.created" and first_after < 0.8
    assert resumed[-1].event_type == "interaction.completed" and resumed[0].event_id == "evt_2"
    assert got.status == "completed" and '"take your time"' in got.output_text


async def _set_timing(emulator: Emulator, **timing: object) -> httpx.Response:
    async with httpx.AsyncClient(base_url=emulator.base_url) as http:
        return await http.put("/_emulator/config", json=timing)


async def test_background_model_turn_can_be_cancelled(genai_client: genai.Client, emulator: Emulator) -> None:
    assert (await _set_timing(emulator, model_latencies={MODEL: 30})).status_code == 200
    aio = genai_client.aio.interactions
    with anyio.fail_after(10):
        job = await aio.create(model=MODEL, input="never mind", background=True)
        cancelled = await aio.cancel(job.id)
        got = await aio.get(job.id)
    assert cancelled.status == got.status == "cancelled"
    assert not got.output_text


async def test_timing_changes_at_runtime_through_the_control_api(emulator: Emulator) -> None:
    shown = (await _set_timing(emulator, model_latencies={f"models/{SLOW}": 0.5}, research_seconds=2)).json()
    assert shown["model_latencies"] == {SLOW: 0.5} and shown["research_seconds"] == 2.0
    assert emulator.config.latency_for(SLOW) == 0.5 and emulator.config.latency_for(MODEL) == 0.0
    async with httpx.AsyncClient(base_url=emulator.base_url) as http:
        for bad, says in (
            ({"model_latencies": {SLOW: -1}}, "model_latencies.gemini-3.1-pro-preview must be"),
            ({"model_latency": "slow"}, "model_latency must be a number"),
            ({"latency": 3}, "unknown field(s) latency"),
            ({"research_steps": 1.5}, "research_steps must be an integer"),
        ):
            response = await http.put("/_emulator/config", json=bad)
            assert response.status_code == 400 and says in response.json()["error"]["message"]
        assert (await http.get("/_emulator/config")).json()["model_latencies"] == {SLOW: 0.5}


def test_emulator_client_sets_timing_of_an_emulator_in_another_thread() -> None:
    with EmulatorThread(EmulatorConfig()) as emu, EmulatorClient(emu.base_url) as control:
        shown = control.set_timing(model_latency=0.25, model_latencies={SLOW: 3})
        assert shown["model_latency"] == 0.25 and emu.config.latency_for(SLOW) == 3.0
        client = make_client(emu.base_url)
        started = time.monotonic()
        answer = client.interactions.create(model=MODEL, input="x")
        assert answer.status == "completed" and time.monotonic() - started >= 0.25
        client.close()


def test_cli_latency_flags() -> None:
    config = parse_args(["--model-latency", "0.2", "--latency", "gemini-3.1-pro-preview=90", "--latency", "x=0"])
    assert config.model_latencies == {SLOW: 90.0, "x": 0.0}
    assert config.latency_for(SLOW) == 90.0 and config.latency_for(MODEL) == 0.2 and config.latency_for(None) == 0.2
    for bad in ("gemini-3.1-pro-preview", "=3", "m=-1", "m=soon"):
        with pytest.raises(SystemExit):
            parse_args(["--latency", bad])
