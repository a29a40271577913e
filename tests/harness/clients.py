"""MCP clients on a server under test (in-memory, Streamable HTTP with a bearer token) and tool-result readers."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any, Literal

import anyio
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult

from gemini_mcp.config import Settings
from gemini_mcp.emulator.server import Emulator
from gemini_mcp.server.app import build_server

Mode = Literal["legacy", "auto"]

# The seven tools, in the order the server lists them.
TOOL_NAMES = (
    "ask_gemini",
    "start_deep_research",
    "get_interaction",
    "cancel_interaction",
    "list_interactions",
    "list_conversations",
    "delete_conversation",
)


@asynccontextmanager
async def open_client(
    settings: Settings, mode: Mode = "auto", *, raise_exceptions: bool = True
) -> AsyncGenerator[Client]:
    """An in-memory MCP client on a fresh server, opened inside the test: the server lifespan owns a task
    group, which must be entered and left in the same task (pytest-asyncio fixtures do not guarantee that).

    Use mode="legacy" when the server must see a progress token: the in-process "auto" mode hands the
    progress callback to the dispatcher and sends no token, so the server does not stream.
    """
    server = build_server(settings)
    async with Client(server, raise_exceptions=raise_exceptions, mode=mode) as client:  # type: ignore[arg-type]
        yield client


@asynccontextmanager
async def http_client(base_url: str, token: str | None = None, mode: Mode = "auto") -> AsyncGenerator[Client]:
    """An MCP Client over Streamable HTTP at ``base_url``/mcp, sending ``Authorization: Bearer token``."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30.0)) as hc,
        Client(streamable_http_client(f"{base_url}/mcp", http_client=hc), mode=mode) as client,
    ):
        yield client


def text(result: CallToolResult) -> str:
    """The text blocks of a tool result, one per line."""
    return "\n".join(getattr(block, "text", "") for block in result.content)


def structured(result: CallToolResult) -> dict[str, Any]:
    """The structured content of a tool result (successful or not)."""
    assert result.structured_content is not None, text(result)
    return result.structured_content


def data(result: CallToolResult) -> dict[str, Any]:
    """The structured content of a successful tool result."""
    assert not result.is_error, text(result)
    return structured(result)


def error_text(result: CallToolResult) -> str:
    assert result.is_error, f"expected an error, got {text(result)}"
    return text(result)


async def remember_a_name(client: Client) -> tuple[dict[str, Any], dict[str, Any]]:
    """The README's first example: "Hi, my name is Phil." then "What is my name?" in the same conversation."""
    first = data(await client.call_tool("ask_gemini", {"prompt": "Hi, my name is Phil."}))
    second = data(
        await client.call_tool(
            "ask_gemini", {"prompt": "What is my name?", "conversation_id": first["conversation_id"]}
        )
    )
    return first, second


def creates(emulator: Emulator) -> list[dict[str, Any]]:
    """Bodies of every POST .../interactions (create) the emulator received, in order."""
    return [r.body for r in emulator.requests if r.method == "POST" and r.path.endswith("/interactions")]


async def finish(client: Client, interaction_id: str, *, wait_seconds: float = 5, bound: float = 30) -> dict[str, Any]:
    """get_interaction(wait_seconds) until the interaction is done (each call bounded, all of it within `bound`)."""
    with anyio.fail_after(bound):
        while True:
            args = {"interaction_id": interaction_id, "wait_seconds": wait_seconds}
            got = data(await client.call_tool("get_interaction", args))
            if got["done"]:
                return got
