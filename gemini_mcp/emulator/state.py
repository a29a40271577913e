"""Interaction records. A record is event-sourced: its steps and status are what its emitted events say.

Every interaction carries a *plan*: the ordered events it will emit, each at an offset (seconds) from
its creation time. Emitting a planned event appends it to ``events`` (with an ordered ``event_id``) and
applies it to ``steps``/``status``. Because the plan and the creation time are stored, progress is a
pure function of wall-clock time, which is what lets a restarted emulator pick up running jobs.
"""

from __future__ import annotations

import asyncio
import copy
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

JsonDict = dict[str, Any]

TERMINAL = frozenset({"completed", "failed", "cancelled", "incomplete", "requires_action", "budget_exceeded"})
# Request fields echoed back on the Interaction resource.
ECHOED = (
    "agent_config",
    "system_instruction",
    "tools",
    "generation_config",
    "response_format",
    "response_mime_type",
    "response_modalities",
    "safety_settings",
    "service_tier",
    "labels",
    "webhook_config",
    "environment",
    "cached_content",
)


def new_interaction_id() -> str:
    return "v1_" + secrets.token_hex(12)


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class PlannedEvent:
    offset: float
    data: JsonDict

    def to_json(self) -> list[Any]:
        return [self.offset, self.data]


@dataclass
class Interaction:
    id: str
    request: JsonDict
    input_steps: list[JsonDict]
    created: float
    plan: list[PlannedEvent]
    model: str | None = None
    agent: str | None = None
    previous_interaction_id: str | None = None
    background: bool = False
    cursor: int = 0
    status: str = "in_progress"
    steps: list[JsonDict] = field(default_factory=list[JsonDict])
    usage: JsonDict | None = None
    errors: list[JsonDict] = field(default_factory=list[JsonDict])
    events: list[JsonDict] = field(default_factory=list[JsonDict])
    updated: float = 0.0
    # Transient: set (and replaced) whenever a new event is emitted; closed when the emulator stops.
    closed: bool = field(default=False, repr=False)
    changed: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    @property
    def finished(self) -> bool:
        return self.cursor >= len(self.plan)

    def next_due(self) -> float | None:
        return None if self.finished else self.created + self.plan[self.cursor].offset

    def advance(self, now: float | None = None) -> bool:
        """Emit every planned event that is due at ``now``; True if anything was emitted."""
        now = time.time() if now is None else now
        emitted = False
        while not self.finished and self.created + self.plan[self.cursor].offset <= now:
            self._emit(self.plan[self.cursor])
            self.cursor += 1
            emitted = True
        if emitted:
            self.notify()
        return emitted

    def notify(self) -> None:
        self.changed.set()
        self.changed = asyncio.Event()

    def _emit(self, planned: PlannedEvent) -> None:
        # Planned data is never mutated: a shallow copy suffices (the interaction head is rewritten below).
        event = dict(planned.data)
        if "interaction" in event:
            event["interaction"] = dict(event["interaction"])
        event["event_id"] = f"evt_{len(self.events) + 1}"
        self.updated = self.created + planned.offset
        self._apply(event)
        self.events.append(event)

    def _apply(self, event: JsonDict) -> None:
        kind = event["event_type"]
        if kind in ("interaction.created", "interaction.completed"):
            inter: JsonDict = event["interaction"]
            inter["updated"] = iso(self.updated)
            self.status = str(inter["status"])
            if "usage" in inter:
                self.usage = inter["usage"]
            if "errors" in inter:
                self.errors = inter["errors"]
        elif kind == "interaction.status_update":
            self.status = str(event["status"])
        elif kind == "step.start":
            self.steps.append(copy.deepcopy(event["step"]))
        elif kind == "step.delta":
            index: int = event["index"]
            delta: JsonDict = event["delta"]
            apply_delta(self.steps[index], delta)

    def cancel(self, now: float | None = None) -> None:
        """Drop the rest of the plan: close an open step, then a ``cancelled`` status update."""
        now = time.time() if now is None else now
        self.advance(now)
        if self.finished or self.status in TERMINAL:
            return
        offset = max(now - self.created, self.plan[self.cursor - 1].offset if self.cursor else 0.0)
        tail: list[PlannedEvent] = []
        started = {e["index"] for e in self.events if e["event_type"] == "step.start"}
        stopped = {e["index"] for e in self.events if e["event_type"] == "step.stop"}
        tail.extend(PlannedEvent(offset, {"event_type": "step.stop", "index": i}) for i in sorted(started - stopped))
        tail.append(
            PlannedEvent(
                offset, {"event_type": "interaction.status_update", "interaction_id": self.id, "status": "cancelled"}
            )
        )
        self.plan = self.plan[: self.cursor] + tail
        self.advance(self.created + offset)

    def resource(self, *, include_input: bool = False) -> JsonDict:
        """The Interaction as JSON. It shares nested values with the record: serialise it, don't mutate it."""
        out: JsonDict = {"id": self.id, "object": "interaction", "status": self.status}
        if self.model is not None:
            out["model"] = self.model
        if self.agent is not None:
            out["agent"] = self.agent
        out["created"] = iso(self.created)
        out["updated"] = iso(self.updated or self.created)
        if self.previous_interaction_id:
            out["previous_interaction_id"] = self.previous_interaction_id
        for key in ECHOED:
            if key in self.request:
                out[key] = self.request[key]
        if include_input:
            out["input"] = self.input_steps
        out["steps"] = self.steps
        if self.usage is not None:
            out["usage"] = self.usage
        if self.errors:
            out["errors"] = self.errors
        return out

    def to_json(self) -> JsonDict:
        return {
            "id": self.id,
            "request": self.request,
            "input_steps": self.input_steps,
            "created": self.created,
            "plan": [p.to_json() for p in self.plan],
            "model": self.model,
            "agent": self.agent,
            "previous_interaction_id": self.previous_interaction_id,
            "background": self.background,
        }

    @classmethod
    def from_json(cls, data: JsonDict) -> Interaction:
        return cls(
            id=data["id"],
            request=data["request"],
            input_steps=data["input_steps"],
            created=float(data["created"]),
            plan=[PlannedEvent(float(o), d) for o, d in data["plan"]],
            model=data.get("model"),
            agent=data.get("agent"),
            previous_interaction_id=data.get("previous_interaction_id"),
            background=bool(data.get("background")),
        )


def apply_delta(step: JsonDict, delta: JsonDict) -> None:
    """Fold one ``step.delta`` into the step it belongs to (how a client rebuilds a streamed step)."""
    kind = delta.get("type")
    if kind == "text":
        content: list[JsonDict] = step.setdefault("content", [])
        if content and content[-1].get("type") == "text":
            content[-1]["text"] += delta["text"]
        else:
            content.append({"type": "text", "text": delta["text"]})
    elif kind == "thought_summary":
        summary: list[JsonDict] = step.setdefault("summary", [])
        piece = copy.deepcopy(delta["content"])
        if summary and piece.get("type") == "text" and summary[-1].get("type") == "text":
            summary[-1]["text"] += piece["text"]
        else:
            summary.append(piece)
    elif kind == "thought_signature":
        step["signature"] = delta["signature"]
    elif kind == "text_annotation_delta":
        content = step.setdefault("content", [])
        if not content or content[-1].get("type") != "text":
            content.append({"type": "text", "text": ""})
        content[-1].setdefault("annotations", []).extend(copy.deepcopy(delta["annotations"]))
    elif kind in ("image", "audio", "video", "document"):
        step.setdefault("content", []).append(copy.deepcopy(delta))
