"""What only the reliability suite needs: its server settings and environment, leak counters, bounded waits.

Servers, clients, ports and TCP state come from the shared harness (tests/harness).
"""

from __future__ import annotations

import asyncio
import gc
import os
from collections.abc import AsyncGenerator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
from mcp import Client
from pydantic import SecretStr

from gemini_mcp.config import Settings
from tests.harness.clients import Mode, open_client
from tests.harness.ports import client_connections
from tests.harness.settings import clean_env, make_settings, with_repo_on_path

API_KEY = "test-key-reliability"


def server_settings(base_url: str, data_dir: Path, **overrides: Any) -> Settings:
    """Settings on the emulator with one retry and `data_dir` as the only file root."""
    values: dict[str, Any] = {"api_key": SecretStr(API_KEY), "max_retries": 1, "file_roots": [data_dir], **overrides}
    return make_settings(data_dir, base_url, **values)


@asynccontextmanager
async def memory_client(settings: Settings, mode: Mode = "auto") -> AsyncGenerator[Client]:
    """The shared in-memory client, with server exceptions reported as results, not raised in the test."""
    async with open_client(settings, mode, raise_exceptions=False) as client:
        yield client


def subprocess_env(base_url: str, **extra: str) -> dict[str, str]:
    """The environment of a server child on the emulator at `base_url` (one retry), this checkout importable."""
    values = {"GEMINI_API_KEY": API_KEY, "GEMINI_MCP_BASE_URL": base_url, "GEMINI_MCP_MAX_RETRIES": "1", **extra}
    return with_repo_on_path(clean_env(**values))


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
