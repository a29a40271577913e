"""One turn at a time per conversation, keyed by (owner, conversation id).

Concurrent calls on one conversation chain instead of forking its history. The key includes the owner, so
another principal naming the same id waits on a lock of its own: it learns nothing, not even by timing,
about whether the conversation exists or is busy (the owner check that follows refuses it at once). Inside
the process lock, the store's `conversation_turn_lock` holds the turn against other replicas (PostgreSQL: an
advisory lock), so two turns sent to two replicas chain too.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager

import anyio

from gemini_mcp.store.port import Store

__all__ = ["TurnLocks"]


class TurnLocks:
    """Locks created on demand and dropped when nobody holds or waits for them."""

    def __init__(self, store: Store) -> None:
        self._store = store
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
            async with lock, self._store.conversation_turn_lock(owner, conversation_id):
                yield
        finally:
            if not lock.locked() and not lock.statistics().tasks_waiting:
                self._locks.pop(key, None)
