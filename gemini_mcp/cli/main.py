"""Command line entry point: argv and logging, then the server (cli/serve.py) or a subcommand.

  gemini-mcp [--transport stdio|http] [--host H] [--port N] [--emulator [on|auto|off]]
             [--data-dir DIR] [--log-level L]                 run the MCP server (stdio by default)
  gemini-mcp emulator [--host H] [--port N] ...                run the Interactions emulator alone
  gemini-mcp check [...]                                       configuration doctor + one live call
  gemini-mcp demo [--live]                                     every tool through a real client, on the emulator

The only place that knows argv and logging setup (cli/serve.py composes and runs the server). Logs go to
stderr; stdout is MCP's.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from contextlib import suppress
from typing import Any

from pydantic import ValidationError

from gemini_mcp.cli import demo, doctor, serve
from gemini_mcp.config import Settings
from gemini_mcp.errors import ConfigError

logger = logging.getLogger("gemini_mcp")


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


def run_emulator(argv: Sequence[str]) -> None:
    """`gemini-mcp emulator ...`: the emulator alone (imported here: the server never needs it loaded)."""
    from gemini_mcp.emulator.__main__ import main as emulator_main

    emulator_main(list(argv))


SUBCOMMANDS: dict[str, Callable[[Sequence[str]], None]] = {
    "emulator": run_emulator,
    "check": doctor.main,
    "demo": demo.main,
}


def main(argv: list[str] | None = None) -> None:
    """The console entry point (`gemini-mcp`, `python -m gemini_mcp`)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in SUBCOMMANDS:
        SUBCOMMANDS[args[0]](args[1:])
        return
    settings = load_settings(args)
    configure_logging(settings.log_level)
    try:
        with suppress(KeyboardInterrupt):
            serve.run(settings)
    except ConfigError as err:  # e.g. HTTP on a public address without tokens: say why, no traceback
        raise SystemExit(f"gemini-mcp: {err}") from None
