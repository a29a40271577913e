"""MCP tasks over Gemini interactions, independent of the wire version: start, read, wait, list, cancel.

A task is a thin record beside the interaction a task-capable tool started (`ask_gemini` in the
background, `start_deep_research`): while it is `working` its state is the interaction's, which the
watcher follows (also after a restart); the first read after the interaction ended fixes the task's
terminal status and its result (the `CallToolResult` the tool would have returned, as wire JSON).
Wire adapters (`v2025.py` today, a 2026-07-28 extension adapter later) only translate.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import anyio

from gemini_mcp.core.interactions import Interactions
from gemini_mcp.core.watcher import Watcher
from gemini_mcp.store.tasks import TaskRecord, TaskStore

RUNNING = frozenset({"in_progress", "queued", "idle", "requires_continuation"})
DEFAULT_TTL_MS = 24 * 3600 * 1000
MIN_TTL_MS = 1000
MAX_TTL_MS = 7 * 24 * 3600 * 1000
LIST_PAGE = 50
WAIT_SLICE = 5.0  # seconds between store reads while a task's interaction runs

#: Builds a task's result (the tool's CallToolResult as wire JSON) from its finished interaction record.
ResultFn = Callable[[Any], Awaitable[dict[str, Any]]]
#: Rewrites a task-augmented call's arguments into the tool's start-and-return form.
PrepareFn = Callable[[dict[str, Any]], dict[str, Any]]
Clock = Callable[[], float]


class TaskNotFoundError(LookupError):
    """No such task for this owner (never created, another owner's, or past its TTL)."""


class TaskFinishedError(RuntimeError):
    """The task already reached a terminal status (so it cannot be cancelled)."""


@dataclass(frozen=True)
class TaskKind:
    """How one task-capable tool maps onto a task."""

    tool: str
    poll_ms: int
    result: ResultFn
    prepare: PrepareFn = dict


def new_task_id() -> str:
    return "task_" + secrets.token_hex(12)


def granted_ttl(requested: int | None) -> int:
    """The TTL the server keeps a task for (ms): the requested one within [1 s, 7 days], else 24 h."""
    if requested is None:
        return DEFAULT_TTL_MS
    return max(MIN_TTL_MS, min(int(requested), MAX_TTL_MS))


def is_error(result: Mapping[str, Any]) -> bool:
    return bool(result.get("isError"))


class TaskService:
    """Task state over a `TaskStore`, the interactions store and the watcher."""

    def __init__(
        self,
        tasks: TaskStore,
        interactions: Interactions,
        watcher: Watcher,
        kinds: Mapping[str, TaskKind],
        clock: Clock,
    ) -> None:
        self.tasks = tasks
        self.interactions = interactions
        self.watcher = watcher
        self.kinds = kinds
        self.clock = clock

    def supports(self, tool: str) -> bool:
        return tool in self.kinds

    async def start(
        self, owner: str, tool: str, ttl_ms: int | None, call_result: dict[str, Any], handle: tuple[str, str | None]
    ) -> TaskRecord:
        """Record a task for a tool call that returned `call_result` (a handle, or an error)."""
        stamp = self.clock()
        interaction_id, conversation_id = handle
        task = TaskRecord(
            id=new_task_id(),
            owner=owner,
            tool=tool,
            status="working",
            interaction_id=interaction_id or None,
            conversation_id=conversation_id,
            ttl_ms=granted_ttl(ttl_ms),
            poll_ms=self.kinds[tool].poll_ms,
            created=stamp,
            updated=stamp,
        )
        if is_error(call_result) or not interaction_id:
            task.status, task.result = "failed", call_result
            task.status_message = "The tool call failed; tasks/result returns its error."
        else:
            task.status_message = f"Gemini is working on interaction {interaction_id}."
        await self.tasks.save_task(task)
        return task

    async def get(self, owner: str, task_id: str) -> TaskRecord:
        return await self._refresh(await self._load(owner, task_id))

    async def result(self, owner: str, task_id: str) -> TaskRecord:
        """Wait until the task is terminal (however long its interaction runs), then return it with its result."""
        task = await self.get(owner, task_id)
        while not task.terminal:
            if task.interaction_id:
                record = await self.interactions.store.get_interaction(owner, task.interaction_id)
                if record is not None:
                    self.watcher.follow(record)
                    if not await self.watcher.wait_changed(record.id, WAIT_SLICE):
                        await anyio.sleep(1.0)
            task = await self.get(owner, task_id)
        return task

    async def list(self, owner: str, offset: int) -> tuple[list[TaskRecord], int | None]:
        await self.tasks.purge_expired_tasks(self.clock())
        page = await self.tasks.list_tasks(owner, offset=offset, limit=LIST_PAGE + 1)
        more = len(page) > LIST_PAGE
        refreshed = [await self._refresh(task) for task in page[:LIST_PAGE]]
        return refreshed, (offset + LIST_PAGE if more else None)

    async def cancel(self, owner: str, task_id: str) -> TaskRecord:
        """Cancel the task and its Gemini interaction. A task that already ended raises `TaskFinishedError`."""
        task = await self.get(owner, task_id)
        if task.terminal:
            raise TaskFinishedError(f"Task {task_id} already ended ({task.status}); it cannot be cancelled.")
        if task.interaction_id:
            await self.interactions.cancel(owner, task.interaction_id)
            record = await self.interactions.store.get_interaction(owner, task.interaction_id)
            if record is not None:
                task.result = await self.kinds[task.tool].result(record)
        task.status = "cancelled"
        task.status_message = "Cancelled by the client; its Gemini interaction was cancelled too."
        task.updated = self.clock()
        await self.tasks.save_task(task)
        return task

    async def _load(self, owner: str, task_id: str) -> TaskRecord:
        task = await self.tasks.get_task(owner, task_id)
        expires = task.expires if task is not None else None
        if task is None or (expires is not None and expires < self.clock()):
            raise TaskNotFoundError(f"Unknown task id {task_id!r} (never created for this caller, or expired).")
        return task

    async def _refresh(self, task: TaskRecord) -> TaskRecord:
        """Fix a working task's terminal state once its interaction has ended."""
        if task.terminal or task.interaction_id is None:
            return task
        record = await self.interactions.store.get_interaction(task.owner, task.interaction_id)
        if record is None:
            task.status, task.result = "failed", _error_result(f"Interaction {task.interaction_id} is gone.")
            task.status_message = "Its Gemini interaction is no longer known to this server."
        elif record.status in RUNNING:
            latest = record.progress[-1] if record.progress else f"Gemini: {record.status}"
            if latest == task.status_message:
                return task
            task.status_message = latest
        else:
            task.result = await self.kinds[task.tool].result(record)
            task.status = _terminal_status(record.status, task.result)
            task.status_message = f"Gemini interaction {record.id} ended: {record.status}."
        task.updated = self.clock()
        await self.tasks.save_task(task)
        return task


def _terminal_status(interaction_status: str, result: Mapping[str, Any]) -> str:
    if interaction_status == "cancelled":
        return "cancelled"
    if is_error(result) or interaction_status in ("failed", "budget_exceeded"):
        return "failed"
    return "completed"


def _error_result(message: str) -> dict[str, Any]:
    return {"content": [{"type": "text", "text": message}], "isError": True}
