"""Garbage below the tool layer: broken JSON-RPC over HTTP and stdio gets an error, and the server keeps serving."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

import anyio
import httpx2
import pytest
from pydantic import SecretStr

from gemini_mcp.config import Settings
from gemini_mcp.server.app import build_server
from gemini_mcp.server.http import build_http_app
from tests.harness.clients import http_client
from tests.harness.servers import serve_app

REPO = Path(__file__).resolve().parents[2]
TOKEN = "garbage-test-token-1234567890"
HEADERS = {
    "Accept": "application/json, text/event-stream",
    "Content-Type": "application/json",
    "Authorization": f"Bearer {TOKEN}",
}
INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
}

GARBAGE: list[bytes] = [
    b"",
    b"{",
    b"not json at all",
    b"\xff\xfe\x00garbage",
    b"[]",
    b"[1, 2, 3]",
    b"null",
    b'"a string"',
    b'{"jsonrpc": "2.0"}',
    b'{"jsonrpc": "1.0", "id": 1, "method": "ping"}',
    b'{"jsonrpc": "2.0", "id": {"nested": true}, "method": "ping"}',
    b'{"jsonrpc": "2.0", "id": 1, "method": 42}',
    b'{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": "x"}',
    b'{"jsonrpc": "2.0", "id": 1, "method": "no/such/method"}',
    json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {"x": [[[[[[[[[[[]]]]]]]]]]]}}).encode(),
    b"[" * 10_000 + b"]" * 10_000,
    json.dumps([INIT, INIT]).encode(),
]


async def test_broken_json_rpc_over_http_is_refused_and_the_server_keeps_serving(tmp_path: Path) -> None:
    settings = Settings.model_validate(
        {"data_dir": tmp_path, "http_tokens": SecretStr(f"alice:{TOKEN}"), "api_key": SecretStr("k")}
    )
    app = build_http_app(settings, build_server(settings))
    with anyio.fail_after(120):
        async with serve_app(app) as url:
            async with httpx2.AsyncClient(timeout=30) as h:
                for body in GARBAGE:
                    r = await h.post(f"{url}/mcp", content=body, headers=HEADERS)
                    assert 400 <= r.status_code < 500 or (r.status_code == 200 and "error" in r.text), (
                        body[:60],
                        r.status_code,
                        r.text[:200],
                    )
                    assert "Traceback" not in r.text
                for content_type in ("text/plain", "application/x-www-form-urlencoded", ""):
                    r = await h.post(f"{url}/mcp", json=INIT, headers={**HEADERS, "Content-Type": content_type})
                    assert r.status_code in (400, 406, 415), (content_type, r.status_code)
                r = await h.post(f"{url}/mcp", json=INIT, headers={**HEADERS, "Mcp-Session-Id": "forged-session"})
                assert r.status_code in (400, 404)
            async with http_client(url, TOKEN) as client:
                tools = await client.list_tools()
                assert "ask_gemini" in {t.name for t in tools.tools}


@pytest.mark.slow
def test_garbage_lines_on_stdio_do_not_stop_the_server(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GEMINI_", "GOOGLE_"))}
    env.update({"GEMINI_MCP_DATA_DIR": str(tmp_path), "PYTHONPATH": str(REPO) + os.pathsep + env.get("PYTHONPATH", "")})
    lines = [
        b"this is not json",
        b"{",
        b"\xff\xfe",
        b'{"jsonrpc": "2.0", "id": "x", "method": 7}',
        json.dumps(INIT).encode(),
        json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}).encode(),
        b"[1,2",
        json.dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}).encode(),
    ]
    # stdin stays open until the last answer is read: a client closes it to stop the server, after its answers
    # (closing it at once races the server's shutdown against its answer to tools/list).
    with subprocess.Popen(
        [sys.executable, "-m", "gemini_mcp"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    ) as server:
        assert server.stdin is not None and server.stdout is not None and server.stderr is not None
        server.stdin.write(b"\n".join(lines) + b"\n")
        server.stdin.flush()
        replies = read_replies_until(server.stdout, reply_id=2, timeout=60)
        server.stdin.close()
        server.wait(timeout=30)
        stderr = server.stderr.read()  # a few lines: the pipe never filled while it ran
    by_id = {r.get("id"): r for r in replies}
    assert by_id[1]["result"]["serverInfo"]["name"] == "gemini-mcp", replies
    assert "ask_gemini" in {t["name"] for t in by_id[2]["result"]["tools"]}, replies
    assert b"Traceback" not in stderr


def read_replies_until(stdout: IO[bytes], *, reply_id: int, timeout: float) -> list[dict[str, Any]]:
    """JSON-RPC lines from a server's stdout, up to the reply with `reply_id` (or the timeout, or its end)."""
    replies: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while (remaining := deadline - time.monotonic()) > 0 and select.select([stdout], [], [], remaining)[0]:
        line = stdout.readline()
        if not line:
            break  # the server exited
        if line.strip():
            replies.append(json.loads(line))
            if replies[-1].get("id") == reply_id:
                break
    return replies
