"""Typed views of untyped JSON values (dicts and lists read from Gemini responses)."""

from __future__ import annotations

from typing import Any, cast


def as_dict(value: object) -> dict[str, Any]:
    """`value` if it is a JSON object, else an empty dict."""
    return cast(dict[str, Any], value) if isinstance(value, dict) else {}


def as_list(value: object) -> list[Any]:
    """`value` if it is a JSON array, else an empty list."""
    return cast(list[Any], value) if isinstance(value, list) else []
