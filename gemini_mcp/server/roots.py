"""The client's MCP roots for a tool call, asked with roots/list whenever a call reads local files.

Asked afresh on every such call rather than cached until `notifications/roots/list_changed`: the SDK runs
notification handlers concurrently with requests, so a cache invalidated by the notification could still
serve the old roots to the call right after it. One roots/list round trip per call with local files costs
less than that race.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import anyio
from mcp.shared.exceptions import MCPDeprecationWarning

from gemini_mcp.config import Settings
from gemini_mcp.core.paths import is_url
from gemini_mcp.core.roots import FileRoots, client_roots, is_loopback, root_paths, server_roots
from gemini_mcp.server.state import Ctx, state

logger = logging.getLogger(__name__)

LIST_ROOTS_TIMEOUT = 10.0


def client_roots_apply(settings: Settings) -> bool:
    """Client roots name the client's disk: they count unless the server listens off loopback over HTTP."""
    return settings.transport != "http" or is_loopback(settings.host)


def _declares_roots(ctx: Ctx) -> bool:
    capabilities = ctx.request_context.session.client_capabilities
    return capabilities is not None and capabilities.roots is not None


async def _ask_client(ctx: Ctx) -> list[str] | None:
    """The client's root URIs, or None when it cannot answer (no back channel, or no answer in time)."""
    session: Any = ctx.request_context.session
    try:
        with anyio.fail_after(LIST_ROOTS_TIMEOUT), warnings.catch_warnings():
            warnings.simplefilter("ignore", MCPDeprecationWarning)  # roots: deprecated from 2026-07-28 (SEP-2577)
            result = await session.list_roots()
    except Exception as exc:  # e.g. a 2026-07-28 client without a back channel: the server's own policy applies
        logger.info("roots/list unavailable (%s): files follow the server's own roots", type(exc).__name__)
        return None
    return [str(root.uri) for root in result.roots]


async def file_roots(ctx: Ctx) -> FileRoots:
    """Where this call's local `files` may be read from (see core/roots.py for the policy)."""
    settings = state(ctx).settings
    if not (client_roots_apply(settings) and _declares_roots(ctx)):
        return server_roots(settings.file_roots)
    uris = await _ask_client(ctx)
    if uris is None:
        return server_roots(settings.file_roots)
    return client_roots(root_paths(uris), settings.file_roots)


async def roots_for(ctx: Ctx, files: list[str] | None) -> FileRoots | None:
    """Where this call's local `files` may be read, or None when it names no local file (nothing is asked)."""
    return await file_roots(ctx) if any(not is_url(item.strip()) for item in files or []) else None
