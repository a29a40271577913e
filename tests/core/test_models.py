"""Model choice without a call: start-up warnings, the allow-list, dropped settings (no request is made)."""

from __future__ import annotations

from pathlib import Path

from gemini_mcp.config import Settings
from gemini_mcp.core.models import Models
from gemini_mcp.core.turn import TurnConfig
from gemini_mcp.gemini.genai import GenAIBackend
from gemini_mcp.store.sqlite import SQLiteStore


def models(tmp_path: Path, **values: object) -> Models:
    settings = Settings.model_validate({"api_key": None, "data_dir": tmp_path, **values})
    return Models(settings, SQLiteStore(settings.db_path), GenAIBackend(settings))


def test_a_deprecated_id_the_user_chose_warns_but_the_built_in_default_does_not(tmp_path: Path) -> None:
    assert models(tmp_path).startup_warnings() == []
    [warning] = models(tmp_path, default_model="gemini-2.5-pro").startup_warnings()
    assert warning.startswith("GEMINI_MCP_DEFAULT_MODEL: 'gemini-2.5-pro' is deprecated; Google shuts it down on ")
    assert "Its successor is 'gemini-3.8-flash'" in warning


def test_retired_allowed_models_are_replaced_by_their_successors(tmp_path: Path) -> None:
    chosen = models(tmp_path, allowed_models="gemini-2.0-flash,gemini-3.8-flash,gemini-3.5-flash")
    assert chosen.allowed == ["gemini-3.6-flash", "gemini-3.8-flash"]
    warnings = chosen.startup_warnings()
    assert len(warnings) == 2 and all(w.startswith("GEMINI_MCP_ALLOWED_MODELS: Model '") for w in warnings)


def test_settings_a_model_no_longer_takes_are_dropped_and_the_rest_kept(tmp_path: Path) -> None:
    config = TurnConfig(model="gemini-3.6-flash", temperature=0.3, max_output_tokens=50)
    sent, notes = models(tmp_path).drop_settings("gemini-3.6-flash", config)
    assert sent.temperature is None and sent.max_output_tokens == 50
    assert notes[0].startswith("Not sent: temperature; gemini-3.6-flash no longer takes it (since 2026-07-21")
    assert config.temperature == 0.3  # the remembered config keeps it for a later model
    assert models(tmp_path).drop_settings("gemini-3.8-flash", config) == (config, [])
