"""Replicas: several `gemini-mcp --transport http` processes on one PostgreSQL database and one emulator.

`Replicas` starts, kills (SIGKILL), stops (SIGTERM, graceful) and restarts them (each process lives in a task of
its own, so they stop in any order). `Balancer` plays the load balancer at the HTTP level, as stateless
Streamable HTTP allows: every request of an MCP client goes to the next live replica (or to a preferred one
first), and a refused connection moves on to the next. Nothing else is retried: a request that reached a
replica is never sent again, so a turn never runs twice.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import httpx2
from anyio.abc import TaskGroup, TaskStatus
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult

from tests.harness.clients import Mode, data
from tests.harness.processes import ServerProcess, http_server_process
from tests.harness.settings import server_env

BALANCER = "http://balancer.invalid"  # what the client thinks it talks to: `Balancer` rewrites each request


@dataclass
class Replica:
    name: str
    data_dir: Path
    server: ServerProcess | None = None
    stopped_logs: list[str] = field(default_factory=list[str])  # the whole output of each run that ended
    stop_requested: anyio.Event = field(default_factory=anyio.Event)
    stopped: anyio.Event = field(default_factory=anyio.Event)

    @property
    def base_url(self) -> str:
        assert self.server is not None, f"replica {self.name} is not running"
        return self.server.base_url


@dataclass
class Replicas:
    env: dict[str, str]
    members: list[Replica]
    task_group: TaskGroup
    turn: int = 0

    async def start(self, replica: Replica) -> None:
        replica.stop_requested, replica.stopped = anyio.Event(), anyio.Event()
        replica.server = await self.task_group.start(self._run, replica)

    async def _run(self, replica: Replica, *, task_status: TaskStatus[ServerProcess]) -> None:
        try:
            async with http_server_process(replica.data_dir, self.env_of(replica), graceful=True) as server:
                task_status.started(server)
                await replica.stop_requested.wait()
            replica.stopped_logs.append(server.output)
        finally:
            replica.stopped.set()

    def env_of(self, replica: Replica) -> dict[str, str]:
        """Each replica sends its own API key, so the emulator's request log tells which replica asked."""
        return {**self.env, "GEMINI_API_KEY": key_of(replica)}

    async def stop(self, replica: Replica) -> None:
        """SIGTERM and wait for it to exit: in-flight requests finish, leases are released."""
        replica.server = None
        replica.stop_requested.set()
        await replica.stopped.wait()

    async def kill(self, replica: Replica) -> None:
        """SIGKILL: no shutdown at all (its leases stay until they expire)."""
        assert replica.server is not None
        replica.server.process.kill()
        await self.stop(replica)

    async def call(
        self, tool: str, arguments: dict[str, Any], *, on: Replica | None = None, mode: Mode = "auto"
    ) -> CallToolResult:
        """One tool call by a fresh MCP client through the balancer: its requests go to `on` while it is up,
        else (or without `on`) to the next live replica in turn."""
        async with (
            httpx2.AsyncClient(transport=Balancer(self, on), timeout=httpx2.Timeout(30.0)) as hc,
            Client(streamable_http_client(f"{BALANCER}/mcp", http_client=hc), mode=mode) as client,
        ):
            return await client.call_tool(tool, arguments)

    async def ok(
        self, tool: str, arguments: dict[str, Any], *, on: Replica | None = None, mode: Mode = "auto"
    ) -> dict[str, Any]:
        return data(await self.call(tool, arguments, on=on, mode=mode))

    def route(self, prefer: Replica | None) -> list[Replica]:
        """The live replicas in the order a request tries them: `prefer` first, then round robin."""
        start, self.turn = self.turn, self.turn + 1
        turn = [self.members[(start + n) % len(self.members)] for n in range(len(self.members))]
        ordered = ([prefer] if prefer is not None else []) + [r for r in turn if r is not prefer]
        return [r for r in ordered if r.server is not None]

    def log(self) -> str:
        return "\n".join(f"--- {r.name}\n{r.server.output if r.server else '(down)'}" for r in self.members)


def key_of(replica: Replica) -> str:
    """The API key `replica` sends (the emulator records it in `x-goog-api-key`)."""
    return f"test-key-{replica.name}"


class Balancer(httpx2.AsyncBaseTransport):
    """A load balancer in the client: sends each request to a replica of `route`; on a refused connection (the
    replica is stopping or down, and nothing was sent) it tries the next."""

    def __init__(self, replicas: Replicas, prefer: Replica | None) -> None:
        self.replicas = replicas
        self.prefer = prefer
        self.inner = httpx2.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        refused: Exception = AssertionError("no replica is running")
        for replica in self.replicas.route(self.prefer):
            target = httpx2.URL(replica.base_url)
            request.url = request.url.copy_with(host=target.host, port=target.port)
            request.headers["host"] = f"{target.host}:{target.port}"
            try:
                return await self.inner.handle_async_request(request)
            except httpx2.ConnectError as exc:
                refused = exc
        raise refused

    async def aclose(self) -> None:
        await self.inner.aclose()


@asynccontextmanager
async def running_replicas(
    tmp_path: Path, emulator_url: str, database_url: str, count: int, **env: str
) -> AsyncGenerator[Replicas]:
    """`count` replicas on `database_url` and the emulator at `emulator_url`; all stopped afterwards."""
    # 50 runs in flight at once are the point of some tests here, not the per-owner cap (tests/server/test_spend*.py)
    limits = {"GEMINI_MCP_MAX_RUNNING_RESEARCH": "100"}
    environment = server_env(emulator_url, GEMINI_MCP_DATABASE_URL=database_url, **{**limits, **env})
    async with anyio.create_task_group() as tg:
        members = [Replica(f"r{n}", tmp_path / f"r{n}" / "data") for n in range(count)]
        replicas = Replicas(environment, members, tg)
        try:
            for replica in members:
                replica.data_dir.mkdir(parents=True)
                await replicas.start(replica)
            yield replicas
        finally:
            for replica in members:
                replica.stop_requested.set()
