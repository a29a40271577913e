"""Processes the benchmarks run: the emulator in its own process, gemini-mcp servers, /proc sampling.

The emulator always runs in a separate process (``python -m bench.emulator_proc``) so that its CPU
time never lands in the process being measured (the bench client, the direct-SDK baseline, or the
gemini-mcp server). On a 2-core machine it still competes for cores; that competition is the same
for a figure and its baseline, which run back to back against the same emulator.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

REPO = Path(__file__).resolve().parent.parent
_CLK_TCK = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")

# Environment variables that would point a child at a real key or another endpoint.
_SCRUB = ("GOOGLE_API_KEY", "GEMINI_API_KEY", "GOOGLE_GEMINI_BASE_URL", "GOOGLE_GENAI_USE_VERTEXAI")
API_KEY = "bench-key"
MODEL = "gemini-3-flash-preview"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float, proc: subprocess.Popen[Any] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening on port {port}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        time.sleep(0.02)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout} s")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process (not its children), from /proc."""
    with open(f"/proc/{pid}/stat", encoding="utf-8") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _CLK_TCK


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/statm", encoding="utf-8") as fh:
        return int(fh.read().split()[1]) * _PAGE


def child_pids(parent: int) -> list[int]:
    """Direct children of ``parent`` (Linux /proc scan), oldest first."""
    found: list[tuple[float, int]] = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            found.append((int(fields[19]), int(entry)))
    return [pid for _, pid in sorted(found)]


def python() -> str:
    return sys.executable


def gemini_mcp_command() -> list[str]:
    """How a user starts the server: the ``gemini-mcp`` console script next to this Python."""
    script = Path(sys.executable).with_name("gemini-mcp")
    if script.exists():
        return [str(script)]
    found = shutil.which("gemini-mcp")
    return [found] if found else [sys.executable, "-m", "gemini_mcp"]


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB and not k.startswith("GEMINI_MCP_")}
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def server_env(base_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """Environment for a gemini-mcp child: a key, the emulator's URL, a private data dir, quiet logs."""
    env = base_env()
    env.update(
        GEMINI_API_KEY=API_KEY,
        GEMINI_MCP_BASE_URL=base_url,
        GEMINI_MCP_DATA_DIR=str(data_dir),
        GEMINI_MCP_EMULATOR="off",
        GEMINI_MCP_LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


@dataclass
class EmulatorProcess:
    base_url: str
    proc: subprocess.Popen[str]

    @property
    def pid(self) -> int:
        return self.proc.pid


@contextlib.contextmanager
def emulator_process(
    *, model_latency: float = 0.0, research_seconds: float = 1.5, research_steps: int = 4
) -> Iterator[EmulatorProcess]:
    """The Interactions emulator in a child process; yields once it serves."""
    cmd = [
        python(),
        "-m",
        "bench.emulator_proc",
        f"--model-latency={model_latency}",
        f"--research-seconds={research_seconds}",
        f"--research-steps={research_steps}",
    ]
    proc = subprocess.Popen(
        cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=base_env(), cwd=REPO, encoding="utf-8"
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if not line.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"emulator process did not start (said {line!r}, exit {proc.poll()})")
        yield EmulatorProcess(line, proc)
    finally:
        _stop(proc, proc.stdin)


@contextlib.contextmanager
def http_server_process(env: dict[str, str], *, startup_timeout: float = 30.0) -> Iterator[tuple[str, int]]:
    """``gemini-mcp --transport http`` on a free loopback port; yields (url, pid)."""
    port = free_port()
    cmd = [*gemini_mcp_command(), "--transport", "http", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, env=env, cwd=REPO)
    try:
        wait_for_port(port, startup_timeout, proc)
        yield f"http://127.0.0.1:{port}/mcp", proc.pid
    finally:
        _stop(proc, None)


def _stop(proc: subprocess.Popen[Any], stdin: IO[Any] | None) -> None:
    if stdin is not None:
        with contextlib.suppress(OSError):
            stdin.close()
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
