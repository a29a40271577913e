"""Command line entry point: argv -> Settings -> build_server -> transport.

Subcommands:
  gemini-mcp [--transport stdio|http] [--host H] [--port N] [--emulator [auto]]   run the MCP server
  gemini-mcp emulator [--host H] [--port N]                                        run the Interactions emulator
  gemini-mcp check [--emulator [on|auto|off]] [--data-dir DIR]                     doctor: config + one tiny call
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "emulator":
        from gemini_mcp.emulator.__main__ import main as emulator_main

        emulator_main(args[1:])
        return
    if args and args[0] == "check":
        from gemini_mcp.doctor import main as check_main

        check_main(args[1:])
        return
    raise SystemExit("gemini-mcp: the MCP server is not built yet; try `gemini-mcp emulator`")
