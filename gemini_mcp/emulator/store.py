"""The emulator's state: interactions, recorded requests, faults, and the one scheduler task that
emits planned events when they fall due (so many background jobs need no thread each)."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from .config import EmulatorConfig, Fault
from .errors import ApiError
from .state import Interaction

log = logging.getLogger("gemini_mcp.emulator")


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any = None

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": self.headers,
            "body": self.body,
        }


class Persistence(Protocol):
    def save(self, inter: Interaction) -> None: ...
    def delete(self, interaction_id: str) -> None: ...
    def load_all(self) -> list[Interaction]: ...
    def clear(self) -> None: ...
    def close(self) -> None: ...


@dataclass
class Store:
    config: EmulatorConfig
    persistence: Persistence | None = None
    interactions: dict[str, Interaction] = field(default_factory=dict[str, Interaction])
    requests: list[RecordedRequest] = field(default_factory=list[RecordedRequest])
    faults: list[Fault] = field(default_factory=list[Fault])
    # Event streams open right now per interaction, and the most ever open at once (one follower: never > 1).
    streams_open: dict[str, int] = field(default_factory=dict[str, int])
    streams_peak: dict[str, int] = field(default_factory=dict[str, int])
    lock: threading.Lock = field(default_factory=threading.Lock)
    _heap: list[tuple[float, int, Interaction]] = field(default_factory=list[tuple[float, int, Interaction]])
    _seq: itertools.count[int] = field(default_factory=itertools.count)
    _wake: asyncio.Event | None = None
    closing: asyncio.Event = field(default_factory=asyncio.Event)

    # -- interactions ---------------------------------------------------------------------------
    def get(self, interaction_id: str) -> Interaction:
        inter = self.interactions.get(interaction_id)
        if inter is None:
            raise ApiError(404, f"Interaction {interaction_id} was not found.")
        inter.advance()
        return inter

    def add(self, inter: Interaction, *, stored: bool = True) -> None:
        if stored:
            self.interactions[inter.id] = inter
            self.save(inter)
        inter.advance()
        self.watch(inter)

    def save(self, inter: Interaction) -> None:
        if self.persistence is not None and inter.id in self.interactions:
            self.persistence.save(inter)

    def remove(self, interaction_id: str) -> None:
        inter = self.get(interaction_id)
        if not inter.finished:
            inter.cancel()
        del self.interactions[interaction_id]
        if self.persistence is not None:
            self.persistence.delete(interaction_id)

    def chain(self, inter: Interaction) -> list[Interaction]:
        """The interactions before ``inter`` in its conversation, oldest first."""
        out: list[Interaction] = []
        seen: set[str] = {inter.id}
        prev = inter.previous_interaction_id
        while prev and prev not in seen and prev in self.interactions:
            seen.add(prev)
            out.append(self.interactions[prev])
            prev = self.interactions[prev].previous_interaction_id
        out.reverse()
        return out

    def reset(self) -> None:
        for inter in self.interactions.values():
            inter.plan = inter.plan[: inter.cursor]
            inter.notify()
        self.interactions.clear()
        self._heap.clear()
        with self.lock:
            self.requests.clear()
            self.faults.clear()
        if self.persistence is not None:
            self.persistence.clear()

    def shutdown(self) -> None:
        """Let every open stream end: followers see ``closed`` and return; injected delays stop."""
        self.closing.set()
        for inter in self.interactions.values():
            inter.closed = True
            inter.notify()

    # -- scheduler ------------------------------------------------------------------------------
    def watch(self, inter: Interaction) -> None:
        due = inter.next_due()
        if due is None:
            return
        heapq.heappush(self._heap, (due, next(self._seq), inter))
        if self._wake is not None:
            self._wake.set()

    async def run_scheduler(self) -> None:
        self._wake = asyncio.Event()
        for inter in list(self.interactions.values()):
            self.watch(inter)
        while True:
            now = time.time()
            while self._heap and self._heap[0][0] <= now:
                _, _, inter = heapq.heappop(self._heap)
                if inter.next_due() is None:
                    continue
                inter.advance(now)
                self.watch(inter)
            timeout = max(0.0, self._heap[0][0] - time.time()) if self._heap else None
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
