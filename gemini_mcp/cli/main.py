"""Command line entry point: argv and logging, then the server (cli/serve.py) or a subcommand.

  gemini-mcp [--transport stdio|http] [--host H] [--port N] [--emulator [on|auto|off]]
             [--data-dir DIR] [--log-level L]                 run the MCP server (stdio by default)
  gemini-mcp emulator [--host H] [--port N] ...                run the Interactions emulator alone
  gemini-mcp check [...]                                       configuration doctor + one live call
  gemini-mcp demo [--live]                                     every tool through a real client, on the emulator

Options may come before or after the subcommand. Every failure the user can fix is one line on stderr
naming the fix, exit code 2, never a traceback. Logs go to stderr; stdout is MCP's.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from contextlib import suppress
from typing import Any

from pydantic import ValidationError

from gemini_mcp import __version__
from gemini_mcp.cli import demo, doctor, serve
from gemini_mcp.cli.launch import OneLineParser, fail
from gemini_mcp.config import Settings
from gemini_mcp.errors import ConfigError

logger = logging.getLogger("gemini_mcp")

COMMANDS = """\
commands (options may come before or after the command):
  (none)     run the MCP server for a client: stdio by default, --transport http for a URL
  demo       watch every tool work through a real MCP client, on the offline emulator (--live: real Gemini)
  check      show the configuration, start the server the way a client does and make one call
  emulator   run the offline Interactions emulator alone and print its GOOGLE_GEMINI_BASE_URL
"""
FLAGS = {
    "transport": "--transport",
    "host": "--host",
    "port": "--port",
    "emulator": "--emulator",
    "data_dir": "--data-dir",
    "log_level": "--log-level",
}
VALUE_OPTIONS = frozenset(flag for flag in FLAGS.values() if flag != "--emulator")


def _parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="gemini-mcp",
        description="MCP server for Gemini's Interactions API.",
        epilog=COMMANDS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"gemini-mcp {__version__}")
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


def _problem(error: Any) -> str:
    name = str(error["loc"][0]) if error["loc"] else "?"
    where = ".".join(str(part) for part in error["loc"])
    env = f"GEMINI_MCP_{name.upper()}"
    fix = f"fix {FLAGS[name]} or {env}" if name in FLAGS else f"fix {env}"
    return f"{where} ({env}): {error['msg']}; {fix}"


def load_settings(argv: list[str]) -> Settings:
    """Flags override the environment, which overrides `.env`."""
    ns = _parser().parse_args(argv)
    flags: dict[str, Any] = {k: v for k, v in vars(ns).items() if v is not None}
    try:
        return Settings(**flags)
    except ValidationError as err:
        fail("gemini-mcp: invalid configuration: " + " | ".join(_problem(e) for e in err.errors()))


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


def split_command(args: list[str]) -> tuple[str | None, list[str]]:
    """(subcommand or None, the other arguments): the subcommand may follow global options."""
    for index, arg in enumerate(args):
        if arg in SUBCOMMANDS and (index == 0 or args[index - 1] not in VALUE_OPTIONS):
            return arg, args[:index] + args[index + 1 :]
        if arg == "--":
            break
    return None, args


def main(argv: list[str] | None = None) -> None:
    """The console entry point (`gemini-mcp`, `python -m gemini_mcp`)."""
    command, args = split_command(list(sys.argv[1:] if argv is None else argv))
    if command is not None:
        SUBCOMMANDS[command](args)
        return
    settings = load_settings(args)
    configure_logging(settings.log_level)
    try:
        with suppress(KeyboardInterrupt):
            serve.run(settings)
    except ConfigError as err:  # a taken port, an unusable data dir, HTTP off loopback without tokens
        fail(f"gemini-mcp: {err}")
