"""The README stays short (at most 150 lines) and every command it shows runs.

A command is each `&&`-separated part of every line in a ```bash block, and every inline code span that starts
with a program name (`gemini-mcp demo`, `uvx --from . gemini-mcp`, ...). Each must match one runner below, which
runs it the way a reader would, with only these changes: installs are `pip install --dry-run` into this venv (the
wheel test installs for real in a fresh one), `python -m pytest` only collects (it is the suite running this), a
server that would listen on port 8000 takes a free port (an Inspector CLI line is pointed at it; a web UI line is
started on free ports and its page fetched), `uvx` resolves the distribution from this checkout (it is not on
PyPI yet), and `claude mcp add` lines must be the ones tests/clients/test_client_configs.py starts. A command
without a runner fails the test: add one.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio
import httpx2
import pytest
from anyio.streams.text import TextReceiveStream
from mcp import Client, StdioServerParameters

from gemini_mcp.emulator import EmulatorConfig, EmulatorThread
from tests.harness.clients import TOOL_NAMES, http_client, remember_a_name
from tests.harness.ports import free_port
from tests.harness.processes import http_server_process, run_to_end

from .helpers import REPO, NodeTools, server_env

README = (REPO / "README.md").read_text(encoding="utf-8")
MAX_LINES = 150
PROGRAMS = {"gemini-mcp", "gemini-interactions-mcp", "python", "python3", "pip", "uvx", "npx", "claude", "bash", "."}
SHOWN_URL = "http://127.0.0.1:8000/mcp"
INSPECTOR = "@modelcontextprotocol/inspector"
WEB_PORTS = ("CLIENT_PORT", "SERVER_PORT", "MCP_SANDBOX_PORT")  # the web UI's own ports, here free ones
KEY = "AQ.test-readme-quick-start-key"


def shown_commands(text: str) -> list[str]:
    commands: list[str] = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.DOTALL):
        for line in block.splitlines():
            line = line.split("  #", 1)[0].strip()  # a trailing comment is not part of the command
            if line and not line.startswith("#"):
                commands += [part.strip() for part in line.split(" && ")]
    prose = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    commands += [span for span in re.findall(r"`([^`\n]+)`", prose) if span.split()[0] in PROGRAMS]
    return list(dict.fromkeys(commands))


def installed(script: str) -> str:
    found = shutil.which(script, path=str(Path(sys.executable).parent))
    assert found, f"the {script} console script is not installed next to the test interpreter"
    return found


def uvx() -> str:
    return shutil.which("uvx", path=str(Path(sys.executable).parent)) or installed("uvx")


def ran(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, f"exit {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


async def lists_the_tools(params: StdioServerParameters) -> None:
    with anyio.fail_after(600):  # uvx may build the package and fetch its dependencies first
        async with Client(params, mode="legacy") as client:
            tools = [tool.name for tool in (await client.list_tools()).tools]
    assert tools == list(TOOL_NAMES)


def http_argv(command: str) -> list[str]:
    words = shlex.split(command)
    return [installed(words[0]), *words[1:], "--port", "0"]  # a free port instead of 8000


# --- the runners: (pattern the whole command matches, what runs it) --------------------------------------------


async def make_venv(command: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    ran(run_to_end(["bash", "-c", command], cwd=tmp_path, env=server_env(tmp_path), timeout=300))
    assert (tmp_path / ".venv" / "bin" / "python").is_file()


async def activate_venv(command: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    where = "python -c 'import sys; print(sys.prefix, *sys.version_info[:2])'"
    script = f"python3 -m venv --without-pip .venv && {command} && {where}"
    done = run_to_end(["bash", "-c", script], cwd=tmp_path, env=server_env(tmp_path), timeout=300)
    prefix, major, minor = ran(done).split()
    assert Path(prefix) == tmp_path / ".venv"
    assert (int(major), int(minor)) >= (3, 11)


async def pip_install(command: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    words = shlex.split(command)
    argv = [sys.executable, *words[1:4], "--dry-run", "-q", *words[4:]]
    ran(run_to_end(argv, cwd=REPO, env=server_env(tmp_path), timeout=600))


async def pytest_collects(command: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    argv = [sys.executable, *shlex.split(command)[1:], "--collect-only", "-q", "-p", "no:cacheprovider"]
    out = ran(run_to_end(argv, cwd=REPO, env=server_env(tmp_path), timeout=600))
    assert re.search(r"\d+ tests collected", out), out[-2000:]


async def http_server(command: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    # Without a key: the embedded emulator answers (it remembers a name across turns).
    async with http_server_process(tmp_path / "a", server_env(tmp_path / "a"), command=http_argv(command)) as server:
        assert server.url.startswith("http://127.0.0.1:")
        async with http_client(server.base_url) as client:
            _, second = await remember_a_name(client)
        assert "Phil" in second["text"]
    # With GEMINI_API_KEY: "real Gemini", here a standalone emulator that insists on that key.
    with EmulatorThread(EmulatorConfig(api_key=KEY)) as emu:
        env = server_env(tmp_path / "b") | {"GEMINI_API_KEY": KEY, "GEMINI_MCP_BASE_URL": emu.base_url}
        async with (
            http_server_process(tmp_path / "b", env, command=http_argv(command)) as server,
            http_client(server.base_url) as client,
        ):
            answer = await client.call_tool("ask_gemini", {"prompt": "Hello"})
        keys = [r.headers.get("x-goog-api-key") for r in emu.requests if r.path.endswith("/interactions")]
    assert not answer.is_error, answer
    assert keys == [KEY]


async def inspector(command: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    node_tools: NodeTools = request.getfixturevalue("node_tools")
    words = shlex.split(command)
    args = words[words.index(INSPECTOR) + 1 :]
    args = [installed("gemini-mcp") if arg == "$(command -v gemini-mcp)" else arg for arg in args]
    if "--cli" in args:
        await inspector_cli(node_tools, args, tmp_path)
    else:
        await inspector_web(node_tools, args, tmp_path)


async def inspector_cli(node_tools: NodeTools, args: list[str], tmp_path: Path) -> None:
    """The CLI line, pointed at a server on the emulator: it lists the seven tools."""
    argv = [installed("gemini-mcp"), "--emulator", "--transport", "http", "--port", "0"]
    async with http_server_process(tmp_path, server_env(tmp_path / "data"), command=argv) as server:
        args = [server.url if arg == SHOWN_URL else arg for arg in args]
        done = await anyio.to_thread.run_sync(lambda: node_tools.run(INSPECTOR, "mcp-inspector", args, timeout=120))
    assert set(TOOL_NAMES) <= set(re.findall(r'"name": "(\w+)"', ran(done)))


async def inspector_web(node_tools: NodeTools, args: list[str], tmp_path: Path) -> None:
    """The web UI line: it starts (on free ports, no browser opened) and serves its page."""
    env = server_env(tmp_path / "data") | {name: str(free_port()) for name in WEB_PORTS}
    env |= {"MCP_AUTO_OPEN_ENABLED": "false", "PATH": f"{node_tools.node.parent}{os.pathsep}{os.environ['PATH']}"}
    argv = [str(node_tools.node), str(node_tools.script(INSPECTOR, "mcp-inspector")), *args]
    process = await anyio.open_process(argv, env=env, cwd=tmp_path, stdin=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    output, url = "", None
    try:
        assert process.stdout is not None
        with anyio.fail_after(120):
            async for chunk in TextReceiveStream(process.stdout):
                output += chunk
                if found := re.search(r"up and running at:\s*\n\s*(http://\S+)\n", output):
                    url = found.group(1)
                    break
            assert url, f"the Inspector web UI did not start:\n{output}"
            async with httpx2.AsyncClient() as http:
                assert (await http.get(url)).status_code == 200
    finally:
        process.terminate()
        with anyio.move_on_after(10):
            await process.wait()
        if process.returncode is None:
            process.kill()
        await process.aclose()


async def doctor(command: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    argv = [installed("gemini-mcp"), *shlex.split(command)[1:]]
    out = ran(run_to_end(argv, cwd=tmp_path, env=server_env(tmp_path / "data"), timeout=180))
    assert f"command for client configs: {installed('gemini-mcp')}" in out


async def demo(command: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    argv = [installed("gemini-mcp"), *shlex.split(command)[1:]]
    out = ran(run_to_end(argv, cwd=tmp_path, env=server_env(tmp_path / "data"), timeout=180))
    assert "OK: the tour drove every tool" in out


async def stdio_server(command: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    params = StdioServerParameters(command=installed(command), env=server_env(tmp_path / "data"), cwd=tmp_path)
    await lists_the_tools(params)


async def uvx_from_checkout(command: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    args = shlex.split(command)[1:]
    env = server_env(tmp_path / "data") | {"UV_PYTHON_DOWNLOADS": "never"}
    await lists_the_tools(StdioServerParameters(command=uvx(), args=args, env=env, cwd=REPO))


async def uvx_published(command: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    args = ["--from", str(REPO), *shlex.split(command)[1:]]  # what PyPI will resolve, from this checkout
    env = server_env(tmp_path / "data") | {"UV_PYTHON_DOWNLOADS": "never"}
    await lists_the_tools(StdioServerParameters(command=uvx(), args=args, env=env, cwd=tmp_path))


async def claude_code_line(command: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    tested = (REPO / "manifests" / "claude-code.md").read_text(encoding="utf-8").splitlines()
    assert command in tested, "tests/clients/test_client_configs.py starts the lines of manifests/claude-code.md"


Runner = Callable[[str, Path, pytest.FixtureRequest], Awaitable[None]]
RUNNERS: list[tuple[str, Runner]] = [
    (r"python3? -m venv \.venv", make_venv),
    (r"\. \.venv/bin/activate", activate_venv),
    (r"python -m pip install -e (\.|\"\.\[test\]\")", pip_install),
    (r"python -m pytest", pytest_collects),
    (r"gemini-mcp --emulator auto --transport http", http_server),
    (r"npx (-y )?@modelcontextprotocol/inspector( .*)?", inspector),
    (r"gemini-mcp check( --emulator)?", doctor),
    (r"gemini-mcp demo", demo),
    (r"gemini-mcp|gemini-interactions-mcp", stdio_server),
    (r"uvx --from \. gemini-mcp", uvx_from_checkout),
    (r"uvx gemini-interactions-mcp", uvx_published),
    (r"claude mcp add .*", claude_code_line),
]


def runner_for(command: str) -> Runner | None:
    found = [run for pattern, run in RUNNERS if re.fullmatch(pattern, command)]
    assert len(found) <= 1, f"{command!r} matches several runners"
    return found[0] if found else None


def test_the_readme_is_at_most_150_lines() -> None:
    lines = len(README.splitlines())
    assert lines <= MAX_LINES, f"README.md has {lines} lines (at most {MAX_LINES}): move detail into docs/ and link it"


def test_every_command_the_readme_shows_has_a_runner() -> None:
    commands = shown_commands(README)
    assert len(commands) >= 10, commands  # the extraction works: the quick start alone shows several
    missing = [command for command in commands if runner_for(command) is None]
    assert not missing, f"the README shows commands this test does not run: {missing}"


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("command", shown_commands(README), ids=lambda command: command[:60])
async def test_the_readme_command_runs(command: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    run = runner_for(command)
    assert run is not None, f"no runner for {command!r}"
    await run(command, tmp_path, request)
