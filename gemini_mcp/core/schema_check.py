"""JSON Schema checks that cannot stall the server: size/depth caps and linear-time (RE2) patterns.

A client's ``response_schema`` (or a function's ``parameters``) is checked in three steps: ``check_limits``
walks it once and refuses one over ``MAX_NODES`` values, ``MAX_DEPTH`` levels or ``MAX_CHARS`` characters of
text, a non-local ``$ref``, and any ``pattern``/``patternProperties`` regex that RE2 cannot compile (RE2 has
no backtracking: no backreferences or lookaround, and matching is linear in the input); then the schema is
checked against its metaschema; and answers are validated by a jsonschema validator whose ``pattern``,
``patternProperties`` and ``additionalProperties`` keywords match with RE2, never Python's backtracking
``re`` (which holds the GIL, so even a worker thread would freeze the event loop). The callers run these in
a worker thread with a time limit (`gemini_mcp.core.worker`). Knows nothing about MCP.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any, Protocol, cast

import re2  # pyright: ignore[reportMissingTypeStubs]

from gemini_mcp import errors

__all__ = ["MAX_DEPTH", "MAX_NODES", "check_limits", "check_schema", "problems"]

MAX_NODES = 5_000
MAX_DEPTH = 32
MAX_CHARS = 512 * 1024
MAX_PATTERN_CHARS = 1_000
_RE2: Any = re2  # google-re2 ships no type information
_RE2_ERROR: type[Exception] = _RE2.error
_RE2_OPTIONS = _RE2.Options()
_RE2_OPTIONS.max_mem = 8 << 20  # a regex whose automaton needs more is refused, not built
_RE2_OPTIONS.log_errors = False  # a refused pattern is reported to the caller, not printed on stderr by RE2


class _Walk:
    def __init__(self, field: str) -> None:
        self.field = field
        self.nodes = 0
        self.chars = 0
        self.patterns: list[str] = []
        self.has_pattern_properties = False
        self.has_unevaluated_properties = False

    def refuse(self, what: str) -> errors.InvalidRequestError:
        return errors.InvalidRequestError(f"{self.field}: {what}")

    def visit(self, node: object, depth: int) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.refuse(
                f"the schema has more than {MAX_NODES:,} values; simplify it (fewer properties, or split the task)"
            )
        if depth > MAX_DEPTH:
            raise self.refuse(f"the schema nests deeper than {MAX_DEPTH} levels; flatten it")
        if isinstance(node, str):
            self.chars += len(node)
        elif isinstance(node, dict):
            self._visit_object(cast(dict[object, object], node), depth)
        elif isinstance(node, list):
            for item in cast(list[object], node):
                self.visit(item, depth + 1)
        if self.chars > MAX_CHARS:
            raise self.refuse(f"the schema holds more than {MAX_CHARS // 1024} KiB of text; shorten it")

    def _visit_object(self, node: dict[object, object], depth: int) -> None:
        for key, value in node.items():
            self.chars += len(str(key))
            if key == "pattern" and isinstance(value, str):
                self.patterns.append(value)
            elif key == "patternProperties" and isinstance(value, dict):
                self.has_pattern_properties = True
                self.patterns += [str(k) for k in cast(dict[object, object], value)]
            elif key == "unevaluatedProperties":
                self.has_unevaluated_properties = True
            elif key == "$ref" and isinstance(value, str) and not value.startswith("#"):
                raise self.refuse(f"$ref {value[:100]!r} is not local; only references inside the schema (#/...) work")
            self.visit(cast(object, value), depth + 1)


def check_limits(schema: object, field: str = "response_schema") -> None:
    """Refuse a schema too big, too deep, or with a regex that cannot be matched in linear time."""
    walk = _Walk(field)
    walk.visit(schema, 0)
    if walk.has_pattern_properties and walk.has_unevaluated_properties:
        raise walk.refuse("unevaluatedProperties together with patternProperties cannot be checked safely; drop one")
    for pattern in walk.patterns:
        if len(pattern) > MAX_PATTERN_CHARS:
            raise walk.refuse(f"a pattern is longer than {MAX_PATTERN_CHARS} characters")
        try:
            _compiled(pattern)
        except _RE2_ERROR as exc:
            said = exc.args[0] if exc.args else exc
            reason = said.decode("utf-8", "replace") if isinstance(said, bytes) else str(said)
            raise walk.refuse(
                f"pattern {pattern[:100]!r} cannot be checked in linear time ({reason}); backreferences and "
                "lookaround are not supported. Use a simpler regular expression"
            ) from None


class _Regex(Protocol):
    def search(self, text: str) -> object | None: ...


@functools.lru_cache(maxsize=512)
def _compiled(pattern: str) -> _Regex:
    return cast(_Regex, _RE2.compile(pattern, options=_RE2_OPTIONS))


def check_schema(schema: dict[str, Any], field: str = "response_schema") -> None:
    """Refuse a schema that breaks the limits or is not a valid JSON Schema, before Gemini is called."""
    from jsonschema import exceptions

    if not schema:
        raise errors.InvalidRequestError(f"{field}: an empty schema; give a JSON Schema object")
    check_limits(schema, field)
    try:
        _validator_class(schema).check_schema(schema)
    except exceptions.SchemaError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(top level)"
        raise errors.InvalidRequestError(f"{field} is not a valid JSON Schema: {exc.message} (at {where})") from None


def problems(value: object, schema: dict[str, Any]) -> list[tuple[str, str]]:
    """(where, message) for every way ``value`` breaks ``schema``, sorted by location; [] when valid."""
    from jsonschema import exceptions

    check_limits(schema)
    validator = _validator_class(schema)(schema)
    try:
        found = sorted(validator.iter_errors(value), key=lambda e: [str(p) for p in e.absolute_path])
    except exceptions.SchemaError as exc:  # pragma: no cover - schemas are checked before the turn is sent
        return [("(schema)", exc.message)]
    except Exception as exc:  # an unresolvable $ref surfaces only while validating
        return [("(schema)", f"the schema cannot be applied: {type(exc).__name__}: {str(exc)[:200]}")]
    return [("/".join(str(p) for p in e.absolute_path) or "(top level)", e.message) for e in found]


def _validator_class(schema: dict[str, Any]) -> Any:
    from jsonschema import validators

    return _safe_class(validators.validator_for(schema))


@functools.cache
def _safe_class(base: Any) -> Any:
    """``base`` with its regex keywords matched by RE2."""
    import jsonschema.validators

    extend: Any = getattr(jsonschema.validators, "extend")  # noqa: B009 - the function is untyped
    return extend(
        base,
        {
            "pattern": _pattern,
            "patternProperties": _pattern_properties,
            "additionalProperties": _additional_properties,
        },
    )


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _pattern(validator: Any, pattern: str, instance: object, schema: dict[str, Any]) -> Iterator[Any]:
    from jsonschema.exceptions import ValidationError

    if validator.is_type(instance, "string") and _compiled(pattern).search(cast(str, instance)) is None:
        yield ValidationError(f"{_short(instance)} does not match {_short(pattern)}")


def _pattern_properties(validator: Any, patterns: dict[str, Any], instance: object, schema: dict[str, Any]) -> Any:
    if not validator.is_type(instance, "object"):
        return
    items = cast(dict[str, Any], instance)
    for pattern, subschema in patterns.items():
        regex = _compiled(pattern)
        for key, value in items.items():
            if regex.search(key) is not None:
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional_properties(validator: Any, allowed: Any, instance: object, schema: dict[str, Any]) -> Any:
    from jsonschema.exceptions import ValidationError

    if not validator.is_type(instance, "object"):
        return
    items = cast(dict[str, Any], instance)
    known = schema.get("properties", {})
    regexes = [_compiled(p) for p in schema.get("patternProperties", {})]
    extras = [k for k in items if k not in known and not any(r.search(k) is not None for r in regexes)]
    if validator.is_type(allowed, "object"):
        for extra in extras:
            yield from validator.descend(items[extra], allowed, path=extra)
    elif not allowed and extras:
        shown = ", ".join(_short(e) for e in sorted(extras)[:10])
        yield ValidationError(f"Additional properties are not allowed ({shown} unexpected)")
