"""Answers rebuilt from stored interaction records: a turn that outlived its call, a pending handle.

`ask_gemini` records what it needs to shape its answer later (`InteractionRecord.turn`: the
response_schema, notes, store flag), so `get_interaction` and an MCP task's result give exactly the
fields `ask_gemini` would have returned (text, json, function_calls, citations, tool activity, thoughts,
images, usage) however long the turn ran, and after a restart. Knows nothing about MCP.
"""

from __future__ import annotations

from typing import Any, cast

from pydantic import Field

from gemini_mcp.core import shaping
from gemini_mcp.core.results import AskResult, Citation, ResearchStarted, Usage
from gemini_mcp.core.turn import TurnInputs
from gemini_mcp.gemini.port import InteractionData
from gemini_mcp.store.port import Conversation, InteractionRecord


def turn_meta(extras: TurnInputs, notes: list[str]) -> dict[str, Any]:
    """What a model turn's record keeps so its answer can be shaped after the call returned."""
    meta: dict[str, Any] = {}
    if extras.response_schema is not None:
        meta["response_schema"] = extras.response_schema
    if notes:
        meta["notes"] = list(notes)
    if not extras.store:
        meta["store"] = False
    return meta


def answer_of(record: InteractionRecord) -> AskResult:
    """The `ask_gemini` result of a finished model turn, from its record (raises like ask_gemini would)."""
    data = InteractionData(
        id=record.id,
        status=record.status,
        model=record.model,
        agent=record.agent,
        text=record.output_text,
        usage=record.usage,
        steps=record.steps,
    )
    extras = TurnInputs(response_schema=record.turn.get("response_schema"), store=record.turn.get("store") is not False)
    notes = _notes(record)
    if record.error and record.status not in ("completed", "requires_action"):
        notes.append(f"Gemini reported: {record.error}")
    conversation = Conversation(id=record.conversation_id or "", owner=record.owner, title="")
    return shaping.shape(conversation, data, record.model or "", notes, extras)


def _notes(record: InteractionRecord) -> list[str]:
    raw: object = record.turn.get("notes")
    return [str(n) for n in cast(list[object], raw)] if isinstance(raw, list) else []


def pending_note(interaction_id: str, bound: float, *, background: bool) -> str:
    why = (
        "It was started in the background."
        if background
        else f"Gemini had not finished it within this call's limit ({bound:g} s)."
    )
    return (
        f'{why} The turn goes on in the server: call get_interaction(interaction_id="{interaction_id}", '
        f"wait_seconds={bound:g}) until done is true; it then returns the same fields as ask_gemini "
        "(text, json, function_calls, citations, ...). The next ask_gemini on this conversation_id waits for it."
    )


def pending_answer(record: InteractionRecord, bound: float, *, background: bool) -> AskResult:
    """The `ask_gemini` result of a turn still running: its handle and what to do next."""
    notes = _notes(record)
    notes.append(pending_note(record.id, bound, background=background))
    return AskResult(
        conversation_id=record.conversation_id or "",
        interaction_id=record.id,
        status=record.status,
        model=record.model or "",
        text="",
        notes=notes,
    )


class ResearchReport(ResearchStarted):
    """A finished Deep Research run: what `start_deep_research` run as an MCP task returns (not just its handle)."""

    done: bool = True
    text: str = Field(default="", description="The full report (Markdown).")
    citations: list[Citation] = Field(default_factory=list[Citation])
    usage: Usage | None = None
    error: str | None = None
    report_uri: str | None = None

    def render(self) -> str:
        lines = [f"Deep Research {self.interaction_id} ({self.agent}): {self.status}."]
        if self.error:
            lines.append(f"Error: {self.error}")
        if self.text:
            lines.append(self.text)
        if self.citations:
            lines.append(
                "Sources: " + "; ".join(c.url if not c.title else f"{c.title} <{c.url}>" for c in self.citations)
            )
        lines.append(f"[conversation_id={self.conversation_id} interaction_id={self.interaction_id}]")
        return "\n".join(lines)
