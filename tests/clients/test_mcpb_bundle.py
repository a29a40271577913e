"""The .mcpb bundle runs the way Claude Desktop runs it: unpack, fill in user_config, launch mcp_config.

Claude Desktop substitutes `${__dirname}` (the unpacked bundle) and `${user_config.*}` (what the user typed)
into `server.mcp_config`, then starts the command over stdio; for `server.type: "uv"` that command is
`uv run --directory <bundle> ...`, which installs the dependencies from the bundle's pyproject.toml.
Here `uv` comes from the [test] extra, the dependencies from PyPI (uv's cache makes reruns fast), and
the key goes to a standalone emulator that insists on it (the one addition: GEMINI_MCP_BASE_URL).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import anyio
import pytest
from mcp import Client, StdioServerParameters

from gemini_mcp.emulator import EmulatorConfig, EmulatorThread

from .helpers import REPO, NodeTools, missing_tool
from .helpers import server_env as base_env

KEY = "AQ.test-mcpb-user-config-key"


def uv_binary() -> str:
    found = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if found is None:
        missing_tool("uv is not installed (it is in the [test] extra)")
    assert found is not None
    return found


def substitute(value: str, bundle: Path, user_config: dict[str, str]) -> str:
    value = value.replace("${__dirname}", str(bundle))
    return re.sub(r"\$\{user_config\.([a-z_]+)\}", lambda m: user_config[m.group(1)], value)


@pytest.mark.slow
@pytest.mark.timeout(900)
async def test_mcpb_bundle_starts_through_uv_and_answers_with_the_users_key(
    node_tools: NodeTools, tmp_path: Path
) -> None:
    bundle_file = tmp_path / "gemini-mcp.mcpb"
    env = {**os.environ, "MCPB": f"{node_tools.node} {node_tools.script('@anthropic-ai/mcpb', 'mcpb')}"}
    packed = subprocess.run(
        ["bash", str(REPO / "manifests" / "mcpb" / "pack.sh"), str(bundle_file)],
        capture_output=True, text=True, encoding="utf-8", timeout=300, env=env, check=False,
    )  # fmt: skip
    assert packed.returncode == 0, packed.stdout + packed.stderr
    bundle = tmp_path / "unpacked"
    with zipfile.ZipFile(bundle_file) as archive:
        archive.extractall(bundle)

    manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    user_config = {
        name: KEY if name == "gemini_api_key" else str(spec["default"])
        for name, spec in manifest["user_config"].items()
    }
    mcp_config = manifest["server"]["mcp_config"]
    assert mcp_config["command"] == "uv"
    args = [substitute(arg, bundle, user_config) for arg in mcp_config["args"]]
    server_env = {name: substitute(value, bundle, user_config) for name, value in mcp_config["env"].items()}
    assert server_env["GEMINI_API_KEY"] == KEY

    with EmulatorThread(EmulatorConfig(api_key=KEY)) as emu:
        # The machine's own environment (PATH for uv to find a Python, TLS/proxy settings for PyPI), minus any
        # Gemini settings, then exactly what the manifest sets, plus the emulator endpoint.
        launch_env = base_env(tmp_path / "data") | server_env
        launch_env |= {"GEMINI_MCP_BASE_URL": emu.base_url, "UV_PYTHON_DOWNLOADS": "never"}
        params = StdioServerParameters(command=uv_binary(), args=args, env=launch_env, cwd=tmp_path)
        with anyio.fail_after(600):
            async with Client(params, mode="legacy") as client:
                assert client.server_info is not None
                assert client.server_info.version == manifest["version"]
                tools = [tool.name for tool in (await client.list_tools()).tools]
                answer = await client.call_tool("ask_gemini", {"prompt": "Hello from the bundle"})
        keys = [r.headers.get("x-goog-api-key") for r in emu.requests if r.path.endswith("/interactions")]
        models = [r.body.get("model") for r in emu.requests if isinstance(r.body, dict)]
    assert tools == [tool["name"] for tool in manifest["tools"]]
    assert not answer.is_error, answer
    assert keys == [KEY]
    assert models == [user_config["default_model"]]  # user_config.default_model reached the server
