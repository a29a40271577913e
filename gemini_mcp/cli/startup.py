"""The one start-up line on stderr: version, transport (and URL), backend, data dir and where `files` may read."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from dotenv import dotenv_values

from gemini_mcp import __version__
from gemini_mcp.config import Settings
from gemini_mcp.core.roots import describe
from gemini_mcp.server.roots import client_roots_apply
from gemini_mcp.store.opening import describe_store

KEY_ENV_NAMES = ("GEMINI_MCP_API_KEY", "GOOGLE_API_KEY", "GEMINI_API_KEY")  # the order Settings reads them
TTY_HINT = (
    "waiting for an MCP client on stdin (this is a stdio server, started by clients such as Claude Desktop); "
    "to try it yourself run `gemini-mcp demo`, or `gemini-mcp --transport http` for a URL"
)


def key_source(environ: Mapping[str, str] | None = None) -> str:
    """Where the API key came from: the first of the key variables set in the environment, else `.env`."""
    environ = os.environ if environ is None else environ
    for name in KEY_ENV_NAMES:
        if environ.get(name, "").strip():
            return name
    env_file = Settings.model_config.get("env_file")
    if isinstance(env_file, str) and os.path.isfile(env_file):
        found = {key.upper() for key, value in dotenv_values(env_file).items() if value and value.strip()}
        for name in KEY_ENV_NAMES:
            if name in found:
                return f"{name} in .env"
    return "a flag"


def masked(key: str) -> str:
    """`****` and, for a key long enough that it reveals little, its last four characters."""
    return "****" + (key[-4:] if len(key) >= 16 else "")


def backend(settings: Settings, emulator_url: str | None) -> str:
    """`emulator at URL`, or `Gemini API, key from NAME ****abcd` (or why calls will fail)."""
    if emulator_url is not None:
        return f"emulator at {emulator_url} (offline: nothing reaches Google)"
    base = settings.base_url or os.environ.get("GOOGLE_GEMINI_BASE_URL")
    where = f"Gemini API at {base}" if base else "Gemini API"
    if settings.api_key is None or not settings.has_api_key:
        return f"{where}, no key set (calls will say how to set GEMINI_API_KEY)"
    source = key_source()
    if reason := settings.key_placeholder:
        return (
            f"{where}, but the key from {source} looks like a placeholder ({reason}): calls will fail until "
            "you put your real key in the client's env block"
        )
    return f"{where}, key from {source} {masked(settings.api_key.get_secret_value())}"


def startup_line(settings: Settings, *, transport: str, emulator_url: str | None) -> str:
    """The whole line; `transport` is e.g. "stdio" or "Streamable HTTP at http://127.0.0.1:8000/mcp"."""
    files = describe(settings.file_roots, client_roots_apply=client_roots_apply(settings))
    shared = f"; store: {describe_store(settings)}" if settings.database_url is not None else ""  # password masked
    return (
        f"gemini-mcp {__version__}: Serving MCP over {transport}; backend: {backend(settings, emulator_url)}; "
        f"data: {settings.data_dir}{shared}; files: {files}"
    )


def stdin_is_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except ValueError:  # stdin closed
        return False
