"""gemini_mcp.gemini.speedups changes nothing but speed: the unmodified google-genai SDK, with and without
the caches, sends the same requests to the emulator and returns the same results."""

from __future__ import annotations

import importlib
import json
import logging
import re
import threading
from collections.abc import Iterator
from typing import Any

import anyio
import pytest

from gemini_mcp.emulator import EmulatorConfig, running_emulator
from gemini_mcp.gemini import speedups as sdk_speedups

_ID = re.compile(r"v1_[0-9a-f]+")
_STAMP = re.compile(r'"(created|updated)": ?"[^"]*"')


@pytest.fixture
def restore_speedups() -> Iterator[None]:
    """Leave the process-wide patch as this test found it."""
    was = sdk_speedups.installed()
    yield
    sdk_speedups.uninstall()
    if was:
        sdk_speedups.install(force=True)


def _normalise(value: Any) -> str:
    """JSON with interaction ids numbered by first appearance and timestamps blanked."""
    text = json.dumps(value, sort_keys=True, default=str)
    text = _STAMP.sub(lambda m: f'"{m.group(1)}": "T"', text)
    seen: dict[str, str] = {}
    return _ID.sub(lambda m: seen.setdefault(m.group(0), f"ID{len(seen)}"), text)


def _dump(obj: Any) -> Any:
    return obj.model_dump(mode="json", by_alias=True, exclude_none=True) if obj is not None else None


async def _scenario(api: Any) -> list[Any]:
    """Unary, chained with settings, structured output, streaming, agent lifecycle, and an error."""
    out: list[Any] = []
    first = await api.create(model="gemini-3-flash-preview", input="Hi, my name is Phil.")
    out += [_dump(first), first.output_text]
    second = await api.create(
        model="gemini-3-flash-preview",
        input="What is my name?",
        previous_interaction_id=first.id,
        system_instruction="Answer briefly.",
        generation_config={"temperature": 0.2, "max_output_tokens": 200},
        tools=[{"type": "google_search"}],
    )
    out += [_dump(second), second.output_text]
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    structured = await api.create(
        model="gemini-3-flash-preview",
        input="Name a city.",
        response_format=schema,
        response_mime_type="application/json",
    )
    out.append(_dump(structured))
    stream = await api.create(model="gemini-3-flash-preview", input="Stream this.", stream=True)
    out.append([[type(event).__name__, _dump(event)] async for event in stream])
    job = await api.create(
        agent="deep-research-preview-04-2026",
        input="Research something.",
        background=True,
        agent_config={"type": "deep-research", "thinking_summaries": "auto"},
    )
    out.append(_dump(job))
    out.append(_dump(await api.get(job.id)))
    out.append(_dump(await api.cancel(job.id)))
    out.append(await api.delete(job.id))
    try:
        await api.create(model="gemini-1.5-pro", input="Retired model.")
    except Exception as exc:
        out.append([type(exc).__name__, getattr(exc, "status_code", None), str(exc)])
    return out


async def test_sdk_results_and_requests_are_identical_with_and_without_speedups(restore_speedups: None) -> None:
    from google import genai
    from google.genai import types

    runs: dict[str, tuple[str, str]] = {}
    # Research jobs outlast the test, so the job's state at get/cancel does not depend on timing.
    async with running_emulator(EmulatorConfig(research_seconds=600, research_steps=2)) as emulator:
        options = types.HttpOptions(base_url=emulator.base_url, retry_options=types.HttpRetryOptions(attempts=1))
        client = genai.Client(api_key="test-key", http_options=options)
        try:
            for label in ("sdk", "speedups", "sdk-again"):
                sdk_speedups.uninstall()
                if label == "speedups":
                    assert sdk_speedups.install(force=True)
                emulator.reset()
                with anyio.fail_after(30):
                    results = await _scenario(client.aio.interactions)
                sent = [[r.method, r.path, r.query, r.body] for r in emulator.requests]
                runs[label] = (_normalise(results), _normalise(sent))
        finally:
            await client.aio.aclose()
            client.close()
    assert runs["speedups"] == runs["sdk"]
    assert runs["sdk-again"] == runs["sdk"]
    assert "Phil" in runs["sdk"][0]


class _Annotated:
    name: str
    count: int


def test_caches_fill_once_and_uninstall_restores_the_sdk(restore_speedups: None) -> None:
    utils = "google.genai._gaos.utils."
    serializers: Any = importlib.import_module(utils + "serializers")
    url: Any = importlib.import_module(utils + "url")
    queryparams: Any = importlib.import_module(utils + "queryparams")
    sdk_speedups.uninstall()
    originals = (serializers.create_model, url.get_type_hints, queryparams.get_type_hints)
    assert sdk_speedups.install(force=True)
    assert sdk_speedups.installed()
    patched = serializers.create_model
    assert patched is not originals[0]
    first = patched("Unmarshaller", body=(int, ...), __config__={"populate_by_name": True})
    again = patched("Unmarshaller", body=(int, ...), __config__={"populate_by_name": True})
    assert first is again  # cached
    assert first.__module__ == serializers.__name__  # what pydantic would have recorded for the SDK's own call
    assert first(body="7").body == 7
    other = patched("Other", body=(int, ...), __config__={})
    assert other is not patched("Other", body=(int, ...), __config__={})  # not the SDK's shape: passed through
    hints = url.get_type_hints(_Annotated)
    assert hints == {"name": str, "count": int}
    hints["mutated"] = int
    assert url.get_type_hints(_Annotated) == {"name": str, "count": int}  # callers get copies
    sdk_speedups.uninstall()
    assert (serializers.create_model, url.get_type_hints, queryparams.get_type_hints) == originals
    assert not sdk_speedups.installed()


def test_off_switch_and_version_guard(monkeypatch: pytest.MonkeyPatch, restore_speedups: None) -> None:
    sdk_speedups.uninstall()
    for off in ("0", "false", "OFF", "no"):
        monkeypatch.setenv(sdk_speedups.ENV_SWITCH, off)
        assert sdk_speedups.install() is False
        assert not sdk_speedups.installed()
    monkeypatch.setenv(sdk_speedups.ENV_SWITCH, "1")
    assert sdk_speedups.install() is True
    assert sdk_speedups.supported_version("3.6.1")
    assert not sdk_speedups.supported_version("3.7.0")
    assert not sdk_speedups.supported_version("4.0.0")


def test_concurrent_installs_patch_once(restore_speedups: None) -> None:
    """Clients are built in worker threads; two servers in one process may install at the same moment."""
    serializers: Any = importlib.import_module("google.genai._gaos.utils.serializers")
    sdk_speedups.uninstall()
    original = serializers.create_model
    barrier = threading.Barrier(8)

    def install() -> None:
        barrier.wait()
        assert sdk_speedups.install(force=True)

    threads = [threading.Thread(target=install) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    model = serializers.create_model("Unmarshaller", body=(int, ...), __config__={"populate_by_name": True})
    assert model(body="3").body == 3  # a wrapper wrapping a wrapper would pass __module__ twice and fail here
    sdk_speedups.uninstall()
    assert serializers.create_model is original


def test_an_unknown_sdk_version_is_left_unpatched_with_one_warning(
    caplog: pytest.LogCaptureFixture, restore_speedups: None
) -> None:
    serializers: Any = importlib.import_module("google.genai._gaos.utils.serializers")
    sdk_speedups.uninstall()
    original = serializers.create_model
    with caplog.at_level(logging.DEBUG, logger=sdk_speedups.__name__):
        assert sdk_speedups.install(force=True, version="99.1.0") is False
        assert sdk_speedups.install(force=True, version="99.1.0") is False
        assert sdk_speedups.install(force=True) is True  # the installed 3.6.x is known: no warning
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in caplog.records]
    assert "google-genai 99.1.0" in warnings[0].getMessage() and "3.6.x" in warnings[0].getMessage()
    sdk_speedups.uninstall()
    assert serializers.create_model is original
