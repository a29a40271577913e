"""One log line per tool call (name, argument names, duration, outcome), in one central place.

Argument values are never logged: prompts and file paths are the user's data, and a model may paste
secrets into them. Only argument names are recorded.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import anyio
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext

logger = logging.getLogger("gemini_mcp.calls")


def _as_mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}  # pyright: ignore[reportUnknownVariableType]


async def log_tool_calls(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
    if ctx.method != "tools/call":
        return await call_next(ctx)
    params = _as_mapping(ctx.params)
    name = str(params.get("name", "?"))
    arg_names = ",".join(sorted(str(k) for k in _as_mapping(params.get("arguments"))))
    started = time.perf_counter()
    outcome = "crashed"
    try:
        result = await call_next(ctx)
        is_error = getattr(result, "is_error", None)
        if is_error is None:
            is_error = _as_mapping(result).get("isError", False)
        outcome = "error" if is_error else "ok"
        return result
    except anyio.get_cancelled_exc_class():
        outcome = "cancelled"
        raise
    finally:
        elapsed = (time.perf_counter() - started) * 1000
        logger.info("tool %s(%s) %s in %.0f ms", name, arg_names, outcome, elapsed)
