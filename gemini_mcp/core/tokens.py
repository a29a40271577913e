"""Token counts of an interaction as the tools report them (`Usage`), from the API's usage object."""

from __future__ import annotations

from typing import Any, cast

from pydantic import BaseModel, Field


class Usage(BaseModel):
    """Token counts as Gemini reports them (every figure the API gives; absent ones are null)."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    thought_tokens: int | None = None
    cached_tokens: int | None = None
    tool_use_tokens: int | None = None
    initial_input_tokens: int | None = None
    total_tokens: int | None = None
    input_tokens_by_modality: dict[str, int] | None = None
    output_tokens_by_modality: dict[str, int] | None = None
    cached_tokens_by_modality: dict[str, int] | None = None
    tool_use_tokens_by_modality: dict[str, int] | None = None
    grounding_tool_count: dict[str, int] | None = Field(default=None, description="Grounding tool calls by type.")
    cost_usd: float | None = Field(default=None, description="Estimated USD (price table x this usage); null: unknown.")

    @classmethod
    def from_raw(cls, raw: dict[str, Any] | None) -> Usage | None:
        if not raw:
            return None
        return cls(
            input_tokens=raw.get("total_input_tokens"),
            output_tokens=raw.get("total_output_tokens"),
            thought_tokens=raw.get("total_thought_tokens"),
            cached_tokens=raw.get("total_cached_tokens"),
            tool_use_tokens=raw.get("total_tool_use_tokens"),
            initial_input_tokens=raw.get("initial_input_tokens"),
            total_tokens=raw.get("total_tokens"),
            input_tokens_by_modality=_by(raw.get("input_tokens_by_modality"), "modality", "tokens"),
            output_tokens_by_modality=_by(raw.get("output_tokens_by_modality"), "modality", "tokens"),
            cached_tokens_by_modality=_by(raw.get("cached_tokens_by_modality"), "modality", "tokens"),
            tool_use_tokens_by_modality=_by(raw.get("tool_use_tokens_by_modality"), "modality", "tokens"),
            grounding_tool_count=_by(raw.get("grounding_tool_count"), "type", "count"),
            cost_usd=cost if isinstance(cost := raw.get("cost_usd"), int | float) else None,
        )


def _by(raw: object, key: str, value: str) -> dict[str, int] | None:
    """``[{modality: text, tokens: 5}]`` -> ``{"text": 5}`` (None when absent)."""
    if not isinstance(raw, list):
        return None
    out: dict[str, int] = {}
    for item in cast(list[object], raw):
        if isinstance(item, dict):
            entry = cast(dict[str, Any], item)
            name, count = entry.get(key), entry.get(value)
            if isinstance(name, str) and isinstance(count, int):
                out[name.lower()] = out.get(name.lower(), 0) + count
    return out
