"""`files` follow the client's roots, capped by GEMINI_MCP_FILE_ROOTS; no unsafe working-directory default.

Through real MCP clients: a `python -m gemini_mcp` child over stdio (started with cwd `/` as desktop apps
do), a client that declares the `roots` capability and answers roots/list, and an in-memory client for the
HTTP-off-loopback rule. The server talks to the emulator; a refused file never reaches it.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
from mcp import Client, StdioServerParameters, stdio_client
from mcp.shared.exceptions import MCPDeprecationWarning
from mcp.types import ListRootsResult, Root

from gemini_mcp.emulator.server import Emulator
from gemini_mcp.server.app import build_server
from tests.harness.clients import error_text, text
from tests.harness.settings import make_settings, server_env


class Roots:
    """The roots a client shares; change `uris`, then notify the server."""

    def __init__(self, *paths: Path) -> None:
        self.uris = [path.as_uri() for path in paths]

    async def __call__(self, context: Any) -> ListRootsResult:
        return ListRootsResult(roots=[Root(uri=uri) for uri in self.uris])  # type: ignore[arg-type]


@asynccontextmanager
async def stdio_server(
    data_dir: Path, env: dict[str, str], cwd: Path, roots: Roots | None = None
) -> AsyncGenerator[Client]:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "gemini_mcp", "--data-dir", str(data_dir)],
        env=env,
        cwd=str(cwd),
    )
    with anyio.fail_after(90):
        async with Client(stdio_client(params), mode="legacy", list_roots_callback=roots) as client:
            yield client


def project(tmp_path: Path) -> tuple[Path, Path]:
    work, other = tmp_path / "work", tmp_path / "other"
    for folder, name in ((work, "notes.txt"), (other, "elsewhere.txt")):
        folder.mkdir()
        (folder / name).write_text(f"the contents of {name}\n", encoding="utf-8")
    return work / "notes.txt", other / "elsewhere.txt"


async def ask(client: Client, path: Path | str) -> Any:
    return await client.call_tool("ask_gemini", {"prompt": "Summarise the file.", "files": [str(path)]})


async def test_a_stdio_server_started_in_root_reads_no_local_file_and_names_the_setting(
    tmp_path: Path, emulator: Emulator
) -> None:
    async with stdio_server(tmp_path / "data", server_env(emulator.base_url), cwd=Path("/")) as client:
        refused = error_text(await ask(client, "/etc/hostname"))
        relative = error_text(await ask(client, "etc/passwd"))
        by_url = await client.call_tool("ask_gemini", {"prompt": "Hi", "files": ["https://example.com/a.png"]})
    assert "GEMINI_MCP_FILE_ROOTS" in refused and "no local file is readable" in refused
    assert "the working directory is /" in refused
    assert "GEMINI_MCP_FILE_ROOTS" in relative
    assert not by_url.is_error, text(by_url)  # https URLs need no root


async def test_a_client_root_grants_files_under_it_and_nothing_outside(tmp_path: Path, emulator: Emulator) -> None:
    inside, outside = project(tmp_path)
    roots = Roots(inside.parent)
    async with stdio_server(tmp_path / "data", server_env(emulator.base_url), Path("/"), roots) as client:
        granted = await ask(client, inside)
        refused = error_text(await ask(client, outside))
        escaped = error_text(await ask(client, inside.parent / ".." / "other" / "elsewhere.txt"))
    assert not granted.is_error, text(granted)
    assert "outside the allowed file roots" in refused and str(inside.parent) in refused
    assert "outside the allowed file roots" in escaped


async def test_a_roots_list_changed_takes_effect_on_the_next_call(tmp_path: Path, emulator: Emulator) -> None:
    first, second = project(tmp_path)
    roots = Roots(first.parent)
    async with stdio_server(tmp_path / "data", server_env(emulator.base_url), Path("/"), roots) as client:
        assert not (await ask(client, first)).is_error
        assert (await ask(client, second)).is_error
        roots.uris = [second.parent.as_uri()]
        with warnings.catch_warnings():  # roots are deprecated from 2026-07-28 (SEP-2577); this client is older
            warnings.simplefilter("ignore", MCPDeprecationWarning)
            await client.send_roots_list_changed()
        now_second = await ask(client, second)
        now_first = await ask(client, first)
    assert not now_second.is_error, text(now_second)
    assert "outside the allowed file roots" in error_text(now_first)


async def test_with_the_setting_a_client_root_outside_it_grants_nothing(tmp_path: Path, emulator: Emulator) -> None:
    allowed, other = project(tmp_path)
    env = server_env(emulator.base_url, GEMINI_MCP_FILE_ROOTS=str(allowed.parent))
    async with stdio_server(tmp_path / "data", env, Path("/"), Roots(other.parent)) as client:
        in_client_root = error_text(await ask(client, other))
        in_setting_only = error_text(await ask(client, allowed))
    for message in (in_client_root, in_setting_only):
        assert "lie outside GEMINI_MCP_FILE_ROOTS" in message, message


async def test_with_the_setting_a_wider_client_root_is_narrowed_to_it(tmp_path: Path, emulator: Emulator) -> None:
    allowed, other = project(tmp_path)
    env = server_env(emulator.base_url, GEMINI_MCP_FILE_ROOTS=str(allowed.parent))
    async with stdio_server(tmp_path / "data", env, Path("/"), Roots(tmp_path)) as client:
        granted = await ask(client, allowed)
        refused = error_text(await ask(client, other))
    assert not granted.is_error, text(granted)
    assert "outside the allowed file roots" in refused


async def test_off_loopback_over_http_client_roots_are_ignored(tmp_path: Path, emulator: Emulator) -> None:
    """Client roots name the client's disk; a server bound off loopback reads only GEMINI_MCP_FILE_ROOTS."""
    shared, client_side = project(tmp_path)
    settings = make_settings(
        tmp_path / "data", emulator.base_url, transport="http", host="0.0.0.0", file_roots=[shared.parent]
    )
    server = build_server(settings)
    async with Client(server, mode="legacy", list_roots_callback=Roots(client_side.parent)) as client:  # type: ignore[arg-type]
        from_client_root = error_text(await ask(client, client_side))
        from_setting = await ask(client, shared)
    assert "outside the allowed file roots" in from_client_root
    assert not from_setting.is_error, text(from_setting)


async def test_protected_files_stay_refused_inside_a_client_root(tmp_path: Path, emulator: Emulator) -> None:
    inside, _ = project(tmp_path)
    (inside.parent / ".env").write_text("GEMINI_API_KEY=secret\n", encoding="utf-8")
    async with stdio_server(tmp_path / "data", server_env(emulator.base_url), Path("/"), Roots(tmp_path)) as client:
        refused = error_text(await ask(client, inside.parent / ".env"))
    assert "protected file" in refused
