"""SQLite queries of the cache table (small JSON values, e.g. the live model list) and of idempotency keys.

An idempotency key is reserved by the first caller (`reserve_key` returns None) inside one write
transaction, so two processes sharing the database cannot both start the work; later callers get the
reservation and wait for its `interaction_id`. `SQLiteStore` mixes this in.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TypeVar

from gemini_mcp.store.port import IdempotencyKey, now

T = TypeVar("T")


class CacheAndKeys:
    """The cache and idempotency-key part of `SQLiteStore` (over its read and write lanes)."""

    async def _read(self, job: Callable[[sqlite3.Connection], T]) -> T:
        raise NotImplementedError

    async def _write(self, job: Callable[[sqlite3.Connection], T]) -> T:
        raise NotImplementedError

    async def get_cached(self, key: str) -> tuple[str, float] | None:
        row = await self._read(
            lambda db: db.execute("SELECT value, updated FROM cache WHERE key = ?", (key,)).fetchone()
        )
        return (str(row[0]), float(row[1])) if row else None

    async def put_cached(self, key: str, value: str) -> None:
        sql = (
            "INSERT INTO cache (key, value, updated) VALUES (?, ?, ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated = excluded.updated"
        )
        await self._write(lambda db: db.execute(sql, (key, value, now())))

    async def reserve_key(self, owner: str, key: str, fingerprint: str, ttl: float) -> IdempotencyKey | None:
        """None when this caller now holds the key; else the live reservation (older than `ttl` ones are replaced)."""
        return await self._write(lambda db: _reserve(db, owner, key, fingerprint, ttl))

    async def bind_key(self, owner: str, key: str, interaction_id: str) -> None:
        sql = "UPDATE idempotency_keys SET interaction_id = ? WHERE owner = ? AND key = ?"
        await self._write(lambda db: db.execute(sql, (interaction_id, owner, key)))

    async def release_key(self, owner: str, key: str) -> None:
        sql = "DELETE FROM idempotency_keys WHERE owner = ? AND key = ?"
        await self._write(lambda db: db.execute(sql, (owner, key)))


def _reserve(db: sqlite3.Connection, owner: str, key: str, fingerprint: str, ttl: float) -> IdempotencyKey | None:
    stamp = now()
    db.execute("BEGIN IMMEDIATE")
    try:
        row = db.execute(
            "SELECT * FROM idempotency_keys WHERE owner = ? AND key = ? AND created >= ?", (owner, key, stamp - ttl)
        ).fetchone()
        if row is None:
            db.execute(
                "INSERT INTO idempotency_keys (owner, key, fingerprint, interaction_id, created)"
                " VALUES (?, ?, ?, NULL, ?) ON CONFLICT(owner, key) DO UPDATE SET"
                " fingerprint = excluded.fingerprint, interaction_id = NULL, created = excluded.created",
                (owner, key, fingerprint, stamp),
            )
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    if row is None:
        return None
    return IdempotencyKey(row["owner"], row["key"], row["fingerprint"], row["interaction_id"], row["created"])
