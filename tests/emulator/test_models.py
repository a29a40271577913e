# pyright: reportAttributeAccessIssue=false, reportArgumentType=false, reportOptionalMemberAccess=false, reportOptionalSubscript=false, reportIndexIssue=false, reportCallIssue=false, reportOptionalIterable=false
"""The model list: google-genai's unmodified `models.list()` / `models.get()` against the emulator, sync and async."""

from __future__ import annotations

import json
from typing import Any

import pytest
from google import genai
from google.genai import errors as genai_errors

from gemini_mcp.emulator import EmulatorConfig, EmulatorThread, running_emulator
from gemini_mcp.emulator.server import Emulator

from .helpers import make_client

CUSTOM = {
    "name": "models/gemini-9-flash-emulated",
    "version": "001",
    "displayName": "Gemini 9 Flash (emulated)",
    "description": "Only the emulator's list has it.",
    "inputTokenLimit": 2_000_000,
    "outputTokenLimit": 100_000,
    "supportedGenerationMethods": ["generateContent", "countTokens"],
    "thinking": True,
}


async def test_async_list_pages_through_the_whole_catalog(genai_client: genai.Client, emulator: Emulator) -> None:
    pager = await genai_client.aio.models.list(config={"page_size": 5})
    names = [model.name async for model in pager]
    assert "models/gemini-3-flash-preview" in names
    assert "models/gemini-3.8-flash" in names
    assert len(names) == len(set(names)) > 5  # more than one page, nothing twice
    listed = [r for r in emulator.requests if r.path.endswith("/models")]
    assert len(listed) >= 2
    assert listed[0].query.get("pageSize") == "5"
    assert listed[1].query.get("pageToken") == "5"


async def test_async_get_returns_google_model_fields(genai_client: genai.Client) -> None:
    model = await genai_client.aio.models.get(model="gemini-3.8-flash")
    assert model.name == "models/gemini-3.8-flash"
    assert model.display_name == "Gemini 3.8 Flash"
    assert model.input_token_limit == 1_048_576
    assert model.output_token_limit == 65_536
    assert model.thinking is True
    assert "generateContent" in (model.supported_actions or [])


@pytest.mark.parametrize("retired", ["gemini-2.0-flash", "gemini-1.5-pro", "gemini-3-pro-image-preview"])
async def test_retired_models_answer_404_as_google_does(genai_client: genai.Client, retired: str) -> None:
    with pytest.raises(genai_errors.ClientError) as info:
        await genai_client.aio.models.get(model=retired)
    assert info.value.code == 404
    assert info.value.status == "NOT_FOUND"
    assert f"models/{retired} is not found for API version" in str(info.value.message)
    pager = await genai_client.aio.models.list()
    assert f"models/{retired}" not in [m.name async for m in pager]


async def test_retired_agent_is_refused_with_404(genai_client: genai.Client) -> None:
    from google.genai import _interactions as gi

    with pytest.raises(gi.NotFoundError) as info:
        await genai_client.aio.interactions.create(
            agent="deep-research-pro-preview-12-2025", input="x", background=True
        )
    assert "agents/deep-research-pro-preview-12-2025 is not found" in info.value.body["error"]["message"]


async def test_configured_catalog_is_listed_and_accepted_by_create() -> None:
    config = EmulatorConfig(models=[CUSTOM], agents=["deep-research-preview-04-2026"])
    async with running_emulator(config) as emu:
        client = make_client(emu.base_url)
        try:
            pager = await client.aio.models.list()
            listed: list[Any] = [m async for m in pager]
            assert [m.name for m in listed] == ["models/gemini-9-flash-emulated"]
            assert listed[0].input_token_limit == 2_000_000
            answer = await client.aio.interactions.create(model="gemini-9-flash-emulated", input="Hi")
            assert answer.status == "completed"
            with pytest.raises(genai_errors.ClientError):  # the default catalog is replaced, not extended
                await client.aio.models.get(model="gemini-3-flash-preview")
        finally:
            await client.aio.aclose()


async def test_a_model_without_generate_content_is_listed_but_not_usable(genai_client: genai.Client) -> None:
    from google.genai import _interactions as gi

    model = await genai_client.aio.models.get(model="gemini-embedding-2")
    assert "generateContent" not in (model.supported_actions or [])
    with pytest.raises(gi.NotFoundError):
        await genai_client.aio.interactions.create(model="gemini-embedding-2", input="x")


async def test_without_the_list_the_endpoint_answers_404() -> None:
    async with running_emulator(EmulatorConfig(serve_model_list=False)) as emu:
        client = make_client(emu.base_url)
        try:
            with pytest.raises(genai_errors.ClientError) as info:
                await client.aio.models.list()
            assert info.value.code == 404
        finally:
            await client.aio.aclose()


def test_sync_client_lists_and_gets() -> None:
    with EmulatorThread(EmulatorConfig(models=[CUSTOM])) as emu:
        client = make_client(emu.base_url)
        try:
            assert [m.name for m in client.models.list()] == ["models/gemini-9-flash-emulated"]
            assert client.models.get(model="models/gemini-9-flash-emulated").output_token_limit == 100_000
            with pytest.raises(genai_errors.ClientError) as info:
                client.models.get(model="gemini-2.0-flash")
            assert info.value.code == 404
        finally:
            client.close()


def test_the_cli_serves_a_catalog_from_a_file(tmp_path: Any) -> None:
    from gemini_mcp.emulator.__main__ import parse_args

    listed = tmp_path / "models.json"
    listed.write_text(json.dumps({"models": [CUSTOM]}), encoding="utf-8")
    assert parse_args(["--models", str(listed)]).models == [CUSTOM]
    listed.write_text(json.dumps([{"displayName": "no name"}]), encoding="utf-8")
    with pytest.raises(SystemExit):
        parse_args(["--models", str(listed)])
