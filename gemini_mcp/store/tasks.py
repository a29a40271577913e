"""The task port: `TaskRecord` (one MCP task over one Gemini interaction) and the async `TaskStore` protocol."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

#: Task statuses that never change again (MCP 2025-11-25 `TaskStatus`).
TERMINAL_TASK_STATUSES = frozenset({"completed", "failed", "cancelled"})


@dataclass
class TaskRecord:
    """A task as the store keeps it, independent of any MCP wire version.

    While `status` is "working" the task's state is its interaction's state (read from the interactions
    table); once terminal, `status` and `result` (the tool's CallToolResult, as wire JSON) are final.
    """

    id: str
    owner: str
    tool: str
    status: str  # "working" | "completed" | "failed" | "cancelled"
    interaction_id: str | None = None
    conversation_id: str | None = None
    status_message: str | None = None
    result: dict[str, Any] | None = None
    ttl_ms: int | None = None
    poll_ms: int | None = None
    created: float = 0.0
    updated: float = 0.0

    @property
    def expires(self) -> float | None:
        return None if self.ttl_ms is None else self.created + self.ttl_ms / 1000

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL_TASK_STATUSES


class TaskStore(Protocol):
    """Tasks, owner-scoped like everything else: another owner's task id behaves as unknown.

    Expiry is the caller's business (`TaskRecord.expires`); `purge_expired` deletes what has passed it.
    """

    async def save_task(self, task: TaskRecord) -> None: ...
    async def get_task(self, owner: str, task_id: str) -> TaskRecord | None: ...
    async def list_tasks(self, owner: str, *, offset: int, limit: int) -> list[TaskRecord]:
        """The owner's tasks, newest first."""
        ...

    async def purge_expired_tasks(self, now: float) -> int: ...
