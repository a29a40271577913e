"""Secrets never leak: a recognisable API key and bearer token, every tool and error path, everything checked.

Checked surfaces: tool results (text and structured), resources, exception texts, logs (every logger at
DEBUG, via caplog), the process's own stdout/stderr (capfd), the stderr of real server processes (stdio and
HTTP at DEBUG), `gemini-mcp check`'s output, and the Settings repr/JSON.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client, StdioServerParameters, stdio_client
from mcp.types import CallToolResult
from pydantic import SecretStr

from gemini_mcp.config import Settings
from gemini_mcp.emulator import EmulatorConfig, Fault, running_emulator
from gemini_mcp.emulator.server import Emulator
from gemini_mcp.server.app import build_server
from gemini_mcp.server.http import build_http_app
from tests.harness.clients import http_client
from tests.harness.processes import http_server_process, run_cli
from tests.harness.servers import serve_app
from tests.harness.settings import clean_env, with_repo_on_path

KEY = "AIzaSyLEAKCANARY-key-7c1d2e3f4a5b6c7d"
TOKEN = "LEAKCANARY-token-0a9b8c7d6e5f4a3b2c"
SECRETS = (KEY, TOKEN)
# Fragments too: a leak may be a prefix or a suffix (e.g. "key ...7c1d2e3f4a5b6c7d").
FRAGMENTS = (KEY[:20], KEY[-12:], TOKEN[:16], TOKEN[-12:])


def assert_clean(where: str, blob: str) -> None:
    for secret in (*SECRETS, *FRAGMENTS):
        assert secret not in blob, f"secret {secret[:6]}... leaked in {where}: ...{_around(blob, secret)}..."


def _around(blob: str, secret: str) -> str:
    i = blob.find(secret)
    return blob[max(0, i - 80) : i + 80]


def dump(result: CallToolResult) -> str:
    return result.model_dump_json()


FAULTS = [
    Fault(kind="status", status=429, retry_delay="30s", count=5),
    Fault(kind="status", status=429, retry_after="0", count=5),
    Fault(kind="status", status=500, count=5),
    Fault(kind="status", status=503, count=5),
    Fault(kind="status", status=401),
    Fault(kind="status", status=403),
    Fault(kind="status", status=400, message="Invalid argument"),
    Fault(kind="status", status=404),
    Fault(kind="delay", delay=2.0, count=5),
    Fault(kind="malformed", count=5),
]


async def exercise_every_tool(client: Client, emu: Emulator, seen: list[str], tmp: Path) -> None:
    """Every tool, every resource, and every fault kind on the calls that reach Gemini."""

    async def call(tool: str, args: dict[str, Any]) -> dict[str, Any]:
        with anyio.fail_after(60):
            result = await client.call_tool(tool, args)
        seen.append(dump(result))
        return result.structured_content or {}

    async def read(uri: str) -> None:
        try:
            with anyio.fail_after(30):
                seen.append((await client.read_resource(uri)).model_dump_json())
        except Exception as exc:  # MCPError for unknown resources
            seen.append(f"{type(exc).__name__}: {exc} {exc!r}")

    chat = await call("ask_gemini", {"prompt": "Hi, my name is Phil.", "system_instruction": "Be brief."})
    again = await call("ask_gemini", {"prompt": "What is my name?", "conversation_id": chat["conversation_id"]})
    assert "Phil" in again["text"]
    job = await call("start_deep_research", {"query": "secret handling in MCP servers"})
    await call("get_interaction", {"interaction_id": job["interaction_id"], "wait_seconds": 1})
    await call("cancel_interaction", {"interaction_id": job["interaction_id"]})
    job2 = await call("start_deep_research", {"query": "a second run"})
    for _ in range(30):
        if (await call("get_interaction", {"interaction_id": job2["interaction_id"], "wait_seconds": 5})).get("done"):
            break
    await call("list_interactions", {})
    await call("list_conversations", {})
    for uri in [
        "gemini://models",
        f"gemini://interactions/{chat['interaction_id']}",
        f"gemini://interactions/{job2['interaction_id']}/report",
        f"gemini://conversations/{chat['conversation_id']}",
        "gemini://interactions/v1_unknown",
    ]:
        await read(uri)
    # Error paths: bad arguments, unknown ids, files outside the roots, every upstream fault.
    await call("ask_gemini", {"prompt": ""})
    await call("ask_gemini", {"prompt": "x", "model": "gemini-0-nonexistent"})
    await call("ask_gemini", {"prompt": "x", "conversation_id": "conv_unknown"})
    await call("get_interaction", {"interaction_id": "v1_unknown"})
    await call("cancel_interaction", {"interaction_id": "v1_unknown"})
    await call("delete_conversation", {"conversation_id": "conv_unknown"})
    await call("ask_gemini", {"prompt": "x", "files": ["../../etc/passwd", str(tmp / "missing.png")]})
    for fault in FAULTS:
        emu.add_fault(fault)
        await call("ask_gemini", {"prompt": "during a fault", "conversation_id": chat["conversation_id"]})
        await call("start_deep_research", {"query": "during a fault"})
        emu.clear_faults()
    emu.add_fault(Fault(kind="cut", method="GET", after_events=1, count=3))
    emu.add_fault(Fault(kind="error_event", method="GET", after_events=1, count=3))
    job3 = await call("start_deep_research", {"query": "a run with broken streams"})
    await call("get_interaction", {"interaction_id": job3["interaction_id"], "wait_seconds": 5})
    emu.clear_faults()
    await call("delete_conversation", {"conversation_id": chat["conversation_id"], "delete_remote": True})


def test_settings_never_show_secrets() -> None:
    settings = Settings.model_validate({"api_key": SecretStr(KEY), "http_tokens": SecretStr(f"alice:{TOKEN}")})
    for blob in (
        repr(settings),
        str(settings),
        settings.model_dump_json(),
        json.dumps(settings.model_dump(mode="json")),
    ):
        assert_clean("Settings repr/dump", blob)


async def test_in_process_http_server_leaks_no_secret(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    async with running_emulator(EmulatorConfig(api_key=KEY, research_seconds=0.5)) as emu:
        settings = Settings.model_validate(
            {
                "api_key": SecretStr(KEY),
                "base_url": emu.base_url,
                "data_dir": tmp_path,
                "file_roots": [tmp_path],
                "http_tokens": SecretStr(f"alice:{TOKEN}"),
                "max_retries": 1,
                "request_timeout": 1.0,
                "log_level": "DEBUG",
            }
        )
        async with serve_app(build_http_app(settings, build_server(settings))) as url:
            async with http_client(url, TOKEN) as client:
                await exercise_every_tool(client, emu, seen, tmp_path)
            # Auth failures and rebinding attempts, answered by the HTTP layer.
            async with httpx2.AsyncClient() as h:
                for headers in (
                    {"Authorization": f"Bearer {TOKEN}x"},
                    {"Authorization": f"Bearer {TOKEN[:-1]}"},
                    {"Authorization": TOKEN},
                    {"Authorization": f"Bearer {TOKEN}", "Host": "evil.example"},
                ):
                    r = await h.post(f"{url}/mcp", json={}, headers=headers)
                    seen.append(f"{r.status_code} {r.headers} {r.text}")
                seen.append((await h.get(f"{url}/healthz")).text)
            # A wrong key: Google answers 400 API_KEY_INVALID; the message must not echo either key.
            wrong = settings.model_copy(update={"api_key": SecretStr("AIzaSyWRONG-key-000000000000")})
            async with Client(build_server(wrong)) as client:
                seen.append(dump(await client.call_tool("ask_gemini", {"prompt": "x"})))
    assert any("Phil" in s for s in seen)  # the run did real work
    for i, blob in enumerate(seen):
        assert_clean(f"result #{i}", blob)
    for record in caplog.records:
        assert_clean(f"log {record.name}", record.getMessage() + str(record.exc_text or "") + str(record.args))
    assert_clean("caplog text", caplog.text)
    out, err = capfd.readouterr()
    assert_clean("stdout", out)
    assert_clean("stderr", err)


def subprocess_env(base_url: str, data_dir: Path) -> dict[str, str]:
    return with_repo_on_path(
        clean_env(
            GEMINI_API_KEY=KEY,
            GEMINI_MCP_BASE_URL=base_url,
            GEMINI_MCP_DATA_DIR=str(data_dir),
            GEMINI_MCP_FILE_ROOTS=str(data_dir),
            GEMINI_MCP_LOG_LEVEL="DEBUG",
            GEMINI_MCP_MAX_RETRIES="1",
            GEMINI_MCP_REQUEST_TIMEOUT="1",
        )
    )


@pytest.mark.slow
async def test_stdio_server_process_leaks_no_secret(tmp_path: Path) -> None:
    seen: list[str] = []
    errlog = tmp_path / "stderr.log"
    async with running_emulator(EmulatorConfig(api_key=KEY, research_seconds=0.5)) as emu:
        params = StdioServerParameters(
            command=sys.executable, args=["-m", "gemini_mcp"], env=subprocess_env(emu.base_url, tmp_path), cwd=tmp_path
        )
        with errlog.open("w", encoding="utf-8") as sink:
            async with Client(stdio_client(params, errlog=sink)) as client:
                await exercise_every_tool(client, emu, seen, tmp_path)
    assert any("Phil" in s for s in seen)
    for i, blob in enumerate(seen):
        assert_clean(f"stdio result #{i}", blob)
    logged = errlog.read_text(encoding="utf-8")
    assert "DEBUG" in logged  # the server really logged at DEBUG
    assert_clean("stdio server stderr", logged)


@pytest.mark.slow
async def test_http_server_process_at_debug_leaks_no_secret(tmp_path: Path) -> None:
    seen: list[str] = []
    async with running_emulator(EmulatorConfig(api_key=KEY, research_seconds=0.5)) as emu:
        env = {**subprocess_env(emu.base_url, tmp_path), "GEMINI_MCP_HTTP_TOKENS": f"alice:{TOKEN}"}
        async with http_server_process(tmp_path / "data", env, graceful=True) as server:
            async with httpx2.AsyncClient() as h:
                r = await h.post(server.url, json={}, headers={"Authorization": f"Bearer {TOKEN}0"})
                seen.append(r.text)
            async with http_client(server.base_url, TOKEN) as client:
                await exercise_every_tool(client, emu, seen, tmp_path)
    assert any("Phil" in s for s in seen)
    for i, blob in enumerate(seen):
        assert_clean(f"http result #{i}", blob)
    logged = server.output
    assert "DEBUG" in logged  # the log level really was DEBUG
    assert_clean("http server output", logged)


@pytest.mark.slow
def test_doctor_output_masks_the_key(tmp_path: Path) -> None:
    env = subprocess_env("http://127.0.0.1:9", tmp_path)
    env["GEMINI_MCP_HTTP_TOKENS"] = f"alice:{TOKEN}"
    done = run_cli(tmp_path, env, "check", "--emulator", "--timeout", "60", timeout=120)
    assert "api_key" in done.stdout + done.stderr  # it did print the settings table
    assert_clean("gemini-mcp check stdout", done.stdout)
    assert_clean("gemini-mcp check stderr", done.stderr)
