"""One principal opening 10,000 sessions (real ``initialize`` requests over HTTP) cannot take them all: each
principal has a cap well under the global one, its oldest idle session is closed first, and another
principal still connects and works. The caps are made small here so the flood is quick."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import AsyncGenerator
from pathlib import Path

import anyio
import anyio.abc
import httpx2
import pytest

from gemini_mcp.emulator import EmulatorConfig, running_emulator
from gemini_mcp.emulator.server import Emulator
from gemini_mcp.errors import HttpConfigError
from gemini_mcp.server.app import build_server
from gemini_mcp.server.http import build_http_app
from tests.harness.clients import http_client

from .attack import ALICE, BOB, team_server, team_settings, text

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]  # 10,000 real initialize requests

FLOOD = 10_000
PER_PRINCIPAL = 4
GLOBAL = 10
INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "flood", "version": "1"}},
}
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


@pytest.fixture
async def emu() -> AsyncGenerator[Emulator]:
    async with running_emulator(EmulatorConfig()) as emulator:
        yield emulator


async def read_response(stream: anyio.abc.ByteStream, buffer: bytearray) -> tuple[int, dict[str, str]]:
    """One HTTP/1.1 response (Content-Length or chunked body) from a keep-alive connection."""
    while b"\r\n\r\n" not in buffer:
        buffer += await stream.receive()
    head, _, rest = bytes(buffer).partition(b"\r\n\r\n")
    buffer[:] = rest
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    if "content-length" in headers:
        size = int(headers["content-length"])
        while len(buffer) < size:
            buffer += await stream.receive()
        del buffer[:size]
    else:  # chunked (an SSE answer)
        size = -1
        while size != 0:
            while b"\r\n" not in buffer:
                buffer += await stream.receive()
            line, _, rest = bytes(buffer).partition(b"\r\n")
            size = int(line, 16)
            while len(rest) < size + 2:
                rest += await stream.receive()
            buffer[:] = rest[size + 2 :]
    return int(status_line.split()[1]), headers


async def flood(url: str, count: int, statuses: Counter[int], ids: list[str], connections: int = 8) -> None:
    """``count`` initialize requests as Alice, over ``connections`` keep-alive connections (a lean client, so
    the server's work dominates)."""
    host, port = url.removeprefix("http://").split(":")
    body = json.dumps(INIT).encode()
    request = (
        f"POST /mcp HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {ALICE}\r\n"
        f"Accept: application/json, text/event-stream\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body

    async def worker(start: int) -> None:
        buffer = bytearray()
        async with await anyio.connect_tcp(host, int(port)) as stream:
            for _ in range(start, count, connections):
                await stream.send(request)
                status, headers = await read_response(stream, buffer)
                statuses[status] += 1
                if "mcp-session-id" in headers:
                    ids.append(headers["mcp-session-id"])

    async with anyio.create_task_group() as tg:
        for start in range(connections):
            tg.start_soon(worker, start)


def test_a_per_principal_cap_at_or_over_the_global_cap_is_refused(tmp_path: Path) -> None:
    settings = team_settings("http://127.0.0.1:9", tmp_path, http_sessions_per_principal=10, http_max_sessions=10)
    with pytest.raises(HttpConfigError, match="must be below GEMINI_MCP_HTTP_MAX_SESSIONS"):
        build_http_app(settings, build_server(settings))


async def test_ten_thousand_sessions_from_one_principal_leave_room_for_another(emu: Emulator, tmp_path: Path) -> None:
    settings = team_settings(
        emu.base_url,
        tmp_path / "data",
        http_sessions_per_principal=PER_PRINCIPAL,
        http_max_sessions=GLOBAL,
    )
    statuses: Counter[int] = Counter()
    ids: list[str] = []
    async with team_server(settings) as url:
        started = time.perf_counter()
        with anyio.fail_after(840):
            await flood(url, FLOOD, statuses, ids)
        elapsed = time.perf_counter() - started
        # Every initialize was served (the oldest idle session made room), none refused.
        assert statuses == Counter({200: FLOOD}), statuses
        assert len(set(ids)) == FLOOD
        async with httpx2.AsyncClient(timeout=httpx2.Timeout(30.0)) as http:
            alice = {**HEADERS, "Authorization": f"Bearer {ALICE}", "mcp-protocol-version": "2025-06-18"}
            ping = {"jsonrpc": "2.0", "id": 2, "method": "ping"}
            oldest = await http.post(f"{url}/mcp", json=ping, headers={**alice, "mcp-session-id": ids[0]})
            newest = await http.post(f"{url}/mcp", json=ping, headers={**alice, "mcp-session-id": ids[-1]})
        assert oldest.status_code == 404  # closed to make room
        assert newest.status_code == 200, newest.text
        # Bob connects, works, and so can Alice again: the global cap was never reached by her.
        async with http_client(url, BOB) as bob, http_client(url, ALICE) as alice_again:
            with anyio.fail_after(30):
                answer = await bob.call_tool("ask_gemini", {"prompt": "am I in?"})
                mine = await alice_again.call_tool("list_conversations", {})
            assert not answer.is_error, text(answer)
            assert not mine.is_error, text(mine)
    print(f"\n{FLOOD} sessions opened in {elapsed:.1f} s ({FLOOD / elapsed:.0f}/s)")
