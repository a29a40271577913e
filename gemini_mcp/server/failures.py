"""The one place project errors become MCP tool errors: the model reads exactly the error's message."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from mcp.server.mcpserver.exceptions import ToolError

from gemini_mcp.errors import GeminiMcpError

P = ParamSpec("P")
R = TypeVar("R")


def reported(tool: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """`tool`, with a `GeminiMcpError` raised as an MCP `ToolError` carrying its message (an is_error result).

    The signature (and so the advertised schema) is the tool's own: `functools.wraps` keeps `__wrapped__`,
    which the MCP SDK follows when it reads parameters and annotations.
    """

    @functools.wraps(tool)
    async def call(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await tool(*args, **kwargs)
        except GeminiMcpError as err:
            raise ToolError(str(err)) from err

    return call
