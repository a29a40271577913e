"""The PostgreSQL `Store`: one shared database for every replica, over an async psycopg 3 connection pool."""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any, LiteralString

import anyio
import psycopg
from anyio.abc import TaskStatus
from psycopg import sql as pgsql
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from gemini_mcp.errors import StoreBusyError, StoreError, StoreSchemaError
from gemini_mcp.store import rows
from gemini_mcp.store.migrations import SCHEMA_VERSION, pending
from gemini_mcp.store.pgkeys import Conn, PgCacheAndKeys
from gemini_mcp.store.pgleases import CHANNEL, PgLeases
from gemini_mcp.store.port import RUNNING_STATUSES, Charge, Conversation, InteractionRecord
from gemini_mcp.store.postgres_tasks import PostgresTaskStore
from gemini_mcp.store.urls import mask_url

logger = logging.getLogger(__name__)


POOL_TIMEOUT = 10.0  # seconds a call waits for a free pooled connection before StoreBusyError
POOL_MAX = 10
MIGRATION_LOCK = 7_211_050_315  # advisory lock key: replicas starting together migrate once

_SAVE_CONVERSATION = rows.SAVE_CONVERSATION.replace("?", "%s")
_SAVE_INTERACTION = rows.SAVE_INTERACTION.replace("?", "%s")
_SAVE_CHARGE = rows.SAVE_CHARGE.replace("?", "%s")
_SELECT_CHARGES = rows.SELECT_CHARGES.replace("?", "%s")


class PostgresStore(PgCacheAndKeys, PgLeases):
    """`Store` over PostgreSQL (`GEMINI_MCP_DATABASE_URL=postgresql://...`), shared by every replica.

    Calls borrow a connection from an `AsyncConnectionPool` (autocommit; multi-statement writes in one
    transaction). The applied schema version lives in the `schema_version` table. Every saved interaction
    sends `NOTIFY gemini_mcp_interactions, '<id>'` with its commit, and `listen` (run in a task group by
    `open_store`) wakes `wait_interaction_change` callers in this process, whichever replica wrote it. Turns of
    one conversation are serialized across replicas by a session advisory lock on the conversation id.
    """

    def __init__(self, pool: AsyncConnectionPool[Conn], url: str) -> None:
        self._pool = pool
        self.url = url
        self._waiters: dict[str, anyio.Event] = {}
        self._turn_locks: dict[str, anyio.Lock] = {}
        self._listening = False
        self.tasks = PostgresTaskStore(self._conn)

    @classmethod
    async def open(cls, url: str, *, max_size: int = POOL_MAX) -> PostgresStore:
        pool: AsyncConnectionPool[Conn] = AsyncConnectionPool(
            url,
            min_size=1,
            max_size=max_size,
            timeout=POOL_TIMEOUT,
            kwargs={"autocommit": True, "row_factory": dict_row},
            open=False,
            name="gemini-mcp",
        )
        try:
            await pool.open(wait=True, timeout=POOL_TIMEOUT)
        except PoolTimeout as exc:
            await pool.close()
            raise StoreError(f"Cannot reach the PostgreSQL database at {mask_url(url)} ({exc}).") from exc
        store = cls(pool, url)
        try:
            await store._migrate()
        except BaseException:
            await pool.close()
            raise
        return store

    @asynccontextmanager
    async def _conn(self) -> AsyncGenerator[Conn]:
        try:
            async with self._pool.connection() as conn:
                yield conn
        except PoolTimeout as exc:
            raise StoreBusyError(POOL_TIMEOUT) from exc
        except psycopg.Error as exc:
            raise StoreError(f"The conversation store failed: {exc}") from exc

    async def _one(self, sql: LiteralString, args: tuple[Any, ...] | list[Any]) -> DictRow | None:
        async with self._conn() as conn:
            return await (await conn.execute(sql, args)).fetchone()

    async def _all(self, sql: LiteralString, args: tuple[Any, ...] | list[Any]) -> list[DictRow]:
        async with self._conn() as conn:
            return await (await conn.execute(sql, args)).fetchall()

    async def _migrate(self) -> None:
        async with self._conn() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            version = await _version(conn)
            if version > SCHEMA_VERSION:
                raise StoreSchemaError(
                    f"The database has schema version {version}, newer than this gemini-mcp ({SCHEMA_VERSION}). "
                    "Upgrade gemini-mcp or point GEMINI_MCP_DATABASE_URL at another database."
                )
            for migration in pending(version):
                for statement in migration.statements:
                    await conn.execute(pgsql.SQL(statement))  # pyright: ignore[reportArgumentType]  # trusted: from the list
                await conn.execute("DELETE FROM schema_version")
                await conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (migration.version,))
                logger.info("PostgreSQL store migrated to schema version %d", migration.version)

    async def schema_version(self) -> int:
        async with self._conn() as conn:
            return await _version(conn)

    # -- conversations

    async def get_conversation(self, owner: str, conversation_id: str) -> Conversation | None:
        row = await self._one("SELECT * FROM conversations WHERE id = %s AND owner = %s", (conversation_id, owner))
        return rows.conversation(row) if row else None

    async def save_conversation(self, conversation: Conversation) -> None:
        async with self._conn() as conn:
            await _save_conversation(conn, conversation)

    async def list_conversations(self, owner: str, limit: int) -> list[Conversation]:
        sql: LiteralString = "SELECT * FROM conversations WHERE owner = %s ORDER BY updated DESC LIMIT %s"
        return [rows.conversation(row) for row in await self._all(sql, (owner, limit))]

    async def delete_conversation(self, owner: str, conversation_id: str) -> bool:
        async with self._conn() as conn, conn.transaction():
            cursor = await conn.execute(
                "DELETE FROM conversations WHERE id = %s AND owner = %s", (conversation_id, owner)
            )
            if not cursor.rowcount:
                return False
            await conn.execute(
                "DELETE FROM interactions WHERE conversation_id = %s AND owner = %s AND status <> ALL(%s)",
                (conversation_id, owner, list(RUNNING_STATUSES)),
            )
            await conn.execute(
                "UPDATE interactions SET conversation_id = NULL WHERE conversation_id = %s AND owner = %s",
                (conversation_id, owner),
            )
            return True

    @asynccontextmanager
    async def conversation_turn_lock(self, owner: str, conversation_id: str) -> AsyncGenerator[None]:
        """One turn at a time across replicas (an advisory lock); queued here first: one pooled connection each."""
        key = f"{owner} {conversation_id}"  # hashed to the lock key: a rare collision only serializes more
        lock = self._turn_locks.setdefault(key, anyio.Lock())
        try:
            async with lock, self._conn() as conn:
                await conn.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", (key,))
                try:
                    yield
                finally:
                    with anyio.CancelScope(shield=True):
                        await conn.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (key,))
        finally:
            if not lock.locked() and not lock.statistics().tasks_waiting:
                self._turn_locks.pop(key, None)

    # -- interactions

    async def get_interaction(self, owner: str, interaction_id: str) -> InteractionRecord | None:
        row = await self._one("SELECT * FROM interactions WHERE id = %s AND owner = %s", (interaction_id, owner))
        return rows.interaction(row) if row else None

    async def save_interaction(self, record: InteractionRecord, charge: Charge | None = None) -> None:
        await self._save_rows(record, None, charge)

    async def record_turn(
        self, interaction: InteractionRecord, conversation: Conversation, charge: Charge | None = None
    ) -> None:
        await self._save_rows(interaction, conversation, charge)

    async def _save_rows(self, r: InteractionRecord, c: Conversation | None, charge: Charge | None) -> None:
        """An interaction, with its conversation and ledger row when given, in one transaction."""
        async with self._conn() as conn, conn.transaction():
            await conn.execute(_SAVE_INTERACTION, rows.interaction_values(r))
            await conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, r.id))  # delivered when the transaction commits
            if c is not None:
                await _save_conversation(conn, c)
            if charge is not None:
                await conn.execute(_SAVE_CHARGE, rows.charge_values(charge))  # pyright: ignore[reportArgumentType]

    async def charges(self, owner: str, since: float) -> list[Charge]:
        found = await self._all(_SELECT_CHARGES, (owner, since))  # pyright: ignore[reportArgumentType]
        return [rows.charge(row) for row in found]

    async def list_interactions(
        self, owner: str, *, status: str | None, limit: int, conversation_id: str | None = None
    ) -> list[InteractionRecord]:
        sql, args = rows.select_interactions(owner, status, conversation_id, limit)
        found = await self._all(sql.replace("?", "%s"), args)  # pyright: ignore[reportArgumentType]
        return [rows.interaction(row) for row in found]

    async def running_interactions(self) -> list[InteractionRecord]:
        sql: LiteralString = "SELECT * FROM interactions WHERE status = ANY(%s) ORDER BY created"
        return [rows.interaction(row) for row in await self._all(sql, (list(RUNNING_STATUSES),))]

    async def interaction_known(self, interaction_id: str) -> bool:
        return await self._one("SELECT 1 AS known FROM interactions WHERE id = %s", (interaction_id,)) is not None

    async def wait_interaction_change(self, interaction_id: str, since: float, timeout: float) -> bool:
        """Wait (up to `timeout` s) for a NOTIFY naming the interaction; True if it changed after `since`."""
        event = self._waiters.get(interaction_id)
        if event is None:
            event = self._waiters[interaction_id] = anyio.Event()
        row = await self._one("SELECT updated FROM interactions WHERE id = %s", (interaction_id,))
        if row is not None and row["updated"] != since:
            return True
        if not self._listening:  # no listener in this process (opened without open_store): poll once at the end
            await anyio.sleep(timeout)
        else:
            with anyio.move_on_after(timeout):
                await event.wait()
        row = await self._one("SELECT updated FROM interactions WHERE id = %s", (interaction_id,))
        return row is not None and row["updated"] != since

    @property
    def pushes_changes(self) -> bool:
        return self._listening

    async def want(self, interaction_id: str, until: float) -> None:
        sql: LiteralString = "UPDATE interactions SET wanted_until = greatest(wanted_until, %s) WHERE id = %s"
        async with self._conn() as conn, conn.transaction():
            await conn.execute(sql, (until, interaction_id))
            await conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, interaction_id))

    async def listen(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """LISTEN for saved interactions and wake this process's waiters; runs until cancelled."""
        conn = await psycopg.AsyncConnection.connect(self.url, autocommit=True)
        try:
            await conn.execute(f"LISTEN {CHANNEL}")
            self._listening = True
            task_status.started()
            async for note in conn.notifies():
                event = self._waiters.pop(note.payload, None)
                if event is not None:
                    event.set()
        finally:
            self._listening = False
            with anyio.CancelScope(shield=True):
                await conn.close()

    async def close(self) -> None:
        with anyio.CancelScope(shield=True):
            await self._pool.close()


async def _version(conn: Conn) -> int:
    row = await (await conn.execute("SELECT max(version) AS v FROM schema_version")).fetchone()
    return int(row["v"]) if row and row["v"] is not None else 0


async def _save_conversation(conn: Conn, c: Conversation) -> None:
    await conn.execute(_SAVE_CONVERSATION, rows.conversation_values(c))
