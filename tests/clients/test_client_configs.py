"""Each client config, pasted as the README says, starts a server that works and uses the configured key.

The harness plays the client: it resolves `command` the way `command -v` does in the test's environment
(the installed console script), substitutes the client's key reference (`${GEMINI_API_KEY}`,
`${env:...}`, `${input:...}` or the paste-here placeholder) with a key, and starts the server with
only the config's `env`. The one addition is `GEMINI_MCP_BASE_URL`, pointing at a standalone emulator
that insists on that key, plus a data dir, because no machine here reaches Google.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters

from gemini_mcp.emulator import EmulatorConfig, EmulatorThread
from tests.harness.clients import remember_a_name

from .helpers import REPO

KEY = "AQ.test-client-config-key"
KEY_REFERENCE = re.compile(r"paste-your-gemini-api-key-here|\$\{(?:env:|input:)?[A-Za-z0-9_-]+\}")


def installed_script() -> str:
    found = shutil.which("gemini-mcp", path=str(Path(sys.executable).parent))
    assert found, "the gemini-mcp console script is not installed next to the test interpreter"
    return found


def from_json(filename: str) -> dict[str, Any]:
    config = json.loads((REPO / "manifests" / filename).read_text(encoding="utf-8"))
    servers = config.get("servers") or config["mcpServers"]
    return servers["gemini"]


def from_claude_code_line() -> dict[str, Any]:
    text = (REPO / "manifests" / "claude-code.md").read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if line.startswith("claude mcp add ") and "GEMINI_API_KEY" in line)
    words = shlex.split(line)
    options, launched = words[: words.index("--")], words[words.index("--") + 1 :]
    env = dict(options[i + 1].split("=", 1) for i, word in enumerate(options) if word in {"--env", "-e"})
    command = launched[0].replace("$(command -v gemini-mcp)", "gemini-mcp")
    return {"command": command, "args": launched[1:], "env": env}


CONFIGS = {
    "claude-desktop.json": lambda: from_json("claude-desktop.json"),
    "claude-code.mcp.json": lambda: from_json("claude-code.mcp.json"),
    "claude-code.md (claude mcp add)": from_claude_code_line,
    "cursor.mcp.json": lambda: from_json("cursor.mcp.json"),
    "vscode.mcp.json": lambda: from_json("vscode.mcp.json"),
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
async def test_pasted_config_starts_a_server_that_answers_with_the_configured_key(name: str, tmp_path: Path) -> None:
    entry = CONFIGS[name]()
    assert entry["command"] == "gemini-mcp"
    env = {key: KEY_REFERENCE.sub(KEY, value) for key, value in entry["env"].items()}
    assert KEY in env.values()
    with EmulatorThread(EmulatorConfig(api_key=KEY)) as emu:
        env |= {"GEMINI_MCP_BASE_URL": emu.base_url, "GEMINI_MCP_DATA_DIR": str(tmp_path / "data")}
        params = StdioServerParameters(command=installed_script(), args=entry["args"], env=env, cwd=tmp_path)
        with anyio.fail_after(90):
            async with Client(params, mode="legacy") as client:
                tools = {tool.name for tool in (await client.list_tools()).tools}
                answer = await client.call_tool("ask_gemini", {"prompt": "Say hello"})
        keys = [r.headers.get("x-goog-api-key") for r in emu.requests if r.path.endswith("/interactions")]
    assert "ask_gemini" in tools
    assert not answer.is_error, answer
    assert keys == [KEY]


async def test_a_config_without_key_but_with_emulator_flag_works_offline(tmp_path: Path) -> None:
    """The README's "try a client without a key": `"args": ["--emulator"]` and no `env` block."""
    entry = from_json("claude-desktop.json") | {"args": ["--emulator"]}
    del entry["env"]
    params = StdioServerParameters(
        command=installed_script(), args=entry["args"], env={"GEMINI_MCP_DATA_DIR": str(tmp_path)}, cwd=tmp_path
    )
    with anyio.fail_after(90):
        async with Client(params, mode="legacy") as client:
            _, second = await remember_a_name(client)
    assert "Phil" in second["text"]
