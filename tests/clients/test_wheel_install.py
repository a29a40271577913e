"""Packaging: a wheel built from the repo installs into a fresh venv and serves MCP over stdio from there."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import anyio
import pytest
from mcp import Client, StdioServerParameters

from tests.harness.clients import remember_a_name

from .helpers import REPO, pyproject, server_env


def run(argv: list[str], *, timeout: float, cwd: Path) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, encoding="utf-8", timeout=timeout, cwd=cwd, check=False)
    assert done.returncode == 0, f"{' '.join(argv)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.mark.slow
@pytest.mark.timeout(900)
async def test_wheel_installs_in_a_fresh_venv_and_answers_an_mcp_client_over_stdio(tmp_path: Path) -> None:
    version = pyproject()["project"]["version"]
    dist = tmp_path / "dist"
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(REPO)], timeout=300, cwd=tmp_path
    )
    (wheel,) = dist.glob("*.whl")
    assert wheel.name == f"gemini_interactions_mcp-{version}-py3-none-any.whl"  # the distribution name
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = archive.read(f"gemini_interactions_mcp-{version}.dist-info/entry_points.txt").decode()
    assert {"gemini_mcp/cli/main.py", "gemini_mcp/emulator/__init__.py", "gemini_mcp/server/prompts.py"} <= names
    assert not any(name.startswith(("tests/", "manifests/")) for name in names)
    assert "gemini-mcp = gemini_mcp.cli.main:main" in entry_points
    assert "gemini-interactions-mcp = gemini_mcp.cli.main:main" in entry_points

    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], timeout=120, cwd=tmp_path)
    python = venv / "bin" / "python"
    run([str(python), "-m", "pip", "install", "-q", str(wheel)], timeout=600, cwd=tmp_path)

    # The installed package, not the source tree, is what runs (cwd is outside the repo).
    where = run([str(python), "-c", "import gemini_mcp; print(gemini_mcp.__file__, gemini_mcp.__version__)"],
                timeout=60, cwd=tmp_path)  # fmt: skip
    location, installed_version = where.split()
    assert Path(location).is_relative_to(venv)
    assert installed_version == version

    params = StdioServerParameters(
        command=str(venv / "bin" / "gemini-mcp"), args=["--emulator"], env=server_env(tmp_path / "data"), cwd=tmp_path
    )
    with anyio.fail_after(120):
        async with Client(params, mode="legacy") as client:
            assert client.server_info is not None
            assert client.server_info.version == version
            tools = {tool.name for tool in (await client.list_tools()).tools}
            assert {"ask_gemini", "start_deep_research", "get_interaction"} <= tools
            _, second = await remember_a_name(client)
            assert "Phil" in second["text"]

    # The doctor ships in the wheel too, and passes on the emulator, under the distribution's name as well.
    doctor = subprocess.run(
        [str(venv / "bin" / "gemini-interactions-mcp"), "check", "--emulator"],
        capture_output=True, text=True, encoding="utf-8", timeout=150, cwd=tmp_path,
        env=server_env(tmp_path / "data"), check=False,
    )  # fmt: skip
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert f"gemini-mcp {version}" in doctor.stdout
