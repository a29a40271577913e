# pyright: reportAttributeAccessIssue=false, reportArgumentType=false, reportOptionalMemberAccess=false, reportOptionalSubscript=false, reportIndexIssue=false, reportCallIssue=false, reportOptionalOperand=false, reportGeneralTypeIssues=false, reportOperatorIssue=false
"""Every fault kind, seen through the unmodified SDK (and the control API / EmulatorClient)."""

from __future__ import annotations

import anyio
import pytest
from google import genai
from google.genai import _interactions as gi

from gemini_mcp.emulator import EmulatorClient, EmulatorConfig, EmulatorThread, Fault
from gemini_mcp.emulator.server import Emulator

from .helpers import AGENT, MODEL, make_client


async def test_status_fault_then_normal(emulator: Emulator, genai_client: genai.Client) -> None:
    emulator.add_fault(Fault(kind="status", status=503, method="POST", path=r"/interactions$", count=2))
    for _ in range(2):
        with pytest.raises(gi.InternalServerError) as info:
            await genai_client.aio.interactions.create(model=MODEL, input="x")
        assert info.value.status_code == 503 and info.value.body["error"]["status"] == "UNAVAILABLE"
    ok = await genai_client.aio.interactions.create(model=MODEL, input="x")
    assert ok.status == "completed"
    # a path that does not match leaves the fault in place
    emulator.add_fault(Fault(kind="status", status=500, path=r"/cancel$"))
    assert (await genai_client.aio.interactions.get(ok.id)).status == "completed"
    with pytest.raises(gi.InternalServerError):
        await genai_client.aio.interactions.cancel(ok.id)


async def test_429_with_retry_after_zero_is_retried_by_the_sdk(emulator: Emulator) -> None:
    client = make_client(emulator.base_url, attempts=None)  # the SDK's default retry options
    emulator.add_fault(Fault(kind="status", status=429, retry_after="0"))
    try:
        with anyio.fail_after(30):
            inter = await client.aio.interactions.create(model=MODEL, input="retry me")
    finally:
        await client.aio.aclose()
    assert inter.status == "completed" and '"retry me"' in inter.output_text
    assert [r.method for r in emulator.requests] == ["POST", "POST"]


async def test_429_body_is_googles_quota_error(emulator: Emulator, genai_client: genai.Client) -> None:
    emulator.add_fault(Fault(kind="status", status=429, retry_delay="17s"))
    with pytest.raises(gi.RateLimitError) as info:
        await genai_client.aio.interactions.create(model="gemini-2.5-pro", input="x")
    error = info.value.body["error"]
    assert error["code"] == 429 and error["status"] == "RESOURCE_EXHAUSTED"
    assert "You exceeded your current quota" in error["message"]
    by_type = {d["@type"].rsplit(".", 1)[-1]: d for d in error["details"]}
    assert by_type["RetryInfo"]["retryDelay"] == "17s"
    assert by_type["QuotaFailure"]["violations"][0]["quotaDimensions"]["model"] == "gemini-2.5-pro"
    assert "Help" in by_type
    assert info.value.response.headers.get("retry-after") is None


async def test_delay_fault(emulator: Emulator, genai_client: genai.Client) -> None:
    emulator.add_fault(Fault(kind="delay", delay=5.0))
    with pytest.raises(gi.APITimeoutError):
        await genai_client.aio.interactions.create(model=MODEL, input="slow", timeout=0.2)
    emulator.add_fault(Fault(kind="delay", delay=0.05, message="slow but fine"))
    assert (await genai_client.aio.interactions.create(model=MODEL, input="x")).status == "completed"


async def test_cut_stream_then_resume(emulator: Emulator, genai_client: genai.Client) -> None:
    aio = genai_client.aio.interactions
    emulator.add_fault(Fault(kind="cut", after_events=4))
    seen = []
    with anyio.fail_after(10), pytest.raises(gi.APIConnectionError):
        async for event in await aio.create(agent=AGENT, input="Research tides.", background=True, stream=True):
            seen.append(event)
    assert [e.event_id for e in seen] == ["evt_1", "evt_2", "evt_3", "evt_4"]
    with anyio.fail_after(10):
        rest = [e async for e in await aio.get(seen[0].interaction.id, stream=True, last_event_id="evt_4")]
    assert rest[0].event_id == "evt_5" and rest[-1].event_type == "interaction.completed"


async def test_cut_only_applies_to_streams(emulator: Emulator, genai_client: genai.Client) -> None:
    emulator.add_fault(Fault(kind="cut", after_events=1))
    assert (await genai_client.aio.interactions.create(model=MODEL, input="unary")).status == "completed"
    with pytest.raises(gi.APIConnectionError):
        async for _ in await genai_client.aio.interactions.create(model=MODEL, input="s", stream=True):
            pass


async def test_error_event_in_stream(emulator: Emulator, genai_client: genai.Client) -> None:
    emulator.add_fault(Fault(kind="error_event", after_events=3, message="backend exploded"))
    with anyio.fail_after(10):
        events = [e async for e in await genai_client.aio.interactions.create(model=MODEL, input="x", stream=True)]
    assert [e.event_type for e in events] == ["interaction.created", "interaction.status_update", "step.start", "error"]
    assert events[-1].error.code == "INTERNAL" and events[-1].error.message == "backend exploded"


async def test_malformed_bodies(emulator: Emulator, genai_client: genai.Client) -> None:
    emulator.add_fault(Fault(kind="malformed", method="POST"))
    with pytest.raises(gi.APIResponseValidationError):
        await genai_client.aio.interactions.create(model=MODEL, input="x")
    emulator.add_fault(Fault(kind="malformed", after_events=2))
    with anyio.fail_after(10):
        items = [e async for e in await genai_client.aio.interactions.create(model=MODEL, input="x", stream=True)]
    # the SDK hands the undecodable event data through as a plain str
    assert [getattr(e, "event_type", None) for e in items[:2]] == ["interaction.created", "interaction.status_update"]
    assert isinstance(items[2], str) and items[2].startswith('{"event_type": "step.start"')


def test_control_api_and_emulator_client() -> None:
    with EmulatorThread(EmulatorConfig()) as emu:
        control = EmulatorClient(emu.base_url)
        emu_requests_before = len(emu.requests)
        assert emu_requests_before == 0
        assert control.health()["ok"] is True
        control.add_fault(Fault(kind="status", status=500, method="POST"))
        client = make_client(emu.base_url)
        with pytest.raises(gi.InternalServerError):
            client.interactions.create(model=MODEL, input="x")
        control.add_fault(Fault(kind="status", status=503))
        control.clear_faults()
        inter = client.interactions.create(model=MODEL, input="after clear")
        recorded = control.requests()
        assert [r["method"] for r in recorded] == ["POST", "POST"]
        assert recorded[1]["body"] == {"model": MODEL, "input": "after clear"}
        assert all(not r["path"].startswith("/_emulator") for r in recorded)
        control.reset()
        assert control.requests() == []
        with pytest.raises(gi.NotFoundError):
            client.interactions.get(inter.id)
        with pytest.raises(RuntimeError, match="Invalid fault"):
            control._call("POST", "/_emulator/faults", {"kind": "explode"})  # pyright: ignore[reportPrivateUsage]
        client.close()
        control.close()


def test_fault_validation() -> None:
    with pytest.raises(ValueError, match="kind"):
        Fault(kind="nope")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="count"):
        Fault(count=0)
    with pytest.raises(ValueError, match="unknown Fault field"):
        Fault.from_json({"kind": "status", "colour": "red"})
