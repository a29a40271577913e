"""The production HTTP app under uvicorn in the test's event loop, on a free loopback port."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import uvicorn

from gemini_mcp.config import Settings
from gemini_mcp.server.app import build_server
from gemini_mcp.server.http import build_http_app


@asynccontextmanager
async def serve_http(settings: Settings) -> AsyncIterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(build_http_app(settings, build_server(settings)), log_level="warning", lifespan="on")
    )
    async with anyio.create_task_group() as task_group:
        task_group.start_soon(server.serve, [sock])
        try:
            yield f"http://127.0.0.1:{port}/mcp"
        finally:
            server.should_exit = True
