"""MCP Tasks for long work: a version-independent task service and its wire adapters.

`service.py` keeps tasks (in the store, owner-scoped, TTL honoured) over the interactions the watcher
follows; `results.py` says what each task-capable tool's task returns; `v2025.py` speaks the 2025-11-25
flow (what VS Code Copilot Chat and the fastmcp client use). A 2026-07-28 adapter (the
`io.modelcontextprotocol/tasks` extension) would sit beside `v2025.py` on the same service.
"""

from __future__ import annotations

from typing import Any

from mcp.server import MCPServer
from mcp.server.context import ServerRequestContext

from gemini_mcp.server.state import AppState, owner
from gemini_mcp.server.tasks.results import KINDS
from gemini_mcp.server.tasks.service import TaskService
from gemini_mcp.server.tasks.v2025 import TasksMiddleware
from gemini_mcp.store.port import now

__all__ = ["install"]


def _service(ctx: ServerRequestContext[Any, Any]) -> TaskService:
    app: AppState = ctx.lifespan_context
    return TaskService(app.store.tasks, app.interactions, app.watcher, KINDS, now)


def install(server: MCPServer[AppState]) -> None:
    """Serve MCP Tasks (2025-11-25) for ask_gemini and start_deep_research on `server`."""
    server.middleware.append(TasksMiddleware(_service, owner, frozenset(KINDS)))
