"""Running the server: Settings in, the MCP server out over stdio or Streamable HTTP, optionally on the emulator.

The only place that knows uvicorn. The emulator and the HTTP stack are imported only when used, so a stdio
server's cold start (`tools/list` latency, bench/fig_coldstart.py) pays for neither.
"""

from __future__ import annotations

import logging
import socket
from contextlib import ExitStack

from pydantic import SecretStr

from gemini_mcp.cli.launch import uses_emulator
from gemini_mcp.config import Settings
from gemini_mcp.core.paths import protect
from gemini_mcp.server.app import build_server

logger = logging.getLogger("gemini_mcp")

EMULATOR_KEY = "emulator-key"


def start_emulator(settings: Settings, stack: ExitStack) -> Settings:
    """Start the embedded emulator; the server then keeps its data beside the emulator's state."""
    from gemini_mcp.emulator import EmulatorConfig, EmulatorThread

    data_dir = settings.data_dir / "emulator"
    data_dir.mkdir(parents=True, exist_ok=True)
    protect(data_dir)  # the emulator's state and the store beside it are never sent as `files`
    # Loopback only, Host/Origin-guarded, and no control API (/_emulator/*): nothing here is for other clients.
    config = EmulatorConfig(state_path=data_dir / "emulator.sqlite3", host="127.0.0.1", control="off")
    emulator = stack.enter_context(EmulatorThread(config))
    logger.info(
        "Embedded Interactions emulator at %s (no Google account used; data in %s)", emulator.base_url, data_dir
    )
    return settings.model_copy(
        update={"api_key": SecretStr(EMULATOR_KEY), "base_url": emulator.base_url, "data_dir": data_dir}
    )


def serve_http(settings: Settings) -> None:
    import anyio
    import uvicorn

    from gemini_mcp.server.http import build_http_app

    app = build_http_app(settings, build_server(settings))
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((settings.host, settings.port))
    sock.listen(128)  # connections queue from now on, so the URL logged below is usable at once
    port = sock.getsockname()[1]
    host = f"[{settings.host}]" if family == socket.AF_INET6 else settings.host
    url = f"http://{host}:{port}/mcp"
    logger.info("Serving MCP over Streamable HTTP at %s", url)
    logger.info("Try it: npx @modelcontextprotocol/inspector --transport http --server-url %s", url)
    config = uvicorn.Config(app, log_level=settings.log_level.lower(), lifespan="on", log_config=None)
    anyio.run(lambda: uvicorn.Server(config).serve(sockets=[sock]))


def run(settings: Settings) -> None:
    """Serve until the transport ends (stdin closes, or the HTTP server is stopped)."""
    with ExitStack() as stack:
        if uses_emulator(settings):
            settings = start_emulator(settings, stack)
        elif not settings.has_api_key:
            logger.warning("No GEMINI_API_KEY set: tools are listed, but calls will explain how to set the key.")
        if settings.transport == "http":
            serve_http(settings)
        else:
            build_server(settings).run("stdio")
