"""The store port: the async `Store` protocol every backend implements, and the records it keeps."""

from __future__ import annotations

import time
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from gemini_mcp.store.tasks import TaskStore

ADOPT_AFTER = 5.0  # seconds: `claim_unfollowed` skips a lease-less row saved more recently than this
PROGRESS_KEEP = 50  # progress lines kept per interaction (the newest)
RUNNING_STATUSES = ("in_progress", "queued", "idle", "requires_continuation")


def now() -> float:
    """Wall-clock seconds: the timestamps in records and lease expiries."""
    return time.time()


@dataclass
class Conversation:
    id: str
    owner: str
    title: str
    last_interaction_id: str | None = None
    turns: int = 0
    config: dict[str, Any] = field(default_factory=dict[str, Any])
    created: float = 0.0
    updated: float = 0.0


@dataclass
class InteractionRecord:
    id: str
    owner: str
    kind: str  # "model" | "agent"
    status: str
    conversation_id: str | None = None
    model: str | None = None
    agent: str | None = None
    prompt: str = ""
    progress: list[str] = field(default_factory=list[str])
    event_cursor: str | None = None
    output_text: str = ""
    usage: dict[str, Any] | None = None
    error: str | None = None
    steps: list[dict[str, Any]] = field(default_factory=list[dict[str, Any]])
    created: float = 0.0
    updated: float = 0.0
    # Written once, with the first save: how to shape a model turn's answer later (response_schema, notes,
    # store), or {"imported": true} for an interaction made elsewhere (core/recorded.py).
    turn: dict[str, Any] = field(default_factory=dict[str, Any])
    wanted_until: float = 0.0  # read-only here: written by `Store.want`, never by a save


@dataclass
class IdempotencyKey:
    """A caller's idempotency key (or a request fingerprint) and the interaction it started (None: starting)."""

    owner: str
    key: str
    fingerprint: str
    interaction_id: str | None
    created: float


@dataclass
class Charge:
    """One ledger row: what one billed interaction cost its owner (one row per interaction, updated in place)."""

    interaction_id: str
    owner: str
    kind: str  # "model" | "agent"
    charged_at: float  # when the first usage was recorded (the budget window's clock)
    conversation_id: str | None = None
    model: str | None = None
    agent: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    thought_tokens: int = 0
    cached_tokens: int = 0
    cost_usd: float | None = None  # None: the price table does not know the model


class Store(Protocol):
    """Conversations, interactions and watcher leases, shared by every process on one database.

    Backends (`sqlite.py`, the embedded default; `postgres.py`, shared by replicas) share one contract,
    checked by `tests/store/test_contract.py`:

    - Every read and delete is owner-scoped: an id owned by someone else behaves exactly like an unknown id.
      Only `running_interactions` (the watcher resuming work after a restart) and the lease operations see
      every owner, because they serve the process, not a caller.
    - No call blocks the event loop; a call that cannot get the database in time raises `StoreBusyError`.
    - Atomic writes: `record_turn(interaction, conversation, charge)` saves a turn's interaction, its conversation
      and its ledger row in one transaction (all or none); `save_interaction(record, charge)` saves an interaction
      and its ledger row together. The ledger has one row per interaction (keyed by its id): saving a charge
      again updates the tokens and cost but keeps `charged_at`, so a retried or replayed write never doubles it.
    - Leases (one watcher per running interaction across processes): `claim` takes a free, expired or own
      lease (renewing it), or one held by `steal_from`; `lease_holder` names the live holder; `release` frees
      it if still held by that holder; `renew_leases` extends every lease of a holder in one statement. Expiry is
      wall-clock seconds, compared by the database.
    - Cache: `put_cached(key, value)` keeps one JSON text per key with its write time; `get_cached` returns both.
    - Idempotency keys: `reserve_key` atomically either reserves (owner, key) for the caller (None) or returns the
      reservation younger than `ttl` (an older one is replaced), so two processes never both start the work;
      `bind_key` records the interaction it started, `release_key` frees it after a failed start.
    - Turns of one conversation never fork: `conversation_turn_lock` admits one turn at a time for everyone on
      the database (SQLite: within the process; PostgreSQL: an advisory lock, across replicas).
    - `wait_interaction_change` returns as soon as the interaction was saved by anyone (PostgreSQL: LISTEN/NOTIFY;
      SQLite: polling the row), so a waiter on one replica sees the watcher's progress on another.
    - The schema comes from `migrations.MIGRATIONS`; each backend records the applied version its own way.
    """

    async def get_conversation(self, owner: str, conversation_id: str) -> Conversation | None: ...
    async def save_conversation(self, conversation: Conversation) -> None: ...
    async def list_conversations(self, owner: str, limit: int) -> list[Conversation]: ...
    async def delete_conversation(self, owner: str, conversation_id: str) -> bool:
        """Forget the conversation and its finished interactions; running ones stay, detached. False if unknown."""
        ...

    async def get_interaction(self, owner: str, interaction_id: str) -> InteractionRecord | None: ...
    async def save_interaction(self, record: InteractionRecord, charge: Charge | None = None) -> None: ...
    async def record_turn(
        self, interaction: InteractionRecord, conversation: Conversation, charge: Charge | None = None
    ) -> None:
        """Save a turn's interaction, its conversation and its ledger row atomically."""
        ...

    async def charges(self, owner: str, since: float) -> list[Charge]:
        """The owner's ledger rows charged at or after `since`, oldest first."""
        ...

    async def list_interactions(
        self, owner: str, *, status: str | None, limit: int, conversation_id: str | None = None
    ) -> list[InteractionRecord]: ...
    async def running_interactions(self) -> list[InteractionRecord]:
        """Every owner's interactions still running (research runs and turns that outlived their call), oldest
        first."""
        ...

    async def interaction_known(self, interaction_id: str) -> bool:
        """True if any owner has this interaction (an id someone else owns must not be imported again)."""
        ...

    async def claim(self, interaction_id: str, holder: str, ttl: float, *, steal_from: str | None = None) -> bool:
        """Take or renew the lease for `ttl` seconds; True if `holder` now holds it."""
        ...

    async def claim_unfollowed(self, holder: str, ttl: float, limit: int) -> list[InteractionRecord]:
        """Lease up to `limit` running interactions nobody holds a live lease on (oldest first) to `holder`,
        skipping rows another replica is claiming at this moment; the records now leased. A row saved in the
        last `ADOPT_AFTER` seconds without a lease is left alone: its writer is taking the lease right now."""
        ...

    async def lease_holder(self, interaction_id: str) -> str | None: ...
    async def wanted_by(self, holder: str, at: float) -> dict[str, float]:
        """The interactions `holder` leases that a caller waits on after `at` (wall clock): id -> `wanted_until`."""
        ...

    async def renew_leases(self, holder: str, ttl: float) -> int:
        """Extend every lease `holder` holds by `ttl` seconds from now; the number renewed."""
        ...

    async def release(self, interaction_id: str, holder: str) -> None: ...
    async def get_cached(self, key: str) -> tuple[str, float] | None: ...
    async def put_cached(self, key: str, value: str) -> None: ...
    async def reserve_key(self, owner: str, key: str, fingerprint: str, ttl: float) -> IdempotencyKey | None: ...
    async def bind_key(self, owner: str, key: str, interaction_id: str) -> None: ...
    async def release_key(self, owner: str, key: str) -> None: ...
    @property
    def tasks(self) -> TaskStore:
        """The MCP tasks kept beside the interactions (`store/tasks.py`)."""
        ...

    def conversation_turn_lock(self, owner: str, conversation_id: str) -> AbstractAsyncContextManager[None]:
        """Held for the whole of one turn of the conversation: a second turn waits for the first to be recorded."""
        ...

    async def wait_interaction_change(self, interaction_id: str, since: float, timeout: float) -> bool:
        """Wait up to `timeout` s until the interaction's `updated` differs from `since`; True if it does."""
        ...

    @property
    def pushes_changes(self) -> bool:
        """True when `wait_interaction_change` is woken by the database (cheap to wait on for many runs)."""
        ...

    async def want(self, interaction_id: str, until: float) -> None:
        """A caller (on any replica) waits on the interaction until `until` (wall clock): its follower streams it."""
        ...

    async def schema_version(self) -> int: ...
    async def close(self) -> None: ...
