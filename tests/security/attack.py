"""Set-up shared by the attack tests: a team HTTP server (alice, bob) on the emulator, a /healthz watcher,
and a background thread that keeps changing the file system under the server."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncGenerator, Callable, Generator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from pydantic import SecretStr

from gemini_mcp.config import Settings
from gemini_mcp.server.app import build_server
from gemini_mcp.server.http import build_http_app
from tests.harness.clients import text
from tests.harness.servers import serve_app
from tests.harness.settings import make_settings

ALICE = "alice-attack-token-5c1d9e0f7a3b"
BOB = "bob-attack-token-8e2f4a6b0c1d9e"
MiB = 1024 * 1024
HEALTH_BOUND = 1.0  # /healthz must answer within this many seconds while an attack runs


def team_settings(base_url: str, data_dir: Path, **extra: Any) -> Settings:
    """Settings for a team server on the emulator at ``base_url``: Alice and Bob have tokens."""
    values: dict[str, Any] = {"http_tokens": SecretStr(f"alice:{ALICE},bob:{BOB}"), **extra}
    return make_settings(data_dir, base_url, **values)


@asynccontextmanager
async def team_server(settings: Settings) -> AsyncGenerator[str]:
    """The real server behind the real HTTP app under uvicorn; yields its base URL (/healthz, /mcp below it)."""
    async with serve_app(build_http_app(settings, build_server(settings))) as url:
        yield url


@asynccontextmanager
async def roomy_client(base_url: str, token: str) -> AsyncGenerator[Client]:
    """An MCP client over Streamable HTTP that accepts answers up to 32 MiB (the emulator echoes a sent text
    file in its answer, and the SDK's default cap on one SSE event is 1 MiB)."""
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(60.0)) as http,
        Client(streamable_http_client(f"{base_url}/mcp", http_client=http, max_sse_event_size=32 * MiB)) as client,
    ):
        yield client


async def warm_up(client: Client) -> None:
    """One plain call first: the Gemini SDK loads on the first call (once per process), not during an attack."""
    with anyio.fail_after(60):
        result = await client.call_tool("ask_gemini", {"prompt": "warm-up"})
    assert not result.is_error, text(result)


@dataclass
class HealthWatch:
    """What a /healthz poller saw: every answer's latency (seconds) and any failure."""

    latencies: list[float] = field(default_factory=list[float])
    failures: list[str] = field(default_factory=list[str])

    @property
    def worst(self) -> float:
        return max(self.latencies, default=0.0)

    def assert_healthy(self) -> None:
        assert len(self.latencies) >= 5, f"too few /healthz samples: {len(self.latencies)}"
        assert not self.failures, self.failures[:3]
        assert self.worst < HEALTH_BOUND, f"/healthz took {self.worst:.2f} s during the attack"


@asynccontextmanager
async def watching_healthz(base_url: str, every: float = 0.05) -> AsyncGenerator[HealthWatch]:
    """Poll ``/healthz`` in the background (a sample every ``every`` s) while the body runs."""
    watch = HealthWatch()

    async def poll(client: httpx2.AsyncClient) -> None:
        while True:
            started = time.perf_counter()
            try:
                response = await client.get(f"{base_url}/healthz")
                if response.status_code != 200:
                    watch.failures.append(f"HTTP {response.status_code}")
            except httpx2.HTTPError as exc:
                watch.failures.append(repr(exc))
            watch.latencies.append(time.perf_counter() - started)
            await anyio.sleep(every)  # sampling interval, not coordination

    async with httpx2.AsyncClient(timeout=httpx2.Timeout(10.0)) as client, anyio.create_task_group() as tg:
        tg.start_soon(poll, client)
        try:
            yield watch
        finally:
            tg.cancel_scope.cancel()


@contextmanager
def background(step: Callable[[], None]) -> Generator[list[int]]:
    """Run ``step()`` over and over in a daemon thread until the block ends; yields [number of steps done]."""
    stop = threading.Event()
    done = [0]
    errors: list[BaseException] = []

    def loop() -> None:
        try:
            while not stop.is_set():
                step()
                done[0] += 1
                time.sleep(0.0002)  # let the server's threads run between swaps (an attacker's pace)
        except BaseException as exc:  # reported in the test's thread
            errors.append(exc)

    thread = threading.Thread(target=loop, name="attacker", daemon=True)
    thread.start()
    try:
        yield done
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not errors, errors
