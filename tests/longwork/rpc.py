"""Hand-written JSON-RPC MCP clients (stdio and Streamable HTTP) for the 2025-11-25 task flow.

mcp 2.3's own `Client` cannot send `params.task` nor accept a `CreateTaskResult`, so these speak the wire
directly: newline-delimited JSON over a child's stdin/stdout, and POSTs to `/mcp` (JSON or SSE answers)
with the session id the server hands out. Requests may run concurrently (`tasks/result` blocks while
`tasks/get` and `tasks/cancel` go on beside it).
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import httpx
from anyio.abc import Process, TaskGroup
from anyio.streams.text import TextReceiveStream

from tests.harness.processes import reap

TASKS_VERSION = "2025-11-25"


class RpcError(Exception):
    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.data = data


def _result(reply: dict[str, Any]) -> dict[str, Any]:
    if "error" in reply:
        error = reply["error"]
        raise RpcError(int(error["code"]), str(error.get("message", "")), error.get("data"))
    return reply["result"]


@dataclass
class StdioRpc:
    """JSON-RPC over a running `python -m gemini_mcp` child's stdio."""

    process: Process
    task_group: TaskGroup
    notifications: list[dict[str, Any]] = field(default_factory=list[dict[str, Any]])
    stderr: list[str] = field(default_factory=list[str])
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _waiting: dict[int, tuple[anyio.Event, list[dict[str, Any]]]] = field(default_factory=dict)

    async def request(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        request_id = next(self._ids)
        done, box = anyio.Event(), []
        self._waiting[request_id] = (done, box)
        await self._send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params or {}})
        await done.wait()
        return _result(box[0])

    async def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        await self._send({"jsonrpc": "2.0", "method": method, "params": params or {}})

    async def initialize(self, version: str = TASKS_VERSION) -> dict[str, Any]:
        result = await self.request(
            "initialize",
            {"protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "raw-rpc", "version": "1"}},
        )
        await self.notify("notifications/initialized")
        return result

    async def _send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        await self.process.stdin.send((json.dumps(message) + "\n").encode())

    async def read_loop(self) -> None:
        assert self.process.stdout is not None
        pending = ""
        async for chunk in TextReceiveStream(self.process.stdout):
            pending += chunk
            *lines, pending = pending.split("\n")
            for line in filter(None, (raw.strip() for raw in lines)):
                self._dispatch(json.loads(line))
        for done, box in self._waiting.values():  # the server is gone: fail every pending request
            box.append({"error": {"code": -1, "message": "connection closed"}})
            done.set()

    def _dispatch(self, message: dict[str, Any]) -> None:
        if "id" in message and ("result" in message or "error" in message):
            waiter = self._waiting.pop(int(message["id"]), None)
            if waiter is not None:
                waiter[1].append(message)
                waiter[0].set()
        elif "method" in message and "id" not in message:
            self.notifications.append(message)

    async def drain_stderr(self) -> None:
        assert self.process.stderr is not None
        async for chunk in TextReceiveStream(self.process.stderr):
            self.stderr.append(chunk)


@asynccontextmanager
async def stdio_rpc(data_dir: Path, env: dict[str, str], *args: str) -> AsyncGenerator[StdioRpc]:
    """Start `python -m gemini_mcp --data-dir DIR [args]` over stdio; kill it (SIGKILL) on exit."""
    command = [sys.executable, "-m", "gemini_mcp", "--data-dir", str(data_dir), *args]
    process = await anyio.open_process(command, env=env, cwd=data_dir.parent)
    try:
        async with anyio.create_task_group() as task_group:
            rpc = StdioRpc(process, task_group)
            task_group.start_soon(rpc.read_loop)
            task_group.start_soon(rpc.drain_stderr)
            yield rpc
            task_group.cancel_scope.cancel()
    finally:
        await reap(process)


@dataclass
class HttpRpc:
    """JSON-RPC over Streamable HTTP: POST /mcp, JSON or SSE replies, the server's Mcp-Session-Id kept."""

    url: str
    http: httpx.AsyncClient
    token: str | None = None
    session_id: str | None = None
    version: str = TASKS_VERSION
    notifications: list[dict[str, Any]] = field(default_factory=list[dict[str, Any]])
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
        if self.session_id:
            headers["Mcp-Session-Id"] = self.session_id
            headers["MCP-Protocol-Version"] = self.version
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    async def request(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        request_id = next(self._ids)
        body = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params or {}}
        response = await self.http.post(self.url, json=body, headers=self._headers())
        if response.status_code != 200:
            raise RpcError(response.status_code, response.text)
        self.session_id = response.headers.get("mcp-session-id", self.session_id)
        for message in self._messages(response):
            if message.get("id") == request_id and ("result" in message or "error" in message):
                return _result(message)
            self.notifications.append(message)
        raise AssertionError(f"no reply to {method} in: {response.text[:500]}")

    async def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        body = {"jsonrpc": "2.0", "method": method, "params": params or {}}
        response = await self.http.post(self.url, json=body, headers=self._headers())
        assert response.status_code in (200, 202), response.text

    async def initialize(self) -> dict[str, Any]:
        result = await self.request(
            "initialize",
            {"protocolVersion": self.version, "capabilities": {}, "clientInfo": {"name": "raw-http", "version": "1"}},
        )
        await self.notify("notifications/initialized")
        return result

    @staticmethod
    def _messages(response: httpx.Response) -> list[dict[str, Any]]:
        if response.headers.get("content-type", "").startswith("application/json"):
            data = response.json()
            return data if isinstance(data, list) else [data]
        out: list[dict[str, Any]] = []
        for block in response.text.replace("\r\n", "\n").split("\n\n"):
            data = "".join(line[5:].strip() for line in block.split("\n") if line.startswith("data:"))
            if data:
                out.append(json.loads(data))
        return out


def tool_call(name: str, arguments: dict[str, Any], *, task: dict[str, Any] | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {"name": name, "arguments": arguments}
    if task is not None:
        params["task"] = task
    return params


def run_quiet(*argv: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout, check=False)
