"""Build a small JSON value that conforms to a JSON Schema (types, required, enums, arrays, objects).

Used for ``response_format`` (structured output) and for function-call arguments.
"""

from __future__ import annotations

import re
from typing import Any

from .jsontypes import JsonDict, as_dict, as_list, dicts

FORMATS = {
    "date": "2026-01-15",
    "date-time": "2026-01-15T09:30:00Z",
    "time": "09:30:00",
    "email": "user@example.com",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "uuid": "123e4567-e89b-12d3-a456-426614174000",
    "hostname": "example.com",
    "ipv4": "192.0.2.1",
}


def _resolve(schema: JsonDict, root: JsonDict, depth: int) -> JsonDict:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/") and depth < 20:
        node: object = root
        for part in ref[2:].split("/"):
            node = (as_dict(node) or {}).get(part.replace("~1", "/").replace("~0", "~"))
        target = as_dict(node)
        if target is not None:
            merged = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
            return _resolve(merged, root, depth + 1)
    all_of = dicts(schema.get("allOf"))
    if all_of:
        merged: JsonDict = {k: v for k, v in schema.items() if k != "allOf"}
        props: JsonDict = dict(as_dict(merged.get("properties")) or {})
        required: list[Any] = list(as_list(merged.get("required")) or [])
        for part in all_of:
            part = _resolve(part, root, depth + 1)
            props.update(as_dict(part.get("properties")) or {})
            required.extend(as_list(part.get("required")) or [])
            merged = {**part, **merged}
        merged["properties"], merged["required"] = props, required
        return merged
    return schema


def _type_of(schema: JsonDict) -> str:
    kind = schema.get("type")
    types = as_list(kind)
    if types is not None:
        non_null = [t for t in types if t != "null"]
        return str(non_null[0]) if non_null else "null"
    if isinstance(kind, str):
        return kind
    if "properties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return "string"


def _string(schema: JsonDict, hint: str) -> str:
    fmt = schema.get("format")
    value = FORMATS.get(fmt, hint) if isinstance(fmt, str) else hint
    min_len = schema.get("minLength")
    max_len = schema.get("maxLength")
    if isinstance(min_len, int) and len(value) < min_len:
        value = value + "x" * (min_len - len(value))
    if isinstance(max_len, int) and len(value) > max_len:
        value = value[:max_len]
    return value


def _number(schema: JsonDict, integer: bool) -> int | float:
    value: float = 1 if integer else 1.5
    low, high = schema.get("minimum"), schema.get("maximum")
    ex_low, ex_high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    if isinstance(low, int | float) and value < low:
        value = low
    if isinstance(ex_low, int | float) and value <= ex_low:
        value = ex_low + 1
    if isinstance(high, int | float) and value > high:
        value = high
    if isinstance(ex_high, int | float) and value >= ex_high:
        value = ex_high - 1
    return int(value) if integer else float(value)


SUBJECT_KEYS = re.compile(r"location|city|place|query|topic|country|term|subject|search|address|^q$", re.IGNORECASE)


def instance(
    schema: object, *, hint: str = "example", subject: str | None = None, root: JsonDict | None = None, depth: int = 0
) -> Any:
    """A value valid against ``schema``. Strings are ``hint`` (the property name), or ``subject`` for
    properties named like a location or a query (so get_weather(location) gets the prompt's place)."""
    node = as_dict(schema)
    if node is None:
        return hint
    root = root or node
    node = _resolve(node, root, depth)
    if "const" in node:
        return node["const"]
    enum = as_list(node.get("enum"))
    if enum:
        return enum[0]
    for key in ("anyOf", "oneOf"):
        options = [o for o in dicts(node.get(key)) if _type_of(_resolve(o, root, depth + 1)) != "null"]
        if options:
            return instance(options[0], hint=hint, subject=subject, root=root, depth=depth + 1)
    kind = _type_of(node)
    if depth > 12:
        return None if kind == "null" else {} if kind == "object" else [] if kind == "array" else hint
    if kind == "object":
        props = as_dict(node.get("properties")) or {}
        return {
            name: instance(
                sub,
                hint=subject if subject and SUBJECT_KEYS.search(name) else name,
                subject=subject,
                root=root,
                depth=depth + 1,
            )
            for name, sub in props.items()
        }
    if kind == "array":
        min_items = node.get("minItems")
        max_items = node.get("maxItems")
        count = max(1, min_items if isinstance(min_items, int) else 1)
        if isinstance(max_items, int):
            count = min(count, max_items)
        return [
            instance(node.get("items"), hint=hint, subject=subject, root=root, depth=depth + 1) for _ in range(count)
        ]
    if kind == "integer":
        return _number(node, integer=True)
    if kind == "number":
        return _number(node, integer=False)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return _string(node, hint)
