"""How the CLI starts a server the way an MCP client does, and reads what it says (used by check and demo)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from mcp import StdioServerParameters

from gemini_mcp.config import Settings


def uses_emulator(settings: Settings) -> bool:
    """Whether the server runs on the embedded emulator: `--emulator on`, or `auto` without an API key."""
    return settings.emulator == "on" or (settings.emulator == "auto" and not settings.has_api_key)


def server_params(server_args: Sequence[str]) -> StdioServerParameters:
    """`python -m gemini_mcp <server_args>` with this process's environment, as a client launches it."""
    return StdioServerParameters(
        command=sys.executable, args=["-m", "gemini_mcp", *server_args], env=dict(os.environ), cwd=os.getcwd()
    )


def text_of(result: Any) -> str:
    """The text blocks of a tool result, joined."""
    parts = [getattr(block, "text", "") for block in getattr(result, "content", [])]
    return " ".join(part for part in parts if part).strip()


def write_log_tail(write: Callable[[str], object], server_log: Sequence[str], count: int = 15) -> None:
    """The last lines the server wrote to stderr, indented, for a failure report."""
    if server_log:
        write("last lines the server wrote to stderr:\n")
        for entry in server_log[-count:]:
            write(f"  | {entry}\n")


def fail(message: str) -> NoReturn:
    """A failure the user can fix: one line on stderr, exit code 2, no traceback."""
    sys.stderr.write(message.replace("\n", " ").rstrip() + "\n")
    sys.stderr.flush()
    raise SystemExit(2)


class OneLineParser(argparse.ArgumentParser):
    """argparse whose errors are one line naming the fix (not the usage block), exit code 2."""

    def error(self, message: str) -> NoReturn:
        fail(f"{self.prog}: {message} (see `{self.prog} --help`)")
