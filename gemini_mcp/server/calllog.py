"""One log line per tool call (name, argument names, duration, outcome, principal), in one central place.

Argument values are never logged: prompts and file paths are the user's data, and a model may paste
secrets into them. Only argument names are recorded, and a client chooses those (and the tool name): any
name that is not plain letters, digits and ``_.-`` is written as a Python literal (``repr``), so a newline or
control character in it cannot forge a log line; at most 20 argument names of 64 characters are shown.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

import anyio
from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext

logger = logging.getLogger("gemini_mcp.calls")
_PLAIN = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
MAX_NAMES = 20


def safe_name(name: object) -> str:
    """``name`` as it is when plain, else its repr (at most 64 characters of it): one log line stays one line."""
    text = str(name)
    return text if _PLAIN.match(text) else repr(text[:64])


def _principal() -> str:
    token = get_access_token()
    return token.client_id if token is not None and token.client_id else "local"


def _as_mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}  # pyright: ignore[reportUnknownVariableType]


async def log_tool_calls(ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
    if ctx.method != "tools/call":
        return await call_next(ctx)
    params = _as_mapping(ctx.params)
    name = safe_name(params.get("name", "?"))
    keys = sorted(str(k) for k in _as_mapping(params.get("arguments")))
    arg_names = ",".join(safe_name(k) for k in keys[:MAX_NAMES]) + (",..." if len(keys) > MAX_NAMES else "")
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
        logger.info("tool %s(%s) %s in %.0f ms by %s", name, arg_names, outcome, elapsed, safe_name(_principal()))
