"""`gemini-mcp --transport http` as a real process: refuses unsafe binds, serves a team with tokens."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import anyio
import httpx2

from gemini_mcp.emulator import EmulatorConfig, running_emulator

from .harness import free_port, http_client

REPO = Path(__file__).resolve().parents[2]
TOKEN = "cli-team-token-5e6f7a8b9c0d"


def env_for(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GEMINI_", "GOOGLE_"))}
    env.update(
        {
            "GEMINI_MCP_DATA_DIR": str(data_dir),
            "GEMINI_API_KEY": "cli-test-key",
            "PYTHONPATH": str(REPO) + os.pathsep + env.get("PYTHONPATH", ""),
        }
    )
    env.update(extra)
    return env


def run_cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gemini_mcp", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )


def test_public_bind_without_tokens_and_hosts_refuses_to_start(tmp_path: Path) -> None:
    # Both spellings: the flag and the environment variable.
    for args, extra in [
        (["--transport", "http", "--host", "0.0.0.0", "--port", "0"], {}),
        (["--transport", "http", "--port", "0"], {"GEMINI_MCP_HOST": "0.0.0.0"}),
    ]:
        done = run_cli(args, env_for(tmp_path, **extra), tmp_path)
        assert done.returncode != 0
        assert "refusing to serve HTTP on non-loopback address '0.0.0.0'" in done.stderr
        assert "GEMINI_MCP_HTTP_TOKENS" in done.stderr and "GEMINI_MCP_ALLOWED_HOSTS" in done.stderr
        assert "Traceback" not in done.stderr
        assert done.stdout == ""


def test_public_bind_with_tokens_but_no_hosts_refuses_and_never_prints_the_token(tmp_path: Path) -> None:
    env = env_for(tmp_path, GEMINI_MCP_HTTP_TOKENS=f"alice:{TOKEN}")
    done = run_cli(["--transport", "http", "--host", "0.0.0.0", "--port", "0"], env, tmp_path)
    assert done.returncode != 0
    assert "GEMINI_MCP_ALLOWED_HOSTS" in done.stderr
    assert TOKEN not in done.stderr + done.stdout


def test_bad_token_configuration_is_a_clear_start_up_error(tmp_path: Path) -> None:
    env = env_for(tmp_path, GEMINI_MCP_HTTP_TOKENS="alice:tooshort")
    done = run_cli(["--transport", "http", "--port", "0"], env, tmp_path)
    assert done.returncode != 0
    assert "GEMINI_MCP_HTTP_TOKENS, entry 1" in done.stderr and "shorter than" in done.stderr
    assert "tooshort" not in done.stderr
    assert "Traceback" not in done.stderr


async def test_team_server_process_requires_the_token_and_serves_with_it(tmp_path: Path) -> None:
    port = free_port()
    async with running_emulator(EmulatorConfig()) as emu:
        env = env_for(tmp_path, GEMINI_MCP_HTTP_TOKENS=f"alice:{TOKEN}", GEMINI_MCP_BASE_URL=emu.base_url)
        cmd = [sys.executable, "-m", "gemini_mcp", "--transport", "http", "--port", str(port)]
        log = tmp_path / "server.log"
        with log.open("wb") as sink:
            process = await anyio.open_process(cmd, env=env, cwd=str(tmp_path), stdout=sink, stderr=sink)
        try:
            base = f"http://127.0.0.1:{port}"
            async with httpx2.AsyncClient() as h:
                with anyio.fail_after(30):
                    while True:
                        try:
                            health = await h.get(f"{base}/healthz")
                            break
                        except httpx2.TransportError:
                            assert process.returncode is None, log.read_text(encoding="utf-8")
                            await anyio.sleep(0.05)
                assert health.status_code == 200 and health.json()["status"] == "ok"
                assert (await h.post(f"{base}/mcp", json={})).status_code == 401
                assert (await h.get(f"{base}/healthz", headers={"Host": "rebind.evil.example"})).status_code == 421
            async with http_client(base, TOKEN) as client:
                with anyio.fail_after(30):
                    result = await client.call_tool("ask_gemini", {"prompt": "hello team"})
                assert not result.is_error
                assert "hello team" in str((result.structured_content or {}).get("text"))
        finally:
            process.terminate()
            with anyio.move_on_after(10):
                await process.wait()
            if process.returncode is None:
                process.kill()
            await process.aclose()
        logged = log.read_text(encoding="utf-8")
        assert f"http://127.0.0.1:{port}/mcp" in logged
        assert "alice" in logged  # the principals are named at start-up ...
        assert TOKEN not in logged and "cli-test-key" not in logged  # ... their tokens and the API key never
