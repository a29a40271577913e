"""Replicas: several `gemini-mcp --transport http` processes on one PostgreSQL database and one emulator.

`Replicas` starts, kills (SIGKILL), stops (SIGTERM, graceful) and restarts them (each process lives in a task of
its own, so they stop in any order), and plays the load balancer: `call` sends one tool call
to a live replica over a fresh stateless HTTP client, moving on to the next when a replica refuses the
connection (it is stopping or restarting).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
from anyio.abc import TaskGroup, TaskStatus
from mcp.types import CallToolResult

from tests.harness.clients import data, http_client
from tests.harness.processes import ServerProcess, http_server_process
from tests.harness.settings import server_env

CALL_ATTEMPTS = 6


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

    async def call(self, tool: str, arguments: dict[str, Any], *, on: Replica | None = None) -> CallToolResult:
        """One tool call on `on`, or on the next live replica in turn (skipping ones that refuse)."""
        last: Exception | None = None
        for _ in range(CALL_ATTEMPTS if on is None else 1):
            replica = on or self._next_live()
            try:
                async with http_client(replica.base_url) as client:
                    return await client.call_tool(tool, arguments)
            except Exception as exc:  # refused: it is stopping or restarting (a load balancer retries elsewhere)
                if on is not None or not _refused(exc):
                    raise
                last = exc
        raise AssertionError(f"no replica took the call {tool}: {last!r}")

    async def ok(self, tool: str, arguments: dict[str, Any], *, on: Replica | None = None) -> dict[str, Any]:
        return data(await self.call(tool, arguments, on=on))

    def _next_live(self) -> Replica:
        for _ in range(len(self.members)):
            replica = self.members[self.turn % len(self.members)]
            self.turn += 1
            if replica.server is not None:
                return replica
        raise AssertionError("no replica is running")

    def log(self) -> str:
        return "\n".join(f"--- {r.name}\n{r.server.output if r.server else '(down)'}" for r in self.members)


def key_of(replica: Replica) -> str:
    """The API key `replica` sends (the emulator records it in `x-goog-api-key`)."""
    return f"test-key-{replica.name}"


def _refused(exc: BaseException) -> bool:
    """True when the exception (or one inside a group or chain) is a refused or reset connection."""
    if isinstance(exc, BaseExceptionGroup):
        return any(_refused(inner) for inner in exc.exceptions)  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
    names = {type(exc).__name__}
    cause = exc.__cause__ or exc.__context__
    text = str(exc).lower()
    if any(name in ("ConnectError", "ConnectionRefusedError", "RemoteProtocolError", "ReadError") for name in names):
        return True
    if "connect" in text or "refused" in text:
        return True
    return cause is not None and _refused(cause)


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
