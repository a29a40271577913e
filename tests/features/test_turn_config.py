"""TurnConfig: what earlier releases stored loads unchanged, merge rules, generation settings, redaction."""

from __future__ import annotations

from typing import Any

from gemini_mcp.core.requests import generation_config
from gemini_mcp.core.turn import TurnConfig

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
