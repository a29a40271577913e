"""google-genai objects to port types: `parse_event` (the one stream event parser) and `interaction_from_sdk`."""

from __future__ import annotations

from typing import Any

from gemini_mcp.gemini.jsonwalk import as_dict
from gemini_mcp.gemini.port import InteractionData, StreamError, StreamEvent, error_message, interaction_from_json

_INTERACTION_EVENTS = frozenset({"interaction.created", "interaction.completed"})


def parse_event(raw: Any) -> StreamEvent:
    """One SDK stream event as a `StreamEvent`.

    The frequent events (status updates, step start/delta/stop) are read field by field: dumping a whole
    SDK event (pydantic `model_dump`) costs more CPU than the rest of its handling, which adds up for a
    server following many research streams. Only the parts a consumer needs as JSON (a step, a delta
    other than text or thought text, an interaction, an error) are dumped.
    """
    kind = getattr(raw, "event_type", None)
    event_id = _str(getattr(raw, "event_id", None))
    index = getattr(raw, "index", 0)
    index = index if isinstance(index, int) else 0
    if kind == "step.delta":
        return _delta_event(getattr(raw, "delta", None), event_id, index)
    if kind == "step.start":
        return StreamEvent(kind, event_id, index=index, step=_dump(getattr(raw, "step", None)))
    if kind == "step.stop":
        return StreamEvent(kind, event_id, index=index)
    if kind == "interaction.status_update":
        status, interaction_id = _str(getattr(raw, "status", None)), _str(getattr(raw, "interaction_id", None))
        usage = _dump(getattr(raw, "usage", None)) or None
        return StreamEvent(kind, event_id, status=status, interaction_id=interaction_id, usage=usage)
    if kind in _INTERACTION_EVENTS:
        interaction = interaction_from_sdk(getattr(raw, "interaction", None))
        return StreamEvent(kind, event_id, status=interaction.status, interaction=interaction)
    if kind == "error":
        error = _dump(getattr(raw, "error", None))
        code = str(error["code"]) if error.get("code") else None
        return StreamEvent(kind, event_id, error=StreamError(error_message(error or "unknown stream error"), code))
    data = _dump(raw)  # an event type this SDK does not know: it keeps the raw payload
    return StreamEvent(str(data.get("event_type") or "UNKNOWN"), _str(data.get("event_id")))


def _delta_event(delta: Any, event_id: str | None, index: int) -> StreamEvent:
    kind = getattr(delta, "type", None)
    if kind == "text":
        text = str(getattr(delta, "text", None) or "")
        return StreamEvent("step.delta", event_id, index=index, delta={"type": "text", "text": text}, text=text)
    content = getattr(delta, "content", None)
    if kind == "thought_summary" and getattr(content, "type", None) == "text":
        thought = str(getattr(content, "text", None) or "")
        data = {"type": "thought_summary", "content": {"type": "text", "text": thought}}
        return StreamEvent("step.delta", event_id, index=index, delta=data, thought=thought)
    return StreamEvent("step.delta", event_id, index=index, delta=_dump(delta))


def interaction_from_sdk(obj: Any) -> InteractionData:
    """An SDK `Interaction` as `InteractionData` (the SDK's own `output_text` when it has one)."""
    data = _dump(obj)
    if not data.get("output_text"):
        sdk_text = getattr(obj, "output_text", None)
        if isinstance(sdk_text, str):
            data["output_text"] = sdk_text
    return interaction_from_json(data)


def _dump(obj: object) -> dict[str, Any]:
    """The JSON of an SDK object (the raw payload of one the SDK did not recognise); {} for None."""
    data = as_dict(obj) or as_dict(getattr(obj, "raw", None))
    dump = getattr(obj, "model_dump", None)
    if not data and callable(dump):
        data = as_dict(dump(mode="json", exclude_none=True, by_alias=True))
    return data


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None
