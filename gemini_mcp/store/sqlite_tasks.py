"""The SQLite `TaskStore`: the `tasks` table, run on the `SQLiteStore`'s read and write lanes."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

from gemini_mcp.store import rows
from gemini_mcp.store.tasks import TaskRecord

Lane = Callable[[Callable[[sqlite3.Connection], Any]], Awaitable[Any]]


class SQLiteTaskStore:
    """`TaskStore` over the database of a `SQLiteStore` (its lanes keep the event loop free)."""

    def __init__(self, read: Lane, write: Lane) -> None:
        self._read = read
        self._write = write

    async def save_task(self, task: TaskRecord) -> None:
        values = rows.task_values(task)
        await self._write(lambda db: db.execute(rows.SAVE_TASK, values))

    async def get_task(self, owner: str, task_id: str) -> TaskRecord | None:
        sql = "SELECT * FROM tasks WHERE id = ? AND owner = ?"
        row = await self._read(lambda db: db.execute(sql, (task_id, owner)).fetchone())
        return rows.task(row) if row else None

    async def list_tasks(self, owner: str, *, offset: int, limit: int) -> list[TaskRecord]:
        sql = "SELECT * FROM tasks WHERE owner = ? ORDER BY created DESC, id LIMIT ? OFFSET ?"
        found = await self._read(lambda db: db.execute(sql, (owner, limit, offset)).fetchall())
        return [rows.task(row) for row in found]

    async def purge_expired_tasks(self, now: float) -> int:
        sql = "DELETE FROM tasks WHERE ttl_ms IS NOT NULL AND created + ttl_ms / 1000.0 < ?"
        return int(await self._write(lambda db: db.execute(sql, (now,)).rowcount))
