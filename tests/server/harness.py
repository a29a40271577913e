"""Test harness for the server: Settings on the emulator and MCP clients over each transport."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
from anyio.abc import Process
from anyio.streams.text import TextReceiveStream
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters
from mcp.types import CallToolResult

from gemini_mcp.config import Settings
from gemini_mcp.emulator.server import Emulator
from gemini_mcp.server.app import build_server


def make_settings(data_dir: Path, base_url: str | None, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "api_key": "test-key",
        "base_url": base_url,
        "data_dir": data_dir,
        "max_retries": 0,
        "request_timeout": 20.0,
        **overrides,
    }
    return Settings.model_validate(values)


@asynccontextmanager
async def open_client(settings: Settings, mode: str = "auto") -> AsyncIterator[Client]:
    """An in-memory MCP client on a fresh server, opened inside the test: the server lifespan owns a task
    group, which must be entered and left in the same task (pytest-asyncio fixtures do not guarantee that)."""
    async with Client(build_server(settings), raise_exceptions=True, mode=mode) as c:  # type: ignore[arg-type]
        yield c


def data(result: CallToolResult) -> dict[str, Any]:
    """The structured content of a successful tool result."""
    assert not result.is_error, text(result)
    assert result.structured_content is not None
    return result.structured_content


def text(result: CallToolResult) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)


def error_text(result: CallToolResult) -> str:
    assert result.is_error, f"expected an error, got {text(result)}"
    return text(result)


def creates(emulator: Emulator) -> list[dict[str, Any]]:
    """Bodies of every POST .../interactions (create) the emulator received, in order."""
    return [r.body for r in emulator.requests if r.method == "POST" and r.path.endswith("/interactions")]


def server_env(base_url: str, **extra: str) -> dict[str, str]:
    """Environment for a server subprocess: the SDK's own variables point it at the emulator."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GEMINI_", "GOOGLE_"))}
    env.update(
        GEMINI_API_KEY="test-key",
        GOOGLE_GEMINI_BASE_URL=base_url,
        GEMINI_MCP_MAX_RETRIES="0",
        GEMINI_MCP_LOG_LEVEL="INFO",
        **extra,
    )
    return env


def stdio_params(data_dir: Path, env: dict[str, str], *args: str) -> StdioServerParameters:
    """`python -m gemini_mcp` over stdio (the console script's module form)."""
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "gemini_mcp", "--data-dir", str(data_dir), *args],
        env=env,
        cwd=data_dir.parent,
    )


class ServerProcess:
    def __init__(self, process: Process, url: str, log: list[str]) -> None:
        self.process = process
        self.url = url
        self.log = log


@asynccontextmanager
async def http_server_process(data_dir: Path, env: dict[str, str], *args: str) -> AsyncIterator[ServerProcess]:
    """`python -m gemini_mcp --transport http --port 0` as a subprocess; yields once it logged its URL.

    Its stderr is drained continuously (so the pipe never fills) into `ServerProcess.log`.
    """
    command = [sys.executable, "-m", "gemini_mcp", "--transport", "http", "--port", "0", "--data-dir", str(data_dir)]
    log: list[str] = []
    found = anyio.Event()
    url = ""

    async def drain(process: Process) -> None:
        nonlocal url
        assert process.stderr is not None
        pending = ""
        async for chunk in TextReceiveStream(process.stderr):
            pending += chunk
            *lines, pending = pending.split("\n")
            for line in lines:
                log.append(line)
                marker = "Streamable HTTP at "
                if marker in line and not found.is_set():
                    url = line.split(marker, 1)[1].strip()
                    found.set()

    process = await anyio.open_process(
        [*command, *args], env=env, cwd=data_dir.parent, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL
    )
    try:
        async with anyio.create_task_group() as task_group:
            task_group.start_soon(drain, process)
            task_group.start_soon(_set_on_exit, process, found)
            with anyio.fail_after(60):
                await found.wait()
            if not url:
                raise AssertionError("server exited before serving:\n" + "\n".join(log))
            yield ServerProcess(process, url, log)
            task_group.cancel_scope.cancel()
    finally:
        if process.returncode is None:
            process.kill()
        with anyio.CancelScope(shield=True):
            await process.wait()
            await process.aclose()


async def _set_on_exit(process: Process, event: anyio.Event) -> None:
    await process.wait()
    event.set()
