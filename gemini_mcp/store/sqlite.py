"""The SQLite `Store`: one WAL database file in the data dir, queried off the event loop."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import AsyncGenerator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

import anyio
import anyio.to_thread

from gemini_mcp.errors import StoreBusyError, StoreError, StoreSchemaError
from gemini_mcp.store import rows
from gemini_mcp.store.keys import CacheAndKeys
from gemini_mcp.store.migrations import SCHEMA_VERSION, pending
from gemini_mcp.store.port import ADOPT_AFTER, RUNNING_STATUSES, Charge, Conversation, InteractionRecord, now
from gemini_mcp.store.sqlite_tasks import SQLiteTaskStore

T = TypeVar("T")
POLL_EVERY = 0.5  # seconds between reads of a row `wait_interaction_change` waits on
BUSY_TIMEOUT = 10.0  # seconds a statement waits for another process's write lock before StoreBusyError


class SQLiteStore(CacheAndKeys):
    """`Store` over one SQLite file, with `synchronous=NORMAL` (survives a process kill).

    Two connections, each run by one worker thread at a time (a `CapacityLimiter(1)` lane): writes are
    serialized on the writer, and reads use their own connection, so a write waiting up to `BUSY_TIMEOUT`
    for another process's lock never holds up a read (WAL lets reads proceed under a foreign write lock).
    The schema version is `PRAGMA user_version`.
    """

    def __init__(self, path: Path, *, busy_timeout: float = BUSY_TIMEOUT) -> None:
        """Open and migrate synchronously; from async code use `await SQLiteStore.open(path)`."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._writer = _connect(path, busy_timeout)
        try:
            _guarded(_migrate, self._writer)
        except BaseException:
            self._writer.close()
            raise
        self._reader = _connect(path, busy_timeout)
        self._reader.execute("PRAGMA query_only = ON")
        self._write_lane = anyio.CapacityLimiter(1)
        self._read_lane = anyio.CapacityLimiter(1)
        self._turn_locks: dict[tuple[str, str], anyio.Lock] = {}
        self.tasks = SQLiteTaskStore(self._read, self._write)

    @classmethod
    async def open(cls, path: Path, *, busy_timeout: float = BUSY_TIMEOUT) -> SQLiteStore:
        return await anyio.to_thread.run_sync(lambda: cls(path, busy_timeout=busy_timeout))

    async def _read(self, job: Callable[[sqlite3.Connection], T]) -> T:
        return await anyio.to_thread.run_sync(_guarded, job, self._reader, limiter=self._read_lane)

    async def _write(self, job: Callable[[sqlite3.Connection], T]) -> T:
        return await anyio.to_thread.run_sync(_guarded, job, self._writer, limiter=self._write_lane)

    async def schema_version(self) -> int:
        return await self._read(_user_version)

    # -- conversations

    async def get_conversation(self, owner: str, conversation_id: str) -> Conversation | None:
        sql = "SELECT * FROM conversations WHERE id = ? AND owner = ?"
        row = await self._read(lambda db: db.execute(sql, (conversation_id, owner)).fetchone())
        return rows.conversation(row) if row else None

    async def save_conversation(self, conversation: Conversation) -> None:
        await self._write(lambda db: _save_conversation(db, conversation))

    async def list_conversations(self, owner: str, limit: int) -> list[Conversation]:
        sql = "SELECT * FROM conversations WHERE owner = ? ORDER BY updated DESC LIMIT ?"
        found = await self._read(lambda db: db.execute(sql, (owner, limit)).fetchall())
        return [rows.conversation(row) for row in found]

    async def delete_conversation(self, owner: str, conversation_id: str) -> bool:
        def delete(db: sqlite3.Connection) -> bool:
            cursor = db.execute("DELETE FROM conversations WHERE id = ? AND owner = ?", (conversation_id, owner))
            if not cursor.rowcount:
                return False
            db.execute(
                "DELETE FROM interactions WHERE conversation_id = ? AND owner = ? AND status NOT IN (?, ?, ?, ?)",
                (conversation_id, owner, *RUNNING_STATUSES),
            )
            db.execute(
                "UPDATE interactions SET conversation_id = NULL WHERE conversation_id = ? AND owner = ?",
                (conversation_id, owner),
            )
            return True

        return await self._write(lambda db: _transaction(db, delete))

    @asynccontextmanager
    async def conversation_turn_lock(self, owner: str, conversation_id: str) -> AsyncGenerator[None]:
        """One turn of the conversation at a time in this process (each turn's write is one BEGIN IMMEDIATE)."""
        key = (owner, conversation_id)
        lock = self._turn_locks.setdefault(key, anyio.Lock())
        try:
            async with lock:
                yield
        finally:
            if not lock.locked() and not lock.statistics().tasks_waiting:
                self._turn_locks.pop(key, None)

    # -- interactions

    async def get_interaction(self, owner: str, interaction_id: str) -> InteractionRecord | None:
        sql = "SELECT * FROM interactions WHERE id = ? AND owner = ?"
        row = await self._read(lambda db: db.execute(sql, (interaction_id, owner)).fetchone())
        return rows.interaction(row) if row else None

    async def save_interaction(self, record: InteractionRecord, charge: Charge | None = None) -> None:
        await self._write(lambda db: _save_rows(db, record, None, charge))

    async def record_turn(
        self, interaction: InteractionRecord, conversation: Conversation, charge: Charge | None = None
    ) -> None:
        await self._write(lambda db: _save_rows(db, interaction, conversation, charge))

    async def charges(self, owner: str, since: float) -> list[Charge]:
        found = await self._read(lambda db: db.execute(rows.SELECT_CHARGES, (owner, since)).fetchall())
        return [rows.charge(row) for row in found]

    async def list_interactions(
        self, owner: str, *, status: str | None, limit: int, conversation_id: str | None = None
    ) -> list[InteractionRecord]:
        sql, args = rows.select_interactions(owner, status, conversation_id, limit)
        found = await self._read(lambda db: db.execute(sql, args).fetchall())
        return [rows.interaction(row) for row in found]

    async def running_interactions(self) -> list[InteractionRecord]:
        sql = "SELECT * FROM interactions WHERE status IN (?, ?, ?, ?) ORDER BY created"
        found = await self._read(lambda db: db.execute(sql, RUNNING_STATUSES).fetchall())
        return [rows.interaction(row) for row in found]

    async def interaction_known(self, interaction_id: str) -> bool:
        sql = "SELECT 1 FROM interactions WHERE id = ?"
        return await self._read(lambda db: db.execute(sql, (interaction_id,)).fetchone()) is not None

    async def wait_interaction_change(self, interaction_id: str, since: float, timeout: float) -> bool:
        sql = "SELECT updated FROM interactions WHERE id = ?"
        deadline = anyio.current_time() + timeout
        while True:
            row = await self._read(lambda db: db.execute(sql, (interaction_id,)).fetchone())
            if row is not None and row[0] != since:
                return True
            remaining = deadline - anyio.current_time()
            if remaining <= 0:
                return False
            await anyio.sleep(min(POLL_EVERY, remaining))

    @property
    def pushes_changes(self) -> bool:
        return False  # waiting polls the row

    async def want(self, interaction_id: str, until: float) -> None:
        sql = "UPDATE interactions SET wanted_until = max(coalesce(wanted_until, 0), ?) WHERE id = ?"
        await self._write(lambda db: db.execute(sql, (until, interaction_id)))

    # -- watcher leases

    async def claim(self, interaction_id: str, holder: str, ttl: float, *, steal_from: str | None = None) -> bool:
        sql = (
            "UPDATE interactions SET lease_owner = ?, lease_expires = ? WHERE id = ?"
            " AND (lease_owner IS NULL OR lease_owner = ? OR lease_owner = ? OR lease_expires < ?)"
        )
        stamp = now()
        args = (holder, stamp + ttl, interaction_id, holder, steal_from, stamp)
        return await self._write(lambda db: db.execute(sql, args).rowcount > 0)

    async def claim_unfollowed(self, holder: str, ttl: float, limit: int) -> list[InteractionRecord]:
        sql = (
            "UPDATE interactions SET lease_owner = ?, lease_expires = ? WHERE id IN ("
            "SELECT id FROM interactions WHERE status IN (?, ?, ?, ?)"
            " AND ((lease_owner IS NULL AND updated < ?) OR lease_expires < ?) ORDER BY created LIMIT ?) RETURNING *"
        )
        stamp = now()
        args = (holder, stamp + ttl, *RUNNING_STATUSES, stamp - ADOPT_AFTER, stamp, limit)
        found = await self._write(lambda db: db.execute(sql, args).fetchall())
        return sorted((rows.interaction(row) for row in found), key=lambda r: r.created)

    async def lease_holder(self, interaction_id: str) -> str | None:
        sql = "SELECT lease_owner FROM interactions WHERE id = ? AND lease_expires >= ?"
        row = await self._read(lambda db: db.execute(sql, (interaction_id, now())).fetchone())
        return row[0] if row else None

    async def wanted_by(self, holder: str, at: float) -> dict[str, float]:
        sql = "SELECT id, wanted_until FROM interactions WHERE lease_owner = ? AND wanted_until > ?"
        return dict(await self._read(lambda db: db.execute(sql, (holder, at)).fetchall()))

    async def renew_leases(self, holder: str, ttl: float) -> int:
        sql = "UPDATE interactions SET lease_expires = ? WHERE lease_owner = ?"
        return await self._write(lambda db: db.execute(sql, (now() + ttl, holder)).rowcount)

    async def release(self, interaction_id: str, holder: str) -> None:
        sql = "UPDATE interactions SET lease_owner = NULL, lease_expires = NULL WHERE id = ? AND lease_owner = ?"
        await self._write(lambda db: db.execute(sql, (interaction_id, holder)))

    async def close(self) -> None:
        with anyio.CancelScope(shield=True):
            await self._write(lambda db: db.close())
            await self._read(lambda db: db.close())


def _connect(path: Path, busy_timeout: float) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=busy_timeout)
    db.row_factory = sqlite3.Row
    db.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
    _wal(db, busy_timeout)
    db.execute("PRAGMA synchronous = NORMAL")
    return db


def _wal(db: sqlite3.Connection, busy_timeout: float) -> None:
    """Switch to WAL. SQLite does not run the busy handler for this switch, so a process opening the same new
    database at the same moment makes it fail with "locked" at once: retry it within the busy timeout."""
    deadline = time.monotonic() + busy_timeout
    while True:
        try:
            db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _guarded(job: Callable[[sqlite3.Connection], T], db: sqlite3.Connection) -> T:
    """Run `job` on `db` (in a worker thread), translating SQLite failures into the error tree."""
    try:
        return job(db)
    except sqlite3.OperationalError as exc:
        if exc.sqlite_errorcode & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            raise StoreBusyError(db.execute("PRAGMA busy_timeout").fetchone()[0] / 1000) from exc
        raise StoreError(f"The conversation store failed: {exc}") from exc
    except sqlite3.Error as exc:
        raise StoreError(f"The conversation store failed: {exc}") from exc


def _transaction(db: sqlite3.Connection, job: Callable[[sqlite3.Connection], T]) -> T:
    db.execute("BEGIN IMMEDIATE")
    try:
        result = job(db)
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return result


def _user_version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def _migrate(db: sqlite3.Connection) -> None:
    """Apply pending migrations under the write lock (two processes starting together migrate once)."""

    def apply(db: sqlite3.Connection) -> None:
        for migration in pending(_user_version(db)):
            for statement in migration.statements:
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {migration.version}")

    version = _user_version(db)
    if version > SCHEMA_VERSION:
        raise StoreSchemaError(
            f"The database has schema version {version}, newer than this gemini-mcp ({SCHEMA_VERSION}). "
            "Upgrade gemini-mcp or use another GEMINI_MCP_DATA_DIR."
        )
    if pending(version):
        _transaction(db, apply)


def _save_rows(db: sqlite3.Connection, r: InteractionRecord, c: Conversation | None, charge: Charge | None) -> None:
    """An interaction, with its conversation and ledger row when given: several rows in one transaction."""

    def save(db: sqlite3.Connection) -> None:
        db.execute(rows.SAVE_INTERACTION, rows.interaction_values(r))
        if c is not None:
            _save_conversation(db, c)
        if charge is not None:
            db.execute(rows.SAVE_CHARGE, rows.charge_values(charge))

    _transaction(db, save) if c is not None or charge is not None else save(db)


def _save_conversation(db: sqlite3.Connection, c: Conversation) -> None:
    db.execute(rows.SAVE_CONVERSATION, rows.conversation_values(c))
