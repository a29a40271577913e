"""Who waits on a running interaction: the watcher streams it while someone does, and polls it cheaply otherwise.

A `Demand` per followed interaction records until when a caller waits on it (`get_interaction(wait_seconds)`,
streamed progress), plus a short linger so the gaps between one caller's successive waits do not flip the
mode. While it is wanted the watcher holds an event stream from the stored cursor; the stream's cancel scope
ends when the demand runs out and is pushed further by every new wait. Unwanted, the watcher polls with a
cheap `get` (`Polling`: the first after `first` seconds, each next one `GROWTH` times later, at most `most`),
all polls of a process paced by one `Pacer` (at most `per_second`), and a new waiter wakes the poller at once:
here through `Demand.want`, on another replica through `Store.want` (PostgreSQL notifies the follower's
`sleep_unless_wanted`).
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import anyio

from gemini_mcp.store.port import InteractionRecord, Store, now

LINGER = 5.0  # seconds a stream stays open after the last wait ended
GROWTH = 1.5


@dataclass(frozen=True)
class Polling:
    """How a run nobody waits on is polled (settings `poll_seconds`, `polls_per_second`)."""

    first: float = 10.0  # seconds before the first poll of an interaction nobody waits on
    per_second: float = 3.0  # per process: with 2,000 unwatched runs each is polled about every 11 min

    @property
    def most(self) -> float:
        return self.first * 6

    def next(self, delay: float) -> float:
        return min(delay * GROWTH, self.most)


@dataclass
class Demand:
    wanted_until: float = -math.inf  # anyio clock
    arrived: anyio.Event = field(default_factory=anyio.Event)
    scope: anyio.CancelScope | None = None  # the open stream's scope, while one is open

    def want(self, seconds: float) -> None:
        """A caller waits up to `seconds`: stream until then (plus the linger)."""
        self.wanted_until = max(self.wanted_until, anyio.current_time() + seconds + LINGER)
        if self.scope is not None:
            self.scope.deadline = max(self.scope.deadline, self.wanted_until)
        self.arrived.set()

    @property
    def wanted(self) -> bool:
        return anyio.current_time() < self.wanted_until

    def stream_scope(self) -> anyio.CancelScope:
        """The cancel scope to stream in: it ends when the demand runs out."""
        self.scope = anyio.CancelScope(deadline=self.wanted_until)
        return self.scope

    async def sleep_unless_wanted(self, seconds: float) -> None:
        """Sleep `seconds`, or less if a caller starts waiting meanwhile."""
        self.arrived = anyio.Event()
        with anyio.move_on_after(seconds):
            await self.arrived.wait()


@dataclass
class Pacer:
    """Spaces out this process's polls: at most `per_second`, whatever the number of runs (rate limits)."""

    per_second: float
    _next: float = -math.inf

    async def turn(self) -> None:
        now = anyio.current_time()
        slot = max(now, self._next)
        self._next = slot + 1 / self.per_second
        await anyio.sleep(slot - now)


async def sleep_unless_wanted(store: Store, record: InteractionRecord, demand: Demand, delay: float) -> None:
    """Sleep `delay` s, less if a caller waits on the run here or (PostgreSQL: notified) on another replica."""
    if not store.pushes_changes:
        await demand.sleep_unless_wanted(delay)
        return
    deadline = anyio.current_time() + delay

    async def remote() -> None:
        while (remaining := deadline - anyio.current_time()) > 0:
            fresh = await store.get_interaction(record.owner, record.id)
            if fresh is not None and fresh.wanted_until > now():
                demand.want(fresh.wanted_until - now() - LINGER)
                return
            await store.wait_interaction_change(record.id, record.updated, remaining)

    async with anyio.create_task_group() as tg:

        async def first(job: Callable[[], Awaitable[None]]) -> None:
            await job()
            tg.cancel_scope.cancel()

        tg.start_soon(first, lambda: demand.sleep_unless_wanted(delay))
        tg.start_soon(first, remote)
