"""`gemini-mcp --transport http` as a real process: refuses unsafe binds, serves a team with tokens."""

from __future__ import annotations

from pathlib import Path

import anyio
import httpx2

from gemini_mcp.emulator import EmulatorConfig, running_emulator
from tests.harness.clients import http_client
from tests.harness.processes import http_server_process, run_cli
from tests.harness.settings import clean_env, with_repo_on_path

TOKEN = "cli-team-token-5e6f7a8b9c0d"


def env_for(data_dir: Path, **extra: str) -> dict[str, str]:
    return with_repo_on_path(clean_env(GEMINI_MCP_DATA_DIR=str(data_dir), GEMINI_API_KEY="cli-test-key", **extra))


def test_public_bind_without_tokens_and_hosts_refuses_to_start(tmp_path: Path) -> None:
    # Both spellings: the flag and the environment variable.
    for args, extra in [
        (["--transport", "http", "--host", "0.0.0.0", "--port", "0"], {}),
        (["--transport", "http", "--port", "0"], {"GEMINI_MCP_HOST": "0.0.0.0"}),
    ]:
        done = run_cli(tmp_path, env_for(tmp_path, **extra), *args)
        assert done.returncode != 0
        assert "refusing to serve HTTP on non-loopback address '0.0.0.0'" in done.stderr
        assert "GEMINI_MCP_HTTP_TOKENS" in done.stderr and "GEMINI_MCP_ALLOWED_HOSTS" in done.stderr
        assert "Traceback" not in done.stderr
        assert done.stdout == ""


def test_public_bind_with_tokens_but_no_hosts_refuses_and_never_prints_the_token(tmp_path: Path) -> None:
    env = env_for(tmp_path, GEMINI_MCP_HTTP_TOKENS=f"alice:{TOKEN}")
    done = run_cli(tmp_path, env, "--transport", "http", "--host", "0.0.0.0", "--port", "0")
    assert done.returncode != 0
    assert "GEMINI_MCP_ALLOWED_HOSTS" in done.stderr
    assert TOKEN not in done.stderr + done.stdout


def test_bad_token_configuration_is_a_clear_start_up_error(tmp_path: Path) -> None:
    env = env_for(tmp_path, GEMINI_MCP_HTTP_TOKENS="alice:tooshort")
    done = run_cli(tmp_path, env, "--transport", "http", "--port", "0")
    assert done.returncode != 0
    assert "GEMINI_MCP_HTTP_TOKENS, entry 1" in done.stderr and "shorter than" in done.stderr
    assert "tooshort" not in done.stderr
    assert "Traceback" not in done.stderr


async def test_team_server_process_requires_the_token_and_serves_with_it(tmp_path: Path) -> None:
    async with running_emulator(EmulatorConfig()) as emu:
        env = env_for(tmp_path, GEMINI_MCP_HTTP_TOKENS=f"alice:{TOKEN}", GEMINI_MCP_BASE_URL=emu.base_url)
        async with http_server_process(tmp_path / "data", env, graceful=True) as server:
            base = server.base_url
            async with httpx2.AsyncClient() as h:
                health = await h.get(f"{base}/healthz")
                assert health.status_code == 200 and health.json()["status"] == "ok"
                assert (await h.post(f"{base}/mcp", json={})).status_code == 401
                assert (await h.get(f"{base}/healthz", headers={"Host": "rebind.evil.example"})).status_code == 421
            async with http_client(base, TOKEN) as client:
                with anyio.fail_after(30):
                    result = await client.call_tool("ask_gemini", {"prompt": "hello team"})
                assert not result.is_error
                assert "hello team" in str((result.structured_content or {}).get("text"))
        logged = server.output
        assert "Serving MCP over Streamable HTTP at http://127.0.0.1:" in logged
        assert "alice" in logged  # the principals are named at start-up ...
        assert TOKEN not in logged and "cli-test-key" not in logged  # ... their tokens and the API key never
