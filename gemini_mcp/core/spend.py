"""Spend: prices each billed interaction into a ledger charge, and refuses work past an owner's limits.

`Spend.bill(record)` adds `cost_usd` to the record's usage and returns the ledger row that the store writes in
the same transaction as the record. `check_call` / `check_research` run before anything is sent to Gemini: a
rolling 24 h budget per owner (`GEMINI_MCP_DAILY_BUDGET_USD`, or the principal's own from the tokens file),
a research run's estimated upper cost against what is left (minus the upper estimates of runs still running),
and `GEMINI_MCP_MAX_RUNNING_RESEARCH`. The clock is injectable, so the window can be moved in tests.
Knows nothing about MCP.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from gemini_mcp import errors
from gemini_mcp.config import Settings
from gemini_mcp.core.prices import PriceTable, cost_usd
from gemini_mcp.core.usage import DAY, MONTH, UsageReport, frees_at, report, usd, when
from gemini_mcp.store.port import RUNNING_STATUSES, Charge, InteractionRecord, Store

BUDGET_ENV = "GEMINI_MCP_DAILY_BUDGET_USD"
CAP_ENV = "GEMINI_MCP_MAX_RUNNING_RESEARCH"
PRINCIPAL_BUDGET = "daily_budget_usd"  # the key in the HTTP tokens file
TOKENS_FILE_ENV = "GEMINI_MCP_HTTP_TOKENS_FILE"


class Spend:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        table: PriceTable,
        *,
        overrides: Mapping[str, float] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.store = store
        self.table = table
        self.overrides = dict(overrides or {})
        self.clock = clock

    def estimate(self, agent: str | None, service_tier: str | None = None) -> tuple[float, float] | None:
        """The agent's estimated cost range per run at a service tier, from the price table (None: not in it)."""
        price = self.table.agent(agent)
        multiplier = self.table.service_tiers.get(service_tier or "standard")
        if price is None or multiplier is None:
            return None
        low, high = price.estimate_usd
        return round(low * multiplier, 2), round(high * multiplier, 2)

    def budget_for(self, owner: str) -> float | None:
        return self.overrides.get(owner, self.settings.daily_budget_usd)

    def bill(self, record: InteractionRecord, service_tier: str | None = None) -> Charge | None:
        """The ledger row for a record that carries usage; None without usage. Sets `cost_usd` in the usage dict
        in place, so the interaction data the record was made from (the same dict) shows the cost too.
        `service_tier` prices the tier a turn asked for (callers pass the turn config's, when it has one)."""
        if not record.usage:
            return None
        cost = cost_usd(self.table, record.usage, model=record.model, agent=record.agent, service_tier=service_tier)
        record.usage["cost_usd"] = cost
        counts = {kind: record.usage.get(f"total_{kind}_tokens") for kind in ("input", "output", "thought", "cached")}
        return Charge(
            interaction_id=record.id,
            owner=record.owner,
            kind=record.kind,
            charged_at=self.clock(),
            conversation_id=record.conversation_id,
            model=record.model if record.kind != "agent" else None,
            agent=record.agent,
            input_tokens=_int(counts["input"]),
            output_tokens=_int(counts["output"]),
            thought_tokens=_int(counts["thought"]),
            cached_tokens=_int(counts["cached"]),
            cost_usd=cost,
        )

    async def check_call(self, owner: str) -> None:
        """Refuse when the owner's budget over the last 24 h is spent."""
        budget = self.budget_for(owner)
        if budget is None:
            return
        now = self.clock()
        charges = await self.store.charges(owner, now - DAY)
        spent = sum(c.cost_usd or 0.0 for c in charges)
        if spent < budget:
            return
        free = frees_at(charges, budget, 0.0, now)
        raise errors.BudgetExceededError(
            f"Daily budget reached: {usd(spent)} spent in the last 24 hours of the {usd(budget)} allowed"
            f"{self._whose(owner)}. Nothing was sent to Gemini. {_frees(free, now)} {self._setting(owner)}"
        )

    async def check_research(
        self, owner: str, agent: str, service_tier: str | None = None
    ) -> tuple[float, float] | None:
        """Refuse a research run over the running cap or whose upper estimate does not fit; returns its range."""
        running = await self.running_research(owner)
        if len(running) >= self.settings.max_running_research:
            ids = ", ".join(r.id for r in running)
            raise errors.ResearchCapError(
                f"You already have {len(running)} Deep Research run(s) running, the limit "
                f"({CAP_ENV}={self.settings.max_running_research}): {ids}. Nothing was started. Wait for one to "
                "finish (get_interaction with wait_seconds), or stop one with cancel_interaction to free a slot."
            )
        await self.check_call(owner)
        estimate = self.estimate(agent, service_tier)
        budget = self.budget_for(owner)
        if estimate is None or budget is None:
            return estimate
        low, high = estimate
        now = self.clock()
        charges = await self.store.charges(owner, now - DAY)
        spent = sum(c.cost_usd or 0.0 for c in charges)
        reserved = sum((self.estimate(r.agent) or (0.0, 0.0))[1] for r in running)
        left = budget - spent - reserved
        if high <= left:
            return low, high
        held = f", and up to {usd(reserved)} is held for {len(running)} run(s) still running" if reserved else ""
        free = frees_at(charges, budget, high + reserved, now)
        raise errors.BudgetExceededError(
            f"This Deep Research run ({agent}) is estimated at {usd(low)}-{usd(high)}, but only {usd(max(left, 0))} "
            f"of the {usd(budget)} daily budget{self._whose(owner)} is left ({usd(spent)} spent in the last 24 "
            f"hours{held}). Nothing was started. {_frees(free, now)} ask_gemini costs far less. {self._setting(owner)}"
        )

    async def running_research(self, owner: str) -> list[InteractionRecord]:
        return [
            r
            for r in await self.store.running_interactions()
            if r.owner == owner and r.kind == "agent" and r.status in RUNNING_STATUSES
        ]

    async def report(self, owner: str) -> UsageReport:
        now = self.clock()
        charges = await self.store.charges(owner, now - MONTH)
        running = await self.running_research(owner)
        return report(
            owner,
            charges,
            now,
            budget=self.budget_for(owner),
            running=[r.id for r in running],
            max_running=self.settings.max_running_research,
            table=self.table,
        )

    def _whose(self, owner: str) -> str:
        return f" for {owner}" if owner in self.overrides else ""

    def _setting(self, owner: str) -> str:
        if owner in self.overrides:
            return f"To change it, edit `{PRINCIPAL_BUDGET}=` on {owner}'s line in {TOKENS_FILE_ENV} and restart."
        return f"To change it, set {BUDGET_ENV} (unset = no cap) and restart."


def _frees(moment: float | None, now: float) -> str:
    if moment is None:
        return "The whole daily budget is smaller than this run's estimate, so it never fits."
    return f"Room frees up at {when(moment, now)}, when earlier spending leaves the 24-hour window."


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0
