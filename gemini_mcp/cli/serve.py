"""Running the server: Settings in, the MCP server out over stdio or Streamable HTTP, optionally on the emulator.

The only place that knows uvicorn. The emulator and the HTTP stack are imported only when used, so a stdio
server's cold start (`tools/list` latency, bench/fig_coldstart.py) pays for neither. Start-up problems the
user can fix (a taken port, an unusable data dir) are raised as `ConfigError`s saying what to pass instead.
"""

from __future__ import annotations

import errno
import logging
import os
import socket
from contextlib import ExitStack

from pydantic import SecretStr

from gemini_mcp.cli.launch import uses_emulator
from gemini_mcp.cli.startup import TTY_HINT, startup_line, stdin_is_terminal
from gemini_mcp.config import Settings
from gemini_mcp.core.paths import protect
from gemini_mcp.errors import ConfigError
from gemini_mcp.server.app import build_server

logger = logging.getLogger("gemini_mcp")

EMULATOR_KEY = "emulator-key"
INSPECTOR_CLI = "npx -y @modelcontextprotocol/inspector --cli {url} --transport http --method tools/list"


def usable_data_dir(settings: Settings) -> None:
    """Create the data dir now, so an unusable one is one clear line instead of a traceback later."""
    path = settings.data_dir
    try:
        path.mkdir(parents=True, exist_ok=True)
        if not os.access(path, os.W_OK | os.X_OK):
            raise PermissionError(errno.EACCES, "not writable")
    except OSError as err:
        raise ConfigError(
            f"data dir {path} cannot be used ({err.strerror or err}): pass --data-dir DIR (or set "
            "GEMINI_MCP_DATA_DIR) to a directory you can write"
        ) from None


def start_emulator(settings: Settings, stack: ExitStack) -> tuple[Settings, str]:
    """Start the embedded emulator; the server then keeps its data beside the emulator's state."""
    from gemini_mcp.emulator import EmulatorConfig, EmulatorThread

    data_dir = settings.data_dir / "emulator"
    data_dir.mkdir(parents=True, exist_ok=True)
    protect(data_dir)  # the emulator's state and the store beside it are never sent as `files`
    # Loopback only, Host/Origin-guarded, and no control API (/_emulator/*): nothing here is for other clients.
    config = EmulatorConfig(state_path=data_dir / "emulator.sqlite3", host="127.0.0.1", control="off")
    emulator = stack.enter_context(EmulatorThread(config))
    update = {"api_key": SecretStr(EMULATOR_KEY), "base_url": emulator.base_url, "data_dir": data_dir}
    return settings.model_copy(update=update), emulator.base_url


def listen(settings: Settings) -> socket.socket:
    """A listening socket on host:port (port 0: a free one); a ConfigError naming the fix when that fails."""
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((settings.host, settings.port))
        sock.listen(128)  # connections queue from now on, so the URL logged is usable at once
    except OSError as err:
        sock.close()
        if err.errno == errno.EADDRINUSE:
            raise ConfigError(f"port {settings.port} is in use: pass --port N, or --port 0 for a free one") from None
        raise ConfigError(
            f"cannot listen on {settings.host} port {settings.port} ({err.strerror or err}): pass --host with an "
            "address of this machine (127.0.0.1 for local clients) and a free --port"
        ) from None
    return sock


def serve_http(settings: Settings, emulator_url: str | None) -> None:
    import anyio
    import uvicorn

    from gemini_mcp.server.http import build_http_app

    sock = listen(settings)  # first: a taken port is the one line the user sees
    try:
        app = build_http_app(settings, build_server(settings))
    except BaseException:
        sock.close()
        raise
    port = sock.getsockname()[1]
    host = f"[{settings.host}]" if sock.family == socket.AF_INET6 else settings.host
    url = f"http://{host}:{port}/mcp"
    logger.info("%s", startup_line(settings, transport=f"Streamable HTTP at {url}", emulator_url=emulator_url))
    logger.info("Try it: %s", INSPECTOR_CLI.format(url=url))
    drain: int | None = None
    if settings.stateless_http:
        drain = _finish_calls_in_flight(settings)
    config = uvicorn.Config(
        app, log_level=settings.log_level.lower(), lifespan="on", log_config=None, timeout_graceful_shutdown=drain
    )
    anyio.run(lambda: uvicorn.Server(config).serve(sockets=[sock]))


def _finish_calls_in_flight(settings: Settings) -> int:
    """On SIGTERM, let the tool calls in flight finish; the seconds uvicorn then gives them.

    sse-starlette ends every SSE response the moment uvicorn is told to exit, which cuts a tool call's streamed
    answer: the client sees a broken response and (behind a load balancer) retries it on another replica, so
    the turn runs twice. A stateless server's only streams are those of its POSTs, each ending with its call
    (bounded by `max_wait_seconds`), so they are left to finish: uvicorn waits for them, up to the bound.
    """
    from sse_starlette.sse import AppStatus

    AppStatus.disable_automatic_graceful_drain()
    return int(settings.max_wait_seconds) + 15


def run(settings: Settings) -> None:
    """Serve until the transport ends (stdin closes, or the HTTP server is stopped)."""
    usable_data_dir(settings)
    with ExitStack() as stack:
        emulator_url = None
        if uses_emulator(settings):
            settings, emulator_url = start_emulator(settings, stack)
        if settings.transport == "http":
            serve_http(settings, emulator_url)
            return
        logger.info("%s", startup_line(settings, transport="stdio", emulator_url=emulator_url))
        if stdin_is_terminal():
            logger.warning("%s", TTY_HINT)
        build_server(settings).run("stdio")
