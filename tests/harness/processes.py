"""`python -m gemini_mcp` as a child process, the way users and MCP clients start it.

`http_server_process` (async) and `launch_http_server` (threads, for sync tests) start it with
`--transport http --port 0` and read the URL it logs; everything it writes is kept as its log.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
from collections.abc import AsyncGenerator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import anyio
from anyio.abc import Process
from anyio.streams.text import TextReceiveStream
from mcp.client.stdio import StdioServerParameters

URL_LINE = re.compile(r"Serving MCP over Streamable HTTP at (http://\S+/mcp)")
START_TIMEOUT = 60.0
HTTP_ARGS = ("--transport", "http", "--host", "127.0.0.1", "--port", "0")


def stdio_params(data_dir: Path, env: dict[str, str], *args: str) -> StdioServerParameters:
    """`python -m gemini_mcp` over stdio (the console script's module form)."""
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "gemini_mcp", "--data-dir", str(data_dir), *args],
        env=env,
        cwd=data_dir.parent,
    )


def run_to_end(
    command: list[str], *, cwd: Path, env: dict[str, str], timeout: float
) -> subprocess.CompletedProcess[str]:
    """Run a command to its end (bounded by `timeout`), its output captured as text."""
    return subprocess.run(
        command, capture_output=True, text=True, encoding="utf-8", timeout=timeout, env=env, cwd=cwd, check=False
    )


def run_cli(cwd: Path, env: dict[str, str], *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`python -m gemini_mcp <args>` run to its end (a subcommand, or a server that refuses to start)."""
    return run_to_end([sys.executable, "-m", "gemini_mcp", *args], cwd=cwd, env=env, timeout=timeout)


@dataclass
class ServerProcess:
    """A running HTTP server child: its MCP endpoint `url`, and every line it wrote so far."""

    process: Process
    url: str = ""
    log: list[str] = field(default_factory=list[str])

    @property
    def base_url(self) -> str:
        return self.url.removesuffix("/mcp")

    @property
    def output(self) -> str:
        return "\n".join(self.log)


async def _drain(server: ServerProcess, announced: anyio.Event, finished: anyio.Event) -> None:
    """Keep every line the child writes (so its pipe never fills); set `announced` once it logged its URL."""
    assert server.process.stdout is not None
    pending = ""
    async for chunk in TextReceiveStream(server.process.stdout):
        pending += chunk
        *lines, pending = pending.split("\n")
        for line in lines:
            server.log.append(line)
            found = URL_LINE.search(line)
            if found and not announced.is_set():
                server.url = found.group(1)
                announced.set()
    if pending:
        server.log.append(pending)
    announced.set()  # the child exited (or closed its output): stop waiting
    finished.set()


@asynccontextmanager
async def http_server_process(
    data_dir: Path, env: dict[str, str], *args: str, graceful: bool = False, command: Sequence[str] = ()
) -> AsyncGenerator[ServerProcess]:
    """`python -m gemini_mcp --transport http --port 0 --data-dir DIR [args]`; yields once it logged its URL.

    `command`, when given, is run instead (as written: a console script with its own flags). Its stdout and
    stderr are read continuously into `ServerProcess.log`. Afterwards the child is killed, or with `graceful`
    sent SIGTERM (its shutdown lines land in the log too).
    """
    command = list(command) or [sys.executable, "-m", "gemini_mcp", *HTTP_ARGS, "--data-dir", str(data_dir), *args]
    process = await anyio.open_process(
        command, env=env, cwd=data_dir.parent, stdin=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    server, announced, finished = ServerProcess(process), anyio.Event(), anyio.Event()
    try:
        async with anyio.create_task_group() as task_group:
            task_group.start_soon(_drain, server, announced, finished)
            with anyio.fail_after(START_TIMEOUT):
                await announced.wait()
            if not server.url:
                raise AssertionError("server exited before serving:\n" + server.output)
            yield server
            if graceful:
                if process.returncode is None:
                    process.terminate()
                with anyio.move_on_after(10):
                    await finished.wait()  # its output ends when it exits
            task_group.cancel_scope.cancel()
    finally:
        await reap(process)


async def reap(process: Process) -> None:
    """Kill a child that is still running, then wait for it and close its pipes (even while cancelled)."""
    if process.returncode is None:
        process.kill()
    with anyio.CancelScope(shield=True):
        await process.wait()
        await process.aclose()


@dataclass
class HttpServer:
    """A server child started from synchronous code (see `launch_http_server`)."""

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
    timer = threading.Timer(START_TIMEOUT, gave_up.set)
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
        raise AssertionError(f"server did not listen on port {port} within {START_TIMEOUT:.0f} s")
    finally:
        timer.cancel()


def _pump(server: HttpServer, announced: threading.Event) -> None:
    assert server.process.stderr is not None
    for line in server.process.stderr:
        server.log.append(line.rstrip("\n"))
        found = URL_LINE.search(line)
        if found and not announced.is_set():
            server.url = found.group(1)
            announced.set()
    announced.set()  # the server exited: stop waiting


def launch_http_server(workdir: Path, env: dict[str, str], *extra: str) -> HttpServer:
    """Start `python -m gemini_mcp --emulator --transport http --port 0 [extra]` in `workdir`; wait until it serves.

    The server picks a free port itself and logs its URL on stderr; a thread reads it from there.
    """
    process = subprocess.Popen(
        [sys.executable, "-m", "gemini_mcp", "--emulator", *HTTP_ARGS, *extra],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=workdir,
    )
    server = HttpServer(url="", process=process, log=[])
    announced = threading.Event()
    server.reader = threading.Thread(target=_pump, args=(server, announced), daemon=True)
    server.reader.start()
    try:
        if not announced.wait(START_TIMEOUT) or not server.url:
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
