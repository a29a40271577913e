"""One turn at a time per conversation, keyed by (owner, conversation id).

Concurrent calls on one conversation chain instead of forking its history. The key includes the owner, so
another principal naming the same id waits on a lock of its own: it learns nothing, not even by timing,
about whether the conversation exists or is busy (the owner check that follows refuses it at once).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager

import anyio

__all__ = ["TurnLocks"]


class TurnLocks:
    """Locks created on demand and dropped when nobody holds or waits for them."""

    def __init__(self) -> None:
        self._locks: dict[tuple[str, str], anyio.Lock] = {}

    def __len__(self) -> int:
        return len(self._locks)

    @asynccontextmanager
    async def hold(self, owner: str, conversation_id: str | None) -> AsyncGenerator[None]:
        """Hold (owner, conversation_id)'s lock for the block; nothing to hold for a new conversation (None)."""
        if not conversation_id:
            yield
            return
        key = (owner, conversation_id)
        lock = self._locks.setdefault(key, anyio.Lock())
        try:
            async with lock:
                yield
        finally:
            if not lock.locked() and not lock.statistics().tasks_waiting:
                self._locks.pop(key, None)
