"""Turns that outlive their call: a model turn run under a deadline, handed to the watcher when it is not.

A turn is streamed upstream so its interaction id is known at Gemini's first event; the turn is then
recorded (resumable after a restart: the watcher resumes every running interaction from its stored
cursor) and runs in the server's lifespan task group, not in the tool call. The call waits for it only
until its `Deadline`; then it returns the handle and the turn finishes on its own. `settle` is how the
next turn of a conversation waits for a pending one, so the chain never forks. Knows nothing about MCP.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import anyio

from gemini_mcp import errors
from gemini_mcp.core import streaming
from gemini_mcp.core.watcher import Watcher
from gemini_mcp.gemini.port import RUNNING_STATUSES, CreateRequest, GeminiBackend, InteractionData
from gemini_mcp.store import leases
from gemini_mcp.store.port import InteractionRecord, Store, now

logger = logging.getLogger(__name__)

ProgressFn = Callable[[float, str], Awaitable[None]]
#: Records a turn once Gemini named its interaction: (interaction id, event cursor) -> the saved record.
StartedFn = Callable[[str, str | None], Awaitable[InteractionRecord]]
WAIT_SLICE = 5.0


class Deadline:
    """One call's time budget (`GEMINI_MCP_MAX_WAIT_SECONDS`), shared by everything the call waits on."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = anyio.current_time() + seconds

    def remaining(self) -> float:
        return max(0.0, self._end - anyio.current_time())


@dataclass
class RunningTurn:
    """A turn running in the lifespan task group; the call that started it may leave before it ends."""

    sink: ProgressFn | None
    service_tier: str | None = None  # the tier the turn is billed at
    scope: anyio.CancelScope = field(default_factory=anyio.CancelScope)
    started: anyio.Event = field(default_factory=anyio.Event)
    done: anyio.Event = field(default_factory=anyio.Event)
    record: InteractionRecord | None = None
    data: InteractionData | None = None
    error: errors.GeminiMcpError | None = None

    async def forward(self, value: float, message: str) -> None:
        sink = self.sink
        if sink is None:
            return
        try:
            await sink(value, message)
        except Exception:  # the caller went away: keep the turn, drop its progress
            self.sink = None


def finish(record: InteractionRecord, data: InteractionData) -> InteractionRecord:
    """The record of a turn once Gemini answered it."""
    record.status = data.status
    record.model = data.model or record.model
    record.output_text = data.text
    record.usage = data.usage or record.usage
    record.steps = data.steps
    record.error = "; ".join(data.errors) or None
    record.updated = now()
    return record


class TurnRunner:
    """Starts turns detached from their call, and waits for them (or for a pending one) within a deadline."""

    def __init__(self, store: Store, backend: GeminiBackend, watcher: Watcher) -> None:
        self.store = store
        self.backend = backend
        self.watcher = watcher

    def start(
        self, request: CreateRequest, on_started: StartedFn, progress: ProgressFn | None, tier: str | None = None
    ) -> RunningTurn:
        run = RunningTurn(sink=progress, service_tier=tier)
        self.watcher.start_soon(self._run, request, on_started, run)
        return run

    async def _run(self, request: CreateRequest, on_started: StartedFn, run: RunningTurn) -> None:
        async def started(interaction_id: str, cursor: str | None) -> None:
            run.record = await on_started(interaction_id, cursor)
            self.watcher.hold(interaction_id)
            await leases.acquire(self.store, interaction_id, self.watcher.holder, self.watcher.lease_ttl)
            run.started.set()

        try:
            with run.scope:
                run.data = await streaming.run_stream(self.backend, request, run.forward, on_started=started)
                if run.record is not None:
                    record = finish(run.record, run.data)
                    spend = self.watcher.spend  # billed in the write that stores the final state, as the watcher does
                    await self.store.save_interaction(
                        record, spend.bill(record, run.service_tier) if spend is not None else None
                    )
        except errors.GeminiMcpError as err:
            await self._failed(run, err)
        finally:
            run.sink = None
            if run.record is not None:
                with anyio.CancelScope(shield=True):
                    await self.store.release(run.record.id, self.watcher.holder)
                self.watcher.release(run.record.id)
                if run.data is None and run.error is None:
                    self.watcher.follow(run.record)  # the stream was lost: resume it from the stored cursor
            run.started.set()
            run.done.set()

    async def _failed(self, run: RunningTurn, err: errors.GeminiMcpError) -> None:
        """Before Gemini named the turn, or when it reported an error in the stream, the caller gets the error;
        a turn that merely lost its stream is the watcher's to finish."""
        if run.record is None:
            run.error = err
        elif isinstance(err, errors.StreamFailedError):
            run.error = err
            run.record.status, run.record.error, run.record.updated = "failed", str(err), now()
            await self.store.save_interaction(run.record)
        else:
            logger.info("Turn %s lost its stream (%s); the watcher takes it over", run.record.id, err)

    async def wait(self, run: RunningTurn, deadline: Deadline) -> InteractionRecord | InteractionData:
        """The answered turn (its data), or its record while it still runs; raises what failed before it began."""
        try:
            with anyio.move_on_after(deadline.remaining()):
                await run.done.wait()
            await run.started.wait()  # Gemini names the interaction in its first event; without it, no handle
        except anyio.get_cancelled_exc_class():
            if not run.started.is_set():
                run.scope.cancel()  # the caller cancelled before anything was recorded: close the request upstream
            raise
        if run.error is not None:
            raise run.error
        if run.data is not None:
            return run.data
        run.sink = None
        assert run.record is not None
        return await self.settle(run.record, deadline) or run.record

    async def settle(self, record: InteractionRecord, deadline: Deadline) -> InteractionRecord | None:
        """Wait (within the deadline) for a running interaction to end: its final record, or None if it runs on."""
        while record.status in RUNNING_STATUSES:
            remaining = deadline.remaining()
            if remaining <= 0:
                return None
            self.watcher.follow(record)
            if not await self.watcher.wait_changed(record.id, min(WAIT_SLICE, remaining)):
                await anyio.sleep(min(0.25, remaining))
            fresh = await self.store.get_interaction(record.owner, record.id)
            if fresh is None:
                return None
            record = fresh
        return record
