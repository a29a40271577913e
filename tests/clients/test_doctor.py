"""`gemini-mcp check`: the doctor, run as a user runs it (a subprocess), against the emulator."""

from __future__ import annotations

import subprocess
from pathlib import Path

from pydantic import SecretStr

from gemini_mcp import __version__
from gemini_mcp.cli.doctor import setting_lines
from gemini_mcp.config import Settings
from gemini_mcp.emulator import EmulatorConfig, EmulatorThread
from tests.harness.ports import free_port
from tests.harness.processes import run_cli

from .helpers import server_env

SECRET_KEY = "sk-doctor-SECRET-7f3a9c"


def check(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli(tmp_path, env or server_env(tmp_path / "data"), "check", *args, timeout=150)


def line_for(output: str, setting: str) -> str:
    (line,) = [line for line in output.splitlines() if line.strip().startswith(f"{setting} ")]
    return line


def test_check_on_the_emulator_passes_and_reports_versions_sources_and_data_dir(tmp_path: Path) -> None:
    done = check(tmp_path, "--emulator")
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert f"gemini-mcp {__version__}" in out
    assert "[flag --emulator on;" in line_for(out, "emulator")
    assert "[env GEMINI_MCP_DATA_DIR;" in line_for(out, "data_dir")
    assert "[default;" in line_for(out, "default_model")
    assert f"data dir: {tmp_path / 'data' / 'emulator'}" in out  # the emulator's chains live beside its state
    assert "API key: not set" in out
    assert "emulator" in out.lower()
    assert "7 tools: ask_gemini" in out
    assert "OK: ask_gemini answered" in out


def test_check_masks_the_key_and_says_where_it_came_from(tmp_path: Path) -> None:
    env = server_env(tmp_path / "data") | {"GEMINI_API_KEY": SECRET_KEY}
    (tmp_path / ".env").write_text("GEMINI_MCP_DEFAULT_MODEL=gemini-2.5-flash\n", encoding="utf-8")
    done = check(tmp_path, "--emulator", "on", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert SECRET_KEY not in done.stdout + done.stderr
    assert "set (hidden)  [env GEMINI_API_KEY;" in line_for(done.stdout, "api_key")
    assert "API key: set (from GEMINI_API_KEY)" in done.stdout
    # .env is a source of its own, below the environment.
    assert "gemini-2.5-flash  [.env GEMINI_MCP_DEFAULT_MODEL;" in line_for(done.stdout, "default_model")


def test_check_without_key_or_emulator_fails_and_says_how_to_fix_it(tmp_path: Path) -> None:
    done = check(tmp_path)
    assert done.returncode == 1
    assert "GEMINI_API_KEY" in done.stdout
    assert "--emulator" in done.stdout


def test_check_makes_a_keyed_call_to_the_configured_endpoint(tmp_path: Path) -> None:
    """The non-emulator path: a real key sent to GEMINI_MCP_BASE_URL (here a standalone emulator)."""
    with EmulatorThread(EmulatorConfig(api_key=SECRET_KEY)) as emu:
        env = server_env(tmp_path / "data") | {"GEMINI_API_KEY": SECRET_KEY, "GEMINI_MCP_BASE_URL": emu.base_url}
        done = check(tmp_path, env=env)
        creates = [r for r in emu.requests if r.method == "POST" and r.path.endswith("/interactions")]
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"target: Gemini API at {emu.base_url}" in done.stdout
    assert f"data dir: {tmp_path / 'data'} (" in done.stdout
    assert len(creates) == 1
    assert creates[0].headers.get("x-goog-api-key") == SECRET_KEY
    assert SECRET_KEY not in done.stdout + done.stderr


def test_check_fails_with_the_servers_message_when_gemini_is_unreachable(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    env = server_env(tmp_path / "data") | {
        "GEMINI_API_KEY": SECRET_KEY,
        "GEMINI_MCP_BASE_URL": dead,
        "GEMINI_MCP_MAX_RETRIES": "0",
        "GEMINI_MCP_REQUEST_TIMEOUT": "10",
    }
    done = check(tmp_path, env=env)
    assert done.returncode == 1, done.stdout
    assert "FAIL: ask_gemini failed:" in done.stdout
    assert SECRET_KEY not in done.stdout + done.stderr


def test_setting_sources_follow_flag_env_dotenv_default_precedence(tmp_path: Path) -> None:
    environ = {"GEMINI_MCP_DEFAULT_MODEL": "from-env", "GEMINI_MCP_PORT": "9001", "GOOGLE_API_KEY": "k1"}
    dotenv: dict[str, str | None] = {"GEMINI_MCP_DEFAULT_MODEL": "from-dotenv", "GEMINI_MCP_LOG_LEVEL": "DEBUG"}
    settings = Settings(
        data_dir=tmp_path, default_model="from-env", port=9001, log_level="DEBUG", api_key=SecretStr("k1")
    )
    lines = {line.name: line for line in setting_lines(settings, {"data_dir": "--data-dir x"}, environ, dotenv)}
    assert lines["data_dir"].source == "flag --data-dir x"
    assert lines["default_model"].source == "env GEMINI_MCP_DEFAULT_MODEL"
    assert lines["port"].source == "env GEMINI_MCP_PORT"
    assert lines["log_level"].source == ".env GEMINI_MCP_LOG_LEVEL"
    assert lines["request_timeout"].source == "default"
    assert lines["api_key"].source == "env GOOGLE_API_KEY"
    assert lines["api_key"].value == "set (hidden)"
    assert "k1" not in repr(list(lines.values()))
    assert lines["api_key"].env == "GEMINI_MCP_API_KEY / GOOGLE_API_KEY / GEMINI_API_KEY"


DB_PASSWORD = "pg-SECRET-9d2e"


def test_check_with_postgresql_shows_the_store_reachable_and_migrated_with_the_password_masked(
    tmp_path: Path, postgres_url: str
) -> None:
    url = postgres_url.replace("postgres@", f"postgres:{DB_PASSWORD}@")  # the test cluster trusts any password
    env = server_env(tmp_path / "data") | {"GEMINI_MCP_DATABASE_URL": url}
    done = check(tmp_path, "--emulator", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert DB_PASSWORD not in done.stdout + done.stderr
    masked = url.replace(DB_PASSWORD, "***")
    assert f"{masked}  [env GEMINI_MCP_DATABASE_URL;" in line_for(done.stdout, "database_url")
    assert f"store: PostgreSQL at {masked}: reachable, migrated" in done.stdout
    assert "OK: ask_gemini answered" in done.stdout


def test_check_with_an_unreachable_postgresql_fails_without_showing_the_password(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    url = f"postgresql://me:{DB_PASSWORD}@127.0.0.1:{port}/gemini"
    env = server_env(tmp_path / "data") | {"GEMINI_MCP_DATABASE_URL": url}
    done = check(tmp_path, "--emulator", env=env)
    assert done.returncode == 1
    assert DB_PASSWORD not in done.stdout + done.stderr
    assert f"store: PostgreSQL at postgresql://me:***@127.0.0.1:{port}/gemini: NOT usable" in done.stdout
