"""`uvx` starts the server the two ways the docs give: the registry's `uvx <identifier>` and `uvx --from . gemini-mcp`.

The registry entry (manifests/server.json) tells clients to run `uvx gemini-interactions-mcp`, which resolves
the distribution of that name and starts its script of the same name. Here uvx resolves it from this checkout
(`--from <repo>`; PyPI supplies only the dependencies, uv's cache makes reruns fast), so the command a client
runs once the package is published is exercised today, next to the checkout's `uvx --from . gemini-mcp`.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import anyio
import pytest
from mcp import Client, StdioServerParameters

from tests.harness.clients import remember_a_name

from .helpers import REPO, missing_tool, server_env


def uvx_binary() -> str:
    found = shutil.which("uvx", path=str(Path(sys.executable).parent)) or shutil.which("uvx")
    if found is None:
        missing_tool("uvx is not installed (uv is in the [test] extra)")
    assert found is not None
    return found


def registry_identifier() -> str:
    (package,) = json.loads((REPO / "manifests" / "server.json").read_text(encoding="utf-8"))["packages"]
    assert package["runtimeHint"] == "uvx"
    return str(package["identifier"])


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize(
    ("label", "args", "in_checkout"),
    [
        ("registry: uvx <identifier>", ["--from", str(REPO), registry_identifier()], False),
        ("checkout: uvx --from . gemini-mcp", ["--from", ".", "gemini-mcp"], True),
    ],
)
async def test_uvx_starts_a_server_that_answers_an_mcp_client(
    label: str, args: list[str], in_checkout: bool, tmp_path: Path
) -> None:
    env = server_env(tmp_path / "data") | {"UV_PYTHON_DOWNLOADS": "never"}
    cwd = REPO if in_checkout else tmp_path
    params = StdioServerParameters(command=uvx_binary(), args=[*args, "--emulator"], env=env, cwd=cwd)
    with anyio.fail_after(600):
        async with Client(params, mode="legacy") as client:
            assert client.server_info is not None, label
            tools = {tool.name for tool in (await client.list_tools()).tools}
            _, second = await remember_a_name(client)
    assert {"ask_gemini", "start_deep_research"} <= tools
    assert "Phil" in second["text"]
