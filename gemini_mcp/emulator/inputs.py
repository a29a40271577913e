"""Reading a create body's ``input``: normalise it to steps and summarise what the user sent."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any, cast

from .errors import ApiError
from .jsontypes import as_dict, as_list, dicts

JsonDict = dict[str, Any]

CONTENT_TYPES = frozenset({"text", "image", "audio", "document", "video"})
STEP_TYPES = frozenset(
    {
        "user_input",
        "model_output",
        "thought",
        "function_call",
        "function_result",
        "google_search_call",
        "google_search_result",
        "code_execution_call",
        "code_execution_result",
        "url_context_call",
        "url_context_result",
        "mcp_server_tool_call",
        "mcp_server_tool_result",
    }
)


@dataclass
class Attachment:
    kind: str
    mime_type: str
    size: int | None  # bytes of inline data; None for a uri
    uri: str | None

    def describe(self) -> str:
        where = f"{self.size} bytes" if self.size is not None else self.uri or "no data"
        return f"{self.mime_type}, {where}"


@dataclass
class Turn:
    """What the user sent on one interaction."""

    prompt: str = ""
    attachments: list[Attachment] = field(default_factory=list[Attachment])
    function_results: list[JsonDict] = field(default_factory=list[JsonDict])


def _as_dict(item: object, where: str) -> JsonDict:
    out = as_dict(item)
    if out is None:
        raise ApiError(400, f"Invalid value at '{where}': expected an object, got {type(item).__name__}.")
    return out


def normalise_input(raw: object) -> list[JsonDict]:
    """``input`` (string, content, list of contents or list of steps) -> list of steps."""
    if raw is None:
        return []
    if isinstance(raw, str):
        return [{"type": "user_input", "content": [{"type": "text", "text": raw}]}]
    if isinstance(raw, dict):
        item = _as_dict(cast(object, raw), "input")
        if item.get("type") in STEP_TYPES:
            return [item]
        return [{"type": "user_input", "content": [_content(item, "input")]}]
    raw_list = as_list(raw)
    if raw_list is not None:
        items = [_as_dict(x, f"input[{i}]") for i, x in enumerate(raw_list)]
        if items and all(x.get("type") in STEP_TYPES for x in items):
            return items
        return [{"type": "user_input", "content": [_content(x, f"input[{i}]") for i, x in enumerate(items)]}]
    raise ApiError(400, f"Invalid value at 'input': expected a string, an object or a list, got {type(raw).__name__}.")


def _content(item: JsonDict, where: str) -> JsonDict:
    kind = item.get("type")
    if kind is None and "text" in item:
        return {"type": "text", **item}
    if kind not in CONTENT_TYPES:
        raise ApiError(
            400, f"Invalid value at '{where}.type' ({kind!r}): expected one of {', '.join(sorted(CONTENT_TYPES))}."
        )
    return item


def summarise(steps: list[JsonDict]) -> Turn:
    turn = Turn()
    texts: list[str] = []
    for i, step in enumerate(steps):
        if step.get("type") == "user_input":
            for j, block in enumerate(as_list(step.get("content")) or []):
                block = _as_dict(block, f"input[{i}].content[{j}]")
                if block.get("type") == "text":
                    texts.append(str(block.get("text", "")))
                else:
                    turn.attachments.append(_attachment(block, f"input[{i}].content[{j}]"))
        elif step.get("type") == "function_result":
            if not step.get("call_id"):
                raise ApiError(400, f"Invalid value at 'input[{i}].call_id': a function_result needs call_id.")
            turn.function_results.append(step)
    turn.prompt = "\n".join(t for t in texts if t)
    return turn


def _attachment(block: JsonDict, where: str) -> Attachment:
    kind = str(block.get("type"))
    mime = block.get("mime_type")
    data = block.get("data")
    uri = block.get("uri")
    if data is None and uri is None:
        raise ApiError(400, f"Invalid value at '{where}': a {kind} block needs 'data' or 'uri'.")
    if not mime and data is not None:
        raise ApiError(400, f"Invalid value at '{where}.mime_type': inline {kind} data needs a mime_type.")
    size: int | None = None
    if data is not None:
        try:
            size = len(base64.b64decode(str(data), validate=True))
        except (binascii.Error, ValueError) as exc:
            raise ApiError(400, f"Invalid value at '{where}.data': not valid base64 ({exc}).") from exc
    return Attachment(kind=kind, mime_type=str(mime or "application/octet-stream"), size=size, uri=uri)


def user_texts(steps: list[JsonDict]) -> list[str]:
    out: list[str] = []
    for step in steps:
        if step.get("type") == "user_input":
            out.extend(str(b.get("text", "")) for b in dicts(step.get("content")) if b.get("type") == "text")
    return out


def result_text(result: object) -> str:
    return result if isinstance(result, str) else json.dumps(result, sort_keys=True)
