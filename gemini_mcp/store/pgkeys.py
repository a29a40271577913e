"""PostgreSQL queries of the cache table (small JSON values, e.g. the live model list) and of idempotency keys.

The PostgreSQL twin of `keys.py`: an idempotency key is reserved by one upsert that only replaces a stale
reservation, so two replicas cannot both start the work. `PostgresStore` mixes this in.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import LiteralString

from psycopg import AsyncConnection
from psycopg.rows import DictRow

from gemini_mcp.store.port import IdempotencyKey, now

Conn = AsyncConnection[DictRow]

_RESERVE: LiteralString = (
    "INSERT INTO idempotency_keys (owner, key, fingerprint, interaction_id, created) VALUES (%s, %s, %s, NULL, %s)"
    " ON CONFLICT (owner, key) DO UPDATE SET fingerprint = excluded.fingerprint, interaction_id = NULL,"
    " created = excluded.created WHERE idempotency_keys.created < %s RETURNING owner"
)


class PgCacheAndKeys:
    """The cache and idempotency-key part of `PostgresStore` (over its pooled connections)."""

    def _conn(self) -> AbstractAsyncContextManager[Conn]:
        raise NotImplementedError

    async def get_cached(self, key: str) -> tuple[str, float] | None:
        async with self._conn() as conn:
            cursor = await conn.execute("SELECT value, updated FROM cache WHERE key = %s", (key,))
            row = await cursor.fetchone()
        return (str(row["value"]), float(row["updated"])) if row else None

    async def put_cached(self, key: str, value: str) -> None:
        async with self._conn() as conn:
            await conn.execute(
                "INSERT INTO cache (key, value, updated) VALUES (%s, %s, %s)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated = excluded.updated",
                (key, value, now()),
            )

    async def reserve_key(self, owner: str, key: str, fingerprint: str, ttl: float) -> IdempotencyKey | None:
        """None when this caller now holds the key; else the live reservation (older than `ttl` ones are replaced)."""
        stamp = now()
        async with self._conn() as conn, conn.transaction():
            taken = await (await conn.execute(_RESERVE, (owner, key, fingerprint, stamp, stamp - ttl))).fetchone()
            if taken is not None:
                return None
            cursor = await conn.execute("SELECT * FROM idempotency_keys WHERE owner = %s AND key = %s", (owner, key))
            row = await cursor.fetchone()
        if row is None:  # pragma: no cover - the conflicting row was deleted in between: reserve again
            return await self.reserve_key(owner, key, fingerprint, ttl)
        return IdempotencyKey(row["owner"], row["key"], row["fingerprint"], row["interaction_id"], row["created"])

    async def bind_key(self, owner: str, key: str, interaction_id: str) -> None:
        async with self._conn() as conn:
            await conn.execute(
                "UPDATE idempotency_keys SET interaction_id = %s WHERE owner = %s AND key = %s",
                (interaction_id, owner, key),
            )

    async def release_key(self, owner: str, key: str) -> None:
        async with self._conn() as conn:
            await conn.execute("DELETE FROM idempotency_keys WHERE owner = %s AND key = %s", (owner, key))
