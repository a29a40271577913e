"""The SQLite `TaskStore`: the `tasks` table, run on the `SQLiteStore`'s read and write lanes."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from gemini_mcp.store.tasks import TaskRecord

T = TypeVar("T")
Lane = Callable[[Callable[[sqlite3.Connection], Any]], Awaitable[Any]]

_SAVE = (
    "INSERT INTO tasks (id, owner, tool, status, interaction_id, conversation_id, status_message, result, ttl_ms,"
    " poll_ms, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET"
    " status = excluded.status, status_message = excluded.status_message, result = excluded.result,"
    " updated = excluded.updated"
)


class SQLiteTaskStore:
    """`TaskStore` over the database of a `SQLiteStore` (its lanes keep the event loop free)."""

    def __init__(self, read: Lane, write: Lane) -> None:
        self._read = read
        self._write = write

    async def save_task(self, task: TaskRecord) -> None:
        t = task
        row = (
            t.id,
            t.owner,
            t.tool,
            t.status,
            t.interaction_id,
            t.conversation_id,
            t.status_message,
            json.dumps(t.result) if t.result is not None else None,
            t.ttl_ms,
            t.poll_ms,
            t.created,
            t.updated,
        )
        await self._write(lambda db: db.execute(_SAVE, row))

    async def get_task(self, owner: str, task_id: str) -> TaskRecord | None:
        sql = "SELECT * FROM tasks WHERE id = ? AND owner = ?"
        row = await self._read(lambda db: db.execute(sql, (task_id, owner)).fetchone())
        return _task(row) if row else None

    async def list_tasks(self, owner: str, *, offset: int, limit: int) -> list[TaskRecord]:
        sql = "SELECT * FROM tasks WHERE owner = ? ORDER BY created DESC, id LIMIT ? OFFSET ?"
        rows = await self._read(lambda db: db.execute(sql, (owner, limit, offset)).fetchall())
        return [_task(row) for row in rows]

    async def purge_expired_tasks(self, now: float) -> int:
        sql = "DELETE FROM tasks WHERE ttl_ms IS NOT NULL AND created + ttl_ms / 1000.0 < ?"
        return int(await self._write(lambda db: db.execute(sql, (now,)).rowcount))


def _task(row: sqlite3.Row) -> TaskRecord:
    return TaskRecord(
        id=row["id"],
        owner=row["owner"],
        tool=row["tool"],
        status=row["status"],
        interaction_id=row["interaction_id"],
        conversation_id=row["conversation_id"],
        status_message=row["status_message"],
        result=json.loads(row["result"]) if row["result"] else None,
        ttl_ms=row["ttl_ms"],
        poll_ms=row["poll_ms"],
        created=row["created"],
        updated=row["updated"],
    )
