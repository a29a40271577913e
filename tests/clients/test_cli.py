"""The command line as a user meets it: `--help`, `--version`, the one start-up line, and failures that are
one line naming the fix (exit code 2, never a traceback)."""

from __future__ import annotations

import os
import pty
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from gemini_mcp import __version__
from gemini_mcp.cli.main import SUBCOMMANDS
from tests.harness.processes import launch_http_server, run_cli, stop_http_server
from tests.harness.settings import clean_env, with_repo_on_path

from .helpers import REPO

REAL_LOOKING_KEY = "AIzaSyD-not-a-real-key-0123456789wxyz"
README = (REPO / "README.md").read_text(encoding="utf-8")


def env(**values: str) -> dict[str, str]:
    return with_repo_on_path(clean_env(GEMINI_MCP_LOG_LEVEL="INFO", **values))


def startup_line(cwd: Path, environment: dict[str, str], *args: str) -> str:
    """Start a stdio server with stdin closed (it exits at once) and return its start-up line."""
    done = run_cli(cwd, environment, "--data-dir", str(cwd / "data"), *args)
    lines = [line for line in done.stderr.splitlines() if "Serving MCP over" in line]
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_help_lists_every_subcommand_with_one_line(tmp_path: Path) -> None:
    done = run_cli(tmp_path, env(), "--help")
    assert done.returncode == 0
    for command in SUBCOMMANDS:
        (line,) = [line for line in done.stdout.splitlines() if line.startswith(f"  {command} ")]
        assert len(line.split()) > 4, line  # the command and what it does
    assert "--version" in done.stdout


def test_version(tmp_path: Path) -> None:
    done = run_cli(tmp_path, env(), "--version")
    assert (done.returncode, done.stdout.strip()) == (0, f"gemini-mcp {__version__}")


def test_start_up_line_on_the_emulator_over_stdio(tmp_path: Path) -> None:
    line = startup_line(tmp_path, env(), "--emulator")
    assert f"gemini-mcp {__version__}: Serving MCP over stdio; " in line
    assert re.search(r"backend: emulator at http://127\.0\.0\.1:\d+ ", line), line
    assert f"data: {tmp_path / 'data' / 'emulator'};" in line
    assert f"files: from the client's roots; without them under {tmp_path.resolve()}" in line


def test_start_up_line_on_gemini_names_the_key_variable_and_masks_the_key(tmp_path: Path) -> None:
    line = startup_line(tmp_path, env(GEMINI_API_KEY=REAL_LOOKING_KEY, GEMINI_MCP_FILE_ROOTS=str(tmp_path)))
    assert "backend: Gemini API, key from GEMINI_API_KEY ****wxyz;" in line
    assert REAL_LOOKING_KEY[:-4] not in line
    assert f"files: from the client's roots, within {tmp_path.resolve()} (GEMINI_MCP_FILE_ROOTS)" in line


def test_start_up_line_names_a_postgresql_store_without_its_password(tmp_path: Path, postgres_url: str) -> None:
    url = postgres_url.replace("postgresql://postgres@", "postgresql://postgres:pw-s3cret-9@")  # trust auth: ignored
    line = startup_line(tmp_path, env(GEMINI_MCP_DATABASE_URL=url), "--emulator")
    assert f"store: PostgreSQL at {url.replace('pw-s3cret-9', '***')};" in line
    assert "pw-s3cret-9" not in line


def test_start_up_line_says_when_the_key_is_a_placeholder_or_missing(tmp_path: Path) -> None:
    line = startup_line(tmp_path, env(GEMINI_API_KEY="${GEMINI_API_KEY}"))
    assert "key from GEMINI_API_KEY looks like a placeholder (it is an unexpanded ${...} variable)" in line
    assert "no key set" in startup_line(tmp_path, env())


def test_start_up_line_in_root_says_no_local_file_is_readable(tmp_path: Path) -> None:
    done = run_cli(Path("/"), env(), "--emulator", "--data-dir", str(tmp_path / "data"))
    assert "without them none (the working directory is /" in done.stderr
    assert "set GEMINI_MCP_FILE_ROOTS)" in done.stderr


def test_on_a_terminal_stdin_the_server_says_it_waits_for_a_client(tmp_path: Path) -> None:
    controller, terminal = pty.openpty()
    command = [sys.executable, "-m", "gemini_mcp", "--emulator", "--data-dir", str(tmp_path / "data")]
    with subprocess.Popen(
        command, stdin=terminal, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env(), cwd=tmp_path
    ) as process:
        os.close(terminal)
        watchdog = threading.Timer(60, process.kill)
        watchdog.start()
        try:
            assert process.stderr is not None
            seen = [process.stderr.readline() for _ in range(2)]
        finally:
            watchdog.cancel()
            process.kill()
            os.close(controller)
    assert "Serving MCP over stdio" in seen[0]
    assert "waiting for an MCP client on stdin" in seen[1] and "gemini-mcp demo" in seen[1]
    assert "--transport http" in seen[1]


def test_http_start_up_line_and_the_one_inspector_line_the_readme_shows(tmp_path: Path) -> None:
    server = launch_http_server(tmp_path, env(GEMINI_MCP_DATA_DIR=str(tmp_path / "data")), "--emulator")
    try:  # the URL is announced first; the Inspector line follows it on stderr a moment later
        deadline = time.monotonic() + 30
        while not any("Try it: " in entry for entry in server.log) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop_http_server(server)
    log = list(server.log)
    (line,) = [entry for entry in log if "Serving MCP over" in entry]
    assert f"Serving MCP over Streamable HTTP at {server.url}; backend: emulator at http://127.0.0.1:" in line
    (tried,) = [entry.split("Try it: ", 1)[1] for entry in log if "Try it: " in entry]
    default_url = "http://127.0.0.1:8000/mcp"
    readme_line = tried.replace(server.url, default_url)
    assert readme_line.startswith("npx -y @modelcontextprotocol/inspector --cli ")
    docs = {path.name: path.read_text(encoding="utf-8") for path in (REPO / "docs").glob("*.md")}
    for text in (README, docs["troubleshooting.md"], docs["configuration.md"]):
        assert readme_line in text  # the same line, verbatim, wherever it is shown
    for text in (docs["troubleshooting.md"], docs["configuration.md"]):
        assert re.search(r"web UI.{0,10}`npx -y @modelcontextprotocol/inspector`", text), "the web UI line, labelled"
    mentions = re.findall(r"npx [^`\n]*@modelcontextprotocol/inspector[^`\n]*", "\n".join([README, *docs.values()]))
    assert set(mentions) == {readme_line, "npx -y @modelcontextprotocol/inspector"}


def assert_one_line_failure(done: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr + done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_a_taken_port_is_one_line_naming_the_fix(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_cli(tmp_path, env(), "--transport", "http", "--port", str(port), "--data-dir", str(tmp_path))
    assert_one_line_failure(done, f"port {port} is in use: pass --port N, or --port 0 for a free one")


def test_an_unusable_data_dir_is_one_line_naming_the_fix(tmp_path: Path) -> None:
    done = run_cli(tmp_path, env(), "--data-dir", "/proc/nope")
    assert_one_line_failure(done, "data dir /proc/nope cannot be used", "pass --data-dir DIR")
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    done = run_cli(tmp_path, env(), "--transport", "http", "--data-dir", str(blocker / "sub"))
    assert_one_line_failure(done, "cannot be used", "GEMINI_MCP_DATA_DIR")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--port", "eighty"], "argument --port: invalid int value: 'eighty'"),
        (["--port", "70000"], "fix --port or GEMINI_MCP_PORT"),
        (["--transport", "ftp"], "argument --transport: invalid choice: 'ftp'"),
        (["--log-level", "chatty"], "fix --log-level or GEMINI_MCP_LOG_LEVEL"),
        (["--emulator", "maybe"], "argument --emulator: invalid choice: 'maybe'"),
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["check", "--timeout", "soon"], "gemini-mcp check: argument --timeout: invalid float value: 'soon'"),
        (["demo", "--timeout", "soon"], "gemini-mcp demo: argument --timeout: invalid float value: 'soon'"),
        (["emulator", "--port", "x"], "gemini-mcp emulator: argument --port: invalid int value: 'x'"),
        (["--transport", "http", "--host", "0.0.0.0"], "GEMINI_MCP_HTTP_TOKENS"),
    ],
)
def test_a_bad_flag_value_is_one_line_naming_the_fix(tmp_path: Path, args: list[str], fragment: str) -> None:
    done = run_cli(tmp_path, env(GEMINI_MCP_DATA_DIR=str(tmp_path / "data")), *args)
    assert_one_line_failure(done, fragment)


def test_a_taken_emulator_port_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_cli(tmp_path, env(), "emulator", "--port", str(port))
    assert_one_line_failure(done, f"port {port}", "--port 0")


def test_global_options_work_before_the_subcommand(tmp_path: Path) -> None:
    done = run_cli(
        tmp_path, env(GEMINI_MCP_DATA_DIR=str(tmp_path / "data")), "--log-level", "DEBUG", "--emulator", "check"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"log_level\s+DEBUG\s+\[flag --log-level DEBUG", done.stdout), done.stdout
    assert "OK: ask_gemini answered" in done.stdout


def test_check_fails_on_a_placeholder_key_naming_it(tmp_path: Path) -> None:
    environment = env(GEMINI_API_KEY="paste-your-gemini-api-key-here", GEMINI_MCP_DATA_DIR=str(tmp_path / "data"))
    done = run_cli(tmp_path, environment, "check")
    assert done.returncode == 1, done.stdout
    assert "FAIL: the API key from GEMINI_API_KEY looks like a placeholder (it starts with 'paste')" in done.stdout
