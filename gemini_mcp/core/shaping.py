"""Plain functions that shape Gemini steps and store records into tool results."""

from __future__ import annotations

from typing import Any

from gemini_mcp.core import answers as outputs
from gemini_mcp.core.results import Citation, FunctionCall
from gemini_mcp.gemini.jsonwalk import as_dict


def shorten(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


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
