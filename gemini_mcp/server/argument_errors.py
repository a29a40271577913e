"""Tool argument errors a model can act on: one line per problem, naming the argument, what was wrong, what is allowed.

The MCP SDK validates a call's arguments before the tool runs and answers pydantic's own text (class names,
input dumps, a pydantic URL). This middleware replaces that answer: it validates the same arguments against
a model built from the tool's own signature and writes each problem in plain words, with the allowed values
read from the tool's input schema (so arguments added later are explained the same way).
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Sequence
from typing import Any, cast, get_type_hints

from mcp.server.context import CallNext, HandlerResult, ServerMiddleware, ServerRequestContext
from mcp.server.mcpserver.resolve import Resolve
from mcp.types import CallToolResult, TextContent
from pydantic import BaseModel, ValidationError, create_model

from gemini_mcp.server.state import Ctx

_SHORT = 60


def argument_model(tool: Callable[..., Any]) -> type[BaseModel]:
    """A model of the tool's arguments (its parameters but the context), as the SDK builds one."""
    hints = get_type_hints(tool, include_extras=True)
    fields: dict[str, Any] = {}
    for name, param in inspect.signature(tool).parameters.items():
        if hints.get(name) is Ctx or _resolved(hints.get(name)):
            continue
        default = ... if param.default is inspect.Parameter.empty else param.default
        fields[name] = (hints[name], default)
    return create_model(tool.__name__, **fields)


def _resolved(hint: Any) -> bool:
    """A parameter the SDK fills itself (`Annotated[..., Resolve(...)]`), not one the caller sends."""
    return any(isinstance(mark, Resolve) for mark in getattr(hint, "__metadata__", ()))


def _show(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    text = repr(text) if isinstance(value, str) else text
    return text if len(text) <= _SHORT else text[: _SHORT - 3] + "..."


def _is_tag(part: int | str) -> bool:
    """pydantic's name for a union branch (`literal[...]`, `GoogleSearchTool`, `str`), not a field or index."""
    if isinstance(part, int):
        return False
    return any(mark in part for mark in "[(-") or part[:1].isupper() or part in ("str", "int", "float", "bool")


def _where(loc: Sequence[int | str]) -> str:
    """`files[2]`, `function_declarations[0].name`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "arguments"


def _subschema(schema: dict[str, Any], loc: Sequence[int | str]) -> dict[str, Any]:
    """The JSON Schema of the value at `loc` (following $ref, anyOf, items and properties)."""
    defs: dict[str, Any] = schema.get("$defs", {})
    node = schema
    for part in loc:
        node = _plain(node, defs)
        if isinstance(part, int):
            node = node.get("items", {})
            continue
        branches = [_plain(o, defs) for o in node.get("anyOf", [])]
        node = next((b for b in branches if part in b.get("properties", {})), node)
        if part in node.get("properties", {}):
            node = node["properties"][part]
    return _plain(node, defs)


def _plain(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        node = defs.get(str(node["$ref"]).rsplit("/", 1)[-1], {})
    options = [o for o in node.get("anyOf", []) if o.get("type") != "null"]
    if len(options) == 1:
        merged = {**node, **options[0]}
        merged.pop("anyOf", None)
        return _plain(merged, defs)
    return node


def _bounds(node: dict[str, Any], ctx: dict[str, Any]) -> str:
    low = node.get("minimum", node.get("exclusiveMinimum", ctx.get("ge", ctx.get("gt"))))
    high = node.get("maximum", node.get("exclusiveMaximum", ctx.get("le", ctx.get("lt"))))
    if low is not None and high is not None:
        return f"{low} to {high}"
    return f"at least {low}" if low is not None else f"at most {high}"


def _union_problem(loc: tuple[int | str, ...], value: Any, schema: dict[str, Any]) -> str:
    """A value that matches no branch of a union: the branches' allowed values, and the objects it could be."""
    defs: dict[str, Any] = schema.get("$defs", {})
    branches = [_plain(o, defs) for o in _subschema(schema, loc).get("anyOf", [])]
    values = [str(v) for b in branches for v in b.get("enum", [])]
    objects = [str(b.get("title", "an object")) for b in branches if b.get("type") == "object"]
    kinds = [str(b.get("type")) for b in branches if "enum" not in b and b.get("type") not in (None, "object")]
    allowed = ([f"one of {', '.join(values)}"] if values else []) + kinds + [f"an object ({o})" for o in objects]
    return f"{_where(loc)}: {_show(value)} is not allowed; allowed: {' or '.join(allowed) or 'see the schema'}"


def _problems(errors: Sequence[Any], schema: dict[str, Any]) -> list[str]:
    """One line per wrong value; a value failing every branch of a union is one line, not one per branch."""
    lines: list[str] = []
    unions: dict[tuple[int | str, ...], list[Any]] = {}
    for error in errors:
        loc: tuple[int | str, ...] = tuple(error["loc"])
        tag = next((i for i, part in enumerate(loc) if _is_tag(part)), None)
        if tag is None:
            lines.append(_problem(error, loc, schema))
        else:
            unions.setdefault(loc[:tag], []).append(error)
    for at, branch_errors in unions.items():
        clean = [(e, tuple(p for p in e["loc"] if not _is_tag(p))) for e in branch_errors]
        deeper = [(e, loc) for e, loc in clean if len(loc) > len(at)]  # the value had a branch's shape
        if deeper:
            lines += [_problem(e, loc, schema) for e, loc in deeper]
        else:
            lines.append(_union_problem(at, branch_errors[0].get("input"), schema))
    return list(dict.fromkeys(lines))


def _problem(error: Any, loc: tuple[int | str, ...], schema: dict[str, Any]) -> str:
    where, kind, ctx = _where(loc), str(error["type"]), dict(error.get("ctx") or {})
    node = _subschema(schema, loc)
    value = error.get("input")
    about = f" ({node['description']})" if node.get("description") else ""
    if kind == "missing":
        return f"{where}: required, but missing{about}"
    if kind in ("literal_error", "enum"):
        allowed = node.get("enum") or [node["const"]] if "const" in node else node.get("enum", [])
        return f"{where}: {_show(value)} is not one of {', '.join(str(a) for a in allowed) or ctx.get('expected')}"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return f"{where}: {_show(value)} is out of range; allowed: {_bounds(node, ctx)}"
    if kind == "string_too_short":
        least = ctx.get("min_length", 1)
        return f"{where}: must not be empty" if least == 1 else f"{where}: at least {least} characters, got fewer"
    if kind in ("string_too_long", "too_long"):
        return f"{where}: too long; allowed: at most {ctx.get('max_length')}"
    if kind == "extra_forbidden":
        allowed = ", ".join(_subschema(schema, loc[:-1]).get("properties", {})) or "none"
        return f"{where}: unknown field; allowed fields: {allowed}"
    if kind == "string_pattern_mismatch":
        return f"{where}: {_show(value)} is not allowed{about or ' (pattern ' + str(ctx.get('pattern')) + ')'}"
    expected = {"int": "a whole number", "float": "a number", "bool": "true or false", "string": "a string"}
    expected |= {"list": "a list", "dict": "an object", "model": "an object", "model_attributes": "an object"}
    for prefix, words in expected.items():
        if kind.startswith(prefix + "_") or kind == prefix:
            return f"{where}: {_show(value)} is not {words}{about}"
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return f"{where}: {_show(value)} is invalid: {message}"


def explain(model: type[BaseModel], arguments: dict[str, Any]) -> str | None:
    """One line per problem with `arguments`, or None when they validate."""
    parsed = {k: _maybe_json(v) for k, v in arguments.items()}
    try:
        model.model_validate(parsed)
    except ValidationError as err:
        schema = model.model_json_schema()
        return "\n".join(_problems(err.errors(include_url=False), schema))
    return None


def _maybe_json(value: Any) -> Any:
    """Clients sometimes send a list or object as JSON text; the SDK accepts that, so this does too."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _error_text(result: object) -> str | None:
    """The first text block of an is_error tool result (a model, or already a dict), else None."""
    raw = result.model_dump(by_alias=True) if isinstance(result, BaseModel) else result
    if not isinstance(raw, dict):
        return None
    data = cast(dict[str, Any], raw)
    content = cast(list[Any], data.get("content") or [None])
    first = content[0]
    if not data.get("isError") or not isinstance(first, dict):
        return None
    text = cast(dict[str, Any], first).get("text")
    return text if isinstance(text, str) else None


def rewrite_argument_errors(tools: Sequence[Callable[..., Any]]) -> ServerMiddleware[Any]:
    """Middleware answering a tools/call whose arguments fail validation with `explain`'s lines."""
    models = {tool.__name__: argument_model(tool) for tool in tools}

    async def middleware(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        result = await call_next(ctx)
        raw: Any = ctx.params if ctx.method == "tools/call" else None
        params = cast(dict[str, Any], raw) if isinstance(raw, dict) else {}
        name = str(params.get("name", ""))
        text = _error_text(result)
        if name not in models or text is None or "validation error" not in text.split("\n", 1)[0]:
            return result
        arguments = cast(dict[str, Any], params.get("arguments") or {})
        problems = explain(models[name], arguments) or "the arguments do not match the tool's input schema"
        return CallToolResult(
            content=[TextContent(type="text", text=f"Invalid arguments for {name}:\n{problems}")], is_error=True
        )

    return middleware
