"""Command line entry point: argv -> Settings -> build_server -> transport.

  gemini-mcp [--transport stdio|http] [--host H] [--port N] [--emulator [on|auto|off]]
             [--data-dir DIR] [--log-level L]                 run the MCP server (stdio by default)
  gemini-mcp emulator [--host H] [--port N] ...                run the Interactions emulator alone
  gemini-mcp check [...]                                       configuration doctor + one live call
  gemini-mcp demo [--live]                                     every tool through a real client, on the emulator

The only place that knows argv, logging setup and uvicorn. Logs go to stderr; stdout is MCP's.
"""

from __future__ import annotations

import argparse
import logging
import socket
import sys
from contextlib import ExitStack, suppress
from typing import Any

from pydantic import SecretStr, ValidationError

from gemini_mcp.config import Settings

logger = logging.getLogger("gemini_mcp")

EMULATOR_KEY = "emulator-key"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gemini-mcp", description="MCP server for Gemini's Interactions API.")
    parser.add_argument("--transport", choices=["stdio", "http"], default=None, help="default: stdio")
    parser.add_argument("--host", default=None, help="HTTP bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help="HTTP port (default 8000; 0 = a free port)")
    parser.add_argument(
        "--emulator",
        nargs="?",
        const="on",
        choices=["on", "auto", "off"],
        default=None,
        help="serve on the embedded offline emulator (auto: only when no API key is set)",
    )
    parser.add_argument("--data-dir", default=None, help="where conversations and interactions are kept")
    parser.add_argument("--log-level", default=None, help="DEBUG, INFO, WARNING, ERROR")
    return parser


def load_settings(argv: list[str]) -> Settings:
    """Flags override the environment, which overrides `.env`."""
    ns = _parser().parse_args(argv)
    flags: dict[str, Any] = {k: v for k, v in vars(ns).items() if v is not None}
    try:
        return Settings(**flags)
    except ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])} (GEMINI_MCP_{str(e['loc'][0]).upper()}): {e['msg']}"
            for e in err.errors()
        )
        raise SystemExit(f"gemini-mcp: invalid configuration: {problems}") from None


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpx2", "httpcore", "mcp.server.lowlevel.server"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


def uses_emulator(settings: Settings) -> bool:
    return settings.emulator == "on" or (settings.emulator == "auto" and not settings.has_api_key)


def start_emulator(settings: Settings, stack: ExitStack) -> Settings:
    """Start the embedded emulator; the server then keeps its data beside the emulator's state."""
    from gemini_mcp.emulator import EmulatorConfig, EmulatorThread

    data_dir = settings.data_dir / "emulator"
    data_dir.mkdir(parents=True, exist_ok=True)
    emulator = stack.enter_context(EmulatorThread(EmulatorConfig(state_path=data_dir / "emulator.sqlite3")))
    logger.info(
        "Embedded Interactions emulator at %s (no Google account used; data in %s)", emulator.base_url, data_dir
    )
    return settings.model_copy(
        update={"api_key": SecretStr(EMULATOR_KEY), "base_url": emulator.base_url, "data_dir": data_dir}
    )


def serve_http(settings: Settings) -> None:
    import anyio
    import uvicorn

    from gemini_mcp.server.app import build_server
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
    with ExitStack() as stack:
        if uses_emulator(settings):
            settings = start_emulator(settings, stack)
        elif not settings.has_api_key:
            logger.warning("No GEMINI_API_KEY set: tools are listed, but calls will explain how to set the key.")
        if settings.transport == "http":
            serve_http(settings)
        else:
            from gemini_mcp.server.app import build_server

            build_server(settings).run("stdio")


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "emulator":
        from gemini_mcp.emulator.__main__ import main as emulator_main

        emulator_main(args[1:])
        return
    if args and args[0] == "check":
        from gemini_mcp.cli.doctor import main as check_main

        check_main(args[1:])
        return
    if args and args[0] == "demo":
        from gemini_mcp.cli.demo import main as demo_main

        demo_main(args[1:])
        return
    settings = load_settings(args)
    configure_logging(settings.log_level)
    from gemini_mcp.errors import ConfigError

    try:
        with suppress(KeyboardInterrupt):
            run(settings)
    except ConfigError as err:  # e.g. HTTP on a public address without tokens: say why, no traceback
        raise SystemExit(f"gemini-mcp: {err}") from None
