"""Spend over time from ledger charges: when budget room frees up, and the windows of the usage report."""

from __future__ import annotations

import pytest

from gemini_mcp.core.prices import load_prices
from gemini_mcp.core.usage import DAY, frees_at, report, usd, window
from gemini_mcp.store.port import Charge


def charge(iid: str, at: float, cost: float | None, *, agent: str | None = None, model: str | None = "m") -> Charge:
    kind = "agent" if agent else "model"
    return Charge(interaction_id=iid, owner="o", kind=kind, charged_at=at, cost_usd=cost, model=model, agent=agent)


CHARGES = [charge("a", 0.0, 0.6), charge("b", 100.0, 0.6)]


def test_room_frees_when_enough_of_the_oldest_spending_leaves_the_window() -> None:
    assert frees_at(CHARGES, 1.0, 0.0, now=200.0) == DAY  # the first charge leaving makes room
    assert frees_at(CHARGES, 1.0, 0.5, now=200.0) == 100.0 + DAY  # room for 0.5 needs both gone
    assert frees_at(CHARGES, 2.0, 0.5, now=200.0) == 200.0  # there is room now
    assert frees_at(CHARGES, 1.0, 2.0, now=200.0) is None  # more than the whole budget never fits


def test_windows_sum_by_model_and_agent_and_count_unpriced_turns() -> None:
    charges = [*CHARGES, charge("r", 150.0, 1.5, agent="deep"), charge("x", 160.0, None, model="new")]
    day = window(charges, since=50.0, hours=24)
    assert day.cost_usd == pytest.approx(2.1) and day.interactions == 3 and day.unpriced == 1
    assert day.by_model == {"m": 0.6, "new": 0.0} and day.by_agent == {"deep": 1.5}


def test_the_report_shows_what_is_left_and_when_room_frees_up() -> None:
    shown = report("o", CHARGES, 200.0, budget=1.0, running=["v1_r"], max_running=3, table=load_prices())
    assert shown.remaining_usd == 0 and shown.frees_at == "1970-01-02T00:00:00Z"
    assert shown.last_24h.cost_usd == pytest.approx(1.2) and shown.running_research == ["v1_r"]
    uncapped = report("o", CHARGES, 200.0, budget=None, running=[], max_running=3, table=load_prices())
    assert uncapped.remaining_usd is None and uncapped.frees_at is None


def test_small_amounts_are_shown_to_the_micro_dollar() -> None:
    assert usd(12.5) == "$12.50" and usd(0) == "$0.00" and usd(0.000123) == "$0.000123"
