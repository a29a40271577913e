"""A server in the test's own event loop: any ASGI app, or the production HTTP app, under uvicorn on loopback."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager

import anyio
import uvicorn
from starlette.types import ASGIApp

from gemini_mcp.config import Settings
from gemini_mcp.server.app import build_server
from gemini_mcp.server.http import build_http_app

from .ports import bound_socket


@asynccontextmanager
async def serve_app(app: ASGIApp, port: int | None = None) -> AsyncGenerator[str]:
    """Run ``app`` under uvicorn on 127.0.0.1 (a free port unless given); yields ``http://127.0.0.1:PORT``.

    Yields once uvicorn has started (the app's lifespan ran); stops it when the block ends.
    """
    sock = None if port else bound_socket()
    bound = int(sock.getsockname()[1]) if sock is not None else int(port or 0)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=bound, log_level="warning", lifespan="on"))
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(server.serve, [sock] if sock is not None else None)
            with anyio.fail_after(20):
                while not server.started:
                    await anyio.sleep(0.01)
            try:
                yield f"http://127.0.0.1:{bound}"
            finally:
                server.should_exit = True
    finally:
        if sock is not None:
            sock.close()


@asynccontextmanager
async def serve_http(settings: Settings) -> AsyncGenerator[str]:
    """The production HTTP app (build_http_app over build_server) on a free port; yields its MCP endpoint URL."""
    async with serve_app(build_http_app(settings, build_server(settings))) as base:
        yield f"{base}/mcp"
