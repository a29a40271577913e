"""The retirement table and the catalog as data: chains, prefixes, dates, overrides, the shipped files."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from gemini_mcp.core import catalog, retirements

TODAY = dt.date(2026, 11, 29)


def test_the_seed_agent_is_retired_and_replaced_by_the_04_2026_agent() -> None:
    table = retirements.shipped()
    sub = table.resolve("deep-research-pro-preview-12-2025", TODAY)
    assert sub.used == "deep-research-preview-04-2026"
    assert sub.changed
    note = sub.note()
    assert "Agent 'deep-research-pro-preview-12-2025' was shut down by Google on 2026-10-23" in note
    assert "'deep-research-preview-04-2026'" in note
    assert "https://ai.google.dev/gemini-api/docs/changelog" in note


@pytest.mark.parametrize(
    ("requested", "used"),
    [
        ("gemini-2.0-flash", "gemini-3.6-flash"),  # 2.0 -> 3.5 Flash (retired 2026-10-08) -> 3.6 Flash
        ("models/gemini-2.0-flash-001", "gemini-3.6-flash"),
        ("gemini-2.0-flash-lite-001", "gemini-3.1-flash-lite"),  # the longer prefix wins
        ("gemini-1.5-pro", "gemini-3.6-flash"),
        ("gemini-3.7-flash", "gemini-3.8-flash"),
        ("gemini-3-pro-image-preview", "gemini-3-pro-image"),
        ("gemini-3.1-flash-image-preview", "gemini-3.1-flash-image"),  # deprecated, not retired: the chain stops
        ("gemini-3.1-flash-lite-preview", "gemini-3.1-flash-lite"),
    ],
)
def test_retired_models_follow_the_chain_to_a_served_id(requested: str, used: str) -> None:
    assert retirements.shipped().resolve(requested, TODAY).used == used


def test_served_and_deprecated_ids_are_sent_unchanged() -> None:
    table = retirements.shipped()
    for served in ("gemini-3.8-flash", "gemini-3-flash-preview", "gemini-2.5-pro", "my-tuned-model"):
        assert not table.resolve(served, TODAY).changed
    deprecated = table.deprecation("gemini-2.5-pro", TODAY)
    assert deprecated is not None and deprecated.successor == "gemini-3.8-flash"
    assert table.deprecation("gemini-3.8-flash", TODAY) is None


def test_a_shutdown_date_takes_effect_on_that_day() -> None:
    table = retirements.shipped()
    assert table.resolve("gemini-2.5-flash", dt.date(2026, 11, 30)).used == "gemini-2.5-flash"
    assert table.resolve("gemini-2.5-flash", dt.date(2026, 12, 1)).used == "gemini-3.5-flash-lite"


def test_a_cycle_in_the_table_stops_instead_of_looping() -> None:
    table = retirements.parse(
        {
            "retirements": [
                {"id": "a", "successor": "b", "shutdown": "2020-01-01"},
                {"id": "b", "successor": "a", "shutdown": "2020-01-01"},
            ]
        }
    )
    assert table.resolve("a", TODAY).used == "b"


def test_dropped_settings_come_from_the_table() -> None:
    table = retirements.shipped()
    row = table.dropped_settings("gemini-3.6-flash")
    assert row is not None and set(row.settings) == {"temperature", "top_p", "top_k"}
    assert table.dropped_settings("gemini-3.8-flash") is None


def test_an_override_file_replaces_rows_and_adds_new_ones(tmp_path: Path) -> None:
    extra = tmp_path / "retirements.json"
    extra.write_text(
        json.dumps(
            {
                "updated": "2027-01-01",
                "retirements": [
                    {"id": "gemini-3.8-flash", "successor": "gemini-4-flash", "shutdown": "2026-11-01", "source": "me"},
                    {"id": "gemini-2.0-*", "successor": "gemini-3.8-flash", "shutdown": "2026-06-01", "source": "me"},
                ],
            }
        ),
        encoding="utf-8",
    )
    table = retirements.load(extra)
    assert table.resolve("gemini-3.8-flash", TODAY).used == "gemini-4-flash"
    assert table.resolve("gemini-2.0-flash", TODAY).used == "gemini-4-flash"
    assert table.resolve("deep-research-pro-preview-12-2025", TODAY).used == "deep-research-preview-04-2026"
    assert table.updated == "2027-01-01"


def test_a_broken_override_file_names_the_file_and_the_row(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"retirements": [{"id": "x", "shutdown": "soon"}]}), encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.json: retirements\[0\]"):
        retirements.load(bad)


def test_the_shipped_catalog_has_no_retired_model_and_knows_limits_and_modalities() -> None:
    table = retirements.shipped()
    shipped = catalog.shipped()
    assert shipped.source == "fallback"
    for model in shipped.models:
        assert not table.resolve(model.id, TODAY).changed, model.id
        assert model.input_token_limit and model.output_token_limit and model.input_modalities, model.id
    assert "image" in (shipped.model("gemini-3-pro-image") or catalog.ModelInfo("")).output_modalities
    assert [a.id for a in shipped.agents] == ["deep-research-preview-04-2026", "deep-research-max-preview-04-2026"]


def test_a_live_list_keeps_the_api_limits_and_borrows_modalities() -> None:
    fetched = [
        catalog.ModelInfo(id="gemini-3.8-flash", input_token_limit=2_000_000, thinking=True),
        catalog.ModelInfo(id="gemini-9-new"),
    ]
    live = catalog.live(fetched, 123.0, catalog.shipped())
    assert live.source == "live" and live.fetched == 123.0
    newest = live.model("gemini-3.8-flash")
    assert newest is not None and newest.input_token_limit == 2_000_000
    assert "video" in newest.input_modalities
    assert live.has_model("gemini-9-new") and not live.has_model("gemini-2.5-pro")
    assert catalog.Catalog.from_json(json.loads(json.dumps(live.to_json()))) == live
