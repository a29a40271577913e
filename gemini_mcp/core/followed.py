"""How a followed interaction's record changes with what Gemini reports: a stream event, the final state, or
the interaction's disappearance. Pure updates of the record; the watcher decides when to store them."""

from __future__ import annotations

from typing import Any

from gemini_mcp import errors
from gemini_mcp.gemini.jsonwalk import as_dict, as_list
from gemini_mcp.gemini.port import InteractionData, StreamEvent
from gemini_mcp.store.port import InteractionRecord


def apply_event(record: InteractionRecord, event: StreamEvent) -> bool:
    """Fold one stream event into the record; True when it must be stored now.

    A cursor-only event (step start/stop, thought signature, repeated status) is stored with the next change:
    replaying such events after a restart changes nothing, and a read plus a write for each of them was most
    of the CPU a server following many research jobs used. The first cursor is stored at once.
    """
    first_cursor = record.event_cursor is None and bool(event.event_id)
    if event.event_id:
        record.event_cursor = event.event_id
    changed = False
    if event.thought and event.thought.strip() not in record.progress:  # not already seen by a poll
        record.progress.append(event.thought.strip())
        changed = True
    if event.status and event.status != record.status:
        record.status = event.status
        changed = True
    if event.error is not None:
        record.error = event.error.message
        changed = True
    return changed or first_cursor


def apply_final(record: InteractionRecord, data: InteractionData) -> None:
    """Take the interaction's state as `get` returned it (authoritative over what the events said)."""
    record.status = data.status
    if data.text:
        record.output_text = data.text
    if data.usage:
        record.usage = data.usage
    if data.steps:
        record.steps = data.steps
        summaries = thought_summaries(data.steps)
        if summaries:
            record.progress = summaries  # also covers events missed while polling
    if data.errors:
        record.error = "; ".join(data.errors)
    elif data.status == "completed":
        record.error = None  # an in-stream error the job survived (the stream was resumed) is not its error


def forget(record: InteractionRecord, err: errors.NotFoundError) -> None:
    """Gemini no longer knows the interaction (past its retention, or deleted there): it failed."""
    record.status = "failed"
    record.error = f"Interaction {record.id} no longer exists on Gemini ({err}). {errors.RETENTION_HINT}"


def changed_since(record: InteractionRecord, data: InteractionData) -> bool:
    """Whether a poll found anything the record does not have yet."""
    return data.status != record.status or len(data.steps) != len(record.steps)


def thought_summaries(steps: list[dict[str, Any]]) -> list[str]:
    """The text of every thought summary in an interaction's steps, in order."""
    out: list[str] = []
    for step in steps:
        if step.get("type") == "thought":
            for part in map(as_dict, as_list(step.get("summary"))):
                if part.get("type") == "text" and str(part.get("text", "")).strip():
                    out.append(str(part["text"]).strip())
    return out
