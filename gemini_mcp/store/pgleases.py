"""PostgreSQL queries of the watcher leases (one follower per running interaction across replicas).

Expiry is by the database's clock, so replicas on skewed machines agree; `claim_unfollowed` takes expired
leases with `FOR UPDATE SKIP LOCKED`, so two replicas adopting at once never take the same run.
`PostgresStore` mixes this in.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any, LiteralString

from psycopg.rows import DictRow

from gemini_mcp.store import rows
from gemini_mcp.store.pgkeys import Conn
from gemini_mcp.store.port import ADOPT_AFTER, RUNNING_STATUSES, InteractionRecord, now

CHANNEL = "gemini_mcp_interactions"  # NOTIFY channel: the payload is the id of an interaction just saved
_DB_NOW = "EXTRACT(EPOCH FROM clock_timestamp())::double precision"


class PgLeases:
    """The lease part of `PostgresStore` (over its pooled connections)."""

    def _conn(self) -> AbstractAsyncContextManager[Conn]:
        raise NotImplementedError

    async def _rowcount(self, sql: LiteralString, args: tuple[Any, ...]) -> int:
        async with self._conn() as conn:
            return (await conn.execute(sql, args)).rowcount

    async def _rows(self, sql: LiteralString, args: tuple[Any, ...]) -> list[DictRow]:
        async with self._conn() as conn:
            return await (await conn.execute(sql, args)).fetchall()

    async def _row(self, sql: LiteralString, args: tuple[Any, ...]) -> DictRow | None:
        async with self._conn() as conn:
            return await (await conn.execute(sql, args)).fetchone()

    async def claim(self, interaction_id: str, holder: str, ttl: float, *, steal_from: str | None = None) -> bool:
        sql: LiteralString = (
            f"UPDATE interactions SET lease_owner = %s, lease_expires = {_DB_NOW} + %s WHERE id = %s"
            f" AND (lease_owner IS NULL OR lease_owner = %s OR lease_owner = %s OR lease_expires < {_DB_NOW})"
        )
        return await self._rowcount(sql, (holder, ttl, interaction_id, holder, steal_from)) > 0

    async def claim_unfollowed(self, holder: str, ttl: float, limit: int) -> list[InteractionRecord]:
        sql: LiteralString = (
            f"UPDATE interactions SET lease_owner = %s, lease_expires = {_DB_NOW} + %s WHERE id IN ("
            "SELECT id FROM interactions WHERE status = ANY(%s)"
            f" AND ((lease_owner IS NULL AND updated < %s) OR lease_expires < {_DB_NOW}) ORDER BY created LIMIT %s"
            " FOR UPDATE SKIP LOCKED) RETURNING *"
        )
        found = await self._rows(sql, (holder, ttl, list(RUNNING_STATUSES), now() - ADOPT_AFTER, limit))
        return sorted((rows.interaction(row) for row in found), key=lambda r: r.created)

    async def lease_holder(self, interaction_id: str) -> str | None:
        sql: LiteralString = f"SELECT lease_owner FROM interactions WHERE id = %s AND lease_expires >= {_DB_NOW}"
        row = await self._row(sql, (interaction_id,))
        return row["lease_owner"] if row else None

    async def wanted_by(self, holder: str, at: float) -> dict[str, float]:
        sql: LiteralString = "SELECT id, wanted_until FROM interactions WHERE lease_owner = %s AND wanted_until > %s"
        return {row["id"]: row["wanted_until"] for row in await self._rows(sql, (holder, at))}

    async def renew_leases(self, holder: str, ttl: float) -> int:
        sql: LiteralString = f"UPDATE interactions SET lease_expires = {_DB_NOW} + %s WHERE lease_owner = %s"
        return await self._rowcount(sql, (ttl, holder))

    async def release(self, interaction_id: str, holder: str) -> None:
        sql: LiteralString = (
            "UPDATE interactions SET lease_owner = NULL, lease_expires = NULL WHERE id = %s AND lease_owner = %s"
        )
        async with self._conn() as conn, conn.transaction():
            if (await conn.execute(sql, (interaction_id, holder))).rowcount:
                await conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, interaction_id))  # observers take over now
