"""The background watcher: follows every running interaction until it ends.

It runs in the server lifespan's task group (not in a tool call), so a client that disconnects
loses nothing. Per interaction it streams `get(id, stream=True, last_event_id=cursor)`, storing
the event cursor, thought summaries and status as they arrive; when the stream drops it resumes
from the stored cursor, and when streaming fails it polls `get(id)` with exponential backoff.
On start-up it resumes every interaction the store says is still running. Nothing spins: each
loop iteration either consumed events or slept its backoff. A lease in the store (`leases.py`) makes
one process the follower of each interaction when several share the database; the others watch the
store (`Store.wait_interaction_change`: LISTEN/NOTIFY on PostgreSQL) and take over when the holder dies,
stops renewing or shuts down (it releases); `upkeep.py` renews all of a process's leases in one statement,
hears waits recorded by other processes, and adopts running interactions whose lease expired.

Waiters (`get_interaction(wait_seconds>0)`) block on an `anyio.Event` that is set on every change. With
`poll_unwatched` (the default) a run is streamed only while someone waits on it; otherwise it is polled with
a cheap `get` and backoff (`demand.py`), so thousands of running runs hold no streams.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import anyio
from anyio.abc import TaskGroup

from gemini_mcp import errors
from gemini_mcp.core import followed
from gemini_mcp.core.demand import LINGER, Demand, Pacer, Polling, sleep_unless_wanted
from gemini_mcp.core.spend import Spend
from gemini_mcp.core.upkeep import Upkeep
from gemini_mcp.gemini.port import RUNNING_STATUSES as _RUNNING
from gemini_mcp.gemini.port import GeminiBackend, InteractionData, StreamEvent
from gemini_mcp.store import leases
from gemini_mcp.store.port import InteractionRecord, Store, now

logger = logging.getLogger(__name__)

MIN_BACKOFF = 0.5
MAX_BACKOFF = 30.0
OBSERVE_EVERY = 2.0  # seconds between store reads while another process holds an interaction's lease


@dataclass
class _Tracked:
    changed: anyio.Event = field(default_factory=anyio.Event)
    demand: Demand = field(default_factory=Demand)
    holding: bool = False  # this process holds the lease (else another replica follows it)


class Watcher:
    """Follows running interactions; owns one task per interaction in the lifespan task group."""

    def __init__(
        self,
        store: Store,
        backend: GeminiBackend,
        spend: Spend | None = None,
        *,
        lease_ttl: float = leases.LEASE_TTL,
        poll_unwatched: bool = True,
        polling: Polling = Polling(),  # noqa: B008 - frozen
    ) -> None:
        """`spend` bills an interaction when it ends, in the write that stores its final state;
        `poll_unwatched`: poll a run nobody waits on instead of holding its stream (`demand.py`)."""
        self.store = store
        self.backend = backend
        self.spend = spend
        self.lease_ttl = lease_ttl
        self.poll_unwatched = poll_unwatched
        self.polling = polling
        self._pacer = Pacer(polling.per_second)
        self._tracked: dict[str, _Tracked] = {}
        self._task_group: TaskGroup | None = None
        self.holder = leases.new_holder()
        self._upkeep = Upkeep(store, self.holder, lease_ttl, lambda: {i: t.demand for i, t in self._tracked.items()})

    async def run(self, task_group: TaskGroup) -> None:
        """Attach to the lifespan task group and resume everything still running."""
        self._task_group = task_group
        for record in await self.store.running_interactions():
            logger.info("Resuming interaction %s (%s) from event %s", record.id, record.status, record.event_cursor)
            self.follow(record)

    async def adopt_forever(self) -> None:
        """Follow running interactions nobody follows (their follower died). Runs in the server lifespan's task
        group beside `run`; tests of the watcher alone may leave it out."""
        await self._upkeep.adopt_forever(self.follow)

    def follow(self, record: InteractionRecord) -> None:
        if record.id in self._tracked or self._task_group is None:
            return
        tracked = _Tracked()
        self._tracked[record.id] = tracked
        self._task_group.start_soon(self._follow, record, tracked, name=f"watch {record.id}")
        self._upkeep.start(self._task_group)

    def start_soon(self, fn: Callable[..., Coroutine[Any, Any, Any]], *args: Any) -> None:
        """Run `fn(*args)` in the lifespan task group: work that must outlive the tool call that began it."""
        if self._task_group is None:
            raise RuntimeError("the watcher is not running")
        self._task_group.start_soon(fn, *args)

    def hold(self, interaction_id: str) -> None:
        """This process already follows the interaction another way (a turn's own stream, under this holder's
        lease, renewed with the others): `follow` leaves it alone, and waiters are woken by `release`."""
        self._tracked.setdefault(interaction_id, _Tracked(holding=True))
        if self._task_group is not None:
            self._upkeep.start(self._task_group)

    def release(self, interaction_id: str) -> None:
        tracked = self._tracked.pop(interaction_id, None)
        if not self._tracked:
            self._upkeep.idle()
        if tracked is not None:
            self._signal(tracked)

    def is_following(self, interaction_id: str) -> bool:
        return interaction_id in self._tracked

    async def wait_changed(self, interaction_id: str, timeout: float) -> bool:
        """Wait until the interaction changes (or the timeout passes). False if nothing follows it."""
        tracked = self._tracked.get(interaction_id)
        if tracked is None:
            return False
        tracked.demand.want(timeout)  # someone waits: stream it (from the cursor) while they do
        if not tracked.holding:  # the follower is another replica: tell it through the store
            await self.store.want(interaction_id, now() + timeout + LINGER)
        with anyio.move_on_after(timeout):
            await tracked.changed.wait()
        return True

    async def notify(self, interaction_id: str) -> None:
        """Tell waiters that a record changed outside the watcher (e.g. cancel)."""
        tracked = self._tracked.get(interaction_id)
        if tracked is not None:
            self._signal(tracked)

    @staticmethod
    def _signal(tracked: _Tracked) -> None:
        event, tracked.changed = tracked.changed, anyio.Event()
        event.set()

    async def _follow(self, record: InteractionRecord, tracked: _Tracked) -> None:
        backoff, poll_delay = MIN_BACKOFF, self.polling.first
        held = False
        try:
            while record.status in _RUNNING:
                if not await leases.acquire(self.store, record.id, self.holder, self.lease_ttl):
                    tracked.holding = False
                    record = await self._observe(record, tracked)  # another live process follows it
                    continue
                held = tracked.holding = True
                if self.poll_unwatched and not tracked.demand.wanted:
                    poll_delay = await self._poll(record, tracked, poll_delay)
                    continue
                cursor = record.event_cursor
                try:
                    dropped = False
                    with tracked.demand.stream_scope() if self.poll_unwatched else anyio.CancelScope() as scope:
                        dropped = await self._stream_once(record, tracked)
                    if scope.cancelled_caught or dropped:
                        poll_delay = self.polling.first
                        continue  # nobody waits any more (poll), or it dropped after new events (resume now)
                except errors.NotFoundError as err:
                    await self._forgotten(record, tracked, err)
                    return
                except errors.GeminiMcpError as err:
                    logger.warning("Following %s failed (%s); polling in %.1f s", record.id, err, backoff)
                    await anyio.sleep(backoff)
                    backoff = min(backoff * 2, MAX_BACKOFF)
                    try:
                        await self._apply_final(record, await self.backend.get(record.id), tracked)
                    except errors.NotFoundError as gone:
                        await self._forgotten(record, tracked, gone)
                        return
                    except errors.GeminiMcpError as poll_err:
                        logger.info("Polling %s failed: %s", record.id, poll_err)
                    continue
                if record.status in _RUNNING:  # the stream ended cleanly but the job runs on
                    if record.event_cursor != cursor:
                        backoff = MIN_BACKOFF
                    await anyio.sleep(backoff)
                    backoff = min(backoff * 2, MAX_BACKOFF)
        finally:
            self._tracked.pop(record.id, None)
            if not self._tracked:
                self._upkeep.idle()
            self._signal(tracked)
            if held:
                with anyio.CancelScope(shield=True):
                    await self.store.release(record.id, self.holder)

    async def _poll(self, record: InteractionRecord, tracked: _Tracked, delay: float) -> float:
        """Nobody waits on it: one cheap `get` after `delay` s (at once if a caller starts waiting); the next delay."""
        await sleep_unless_wanted(self.store, record, tracked.demand, delay)
        if tracked.demand.wanted:
            return delay
        await self._pacer.turn()
        try:
            data = await self.backend.get(record.id)
        except errors.NotFoundError as err:
            await self._forgotten(record, tracked, err)
            return delay
        except errors.RateLimitedError:
            return self.polling.most
        except errors.GeminiMcpError as err:
            logger.info("Polling %s failed: %s", record.id, err)
            return self.polling.next(delay)
        if followed.changed_since(record, data):
            await self._apply_final(record, data, tracked)
        return self.polling.next(delay)

    async def _observe(self, record: InteractionRecord, tracked: _Tracked) -> InteractionRecord:
        """Follow through the store while another process holds the lease (it may die: then we take over)."""
        await self.store.wait_interaction_change(record.id, record.updated, OBSERVE_EVERY)
        fresh = await self.store.get_interaction(record.owner, record.id)
        if fresh is None:  # forgotten locally (its conversation was deleted): nothing left to follow
            record.status = "deleted"
            return record
        if fresh.updated != record.updated:
            self._signal(tracked)
        return fresh

    async def _stream_once(self, record: InteractionRecord, tracked: _Tracked) -> bool:
        """Stream from the cursor, then read the final state. True: dropped after new events (resume now)."""
        start = record.event_cursor
        try:
            async for event in self.backend.stream(record.id, last_event_id=record.event_cursor):
                if event.status and event.status not in _RUNNING:
                    break  # the final state (with the output) comes from get() below, in one write
                await self._apply_event(record, event, tracked)
        except errors.UpstreamError as err:
            if record.event_cursor != start and not isinstance(err, errors.RateLimitedError):
                logger.info("Stream of %s dropped after %s (%s); resuming", record.id, record.event_cursor, err)
                return True
            raise
        await self._apply_final(record, await self.backend.get(record.id), tracked)
        return False

    async def _forgotten(self, record: InteractionRecord, tracked: _Tracked, err: errors.NotFoundError) -> None:
        followed.forget(record, err)
        await self._save(record, tracked)

    async def _apply_event(self, record: InteractionRecord, event: StreamEvent, tracked: _Tracked) -> None:
        if followed.apply_event(record, event):
            await self._save(record, tracked)

    async def _apply_final(self, record: InteractionRecord, data: InteractionData, tracked: _Tracked) -> None:
        followed.apply_final(record, data)
        await self._save(record, tracked)

    async def _save(self, record: InteractionRecord, tracked: _Tracked) -> None:
        record.updated = now()
        # Another writer (cancel_interaction) may have stored a terminal status meanwhile: keep it.
        with anyio.CancelScope(shield=True):  # a stream ending because nobody waits never cuts a write in half
            stored = await self.store.get_interaction(record.owner, record.id)
            if stored is not None and stored.status not in _RUNNING and record.status in _RUNNING:
                record.status = stored.status
            running = record.status in _RUNNING
            charge = self.spend.bill(record) if self.spend is not None and not running else None
            await self.store.save_interaction(record, charge)
        self._signal(tracked)
