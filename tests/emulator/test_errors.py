# pyright: reportAttributeAccessIssue=false, reportArgumentType=false, reportOptionalMemberAccess=false, reportOptionalSubscript=false, reportIndexIssue=false, reportCallIssue=false, reportOptionalOperand=false, reportGeneralTypeIssues=false, reportOperatorIssue=false
"""Validation errors: Google's status and error body, mapped by the SDK to its exception classes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from google import genai
from google.genai import _interactions as gi
from google.genai import types

from gemini_mcp.emulator import EmulatorConfig, EmulatorThread, running_emulator
from gemini_mcp.emulator.server import Emulator

from .helpers import AGENT, MODEL, make_client


async def expect(exc_type: type[gi.APIStatusError], status: str, coro: Any) -> gi.APIStatusError:
    with pytest.raises(exc_type) as info:
        await coro
    err = info.value
    assert err.body["error"]["status"] == status
    assert err.body["error"]["code"] == err.status_code
    assert err.body["error"]["message"]
    return err


async def test_model_and_agent_together_is_400(genai_client: genai.Client, emulator: Emulator) -> None:
    # the SDK refuses this client-side; extra_body gets it to the server, which must refuse it too
    err = await expect(
        gi.BadRequestError,
        "INVALID_ARGUMENT",
        genai_client.aio.interactions.create(model=MODEL, input="x", extra_body={"agent": AGENT, "background": True}),
    )
    assert "Only one of 'model' or 'agent'" in err.body["error"]["message"]
    assert emulator.requests[-1].body["agent"] == AGENT


async def test_agent_without_background_is_400(genai_client: genai.Client) -> None:
    err = await expect(
        gi.BadRequestError, "INVALID_ARGUMENT", genai_client.aio.interactions.create(agent=AGENT, input="x")
    )
    assert "background=true" in err.body["error"]["message"]


async def test_background_with_store_false_is_400(genai_client: genai.Client) -> None:
    err = await expect(
        gi.BadRequestError,
        "INVALID_ARGUMENT",
        genai_client.aio.interactions.create(model=MODEL, input="x", background=True, store=False),
    )
    assert "store=true" in err.body["error"]["message"]


async def test_unknown_previous_interaction_is_404(genai_client: genai.Client) -> None:
    err = await expect(
        gi.NotFoundError,
        "NOT_FOUND",
        genai_client.aio.interactions.create(model=MODEL, input="x", previous_interaction_id="v1_doesnotexist"),
    )
    assert "v1_doesnotexist" in err.body["error"]["message"]


@pytest.mark.parametrize("model", ["gemini-1.5-pro", "gemini-2.0-flash", "gemini-9-ultra"])
async def test_unknown_or_retired_model_is_404(genai_client: genai.Client, model: str) -> None:
    err = await expect(gi.NotFoundError, "NOT_FOUND", genai_client.aio.interactions.create(model=model, input="x"))
    assert f"models/{model} is not found" in err.body["error"]["message"]


async def test_unknown_interaction_get_is_404(genai_client: genai.Client) -> None:
    await expect(gi.NotFoundError, "NOT_FOUND", genai_client.aio.interactions.get("v1_nope"))


async def test_store_false_is_answered_but_not_kept(genai_client: genai.Client) -> None:
    inter = await genai_client.aio.interactions.create(model=MODEL, input="ephemeral", store=False)
    assert inter.status == "completed" and inter.output_text
    await expect(gi.NotFoundError, "NOT_FOUND", genai_client.aio.interactions.get(inter.id))


async def test_missing_api_key_is_401(emulator: Emulator) -> None:
    # A user-supplied (empty) x-goog-api-key header stops the SDK from sending its own key.
    client = genai.Client(
        api_key="unused",
        http_options=types.HttpOptions(
            base_url=emulator.base_url,
            headers={"x-goog-api-key": ""},
            retry_options=types.HttpRetryOptions(attempts=1),
        ),
    )
    try:
        await expect(gi.AuthenticationError, "UNAUTHENTICATED", client.aio.interactions.create(model=MODEL, input="x"))
    finally:
        await client.aio.aclose()
    async with httpx.AsyncClient(base_url=emulator.base_url) as http:
        response = await http.get("/v1/interactions/v1_x")
    assert response.status_code == 401


async def test_wrong_api_key_is_400_api_key_invalid() -> None:
    async with running_emulator(EmulatorConfig(api_key="right-key")) as emu:
        good = make_client(emu.base_url, api_key="right-key")
        bad = make_client(emu.base_url, api_key="wrong-key")
        try:
            assert (await good.aio.interactions.create(model=MODEL, input="x")).status == "completed"
            err = await expect(
                gi.BadRequestError, "INVALID_ARGUMENT", bad.aio.interactions.create(model=MODEL, input="x")
            )
            assert err.body["error"]["details"][0]["reason"] == "API_KEY_INVALID"
        finally:
            await good.aio.aclose()
            await bad.aio.aclose()


async def test_bad_json_and_bad_input_are_400_and_server_keeps_serving(emulator: Emulator) -> None:
    headers = {"x-goog-api-key": "k", "content-type": "application/json"}
    async with httpx.AsyncClient(base_url=emulator.base_url, headers=headers) as http:
        bad_json = await http.post("/v1/interactions", content=b"{nope")
        no_input = await http.post("/v1/interactions", json={"model": MODEL})
        bad_block = await http.post("/v1/interactions", json={"model": MODEL, "input": [{"type": "hologram"}]})
        bad_data = await http.post(
            "/v1/interactions",
            json={"model": MODEL, "input": [{"type": "image", "data": "!!", "mime_type": "image/png"}]},
        )
        bad_event = await http.get("/v1/interactions/v1_x/cancel")
        ok = await http.post("/v1/interactions", json={"model": MODEL, "input": "still here"})
    assert bad_json.status_code == 400 and "Invalid JSON payload" in bad_json.json()["error"]["message"]
    assert no_input.status_code == 400 and "'input' is required" in no_input.json()["error"]["message"]
    assert bad_block.status_code == 400 and "hologram" in bad_block.json()["error"]["message"]
    assert bad_data.status_code == 400 and "base64" in bad_data.json()["error"]["message"]
    assert bad_event.status_code == 404
    assert ok.status_code == 200 and ok.json()["status"] == "completed"


def test_sync_client_errors() -> None:
    with EmulatorThread(EmulatorConfig()) as emu:
        client = make_client(emu.base_url)
        with pytest.raises(gi.BadRequestError):
            client.interactions.create(agent=AGENT, input="x")
        with pytest.raises(gi.NotFoundError):
            client.interactions.create(model="gemini-1.5-flash", input="x")
        client.close()
