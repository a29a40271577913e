"""TurnConfig: what earlier releases stored loads (and a stored conversation continues), merge rules,
generation settings, redaction."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mcp.client import Client

from gemini_mcp.core.requests import generation_config
from gemini_mcp.core.turn import TurnConfig
from gemini_mcp.emulator.server import Emulator
from gemini_mcp.server.app import build_server
from gemini_mcp.store.sqlite import SQLiteStore
from tests.harness.clients import creates, data
from tests.harness.settings import make_settings

#: A conversation's config exactly as the dict-based releases wrote it to the store.
STORED_BEFORE: dict[str, Any] = {
    "model": "gemini-3-flash-preview",
    "system_instruction": "Answer in French.",
    "temperature": 0.2,
    "thinking_level": "low",
    "max_output_tokens": 512,
    "include_thoughts": True,
    "tools": ["google_search"],
    "file_search_store_names": ["fileSearchStores/docs-1"],
    "mcp_servers": [{"name": "crm", "url": "https://crm.example.com/mcp", "headers": {"Authorization": "Bearer x"}}],
    "function_declarations": [{"name": "lookup", "parameters": {"type": "object"}}],
    "store": False,
}


def test_a_config_stored_by_an_earlier_release_loads_and_saves_back_unchanged() -> None:
    config = TurnConfig.from_stored(STORED_BEFORE)
    assert config.tools == ["google_search"] and config.store is False
    assert config.to_stored() == STORED_BEFORE
    assert TurnConfig.from_stored({}).to_stored() == {}


def test_a_given_value_overrides_none_keeps_and_an_empty_list_clears() -> None:
    remembered = TurnConfig.from_stored(STORED_BEFORE)
    merged = remembered.merge(TurnConfig(temperature=1.0, tools=[], model=None))
    assert merged.temperature == 1.0
    assert merged.tools == []
    assert merged.model == "gemini-3-flash-preview"
    assert merged.system_instruction == "Answer in French."
    assert remembered.temperature == 0.2  # merge returns a new config


def test_the_store_flag_is_remembered_only_when_false() -> None:
    config = TurnConfig(model="m")
    assert config.after_turn(stored=False).to_stored() == {"model": "m", "store": False}
    assert config.after_turn(stored=False).after_turn(stored=True).to_stored() == {"model": "m"}


def test_generation_settings_go_into_generation_config() -> None:
    config = TurnConfig.from_stored(STORED_BEFORE)
    assert generation_config(config) == {
        "temperature": 0.2,
        "thinking_level": "low",
        "max_output_tokens": 512,
        "thinking_summaries": "auto",
    }
    assert generation_config(TurnConfig(model="m")) is None
    assert generation_config(TurnConfig(include_thoughts=False)) == {"thinking_summaries": "none"}


def test_redacted_hides_mcp_server_header_values() -> None:
    shown = TurnConfig.from_stored(STORED_BEFORE).redacted()
    assert shown["mcp_servers"][0]["headers"] == {"Authorization": "***"}
    assert "Bearer x" not in repr(shown)
    assert shown["tools"] == ["google_search"]


async def test_a_conversation_stored_by_an_earlier_release_continues_with_its_settings(
    tmp_path: Path, emulator: Emulator
) -> None:
    settings = make_settings(tmp_path / "data", emulator.base_url)
    store = await SQLiteStore.open(settings.db_path)
    try:
        async with Client(build_server(settings, store=store), mode="legacy") as client:
            first = data(await client.call_tool("ask_gemini", {"prompt": "Hello."}))
            conversation = await store.get_conversation("local", first["conversation_id"])
            assert conversation is not None
            conversation.config = {k: v for k, v in STORED_BEFORE.items() if k not in ("store", "mcp_servers")}
            await store.save_conversation(conversation)
            again = data(
                await client.call_tool(
                    "ask_gemini", {"prompt": "And now?", "conversation_id": first["conversation_id"]}
                )
            )
        remembered = await store.get_conversation("local", first["conversation_id"])
    finally:
        await store.close()
    body = creates(emulator)[1]
    assert again["conversation_id"] == first["conversation_id"]
    assert body["previous_interaction_id"] == first["interaction_id"]
    assert body["system_instruction"] == "Answer in French."
    assert body["generation_config"] == {
        "temperature": 0.2,
        "thinking_level": "low",
        "max_output_tokens": 512,
        "thinking_summaries": "auto",
    }
    assert [t["type"] for t in body["tools"]] == ["google_search", "file_search", "function"]
    assert remembered is not None and remembered.config == {
        k: v for k, v in STORED_BEFORE.items() if k not in ("store", "mcp_servers")
    }
