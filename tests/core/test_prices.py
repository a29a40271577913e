"""The price table and the cost of a reported usage (pure functions)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gemini_mcp.core.prices import cost_usd, load_prices
from gemini_mcp.errors import ConfigError

TABLE = load_prices()


def usage(**counts: int) -> dict[str, object]:
    return {f"total_{kind}_tokens": n for kind, n in counts.items()}


def test_the_shipped_table_says_where_its_numbers_come_from_and_when() -> None:
    assert TABLE.source.startswith("https://ai.google.dev/gemini-api/docs/pricing")
    assert TABLE.as_of == "2026-11-29"
    assert {"gemini-3-flash-preview", "gemini-3.1-pro-preview"} <= set(TABLE.models)
    for agent in TABLE.agents.values():
        low, high = agent.estimate_usd
        assert 0 < low < high and agent.billed_as in TABLE.models


def test_a_flash_turn_costs_input_output_and_thought_tokens_at_their_rates() -> None:
    cost = cost_usd(TABLE, usage(input=1_000_000, output=100_000, thought=200_000), model="gemini-3-flash-preview")
    assert cost == pytest.approx(0.50 + 0.30 + 0.60)


def test_cached_tokens_are_part_of_the_input_and_cost_the_cache_rate() -> None:
    cost = cost_usd(TABLE, usage(input=1_000_000, cached=600_000), model="gemini-3-flash-preview")
    assert cost == pytest.approx(0.4 * 0.50 + 0.6 * 0.05)


def test_an_input_over_the_threshold_uses_the_long_context_rates() -> None:
    short = cost_usd(TABLE, usage(input=200_000, output=10_000), model="gemini-3.1-pro-preview")
    long = cost_usd(TABLE, usage(input=200_001, output=10_000), model="gemini-3.1-pro-preview")
    assert short == pytest.approx(0.2 * 2.0 + 0.01 * 12.0)
    assert long == pytest.approx(0.200001 * 4.0 + 0.01 * 18.0)


def test_image_output_tokens_cost_the_image_rate() -> None:
    raw = {**usage(output=1_290), "output_tokens_by_modality": [{"modality": "image", "tokens": 1_120}]}
    cost = cost_usd(TABLE, raw, model="gemini-3-pro-image-preview")
    assert cost == pytest.approx((170 * 12.0 + 1_120 * 120.0) / 1e6)


def test_an_agent_run_is_priced_at_its_model_rates_plus_searches() -> None:
    raw = {**usage(input=300_000, output=10_000), "grounding_tool_count": [{"type": "google_search", "count": 50}]}
    cost = cost_usd(TABLE, raw, agent="deep-research-preview-04-2026")
    assert cost == pytest.approx(0.3 * 2.0 + 0.01 * 12.0 + 50 * 0.014)  # no long-context tier for summed input


def test_service_tiers_scale_the_cost() -> None:
    base = usage(input=1_000_000)
    assert cost_usd(TABLE, base, model="gemini-3-flash-preview", service_tier="flex") == pytest.approx(0.25)
    assert cost_usd(TABLE, base, model="gemini-3-flash-preview", service_tier="priority") == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("model", "agent", "tier"),
    [("gemini-9-ultra", None, None), (None, "unknown-agent", None), ("gemini-3-flash-preview", None, "platinum")],
)
def test_what_the_table_does_not_know_costs_null(model: str | None, agent: str | None, tier: str | None) -> None:
    assert cost_usd(TABLE, usage(input=10), model=model, agent=agent, service_tier=tier) is None


def test_no_usage_costs_null() -> None:
    assert cost_usd(TABLE, None, model="gemini-3-flash-preview") is None


def test_a_prices_file_replaces_the_table(tmp_path: Path) -> None:
    path = tmp_path / "prices.toml"
    path.write_text(
        'source = "our contract"\nas_of = "2027-01-01"\n[models.my-model]\ninput = 1.0\noutput = 2.0\n',
        encoding="utf-8",
    )
    table = load_prices(path)
    assert table.source == "our contract"
    assert cost_usd(table, usage(input=1_000_000, output=1_000_000), model="my-model") == pytest.approx(3.0)
    assert cost_usd(table, usage(input=1), model="gemini-3-flash-preview") is None


def test_a_broken_prices_file_is_refused_with_the_setting_and_the_problem(tmp_path: Path) -> None:
    path = tmp_path / "prices.json"
    path.write_text(json.dumps({"source": "x", "as_of": "y", "models": {"m": {"input": -1, "output": 1}}}), "utf-8")
    with pytest.raises(ConfigError, match=r"GEMINI_MCP_PRICES_FILE: .*models\.m\.input"):
        load_prices(path)


DOCS = Path(__file__).resolve().parents[2] / "docs" / "spend.md"


def test_the_docs_table_shows_the_shipped_prices() -> None:
    rows = [line for line in DOCS.read_text(encoding="utf-8").splitlines() if line.startswith("| `gemini-")]
    assert {row.split("`")[1] for row in rows} == set(TABLE.models)
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        price = TABLE.models[cells[0].strip("`")]
        assert float(cells[1]) == price.input and float(cells[2].split()[0]) == price.output
        assert float(cells[3]) == price.cached


def test_the_docs_example_prices_file_loads(tmp_path: Path) -> None:
    text = DOCS.read_text(encoding="utf-8")
    example = text.split("```toml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "prices.toml"
    path.write_text(example, encoding="utf-8")
    table = load_prices(path)
    assert table.as_of == "2027-01-15" and table.agent("deep-research-preview-04-2026") is not None
