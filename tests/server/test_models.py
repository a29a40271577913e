"""The model catalog and retirements through a real MCP client against the emulator (issue 16).

The live list comes from the emulator's `GET .../models` through the unmodified SDK; the shipped catalog
stands in (and says so) when that list cannot be fetched; retired ids are replaced before anything is sent.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from mcp.client import Client
from mcp.types import TextResourceContents

from gemini_mcp.emulator import EmulatorConfig, Fault, running_emulator
from gemini_mcp.emulator.catalog import DEFAULT_MODELS
from gemini_mcp.emulator.server import Emulator

from .harness import creates, data, error_text, make_settings, open_client

EMULATED_ONLY = {
    "name": "models/gemini-9-flash-emulated",
    "version": "001",
    "displayName": "Gemini 9 Flash (emulated)",
    "description": "A model only the emulator's list has.",
    "inputTokenLimit": 2_000_000,
    "outputTokenLimit": 131_072,
    "supportedGenerationMethods": ["generateContent", "countTokens"],
    "thinking": True,
}
RETIRED_IDS = ("deep-research-pro-preview-12-2025", "gemini-2.0-flash", "gemini-1.5-pro")


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    config = EmulatorConfig(models=[*DEFAULT_MODELS, EMULATED_ONLY], research_seconds=0.3, research_steps=2)
    async with running_emulator(config) as emulator:
        yield emulator


async def catalog(client: Client) -> dict[str, Any]:
    result = await client.read_resource("gemini://models")
    [content] = result.contents
    assert isinstance(content, TextResourceContents)
    return json.loads(content.text)


def sent_anywhere(emulator: Emulator, value: str) -> bool:
    return any(value in json.dumps(r.body) or value in r.path for r in emulator.requests)


async def test_a_model_only_the_live_list_has_is_listed_and_accepted(emu: Emulator, tmp_path: Path) -> None:
    async with open_client(make_settings(tmp_path, emu.base_url)) as client:
        listed = await catalog(client)
        answer = data(await client.call_tool("ask_gemini", {"prompt": "Hi", "model": "gemini-9-flash-emulated"}))
    assert listed["source"] == "live"
    assert listed["about"].startswith("Gemini's live model list (fetched ")
    entry = next(m for m in listed["models"] if m["id"] == "gemini-9-flash-emulated")
    assert entry["input_token_limit"] == 2_000_000 and entry["output_token_limit"] == 131_072
    assert entry["thinking"] is True
    assert "gemini-embedding-2" not in [m["id"] for m in listed["models"]]  # no generateContent: not offered
    newest = next(m for m in listed["models"] if m["id"] == "gemini-3.8-flash")
    assert "video" in newest["input_modalities"]  # modalities from our own table
    assert answer["model"] == "gemini-9-flash-emulated" and answer["notes"] == []
    assert creates(emu)[-1]["model"] == "gemini-9-flash-emulated"


async def test_the_live_list_is_cached_in_the_store_across_restarts(emu: Emulator, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, emu.base_url)
    for _ in range(2):
        async with open_client(settings) as client:
            assert (await catalog(client))["source"] == "live"
    assert len([r for r in emu.requests if r.path.endswith("/models")]) == 1


async def test_a_model_gemini_does_not_list_is_refused_before_sending(emu: Emulator, tmp_path: Path) -> None:
    async with open_client(make_settings(tmp_path, emu.base_url)) as client:
        message = error_text(await client.call_tool("ask_gemini", {"prompt": "Hi", "model": "gemini-7-nope"}))
    assert "Model 'gemini-7-nope' is not available on Gemini (it is not in Gemini's model list; models: " in message
    assert "gemini-9-flash-emulated" in message
    assert creates(emu) == []


@pytest.mark.parametrize("outage", ["no list endpoint", "list fails"])
async def test_without_the_list_the_shipped_catalog_is_used_and_says_so(tmp_path: Path, outage: str) -> None:
    config = EmulatorConfig(serve_model_list=outage != "no list endpoint")
    async with running_emulator(config) as emulator:
        if outage == "list fails":
            emulator.add_fault(Fault(kind="status", status=503, path="/models", count=100))
        async with open_client(make_settings(tmp_path, emulator.base_url)) as client:
            listed = await catalog(client)
            answer = data(await client.call_tool("ask_gemini", {"prompt": "Hi", "model": "gemini-3.8-flash"}))
            unknown = error_text(await client.call_tool("ask_gemini", {"prompt": "Hi", "model": "gemini-7-nope"}))
    assert listed["source"] == "fallback"
    assert listed["about"].startswith("The shipped fallback catalog, used because Gemini's model list ")
    assert "gemini-3.8-flash" in [m["id"] for m in listed["models"]]
    assert [a["id"] for a in listed["agents"]] == ["deep-research-preview-04-2026", "deep-research-max-preview-04-2026"]
    assert answer["model"] == "gemini-3.8-flash"
    # the fallback may be out of date, so an id it lacks is left to Gemini, whose 404 is reworded
    assert "Model 'gemini-7-nope' is not available on Gemini (models/gemini-7-nope is not found" in unknown
    assert [body["model"] for body in creates(emulator)] == ["gemini-3.8-flash", "gemini-7-nope"]


async def test_a_retired_agent_and_model_are_replaced_and_never_sent(emu: Emulator, tmp_path: Path) -> None:
    async with open_client(make_settings(tmp_path, emu.base_url)) as client:
        run = data(
            await client.call_tool("start_deep_research", {"query": "x", "agent": "deep-research-pro-preview-12-2025"})
        )
        old = data(await client.call_tool("ask_gemini", {"prompt": "Hi", "model": "gemini-2.0-flash"}))
        listed = await catalog(client)
    assert run["agent"] == "deep-research-preview-04-2026"
    [agent_note] = run["notes"]
    assert agent_note.startswith("Agent 'deep-research-pro-preview-12-2025' was shut down by Google on 2026-10-23"), (
        agent_note
    )
    assert "deep-research-max-preview-04-2026" in agent_note
    assert old["model"] == "gemini-3.6-flash"
    assert old["notes"][0].startswith("Model 'gemini-2.0-flash' was shut down by Google on 2026-06-01")
    assert [b.get("agent") or b.get("model") for b in creates(emu)] == [
        "deep-research-preview-04-2026",
        "gemini-3.6-flash",
    ]
    assert not [value for value in RETIRED_IDS if sent_anywhere(emu, value)]
    retired = {r["id"]: r["successor"] for r in listed["retired"]}
    assert retired["deep-research-pro-preview-12-2025"] == "deep-research-preview-04-2026"


async def test_a_conversation_that_remembered_a_retired_model_continues_on_its_successor(
    emu: Emulator, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    served = {**EMULATED_ONLY, "name": "models/gemini-3.7-x", "displayName": "Gemini 3.7 X"}
    emu.config.models = [*DEFAULT_MODELS, served]
    async with open_client(make_settings(data_dir, emu.base_url)) as client:
        first = data(await client.call_tool("ask_gemini", {"prompt": "Hi, my name is Phil.", "model": "gemini-3.7-x"}))
    # ... a release later, the table says gemini-3.7-x was shut down (the override file stands in for the update)
    table = tmp_path / "retirements.json"
    table.write_text(
        json.dumps(
            {
                "retirements": [
                    {"id": "gemini-3.7-x", "successor": "gemini-3.8-flash", "shutdown": "2026-01-01", "source": "t"}
                ]
            }
        ),
        encoding="utf-8",
    )
    emu.config.models = list(DEFAULT_MODELS)  # ... and Gemini no longer serves it
    settings = make_settings(data_dir, emu.base_url, retirements_file=table)
    async with open_client(settings) as client:
        second = data(
            await client.call_tool(
                "ask_gemini", {"prompt": "What is my name?", "conversation_id": first["conversation_id"]}
            )
        )
        remembered = await client.read_resource(f"gemini://conversations/{first['conversation_id']}")
    assert second["model"] == "gemini-3.8-flash"
    assert "Your name is Phil." in second["text"]  # the chain continued
    assert second["notes"][0].startswith("Model 'gemini-3.7-x' was shut down by Google on 2026-01-01 (t)")
    last = creates(emu)[-1]
    assert last["model"] == "gemini-3.8-flash" and last["previous_interaction_id"] == first["interaction_id"]
    [content] = remembered.contents
    assert isinstance(content, TextResourceContents)
    assert json.loads(content.text)["remembered"]["model"] == "gemini-3.8-flash"


async def test_settings_a_model_no_longer_takes_are_dropped_with_a_note(emu: Emulator, tmp_path: Path) -> None:
    async with open_client(make_settings(tmp_path, emu.base_url)) as client:
        answer = data(
            await client.call_tool(
                "ask_gemini",
                {"prompt": "Hi", "model": "gemini-3.6-flash", "temperature": 0.2, "max_output_tokens": 100},
            )
        )
    assert answer["notes"] == [
        "Not sent: temperature; gemini-3.6-flash no longer takes it (since 2026-07-21, "
        "https://ai.google.dev/gemini-api/docs/changelog#07-21-2026). The rest of the request was sent unchanged."
    ]
    assert creates(emu)[-1]["generation_config"] == {"max_output_tokens": 100}


async def test_a_retired_default_is_replaced_with_a_start_up_warning(
    emu: Emulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(
        tmp_path, emu.base_url, default_model="gemini-1.5-flash", default_agent="deep-research-pro-preview-12-2025"
    )
    with caplog.at_level(logging.WARNING, logger="gemini_mcp"):
        async with open_client(settings) as client:
            answer = data(await client.call_tool("ask_gemini", {"prompt": "Hi"}))
            run = data(await client.call_tool("start_deep_research", {"query": "x"}))
            listed = await catalog(client)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(w.startswith("GEMINI_MCP_DEFAULT_MODEL: Model 'gemini-1.5-flash' was shut down") for w in warnings)
    assert any(w.startswith("GEMINI_MCP_DEFAULT_AGENT: Agent 'deep-research-pro-preview-12-2025'") for w in warnings)
    assert answer["model"] == "gemini-3.6-flash" and answer["notes"]
    assert run["agent"] == "deep-research-preview-04-2026" and run["notes"]
    assert listed["default_model"] == "gemini-3.6-flash"
    assert listed["default_agent"] == "deep-research-preview-04-2026"
    assert not [
        value for value in ("gemini-1.5-flash", "deep-research-pro-preview-12-2025") if sent_anywhere(emu, value)
    ]
