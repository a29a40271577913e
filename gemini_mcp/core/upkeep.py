"""The watcher's chores while it follows anything: renew its leases, and hear waits recorded elsewhere.

One loop per process, not one per interaction: every third of the lease TTL it renews all of this holder's
leases in one statement; on a store that cannot push changes (SQLite shared by two processes), it also reads
once a second which of its interactions a caller in another process waits on (`Store.want` wrote
`wanted_until`) and wakes their pollers to stream (PostgreSQL notifies them at once instead). Separately,
`adopt_forever` takes over running interactions whose follower died.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

import anyio
from anyio.abc import TaskGroup

from gemini_mcp import errors
from gemini_mcp.core.demand import LINGER, Demand
from gemini_mcp.store.port import InteractionRecord, Store, now

logger = logging.getLogger(__name__)

ADOPT_BATCH = 100  # unfollowed interactions adopted per lease round
WANTS_EVERY = 1.0  # seconds between reads of the waits other processes recorded (stores that cannot push)


class Upkeep:
    """Runs while `demands()` (the followed interactions' demands, by id) is not empty."""

    def __init__(
        self, store: Store, holder: str, lease_ttl: float, demands: Callable[[], Mapping[str, Demand]]
    ) -> None:
        self.store = store
        self.holder = holder
        self.lease_ttl = lease_ttl
        self.demands = demands
        self._running = False
        self._idle = anyio.Event()

    def start(self, task_group: TaskGroup) -> None:
        """Something is followed now: make sure the loop runs."""
        if self._idle.is_set():
            self._idle = anyio.Event()
        if not self._running:
            self._running = True
            task_group.start_soon(self._loop, name="watcher upkeep")

    def idle(self) -> None:
        """Nothing is followed any more: the loop ends now instead of at its next tick."""
        self._idle.set()

    async def _loop(self) -> None:
        period = min(WANTS_EVERY, self.lease_ttl / 3)
        renew_at = anyio.current_time() + self.lease_ttl / 3
        try:
            while True:
                with anyio.move_on_after(period):
                    await self._idle.wait()
                if not self.demands():
                    return
                try:
                    if anyio.current_time() >= renew_at:
                        renew_at = anyio.current_time() + self.lease_ttl / 3
                        await self.store.renew_leases(self.holder, self.lease_ttl)
                    if not self.store.pushes_changes:
                        await self._hear_wants()
                except errors.StoreError as err:
                    logger.warning("Watcher upkeep failed (retried next tick): %s", err)
        finally:
            self._running = False

    async def _hear_wants(self) -> None:
        demands = self.demands()
        stamp = now()
        for interaction_id, until in (await self.store.wanted_by(self.holder, stamp)).items():
            demand = demands.get(interaction_id)
            if demand is not None and not demand.wanted:
                demand.want(until - stamp - LINGER)

    async def adopt_forever(self, follow: Callable[[InteractionRecord], None]) -> None:
        """Each lease round, follow running interactions nobody follows (their replica died, its leases expired)."""
        while True:
            await anyio.sleep(self.lease_ttl / 3)
            try:
                for record in await self.store.claim_unfollowed(self.holder, self.lease_ttl, ADOPT_BATCH):
                    logger.info("Adopting interaction %s from event %s", record.id, record.event_cursor)
                    follow(record)
            except errors.StoreError as err:
                logger.warning("Adopting unfollowed interactions failed: %s", err)
