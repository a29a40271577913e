"""Spend over time from ledger charges: windows by model and agent, the usage report, when budget room frees up."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from gemini_mcp.core.prices import DIGITS, PriceTable
from gemini_mcp.core.results import iso
from gemini_mcp.store.port import Charge

DAY = 24 * 3600.0
MONTH = 30 * DAY


class Window(BaseModel):
    hours: int
    cost_usd: float = Field(description="Estimated USD spent in the window (interactions the table can price).")
    interactions: int = Field(description="Billed interactions in the window.")
    unpriced: int = Field(default=0, description="Interactions whose model the price table does not know.")
    by_model: dict[str, float] = Field(default_factory=dict[str, float])
    by_agent: dict[str, float] = Field(default_factory=dict[str, float])


class UsageReport(BaseModel):
    """What gemini://usage shows: the caller's spend, budget and running research."""

    owner: str
    as_of: str
    last_24h: Window
    last_30_days: Window
    daily_budget_usd: float | None = Field(description="The rolling 24 h budget; null = no cap.")
    remaining_usd: float | None = Field(description="Budget left in the last 24 h; null = no cap.")
    frees_at: str | None = Field(default=None, description="When spending next leaves the 24 h window (if spent).")
    running_research: list[str]
    max_running_research: int
    prices_source: str
    prices_as_of: str
    note: str = (
        "Costs are estimates from the price table and the usage Gemini reported; Google's bill is authoritative."
    )


def usd(value: float) -> str:
    return f"${value:,.2f}" if value >= 0.01 or value == 0 else f"${value:.6f}".rstrip("0")


def when(moment: float, now: float) -> str:
    minutes = max(round((moment - now) / 60), 1)
    wait = f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"
    return f"{iso(moment)} (in {wait})"


def frees_at(charges: Sequence[Charge], budget: float, needed: float, now: float) -> float | None:
    """When (oldest charges leaving the 24 h window first) there is `needed` room left (any room when 0)."""

    def fits(spent: float) -> bool:
        return budget - spent > 0 and budget - spent >= needed

    spent = sum(c.cost_usd or 0.0 for c in charges)
    if fits(spent):
        return now
    for charge in sorted(charges, key=lambda c: c.charged_at):
        spent -= charge.cost_usd or 0.0
        if fits(spent):
            return max(charge.charged_at + DAY, now)
    return None


def window(charges: Sequence[Charge], since: float, hours: int) -> Window:
    inside = [c for c in charges if c.charged_at >= since]
    by_model: dict[str, float] = {}
    by_agent: dict[str, float] = {}
    for charge in inside:
        bucket, key = (by_agent, charge.agent) if charge.kind == "agent" else (by_model, charge.model)
        name = key or "unknown"
        bucket[name] = round(bucket.get(name, 0.0) + (charge.cost_usd or 0.0), DIGITS)
    return Window(
        hours=hours,
        cost_usd=round(sum(c.cost_usd or 0.0 for c in inside), DIGITS),
        interactions=len(inside),
        unpriced=sum(1 for c in inside if c.cost_usd is None),
        by_model=by_model,
        by_agent=by_agent,
    )


def report(
    owner: str,
    charges: Sequence[Charge],
    now: float,
    *,
    budget: float | None,
    running: list[str],
    max_running: int,
    table: PriceTable,
) -> UsageReport:
    day = window(charges, now - DAY, 24)
    remaining = None if budget is None else round(max(budget - day.cost_usd, 0.0), DIGITS)
    recent = [c for c in charges if c.charged_at >= now - DAY]
    spent_all = budget is not None and day.cost_usd >= budget
    return UsageReport(
        owner=owner,
        as_of=iso(now),
        last_24h=day,
        last_30_days=window(charges, now - MONTH, 24 * 30),
        daily_budget_usd=budget,
        remaining_usd=remaining,
        frees_at=iso(moment) if spent_all and (moment := frees_at(recent, budget or 0.0, 0.0, now)) else None,
        running_research=running,
        max_running_research=max_running,
        prices_source=table.source,
        prices_as_of=table.as_of,
    )
