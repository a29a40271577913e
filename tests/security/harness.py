"""Test harness: serve an ASGI app on a free loopback port, connect MCP clients with bearer tokens."""

from __future__ import annotations

import socket
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Literal

import anyio
import httpx2
import uvicorn
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from starlette.types import ASGIApp

Mode = Literal["legacy", "auto"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def serve_app(app: ASGIApp, port: int | None = None) -> AsyncGenerator[str]:
    """Run ``app`` under uvicorn on 127.0.0.1 in the current event loop; yields ``http://127.0.0.1:PORT``."""
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    async with anyio.create_task_group() as tg:
        tg.start_soon(server.serve)
        with anyio.fail_after(20):
            while not server.started:
                await anyio.sleep(0.01)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True


@asynccontextmanager
async def http_client(base_url: str, token: str | None = None, mode: Mode = "auto") -> AsyncGenerator[Client]:
    """An MCP Client over Streamable HTTP at ``base_url``/mcp, sending ``Authorization: Bearer token``."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30.0)) as hc,
        Client(streamable_http_client(f"{base_url}/mcp", http_client=hc), mode=mode) as client,
    ):
        yield client
