"""Reliability harness: a server on the emulator, leak counters, TCP state from /proc, subprocess servers."""

from __future__ import annotations

import asyncio
import gc
import os
import sys
from collections.abc import AsyncGenerator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import anyio
from anyio.abc import Process
from mcp import Client
from mcp.types import CallToolResult, TextContent
from pydantic import SecretStr

from gemini_mcp.config import Settings
from gemini_mcp.server.app import build_server
from tests.security.harness import Mode, free_port, http_client, serve_app

__all__ = ["Mode", "free_port", "http_client", "serve_app"]

REPO = Path(__file__).resolve().parents[2]
API_KEY = "test-key-reliability"


def server_settings(base_url: str, data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "api_key": SecretStr(API_KEY),
        "base_url": base_url,
        "data_dir": data_dir,
        "max_retries": 1,
        "request_timeout": 20.0,
        "file_roots": [data_dir],
    }
    values.update(overrides)
    return Settings.model_validate(values)


@asynccontextmanager
async def memory_client(settings: Settings, mode: Literal["legacy", "auto"] = "auto") -> AsyncGenerator[Client]:
    """An in-memory MCP client on a fresh server (its lifespan runs for the connection).

    Use mode="legacy" when the server must see a progress token: the in-process "auto" mode hands the
    progress callback to the dispatcher and sends no token, so the server does not stream.
    """
    async with Client(build_server(settings), mode=mode) as client:
        yield client


def text(result: CallToolResult) -> str:
    return "\n".join(c.text for c in result.content if isinstance(c, TextContent))


def structured(result: CallToolResult) -> dict[str, Any]:
    assert result.structured_content is not None, text(result)
    return result.structured_content


# ----------------------------------------------------------------------------- leak counters


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def live_tasks() -> set[asyncio.Task[Any]]:
    return {t for t in asyncio.all_tasks() if not t.done()}


def describe_task(task: asyncio.Task[Any]) -> str:
    """The task's name and where it waits: the chain of coroutines it is suspended in."""
    frames: list[str] = []
    coro: Any = task.get_coro()
    while coro is not None and len(frames) < 12:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "ag_frame", None)
        if frame is not None:
            frames.append(f"{frame.f_globals.get('__name__', '?')}.{frame.f_code.co_name}:{frame.f_lineno}")
        coro = getattr(coro, "cr_await", None) or getattr(coro, "ag_await", None)
    return f"{task.get_name()} [{' > '.join(frames)}]"


def is_emulator_task(task: asyncio.Task[Any]) -> bool:
    """Tasks of the in-process emulator's uvicorn (a delayed response may still be sleeping there)."""
    coro = task.get_coro()
    module = str(getattr(getattr(coro, "cr_frame", None), "f_globals", {}).get("__name__", ""))
    if module == "asyncio.locks":
        # A bare Event.wait() task is what asyncio.wait_for() makes on 3.11; only the emulator uses wait_for
        # (its scheduler and delay faults), the server uses anyio.
        return True
    return module.startswith(("uvicorn.", "gemini_mcp.emulator"))


_TCP_STATES = {
    "01": "ESTABLISHED",
    "02": "SYN_SENT",
    "03": "SYN_RECV",
    "04": "FIN_WAIT1",
    "05": "FIN_WAIT2",
    "06": "TIME_WAIT",
    "07": "CLOSE",
    "08": "CLOSE_WAIT",
    "09": "LAST_ACK",
    "0A": "LISTEN",
    "0B": "CLOSING",
}


@dataclass(frozen=True)
class TcpConn:
    local_port: int
    remote_port: int
    state: str


def tcp_connections(port: int) -> list[TcpConn]:
    """Every TCP socket on this machine with ``port`` at one end (from /proc/net/tcp{,6})."""
    found: list[TcpConn] = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text(encoding="utf-8").splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, remote, state = fields[1], fields[2], fields[3]
            lport, rport = int(local.rsplit(":", 1)[1], 16), int(remote.rsplit(":", 1)[1], 16)
            if port in (lport, rport):
                found.append(TcpConn(lport, rport, _TCP_STATES.get(state, state)))
    return found


def client_connections(port: int) -> list[TcpConn]:
    """The client ends of open (ESTABLISHED) connections to a server listening on ``port``."""
    return [c for c in tcp_connections(port) if c.remote_port == port and c.state == "ESTABLISHED"]


class LeakCheck:
    """Snapshot tasks, fds and client connections to the emulator; compare after the work settled."""

    def __init__(self, emulator_port: int) -> None:
        self.port = emulator_port
        self.tasks = live_tasks()
        self.fds = open_fds()
        self.conns = len(client_connections(emulator_port))

    async def assert_no_leaks(self, *, slack_fds: int = 2, slack_conns: int = 1, timeout: float = 10.0) -> None:
        """Tasks return to the snapshot; fds and connections do not grow (beyond a pooled connection)."""
        deadline = anyio.current_time() + timeout
        while True:
            gc.collect()
            extra = {
                t for t in live_tasks() - self.tasks if t is not asyncio.current_task() and not is_emulator_task(t)
            }
            fds, conns = open_fds(), client_connections(self.port)
            if not extra and fds <= self.fds + slack_fds and len(conns) <= self.conns + slack_conns:
                return
            if anyio.current_time() > deadline:
                names = sorted(describe_task(t) for t in extra)
                raise AssertionError(
                    f"leak: extra tasks={names}; fds {fds} (was {self.fds}); "
                    f"connections to the emulator {len(conns)} (was {self.conns})"
                )
            await asyncio.sleep(0.05)


async def wait_for(predicate: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
    """Wait (bounded) for a condition that another task or process makes true."""
    with anyio.fail_after(timeout):
        while not predicate():
            await anyio.sleep(0.02)


# ----------------------------------------------------------------------------- subprocess servers


def subprocess_env(base_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GEMINI_", "GOOGLE_"))}
    env.update(
        {
            "GEMINI_API_KEY": API_KEY,
            "GEMINI_MCP_BASE_URL": base_url,
            "GEMINI_MCP_DATA_DIR": str(data_dir),
            "GEMINI_MCP_MAX_RETRIES": "1",
            "PYTHONPATH": str(REPO) + os.pathsep + env.get("PYTHONPATH", ""),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


@asynccontextmanager
async def http_server_process(env: dict[str, str], port: int, log: Path) -> AsyncGenerator[Process]:
    """``python -m gemini_mcp --transport http --port PORT`` as a child process; stderr goes to ``log``."""
    cmd = [sys.executable, "-m", "gemini_mcp", "--transport", "http", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("ab") as err:
        process = await anyio.open_process(cmd, env=env, cwd=str(env["GEMINI_MCP_DATA_DIR"]), stdout=err, stderr=err)
    try:
        with anyio.fail_after(30):
            while not client_connections_possible(port):
                if process.returncode is not None:
                    raise RuntimeError(f"server exited with {process.returncode}: {log.read_text(encoding='utf-8')}")
                await anyio.sleep(0.05)
        yield process
    finally:
        if process.returncode is None:
            process.kill()
        with anyio.CancelScope(shield=True), anyio.move_on_after(10):
            await process.wait()
        await process.aclose()


def client_connections_possible(port: int) -> bool:
    return any(c.local_port == port and c.state == "LISTEN" for c in tcp_connections(port))
