"""What a tool handler reaches per request: the lifespan's `AppState` and the caller's principal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.mcpserver import Context

from gemini_mcp.config import Settings
from gemini_mcp.core.conversations import Conversations
from gemini_mcp.core.interactions import Interactions
from gemini_mcp.core.models import Models
from gemini_mcp.core.spend import Spend
from gemini_mcp.core.watcher import Watcher
from gemini_mcp.gemini.port import GeminiBackend
from gemini_mcp.store.port import Store


@dataclass
class AppState:
    """Everything a tool needs, opened once per server lifespan."""

    settings: Settings
    store: Store
    backend: GeminiBackend
    watcher: Watcher
    models: Models
    conversations: Conversations
    interactions: Interactions
    spend: Spend


Ctx = Context[AppState, Any]


@dataclass
class Running:
    """The lifespan's state for handlers that get no Context (static resources such as gemini://models)."""

    app: AppState | None = None

    def get(self) -> AppState:
        if self.app is None:
            raise RuntimeError("the server is not running (its lifespan has not started)")
        return self.app


def state(ctx: Ctx) -> AppState:
    return ctx.request_context.lifespan_context


def owner() -> str:
    """The caller's principal: the bearer token's client id on authenticated HTTP, else "local"."""
    token = get_access_token()
    return token.client_id if token is not None and token.client_id else "local"
