"""Reading, waiting on and cancelling interactions the store knows. Knows nothing about MCP."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import anyio

from gemini_mcp import errors
from gemini_mcp.core import recorded, shaping
from gemini_mcp.core.followed import thought_summaries
from gemini_mcp.core.listings import InteractionList, InteractionSummary
from gemini_mcp.core.results import (
    CancelResult,
    InteractionResult,
    Usage,
    iso,
)
from gemini_mcp.core.spend import Spend
from gemini_mcp.core.watcher import Watcher
from gemini_mcp.gemini.port import RUNNING_STATUSES, GeminiBackend
from gemini_mcp.store.port import InteractionRecord, Store, now

#: What an interaction id can look like before this server asks Gemini for it (never a path or a control char).
GEMINI_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,255}")
IMPORTED_NOTE = (
    "This server had not seen this interaction: it was fetched from Gemini and is now recorded for you "
    "(list_interactions shows it; ask_gemini(previous_interaction_id=...) can follow up on it)."
)
#: Progress notifications go out at least this often while a caller waits.
PROGRESS_EVERY = 5.0
ProgressFn = Callable[[float, str], Awaitable[None]]


def report_uri(interaction_id: str) -> str:
    return f"gemini://interactions/{interaction_id}/report"


def describe(record: InteractionRecord, offset: int, max_chars: int) -> InteractionResult:
    done = record.status not in RUNNING_STATUSES
    text, next_offset = shaping.page(record.output_text, offset, max_chars)
    end = record.updated if done else now()
    result = InteractionResult(
        interaction_id=record.id,
        conversation_id=record.conversation_id,
        kind="agent" if record.kind == "agent" else "model",
        model=record.model,
        agent=record.agent,
        status=record.status,
        done=done,
        elapsed_seconds=round(max(end - record.created, 0.0), 1),
        progress=record.progress[-10:],
        text=text,
        offset=offset,
        next_offset=next_offset,
        total_chars=len(record.output_text),
        citations=shaping.citations(record.steps) if done else [],
        usage=Usage.from_raw(record.usage),
        error=record.error,
        report_uri=report_uri(record.id) if record.output_text else None,
    )
    if done and record.kind == "model":
        _add_answer(result, record)
    return result


def _add_answer(result: InteractionResult, record: InteractionRecord) -> None:
    """A finished ask_gemini turn also gets the rest of what ask_gemini would have returned."""
    try:
        answer = recorded.answer_of(record)
    except errors.StructuredOutputError as err:
        result.error = str(err)
        return
    result.attach(answer)


def summarize(record: InteractionRecord) -> InteractionSummary:
    return InteractionSummary(
        interaction_id=record.id,
        conversation_id=record.conversation_id,
        kind="agent" if record.kind == "agent" else "model",
        model=record.model,
        agent=record.agent,
        status=record.status,
        prompt=shaping.shorten(record.prompt),
        created=iso(record.created),
        updated=iso(record.updated),
    )


class Interactions:
    def __init__(
        self,
        store: Store,
        backend: GeminiBackend,
        watcher: Watcher,
        *,
        progress_every: float = PROGRESS_EVERY,
        spend: Spend | None = None,
        max_wait: float = 45.0,
    ) -> None:
        self.store = store
        self.backend = backend
        self.watcher = watcher
        self.progress_every = progress_every
        self.spend = spend
        self.max_wait = max_wait

    async def load(self, owner: str, interaction_id: str) -> InteractionRecord:
        record = await self.store.get_interaction(owner, interaction_id)
        if record is None:
            raise errors.NotFoundError(
                f"Interaction {shaping.shown_id(interaction_id)} was not found for this user. Use an interaction_id "
                "returned by ask_gemini or start_deep_research; list_interactions shows yours."
            )
        return record

    async def find(self, owner: str, interaction_id: str) -> InteractionRecord:
        """The caller's interaction; one this server never saw is imported from Gemini (see `imported`)."""
        record = await self.store.get_interaction(owner, interaction_id)
        return record if record is not None else await self._import(owner, interaction_id)

    async def _import(self, owner: str, interaction_id: str) -> InteractionRecord:
        if not GEMINI_ID.fullmatch(interaction_id) or await self.store.interaction_known(interaction_id):
            return await self.load(owner, interaction_id)  # not an id Gemini gives, or another principal's
        try:
            data = await self.backend.get(interaction_id)
        except errors.NotFoundError:
            return await self.load(owner, interaction_id)
        stamp = now()
        record = InteractionRecord(
            id=data.id or interaction_id,
            owner=owner,
            kind="agent" if data.agent else "model",
            status=data.status,
            model=data.model,
            agent=data.agent,
            progress=thought_summaries(data.steps),
            output_text=data.text,
            usage=data.usage,
            error="; ".join(data.errors) or None,
            steps=data.steps,
            created=stamp,
            updated=stamp,
            turn={"imported": True},
        )
        await self.store.save_interaction(record)
        if data.running:
            self.watcher.follow(record)
        return record

    async def get(
        self, owner: str, interaction_id: str, *, wait_seconds: float, offset: int, max_chars: int, progress: ProgressFn
    ) -> InteractionResult:
        known = await self.store.get_interaction(owner, interaction_id)
        record = known if known is not None else await self._import(owner, interaction_id)
        waited = min(wait_seconds, self.max_wait)
        if waited > 0 and record.status in RUNNING_STATUSES:
            record = await self._wait(record, waited, progress)
        result = describe(record, offset, max_chars)
        if known is None:
            result.imported = True
            result.notes.append(IMPORTED_NOTE)
        if wait_seconds > self.max_wait:
            result.notes.append(f"wait_seconds is capped at {self.max_wait:g} s (GEMINI_MCP_MAX_WAIT_SECONDS).")
        return result

    async def _wait(self, record: InteractionRecord, wait_seconds: float, progress: ProgressFn) -> InteractionRecord:
        started = anyio.current_time()
        deadline = started + wait_seconds
        self.watcher.follow(record)
        sent = 0.0
        await progress(sent, _progress_message(record))
        while record.status in RUNNING_STATUSES:
            remaining = deadline - anyio.current_time()
            if remaining <= 0:
                break
            if not await self.watcher.wait_changed(record.id, min(self.progress_every, remaining)):
                await anyio.sleep(min(self.progress_every, remaining))
            record = await self.load(record.owner, record.id)
            sent = max(round(anyio.current_time() - started, 1), sent + 0.1)  # strictly increasing
            await progress(sent, _progress_message(record))
        return record

    async def cancel(self, owner: str, interaction_id: str) -> CancelResult:
        record = await self.load(owner, interaction_id)
        if record.status not in RUNNING_STATUSES:
            return CancelResult(
                interaction_id=record.id, status=record.status, note="It had already stopped; nothing to cancel."
            )
        try:
            data = await self.backend.cancel(record.id)
        except errors.InvalidRequestError:
            data = await self.backend.get(record.id)  # it finished on Gemini before the cancel arrived
            if data.running:
                raise
        record = await self.load(owner, interaction_id)
        record.status = data.status
        if data.text:
            record.output_text = data.text
        if data.usage:
            record.usage = data.usage  # what the run consumed before it stopped is billed
        record.updated = now()
        charge = self.spend.bill(record) if self.spend is not None and record.usage else None
        await self.store.save_interaction(record, charge)
        await self.watcher.notify(record.id)
        return CancelResult(interaction_id=record.id, status=record.status)

    async def list(self, owner: str, *, status: str | None, limit: int) -> InteractionList:
        records = await self.store.list_interactions(owner, status=status, limit=limit)
        return InteractionList(interactions=[summarize(r) for r in records])


def _progress_message(record: InteractionRecord) -> str:
    if record.progress:
        return record.progress[-1]
    return f"status: {record.status}"
