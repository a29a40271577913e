"""`gemini-mcp check`: a doctor that shows what the server would run with, and proves the path works.

It prints the version, where each setting came from (flag, environment, `.env` or default; secrets
masked), the data dir, whether an API key is set, then starts the real server the way an MCP client
does (`python -m gemini_mcp ...` over stdio), lists its tools and asks Gemini (or the emulator) one
tiny question. Exit code 0 = every step passed, 1 = something failed (the output says what to do).

    gemini-mcp check                      # the configuration your client would get
    gemini-mcp check --emulator           # the same path against the built-in offline emulator
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, TextIO

import anyio
from dotenv import dotenv_values
from mcp import Client, stdio_client
from pydantic import AliasChoices, SecretStr, ValidationError
from pydantic.fields import FieldInfo

from gemini_mcp import __version__
from gemini_mcp.cli.launch import OneLineParser, server_params, text_of, uses_emulator, write_log_tail
from gemini_mcp.config import Settings
from gemini_mcp.core.roots import describe
from gemini_mcp.errors import StoreError
from gemini_mcp.server.roots import client_roots_apply
from gemini_mcp.store.migrations import SCHEMA_VERSION
from gemini_mcp.store.opening import describe_store, open_store
from gemini_mcp.store.urls import mask_url

PROBE_PROMPT = "Reply with the single word OK."
PROBE_TIMEOUT = 90.0
SECRET_FIELDS = frozenset({"api_key", "http_tokens"})
KEY_ENV_NAMES = ("GEMINI_MCP_API_KEY", "GOOGLE_API_KEY", "GEMINI_API_KEY")  # the order Settings reads them


@dataclass(frozen=True)
class SettingLine:
    name: str
    env: str  # the environment variable(s) that set it
    value: str  # display value; secrets masked
    source: str  # "flag --x", "env NAME", ".env NAME" or "default"


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    detail: str
    tools: tuple[str, ...] = ()
    server: str = ""


def env_names(name: str, field: FieldInfo) -> list[str]:
    """The environment variable names pydantic-settings reads for one Settings field."""
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        return [choice for choice in alias.choices if isinstance(choice, str) and choice != name]
    if isinstance(alias, str):
        return [alias]
    prefix = str(Settings.model_config.get("env_prefix", ""))
    return [f"{prefix}{name}".upper()]


def _display(name: str, value: Any) -> str:
    if name == "database_url" and isinstance(value, SecretStr):
        return mask_url(value.get_secret_value())
    if name in SECRET_FIELDS or isinstance(value, SecretStr):
        return "set (hidden)" if value else "not set"
    if isinstance(value, list):
        items: list[Any] = value  # pyright: ignore[reportUnknownVariableType]
        return ", ".join(str(item) for item in items) if items else "(empty)"
    return "(unset)" if value is None else str(value)


def _lookup(names: Sequence[str], values: Mapping[str, str | None]) -> str | None:
    """First of `names` present in `values`, matched case-insensitively as pydantic-settings does."""
    lowered = {key.lower(): key for key, val in values.items() if val is not None and val.strip()}
    for name in names:
        if name.lower() in lowered:
            return name
    return None


def setting_lines(
    settings: Settings, flags: Mapping[str, str], environ: Mapping[str, str], dotenv: Mapping[str, str | None]
) -> list[SettingLine]:
    """One line per Settings field; `flags` maps field name -> the flag that set it."""
    lines: list[SettingLine] = []
    for name, field in Settings.model_fields.items():
        names = env_names(name, field)
        if name in flags:
            source = f"flag {flags[name]}"
        elif found := _lookup(names, environ):
            source = f"env {found}"
        elif found := _lookup(names, dotenv):
            source = f".env {found}"
        else:
            source = "default"
        lines.append(SettingLine(name, " / ".join(names), _display(name, getattr(settings, name)), source))
    return lines


def _parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="gemini-mcp check",
        description="Show the configuration, then start the server over stdio and make one tiny call.",
    )
    parser.add_argument("--emulator", nargs="?", const="on", choices=["on", "auto", "off"], default=None)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--log-level", default=None)
    parser.add_argument("--timeout", type=float, default=PROBE_TIMEOUT, help="seconds for the whole live check")
    return parser


def _flag_args(ns: argparse.Namespace) -> tuple[dict[str, Any], dict[str, str], list[str]]:
    """(Settings init kwargs, field -> flag text, the same flags for the server's command line)."""
    values: dict[str, Any] = {}
    flags: dict[str, str] = {}
    argv: list[str] = []
    for field, flag in (("emulator", "--emulator"), ("data_dir", "--data-dir"), ("log_level", "--log-level")):
        value = getattr(ns, field)
        if value is not None:
            values[field] = value
            flags[field] = f"{flag} {value}"
            argv += [flag, str(value)]
    return values, flags, argv


def _data_dir_state(path: Path) -> str:
    if path.is_dir():
        return "exists, writable" if os.access(path, os.W_OK) else "exists, NOT writable"
    parent = next((p for p in path.parents if p.exists()), None)
    if parent is not None and os.access(parent, os.W_OK):
        return "will be created on first run"
    return "cannot be created (no write access)"


async def check_store(settings: Settings) -> tuple[bool, str]:
    """Open the selected store the way the server will (creating or migrating it): (ok, one line)."""
    try:
        with anyio.fail_after(30):
            async with open_store(settings) as store:
                version = await store.schema_version()
    except (StoreError, TimeoutError) as exc:
        return False, f"store: {describe_store(settings)}: NOT usable ({exc or 'no answer within 30 s'})"
    state = "migrated" if version == SCHEMA_VERSION else f"at schema version {version}, expected {SCHEMA_VERSION}"
    return version == SCHEMA_VERSION, f"store: {describe_store(settings)}: reachable, {state} (schema {version})"


def _store_usable(settings: Settings, data_dir: Path, write: Callable[[str], object]) -> bool:
    """Report the store; PostgreSQL is opened (reachable and migrated?), SQLite is only named."""
    if settings.database_url is None:
        write(f"store: {describe_store(settings.model_copy(update={'data_dir': data_dir}))}\n")
        return True
    store_ok, store_line = anyio.run(check_store, settings)
    write(f"{store_line}\n")
    if not store_ok:
        write("FAIL: the PostgreSQL store is not usable: check GEMINI_MCP_DATABASE_URL and that the server runs.\n")
    return store_ok


async def probe(server_args: Sequence[str], *, timeout: float, errlog: TextIO) -> ProbeResult:
    """Start `python -m gemini_mcp <server_args>` over stdio like a client does, list tools, ask once."""
    params = server_params(server_args)
    tools: tuple[str, ...] = ()
    server = ""
    try:
        with anyio.fail_after(timeout):
            async with Client(stdio_client(params, errlog=errlog), mode="legacy") as client:
                info = client.server_info
                server = f"{info.name} {info.version}" if info is not None else "?"
                tools = tuple(tool.name for tool in (await client.list_tools()).tools)
                if "ask_gemini" not in tools:
                    return ProbeResult(False, f"the server lists no ask_gemini tool (tools: {tools})", tools, server)
                started = time.perf_counter()
                answer = await client.call_tool("ask_gemini", {"prompt": PROBE_PROMPT})
                elapsed = time.perf_counter() - started
                text = text_of(answer)
                if answer.is_error:
                    return ProbeResult(False, f"ask_gemini failed: {text}", tools, server)
                structured: dict[str, Any] = dict(answer.structured_content or {})
                conversation = structured.get("conversation_id")
                if isinstance(conversation, str):  # leave no trace of the check in list_conversations
                    await client.call_tool("delete_conversation", {"conversation_id": conversation})
                model = structured.get("model", "?")
                reply = str(structured.get("text") or text).replace("\n", " ")
                short = reply if len(reply) <= 80 else reply[:77] + "..."
                return ProbeResult(
                    True, f"ask_gemini answered in {elapsed:.1f} s (model {model}): {short}", tools, server
                )
    except TimeoutError:
        return ProbeResult(False, f"no answer within {timeout:.0f} s", tools, server)
    except Exception as exc:  # the check reports any failure to start or talk to the server
        return ProbeResult(False, f"could not talk to the server: {type(exc).__name__}: {exc}", tools, server)


def client_command() -> str:
    """The absolute command a client config should launch (desktop apps do not see a venv's PATH)."""
    script = shutil.which("gemini-mcp", path=str(Path(sys.executable).parent)) or shutil.which("gemini-mcp")
    return script or f"{sys.executable} -m gemini_mcp"


def _versions() -> str:
    parts = [f"gemini-mcp {__version__}", f"python {sys.version.split()[0]}"]
    for dist in ("mcp", "google-genai"):
        try:
            parts.append(f"{dist} {version(dist)}")
        except PackageNotFoundError:
            parts.append(f"{dist} not installed")
    return ", ".join(parts)


def run_check(argv: Sequence[str], out: TextIO) -> int:
    """The whole doctor; returns the exit code."""
    ns = _parser().parse_args(list(argv))
    init, flags, server_args = _flag_args(ns)
    env_file = Settings.model_config.get("env_file")
    dotenv: dict[str, str | None] = dict(dotenv_values(env_file)) if isinstance(env_file, str) else {}
    write = out.write
    write(f"{_versions()}\n")
    write(f"command for client configs: {client_command()}\n")
    try:
        settings = Settings(**init)
    except ValidationError as exc:
        write(f"FAIL: the configuration is invalid:\n{exc}\n")
        return 1
    write("\nsettings (flag > env > .env > default):\n")
    lines = setting_lines(settings, flags, os.environ, dotenv)
    width = max(len(line.name) for line in lines)
    for line in lines:
        write(f"  {line.name:<{width}}  {line.value}  [{line.source}; {line.env}]\n")
    emulated = uses_emulator(settings)
    data_dir = settings.data_dir / "emulator" if emulated else settings.data_dir
    write(f"\ndata dir: {data_dir} ({_data_dir_state(data_dir)})\n")
    write(f"files: {describe(settings.file_roots, client_roots_apply=client_roots_apply(settings))}\n")
    if not _store_usable(settings, data_dir, write):
        return 1
    if settings.has_api_key:
        key_from = _lookup(KEY_ENV_NAMES, os.environ) or _lookup(KEY_ENV_NAMES, dotenv) or "a flag"
        write(f"API key: set (from {key_from})\n")
        if (reason := settings.key_placeholder) and not emulated:
            write(
                f"FAIL: the API key from {key_from} looks like a placeholder ({reason}). Put your real key "
                "(https://aistudio.google.com/apikey) in the client's env block, or try "
                "`gemini-mcp check --emulator`.\n"
            )
            return 1
    else:
        write("API key: not set (set GEMINI_API_KEY in your MCP client's `env` block, or in the environment)\n")
    if emulated:
        write("target: the built-in Interactions emulator (offline; answers are canned, nothing reaches Google)\n")
    else:
        base = settings.base_url or os.environ.get("GOOGLE_GEMINI_BASE_URL") or "the SDK's default URL"
        write(f"target: Gemini API at {base} (the check makes one tiny live call)\n")
    if not emulated and not settings.has_api_key:
        write("FAIL: no API key and the emulator is off. Set GEMINI_API_KEY, or try `gemini-mcp check --emulator`.\n")
        return 1
    write(f"\nstarting `{sys.executable} -m gemini_mcp {' '.join(server_args)}` over stdio ...\n")
    out.flush()
    with tempfile.TemporaryFile("w+", encoding="utf-8") as errlog:
        result = anyio.run(lambda: probe(server_args, timeout=ns.timeout, errlog=errlog))
        errlog.seek(0)
        server_log = errlog.read().strip().splitlines()
    if result.server:
        write(f"server: {result.server}; {len(result.tools)} tools: {', '.join(result.tools)}\n")
    if result.ok:
        write(f"OK: {result.detail}\n")
        return 0
    write(f"FAIL: {result.detail}\n")
    write_log_tail(write, server_log)
    return 1


def main(argv: Sequence[str] | None = None) -> None:
    raise SystemExit(run_check(sys.argv[1:] if argv is None else argv, sys.stdout))
