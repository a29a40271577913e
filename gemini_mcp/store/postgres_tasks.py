"""The PostgreSQL `TaskStore`: the `tasks` table, over the `PostgresStore`'s pooled connections."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import LiteralString

from gemini_mcp.store import rows
from gemini_mcp.store.pgkeys import Conn
from gemini_mcp.store.tasks import TaskRecord

_SAVE: LiteralString = rows.SAVE_TASK.replace("?", "%s")  # pyright: ignore[reportAssignmentType]


class PostgresTaskStore:
    """`TaskStore` over the database of a `PostgresStore`."""

    def __init__(self, connection: Callable[[], AbstractAsyncContextManager[Conn]]) -> None:
        self._conn = connection

    async def save_task(self, task: TaskRecord) -> None:
        async with self._conn() as conn:
            await conn.execute(_SAVE, rows.task_values(task))

    async def get_task(self, owner: str, task_id: str) -> TaskRecord | None:
        async with self._conn() as conn:
            cursor = await conn.execute("SELECT * FROM tasks WHERE id = %s AND owner = %s", (task_id, owner))
            row = await cursor.fetchone()
        return rows.task(row) if row else None

    async def list_tasks(self, owner: str, *, offset: int, limit: int) -> list[TaskRecord]:
        sql: LiteralString = "SELECT * FROM tasks WHERE owner = %s ORDER BY created DESC, id LIMIT %s OFFSET %s"
        async with self._conn() as conn:
            found = await (await conn.execute(sql, (owner, limit, offset))).fetchall()
        return [rows.task(row) for row in found]

    async def purge_expired_tasks(self, now: float) -> int:
        sql: LiteralString = "DELETE FROM tasks WHERE ttl_ms IS NOT NULL AND created + ttl_ms / 1000.0 < %s"
        async with self._conn() as conn:
            return (await conn.execute(sql, (now,))).rowcount
