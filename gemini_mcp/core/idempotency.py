"""Starts that never happen twice: idempotency keys, and joining an identical research run just started.

`idempotency_key` (per owner, 24 h): the first call reserves the key in the store before anything is sent
to Gemini, so a retry - from this process or another sharing the store - returns the same interaction. A
retry that arrives while the first call is still creating waits for it (bounded). Without a key, an
identical `start_deep_research` (same owner, same fingerprint) within 60 s of a run that is still running
joins that run. Knows nothing about MCP.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio

from gemini_mcp import errors
from gemini_mcp.core import recorded
from gemini_mcp.core.results import AskResult
from gemini_mcp.gemini.port import RUNNING_STATUSES
from gemini_mcp.store.port import InteractionRecord, Store

KEY_TTL = 24 * 3600.0
JOIN_WINDOW = 60.0
WAIT_FOR_FIRST = 30.0  # how long a retry waits for the first call, still creating, to get its interaction id
POLL = 0.1  # another process may hold the reservation: the store is polled, an in-process start is awaited
_T = TypeVar("_T")


def fingerprint(**parts: Any) -> str:
    """A stable digest of a request's arguments (key order does not matter)."""
    text = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@dataclass
class Claim:
    """What `Starts.claim` decided: start it (`existing` None, we hold `key`), or reuse `existing`."""

    key: str
    existing: str | None = None


class Starts:
    """Reservations of idempotency keys and recent-run fingerprints in the store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._started: dict[tuple[str, str], anyio.Event] = {}

    async def claim(
        self, owner: str, idempotency_key: str | None, digest: str, *, still_running: Callable[[str], Awaitable[bool]]
    ) -> Claim:
        """Reserve `idempotency_key` (or, without one, the request's fingerprint for 60 s)."""
        key, ttl = (f"key:{idempotency_key}", KEY_TTL) if idempotency_key else (f"auto:{digest}", JOIN_WINDOW)
        deadline = time.monotonic() + WAIT_FOR_FIRST
        while True:
            held = await self.store.reserve_key(owner, key, digest, ttl)
            if held is None:
                self._started[(owner, key)] = anyio.Event()
                return Claim(key)
            if idempotency_key and held.fingerprint != digest:
                raise errors.InvalidRequestError(
                    f"idempotency_key {idempotency_key!r} was used in the last 24 h for a different request"
                    f"{f' (interaction {held.interaction_id})' if held.interaction_id else ''}. Send a new key for a "
                    "new request, or repeat the original arguments to get the original result."
                )
            if held.interaction_id is not None:
                if idempotency_key or await still_running(held.interaction_id):
                    return Claim(key, existing=held.interaction_id)
                await self.store.release_key(owner, key)  # the identical run already ended: start a new one
                continue
            if time.monotonic() > deadline:
                raise errors.UpstreamError(
                    "An earlier call with the same request is still starting it; call again in a few seconds to get "
                    "its result."
                )
            await self._wait(owner, key)

    async def _wait(self, owner: str, key: str) -> None:
        event = self._started.get((owner, key))
        with anyio.move_on_after(POLL if event is None else WAIT_FOR_FIRST):
            await (event.wait() if event is not None else anyio.sleep(POLL))

    async def started(self, owner: str, claim: Claim, interaction_id: str) -> None:
        await self.store.bind_key(owner, claim.key, interaction_id)
        self._wake(owner, claim.key)

    async def failed(self, owner: str, claim: Claim) -> None:
        """The start failed: free the key, so a retry starts afresh."""
        with anyio.CancelScope(shield=True):
            await self.store.release_key(owner, claim.key)
        self._wake(owner, claim.key)

    def _wake(self, owner: str, key: str) -> None:
        event = self._started.pop((owner, key), None)
        if event is not None:
            event.set()

    async def is_running(self, owner: str, interaction_id: str) -> bool:
        record = await self.store.get_interaction(owner, interaction_id)
        return record is not None and record.status in RUNNING_STATUSES

    async def stored(self, owner: str, interaction_id: str) -> InteractionRecord:
        record = await self.store.get_interaction(owner, interaction_id)
        if record is None:
            raise errors.NotFoundError(f"Interaction '{interaction_id}' of this request is no longer stored.")
        return record

    async def run_once(
        self,
        owner: str,
        idempotency_key: str | None,
        digest: str,
        start: Callable[[], Awaitable[_T]],
        *,
        id_of: Callable[[_T], str],
        still_running: Callable[[str], Awaitable[bool]],
    ) -> tuple[str | None, _T | None]:
        """(earlier interaction id, None) when this request was already started, else (None, `start()`'s result)."""
        claim = await self.claim(owner, idempotency_key, digest, still_running=still_running)
        if claim.existing is not None:
            return claim.existing, None
        try:
            result = await start()
        except BaseException:
            await self.failed(owner, claim)
            raise
        await self.started(owner, claim, id_of(result))
        return None, result


async def any_status(_interaction_id: str) -> bool:
    """An idempotency key returns its interaction whatever its status."""
    return True


def reused_note(idempotency_key: str | None, interaction_id: str) -> str:
    if idempotency_key:
        return (
            f"idempotency_key {idempotency_key!r} was already used for interaction {interaction_id}: this is that "
            "interaction; nothing new was sent to Gemini."
        )
    return (
        f"An identical Deep Research run started less than {JOIN_WINDOW:g} s ago is still running: this is that run "
        f"({interaction_id}); no second run was started. Pass a new idempotency_key to force a separate run."
    )


async def replay_answer(store: Store, owner: str, interaction_id: str, note: str) -> AskResult:
    """The earlier turn's result, rebuilt from the store (its answer when it finished, else its handle)."""
    answer = recorded.answer_of(await Starts(store).stored(owner, interaction_id))
    answer.notes.append(note)
    return answer
