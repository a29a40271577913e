"""Plain functions that shape Gemini steps and store records into tool results (`shape`: one answered turn)."""

from __future__ import annotations

from typing import Any

from gemini_mcp import errors
from gemini_mcp.core import answers as outputs
from gemini_mcp.core import generated
from gemini_mcp.core.parts import GeneratedAudio, GeneratedImage
from gemini_mcp.core.results import AskResult, Citation, FunctionCall, Usage
from gemini_mcp.core.turn import TurnInputs
from gemini_mcp.gemini.jsonwalk import as_dict
from gemini_mcp.gemini.port import InteractionData
from gemini_mcp.store.port import Conversation


def shorten(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def shown_id(value: str, limit: int = 64) -> str:
    """A client-given id for an error message: quoted (control characters escaped), cut to ``limit`` chars."""
    return repr(value) if len(value) <= limit else repr(value[: limit - 1] + "…")


def citations(steps: list[dict[str, Any]]) -> list[Citation]:
    """Sources from url_citation annotations and search results, grounding redirects resolved (outputs.py)."""
    return outputs.citations(steps)


def function_calls(steps: list[dict[str, Any]]) -> list[FunctionCall]:
    """Function calls after the last user input (pending calls when status is requires_action)."""
    calls: list[FunctionCall] = []
    for step in steps:
        if step.get("type") == "user_input":
            calls.clear()
        elif step.get("type") == "function_call":
            arguments = step.get("arguments")
            calls.append(
                FunctionCall(
                    id=str(step.get("id") or ""),
                    name=str(step.get("name") or ""),
                    arguments=as_dict(arguments),
                )
            )
    return calls


def page(text: str, offset: int, max_chars: int) -> tuple[str, int | None]:
    """One page of `text` and the offset of the next page (None at the end)."""
    chunk = text[offset : offset + max_chars]
    end = offset + len(chunk)
    return chunk, (end if end < len(text) else None)


STORE_FALSE_NOTE = (
    "store=false: Gemini kept nothing of this turn, so it cannot be continued; a later call with this "
    "conversation_id is refused. Start a new conversation for follow-ups."
)


def image_uri(interaction_id: str, index: int) -> str:
    return f"gemini://interactions/{interaction_id}/images/{index}"


def audio_uri(interaction_id: str, index: int) -> str:
    return f"gemini://interactions/{interaction_id}/audio/{index}"


def _where(item: generated.MediaData, resource: str) -> str:
    """The gemini:// resource of an item with bytes; Gemini's own link for one given only by uri."""
    return item.uri if item.data is None and item.uri else resource


def _media(result: AskResult, data: InteractionData) -> None:
    """Images and audio: listed with their gemini:// resource (or Gemini's own link when it gave no bytes)."""
    pictures = generated.images(data.steps)
    result.images = [
        GeneratedImage(index=i, mime_type=p.mime_type, uri=_where(p, image_uri(data.id, i)), source_uri=p.uri)
        for i, p in enumerate(pictures)
    ]
    result.set_image_data([(p.mime_type, p.data) for p in pictures if p.data])
    clips = generated.audio(data.steps)
    result.audio = [
        GeneratedAudio(index=i, mime_type=c.mime_type, uri=_where(c, audio_uri(data.id, i)), source_uri=c.uri)
        for i, c in enumerate(clips)
    ]
    result.set_audio_data([(c.mime_type, c.data) for c in clips if c.data])


def _parse_json(result: AskResult, conversation: Conversation, data: InteractionData, extras: TurnInputs) -> None:
    if (extras.response_schema is None and not extras.json_mode) or data.status != "completed":
        return
    try:
        result.json_ = outputs.parse_json(data.text, extras.response_schema, interaction_id=data.id)
    except errors.StructuredOutputError as err:
        again = "with the same response_schema" if extras.response_schema is not None else "with json_mode"
        raise errors.StructuredOutputError(
            f"{err} The turn is kept in conversation_id={conversation.id}: continue it (e.g. ask Gemini to fix "
            f"the JSON, {again}) or start again."
        ) from None


def shape(
    conversation: Conversation, data: InteractionData, model: str, notes: list[str], extras: TurnInputs
) -> AskResult:
    """The tool result for one answered turn. A response_schema / json_mode answer that is not valid JSON raises
    (after the turn was recorded, so the conversation stays consistent)."""
    result = AskResult(
        conversation_id=conversation.id,
        interaction_id=data.id,
        status=data.status,
        model=data.model or model,
        text=data.text,
        citations=outputs.citations(data.steps),
        function_calls=function_calls(data.steps) if data.status == "requires_action" else [],
        tool_activity=outputs.tool_activity(data.steps),
        thoughts=outputs.thoughts(data.steps),
        usage=Usage.from_raw(data.usage),
        notes=list(notes),
        error="; ".join(data.errors) or None,
    )
    _media(result, data)
    if not extras.store:
        result.notes.append(STORE_FALSE_NOTE)
    if data.status == "requires_action" and result.function_calls:
        result.notes.append(
            "Gemini asks you to call the function(s) in function_calls. Run them, then call ask_gemini with this "
            "conversation_id and function_results=[{call_id, name, result}] (prompt is optional then)."
        )
    if data.status == "failed":
        result.notes.append("The turn failed on Gemini's side (see error); the conversation can be continued.")
    _parse_json(result, conversation, data, extras)
    return result
