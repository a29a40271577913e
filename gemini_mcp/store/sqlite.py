"""Persistence: conversations and interactions, behind the small `Store` interface.

`SQLiteStore` is the embedded default: one WAL-mode database file in the data dir, versioned
with `PRAGMA user_version` and forward-only migrations. Every query is a short indexed
statement run synchronously on the event loop thread (sub-millisecond with WAL and
`synchronous=NORMAL`, which survives a process kill). The interface is async so a networked
store (PostgreSQL) can implement it without changing callers. All reads are owner-scoped: an id
owned by someone else behaves exactly like an unknown id.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

PROGRESS_KEEP = 50


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


class Store(Protocol):
    async def get_conversation(self, owner: str, conversation_id: str) -> Conversation | None: ...
    async def save_conversation(self, conversation: Conversation) -> None: ...
    async def list_conversations(self, owner: str, limit: int) -> list[Conversation]: ...
    async def delete_conversation(self, owner: str, conversation_id: str) -> bool: ...
    async def get_interaction(self, owner: str, interaction_id: str) -> InteractionRecord | None: ...
    async def save_interaction(self, record: InteractionRecord) -> None: ...
    async def list_interactions(
        self, owner: str, *, status: str | None, limit: int, conversation_id: str | None = None
    ) -> list[InteractionRecord]: ...
    async def running_interactions(self) -> list[InteractionRecord]: ...
    async def claim(self, interaction_id: str, holder: str, ttl: float, *, steal_from: str | None = None) -> bool: ...
    async def lease_holder(self, interaction_id: str) -> str | None: ...
    async def release(self, interaction_id: str, holder: str) -> None: ...
    async def close(self) -> None: ...


_MIGRATIONS: list[str] = [
    # 1: initial schema
    """
    CREATE TABLE conversations (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        title TEXT NOT NULL,
        last_interaction_id TEXT,
        turns INTEGER NOT NULL DEFAULT 0,
        config TEXT NOT NULL DEFAULT '{}',
        created REAL NOT NULL,
        updated REAL NOT NULL
    );
    CREATE INDEX conversations_owner_updated ON conversations(owner, updated DESC);
    CREATE TABLE interactions (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        kind TEXT NOT NULL,
        status TEXT NOT NULL,
        conversation_id TEXT,
        model TEXT,
        agent TEXT,
        prompt TEXT NOT NULL DEFAULT '',
        progress TEXT NOT NULL DEFAULT '[]',
        event_cursor TEXT,
        output_text TEXT NOT NULL DEFAULT '',
        usage TEXT,
        error TEXT,
        steps TEXT NOT NULL DEFAULT '[]',
        lease_owner TEXT,
        lease_expires REAL,
        created REAL NOT NULL,
        updated REAL NOT NULL
    );
    CREATE INDEX interactions_owner_updated ON interactions(owner, updated DESC);
    CREATE INDEX interactions_status ON interactions(status);
    CREATE INDEX interactions_conversation ON interactions(conversation_id);
    """,
]

SCHEMA_VERSION = len(_MIGRATIONS)
_RUNNING = ("in_progress", "queued", "idle", "requires_continuation")


def now() -> float:
    return time.time()


class SQLiteStore:
    """`Store` over one SQLite file (WAL)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10.0)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=10000")
        self._migrate()

    def _migrate(self) -> None:
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise RuntimeError(
                f"The database {self.path} has schema version {version}, newer than this gemini-mcp "
                f"({SCHEMA_VERSION}). Upgrade gemini-mcp or use another GEMINI_MCP_DATA_DIR."
            )
        for number in range(version, SCHEMA_VERSION):
            self._db.executescript(f"BEGIN; {_MIGRATIONS[number]}; PRAGMA user_version = {number + 1}; COMMIT;")

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    # -- conversations

    async def get_conversation(self, owner: str, conversation_id: str) -> Conversation | None:
        row = self._db.execute(
            "SELECT * FROM conversations WHERE id = ? AND owner = ?", (conversation_id, owner)
        ).fetchone()
        return _conversation(row) if row else None

    async def save_conversation(self, conversation: Conversation) -> None:
        c = conversation
        self._db.execute(
            "INSERT INTO conversations (id, owner, title, last_interaction_id, turns, config, created, updated)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET title = excluded.title,"
            " last_interaction_id = excluded.last_interaction_id, turns = excluded.turns,"
            " config = excluded.config, updated = excluded.updated",
            (c.id, c.owner, c.title, c.last_interaction_id, c.turns, json.dumps(c.config), c.created, c.updated),
        )

    async def list_conversations(self, owner: str, limit: int) -> list[Conversation]:
        rows = self._db.execute(
            "SELECT * FROM conversations WHERE owner = ? ORDER BY updated DESC LIMIT ?", (owner, limit)
        ).fetchall()
        return [_conversation(row) for row in rows]

    async def delete_conversation(self, owner: str, conversation_id: str) -> bool:
        cursor = self._db.execute("DELETE FROM conversations WHERE id = ? AND owner = ?", (conversation_id, owner))
        if cursor.rowcount:
            self._db.execute(
                "DELETE FROM interactions WHERE conversation_id = ? AND owner = ? AND status NOT IN (?, ?, ?, ?)",
                (conversation_id, owner, *_RUNNING),
            )
            self._db.execute(
                "UPDATE interactions SET conversation_id = NULL WHERE conversation_id = ? AND owner = ?",
                (conversation_id, owner),
            )
        return cursor.rowcount > 0

    # -- interactions

    async def get_interaction(self, owner: str, interaction_id: str) -> InteractionRecord | None:
        row = self._db.execute(
            "SELECT * FROM interactions WHERE id = ? AND owner = ?", (interaction_id, owner)
        ).fetchone()
        return _interaction(row) if row else None

    async def save_interaction(self, record: InteractionRecord) -> None:
        r = record
        self._db.execute(
            "INSERT INTO interactions (id, owner, kind, status, conversation_id, model, agent, prompt, progress,"
            " event_cursor, output_text, usage, error, steps, created, updated)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET"
            " status = excluded.status, conversation_id = excluded.conversation_id, progress = excluded.progress,"
            " event_cursor = excluded.event_cursor, output_text = excluded.output_text, usage = excluded.usage,"
            " error = excluded.error, steps = excluded.steps, updated = excluded.updated",
            (
                r.id,
                r.owner,
                r.kind,
                r.status,
                r.conversation_id,
                r.model,
                r.agent,
                r.prompt,
                json.dumps(r.progress[-PROGRESS_KEEP:]),
                r.event_cursor,
                r.output_text,
                json.dumps(r.usage) if r.usage is not None else None,
                r.error,
                json.dumps(r.steps),
                r.created,
                r.updated,
            ),
        )

    async def list_interactions(
        self, owner: str, *, status: str | None, limit: int, conversation_id: str | None = None
    ) -> list[InteractionRecord]:
        sql = "SELECT * FROM interactions WHERE owner = ?"
        args: list[Any] = [owner]
        if status is not None:
            sql += " AND status = ?"
            args.append(status)
        if conversation_id is not None:
            sql += " AND conversation_id = ?"
            args.append(conversation_id)
        sql += " ORDER BY updated DESC LIMIT ?"
        args.append(limit)
        return [_interaction(row) for row in self._db.execute(sql, args).fetchall()]

    async def running_interactions(self) -> list[InteractionRecord]:
        rows = self._db.execute(
            "SELECT * FROM interactions WHERE kind = 'agent' AND status IN (?, ?, ?, ?) ORDER BY created",
            _RUNNING,
        ).fetchall()
        return [_interaction(row) for row in rows]

    # -- watcher leases: one follower per running interaction across processes sharing the database

    async def claim(self, interaction_id: str, holder: str, ttl: float, *, steal_from: str | None = None) -> bool:
        """Take or renew the lease; True if `holder` now holds it (free, expired, ours, or held by `steal_from`)."""
        stamp = now()
        cursor = self._db.execute(
            "UPDATE interactions SET lease_owner = ?, lease_expires = ? WHERE id = ?"
            " AND (lease_owner IS NULL OR lease_owner = ? OR lease_owner = ? OR lease_expires < ?)",
            (holder, stamp + ttl, interaction_id, holder, steal_from, stamp),
        )
        return cursor.rowcount > 0

    async def lease_holder(self, interaction_id: str) -> str | None:
        row = self._db.execute(
            "SELECT lease_owner FROM interactions WHERE id = ? AND lease_expires >= ?", (interaction_id, now())
        ).fetchone()
        return row[0] if row else None

    async def release(self, interaction_id: str, holder: str) -> None:
        self._db.execute(
            "UPDATE interactions SET lease_owner = NULL, lease_expires = NULL WHERE id = ? AND lease_owner = ?",
            (interaction_id, holder),
        )

    async def close(self) -> None:
        self._db.close()


def _conversation(row: sqlite3.Row) -> Conversation:
    return Conversation(
        id=row["id"],
        owner=row["owner"],
        title=row["title"],
        last_interaction_id=row["last_interaction_id"],
        turns=row["turns"],
        config=json.loads(row["config"]),
        created=row["created"],
        updated=row["updated"],
    )


def _interaction(row: sqlite3.Row) -> InteractionRecord:
    return InteractionRecord(
        id=row["id"],
        owner=row["owner"],
        kind=row["kind"],
        status=row["status"],
        conversation_id=row["conversation_id"],
        model=row["model"],
        agent=row["agent"],
        prompt=row["prompt"],
        progress=json.loads(row["progress"]),
        event_cursor=row["event_cursor"],
        output_text=row["output_text"],
        usage=json.loads(row["usage"]) if row["usage"] else None,
        error=row["error"],
        steps=json.loads(row["steps"]),
        created=row["created"],
        updated=row["updated"],
    )
