"""Typing helpers for parsed JSON (pyright strict: turn ``object`` into typed dicts and lists)."""

from __future__ import annotations

from typing import Any, cast

JsonDict = dict[str, Any]


def as_dict(value: object) -> JsonDict | None:
    """``value`` as a dict with str keys, or None when it is not a JSON object."""
    if not isinstance(value, dict):
        return None
    return {str(k): v for k, v in cast(dict[Any, Any], value).items()}


def as_list(value: object) -> list[Any] | None:
    return cast(list[Any], value) if isinstance(value, list) else None


def dicts(value: object) -> list[JsonDict]:
    """The JSON objects in a list (anything else is skipped)."""
    out: list[JsonDict] = []
    for item in as_list(value) or []:
        d = as_dict(item)
        if d is not None:
            out.append(d)
    return out
