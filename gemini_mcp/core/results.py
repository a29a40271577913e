"""Pydantic results the tools return as structured content (the `outputSchema` of each tool).

New fields are added as optional, with defaults, and fields are never renamed, so clients that read an
older shape keep working; a field is removed only when it never carried information (a constant).
Each model also renders the readable text block the model sees.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from gemini_mcp.core.listings import InteractionHead
from gemini_mcp.core.parts import GeneratedAudio, GeneratedImage, ToolActivity
from gemini_mcp.core.tokens import Usage as Usage  # re-exported: results carry it
from gemini_mcp.core.turn import JSON_TYPES

#: The schema of a field that holds any JSON value (a validation keyword, so strict validators accept it).
ANY_JSON: dict[str, Any] = {"anyOf": [{"type": t} for t in JSON_TYPES]}


def iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class Citation(BaseModel):
    url: str = Field(description="The source's URL; for a File Search citation, the document's name in its store.")
    title: str | None = None
    page_number: int | None = Field(default=None, description="File Search citations: the page cited.")

    def render(self) -> str:
        page = f", page {self.page_number}" if self.page_number is not None else ""
        return f"{self.title}{page} <{self.url}>" if self.title else f"{self.url}{page}"


class FunctionCall(BaseModel):
    id: str
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict[str, Any])


class AskResult(BaseModel):
    """One answered turn of a conversation."""

    conversation_id: str = Field(description="Pass this back as conversation_id to continue the conversation.")
    interaction_id: str
    status: str = Field(description="completed | requires_action | incomplete | failed | ...")
    model: str
    text: str = Field(description="The answer text.")
    citations: list[Citation] = Field(default_factory=list[Citation], description="Sources the answer cites.")
    function_calls: list[FunctionCall] = Field(
        default_factory=list[FunctionCall], description="Calls Gemini asks you to run (status requires_action)."
    )
    usage: Usage | None = None
    notes: list[str] = Field(default_factory=list[str], description="Things the caller should know.")
    json_: Any = Field(
        default=None,
        alias="json",
        description="The answer parsed as JSON (only when response_schema was given).",
        json_schema_extra=ANY_JSON,
    )
    tool_activity: list[ToolActivity] = Field(
        default_factory=list[ToolActivity], description="What Gemini's tools did: searches, code run, URLs read."
    )
    thoughts: list[str] = Field(default_factory=list[str], description="Thought summaries (include_thoughts).")
    images: list[GeneratedImage] = Field(
        default_factory=list[GeneratedImage], description="Generated images (also sent as image content)."
    )
    audio: list[GeneratedAudio] = Field(
        default_factory=list[GeneratedAudio], description="Generated audio (also sent as audio content)."
    )
    error: str | None = Field(default=None, description="Gemini's error when status is failed.")

    model_config = ConfigDict(populate_by_name=True)
    _image_data: list[tuple[str, str]] = PrivateAttr(default_factory=list[tuple[str, str]])
    _audio_data: list[tuple[str, str]] = PrivateAttr(default_factory=list[tuple[str, str]])

    def set_image_data(self, images: list[tuple[str, str]]) -> None:
        """(mime type, base64 data) of each generated image, for the tool's image content blocks."""
        self._image_data = list(images)

    @property
    def image_data(self) -> list[tuple[str, str]]:
        return list(self._image_data)

    def set_audio_data(self, clips: list[tuple[str, str]]) -> None:
        """(mime type, base64 data) of each generated audio clip, for the tool's audio content blocks."""
        self._audio_data = list(clips)

    @property
    def audio_data(self) -> list[tuple[str, str]]:
        return list(self._audio_data)

    def render(self) -> str:
        lines: list[str] = []
        if self.thoughts:
            lines.append("Thoughts: " + " | ".join(self.thoughts))
        lines.extend(f"[tool] {activity.render()}" for activity in self.tool_activity)
        if self.error:
            lines.append(f"Gemini reported the turn failed: {self.error}")
        lines.append(self.text or f"(no text; status {self.status})")
        lines.extend(f"[image {i.index}: {i.mime_type}, {i.uri}]" for i in self.images)
        lines.extend(f"[audio {a.index}: {a.mime_type}, {a.uri}]" for a in self.audio)
        for call in self.function_calls:
            lines.append(f"[function call {call.id}] {call.name}({call.arguments})")
        if self.citations:
            lines.append("Sources: " + "; ".join(c.render() for c in self.citations))
        lines.extend(f"Note: {note}" for note in self.notes)
        cost = f" cost~${self.usage.cost_usd:.6f}" if self.usage and self.usage.cost_usd is not None else ""
        lines.append(
            f"[conversation_id={self.conversation_id} interaction_id={self.interaction_id} model={self.model}{cost}]"
        )
        return "\n".join(lines)


class ResearchStarted(BaseModel):
    """A background Deep Research interaction that was just started (or, when started is false, was not)."""

    interaction_id: str | None = Field(default=None, description="The run's id; null when it was not started.")
    conversation_id: str | None = None
    agent: str
    status: str = Field(description="The run's status; `not_started` when the user declined.")
    notes: list[str] = Field(
        default_factory=list[str],
        description="Things the caller should know: a retired agent replaced, an earlier identical run returned.",
    )
    started: bool = Field(default=True, description="False when the user declined: nothing was sent to Gemini.")
    estimated_cost_usd: tuple[float, float] | None = Field(
        default=None, description="The agent's estimated cost range per run (low, high) from the price table."
    )

    def render(self) -> str:
        if not self.started:
            return f"Deep Research was not started ({self.agent}). Nothing was sent to Gemini. " + " ".join(self.notes)
        lines = [
            f"Deep Research started ({self.agent}); status {self.status}.",
            f"interaction_id={self.interaction_id} conversation_id={self.conversation_id}",
            "It runs in the background (minutes). Call get_interaction with this interaction_id and "
            "wait_seconds (up to 45) to follow it; cancel_interaction stops it.",
        ]
        lines.extend(f"Note: {note}" for note in self.notes)
        if self.estimated_cost_usd:
            lines.append(
                "Estimated cost: ${:.2f}-${:.2f}; usage.cost_usd has it when done.".format(*self.estimated_cost_usd)
            )
        return "\n".join(lines)


class InteractionResult(InteractionHead):
    """The state of one interaction, with a page of its output."""

    done: bool = Field(description="True once the interaction has stopped running.")
    elapsed_seconds: float
    progress: list[str] = Field(default_factory=list[str], description="Latest thought summaries, oldest first.")
    text: str = Field(default="", description="One page of the output text (see offset/next_offset).")
    offset: int = 0
    next_offset: int | None = Field(default=None, description="Pass as offset to read the next page; null at the end.")
    total_chars: int = 0
    citations: list[Citation] = Field(default_factory=list[Citation])
    usage: Usage | None = None
    error: str | None = None
    report_uri: str | None = Field(default=None, description="Resource with the full output as Markdown.")
    # A finished ask_gemini turn: the rest of what ask_gemini would have returned.
    json_: Any = Field(
        default=None,
        alias="json",
        description="The answer parsed as JSON (response_schema turns).",
        json_schema_extra=ANY_JSON,
    )
    function_calls: list[FunctionCall] = Field(default_factory=list[FunctionCall])
    tool_activity: list[ToolActivity] = Field(default_factory=list[ToolActivity])
    thoughts: list[str] = Field(default_factory=list[str])
    images: list[GeneratedImage] = Field(default_factory=list[GeneratedImage])
    audio: list[GeneratedAudio] = Field(default_factory=list[GeneratedAudio])
    notes: list[str] = Field(default_factory=list[str], description="Things the caller should know.")
    imported: bool = Field(default=False, description="Fetched from Gemini on this call: it was made elsewhere.")

    model_config = ConfigDict(populate_by_name=True)
    _answer: AskResult | None = PrivateAttr(default=None)

    def attach(self, answer: AskResult) -> None:
        """Take the answer fields of a finished ask_gemini turn (its media bytes stay on `answer`)."""
        self._answer = answer
        self.json_, self.function_calls, self.tool_activity = answer.json_, answer.function_calls, answer.tool_activity
        self.thoughts, self.images, self.audio = answer.thoughts, answer.images, answer.audio
        self.notes, self.citations = answer.notes, answer.citations
        self.error = self.error or answer.error

    @property
    def answer(self) -> AskResult | None:
        return self._answer

    def render(self) -> str:
        who = self.agent or self.model or "?"
        head = f"Interaction {self.interaction_id} ({who}): {self.status}, {self.elapsed_seconds:.0f} s elapsed."
        lines = [head]
        if self.error:
            lines.append(f"Error: {self.error}")
        if not self.done and self.progress:
            lines.append("Progress:")
            lines.extend(f"- {p}" for p in self.progress[-5:])
        if self.text:
            end = self.offset + len(self.text)
            lines.append(f"Output (chars {self.offset}-{end} of {self.total_chars}):")
            lines.append(self.text)
        if self.next_offset is not None:
            lines.append(f"[more: call get_interaction with offset={self.next_offset}, or read {self.report_uri}]")
        for call in self.function_calls:
            lines.append(f"[function call {call.id}] {call.name}({call.arguments})")
        lines.extend(f"Note: {note}" for note in self.notes)
        if not self.done:
            lines.append("Still running: call get_interaction again with wait_seconds to keep following it.")
        if self.usage and self.usage.cost_usd is not None:
            lines.append(f"Estimated cost: ${self.usage.cost_usd:.6f}")
        return "\n".join(lines)


class CancelResult(BaseModel):
    interaction_id: str
    status: str
    note: str | None = None

    def render(self) -> str:
        return f"Interaction {self.interaction_id}: {self.status}." + (f" {self.note}" if self.note else "")


class DeleteResult(BaseModel):
    conversation_id: str
    remote_deleted: list[str] = Field(default_factory=list[str], description="Interaction ids deleted on Gemini.")
    remote_errors: list[str] = Field(default_factory=list[str])

    def render(self) -> str:
        text = f"Conversation {self.conversation_id} deleted."
        if self.remote_deleted:
            text += f" Deleted {len(self.remote_deleted)} interaction(s) on Gemini."
        if self.remote_errors:
            text += " Remote errors: " + "; ".join(self.remote_errors)
        return text
