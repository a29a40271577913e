"""The same behaviour over real transports: a stdio subprocess and Streamable HTTP on a free loopback port."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import anyio
from mcp.client import Client

from gemini_mcp.config import Settings
from gemini_mcp.emulator.server import Emulator
from tests.harness.clients import TOOL_NAMES, creates, data, remember_a_name
from tests.harness.processes import http_server_process, stdio_params
from tests.harness.servers import serve_http
from tests.harness.settings import server_env


async def test_stdio_subprocess_lists_tools_keeps_the_conversation_and_follows_research(
    tmp_path: Path, emulator: Emulator
) -> None:
    updates: list[float] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        updates.append(progress)

    params = stdio_params(tmp_path / "data", server_env(emulator.base_url))
    with anyio.fail_after(90):
        async with Client(params) as client:
            tools = await client.list_tools()
            first, second = await remember_a_name(client)
            iid = data(await client.call_tool("start_deep_research", {"query": "Lakes"}))["interaction_id"]
            done = data(
                await client.call_tool(
                    "get_interaction", {"interaction_id": iid, "wait_seconds": 30}, progress_callback=on_progress
                )
            )
    assert done["status"] == "completed"
    assert updates
    assert {t.name for t in tools.tools} == set(TOOL_NAMES)
    assert "Phil" in str(second["text"])
    assert creates(emulator)[1]["previous_interaction_id"] == first["interaction_id"]
    assert (tmp_path / "data" / "gemini-mcp.sqlite3").is_file()


async def test_streamable_http_name_example_and_research_with_progress(settings: Settings, emulator: Emulator) -> None:
    updates: list[float] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        updates.append(progress)

    with anyio.fail_after(90):
        async with serve_http(settings) as url, Client(url) as client:
            first, second = await remember_a_name(client)
            iid = data(await client.call_tool("start_deep_research", {"query": "Rivers"}))["interaction_id"]
            done = data(
                await client.call_tool(
                    "get_interaction", {"interaction_id": iid, "wait_seconds": 30}, progress_callback=on_progress
                )
            )
    assert "Phil" in str(second["text"])
    assert creates(emulator)[1]["previous_interaction_id"] == first["interaction_id"]
    assert done["status"] == "completed"
    assert updates


async def test_embedded_emulator_needs_no_key_and_keeps_its_state_in_the_data_dir(tmp_path: Path) -> None:
    env = {k: v for k, v in server_env("http://127.0.0.1:9").items() if not k.startswith(("GEMINI_", "GOOGLE_"))}
    params = stdio_params(tmp_path / "data", env, "--emulator", "auto")
    with anyio.fail_after(90):
        async with Client(params) as client:
            first, second = await remember_a_name(client)
    assert "Phil" in str(second["text"])
    assert first["conversation_id"] == second["conversation_id"]
    assert (tmp_path / "data" / "emulator" / "emulator.sqlite3").is_file()
    assert (tmp_path / "data" / "emulator" / "gemini-mcp.sqlite3").is_file()


async def test_http_cli_logs_its_url_and_the_inspector_command(tmp_path: Path, emulator: Emulator) -> None:
    with anyio.fail_after(90):
        async with http_server_process(tmp_path / "data", server_env(emulator.base_url)) as server:
            async with Client(server.url) as client:
                tools = await client.list_tools()
            log = list(server.log)
    assert server.url.startswith("http://127.0.0.1:") and server.url.endswith("/mcp")
    assert len(tools.tools) == 7
    inspector = f"npx -y @modelcontextprotocol/inspector --cli {server.url} --transport http --method tools/list"
    assert any(line.endswith(f"Try it: {inspector}") for line in log)
    assert not any("test-key" in line for line in log)


def test_invalid_configuration_exits_with_a_message_naming_the_variable(tmp_path: Path) -> None:
    env = server_env("http://127.0.0.1:9", GEMINI_MCP_PORT="eighty")
    done = subprocess.run(
        [sys.executable, "-m", "gemini_mcp", "--transport", "http"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip() == (
        "gemini-mcp: invalid configuration: port (GEMINI_MCP_PORT): "
        "Input should be a valid integer, unable to parse string as an integer; fix --port or GEMINI_MCP_PORT"
    )
