"""A real third-party task-capable client: the fastmcp client (3.x, 2025-11-25 tasks) drives the server over stdio.

fastmcp pins mcp 1.x, so it lives in a virtual environment of its own: `$GEMINI_MCP_FASTMCP_PYTHON` (what
.ci/run installs), else `.ci/fastmcp` in this checkout, created on first use (a bounded `pip install`).
Without it the test fails under CI=true and is skipped elsewhere, saying why.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest

from gemini_mcp.emulator.server import Emulator
from tests.harness.settings import REPO, server_env

from .conftest import SLOW, slow

FASTMCP = "fastmcp>=3,<4"
PYTHON_ENV = "GEMINI_MCP_FASTMCP_PYTHON"
INSTALL_TIMEOUT = 600

# Runs inside the fastmcp environment; prints one JSON object of what the client saw.
DRIVER = r"""
import asyncio, json, sys
from fastmcp import Client
from fastmcp.client.transports import StdioTransport


async def main():
    cfg = json.loads(sys.argv[1])
    out = {}
    transport = StdioTransport(command=cfg["command"], args=cfg["args"], env=cfg["env"], cwd=cfg["cwd"])
    async with Client(transport) as client:
        out["protocol"] = client.initialize_result.protocolVersion
        caps = client.initialize_result.capabilities.model_dump(by_alias=True, exclude_none=True)
        out["capability"] = caps.get("tasks")
        out["task_support"] = {t.name: t.execution.taskSupport for t in await client.list_tools() if t.execution}
        ask = await client.call_tool("ask_gemini", {"prompt": "Hi, my name is Phil.", "model": cfg["slow"]}, task=True)
        out["ask_immediate"] = ask.returned_immediately
        out["ask_first_status"] = (await ask.status()).status
        answer = await ask.result()
        out["ask_answer"] = answer.structured_content
        out["ask_final_status"] = (await ask.status()).status
        research = await client.call_tool("start_deep_research", {"query": "Research tea."}, task=True)
        out["research_immediate"] = research.returned_immediately
        out["report"] = (await research.result()).structured_content
        cfg_long = {"prompt": "Think for a long time", "model": cfg["slow_long"]}
        long = await client.call_tool("ask_gemini", cfg_long, task=True)
        await long.cancel()
        out["cancelled_status"] = (await long.status()).status
        out["listed"] = sorted(t["taskId"] for t in (await client.list_tasks())["tasks"])
        out["ids"] = sorted([ask.task_id, research.task_id, long.task_id])
    print(json.dumps(out))


asyncio.run(main())
"""


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"{reason} (CI=true: .ci/run installs it; set {PYTHON_ENV})")
    pytest.skip(f"{reason}; .ci/run installs it, or set {PYTHON_ENV} to a Python with `{FASTMCP}`")


def fastmcp_python() -> Path:
    """A Python whose environment has fastmcp 3 (created once in .ci/fastmcp when none is configured)."""
    configured = os.environ.get(PYTHON_ENV)
    if configured:
        if subprocess.run([configured, "-c", "import fastmcp"], check=False, capture_output=True).returncode:
            _unavailable(f"{PYTHON_ENV}={configured} cannot import fastmcp")
        return Path(configured)
    venv = REPO / ".ci" / "fastmcp"
    python = venv / "bin" / "python"
    if python.is_file() and not subprocess.run([python, "-c", "import fastmcp"], check=False).returncode:
        return python
    staging = venv.with_name(f"fastmcp.{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", staging], check=True, timeout=120)
        subprocess.run(
            [staging / "bin" / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check", FASTMCP],
            check=True,
            timeout=INSTALL_TIMEOUT,
            capture_output=True,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        _unavailable(f"could not install {FASTMCP} in its own environment ({exc})")
    shutil.rmtree(venv, ignore_errors=True)
    staging.rename(venv)  # venvs hold absolute paths: recreate rather than move if this one breaks
    if subprocess.run([python, "-c", "import fastmcp"], check=False).returncode != 0:
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", venv], check=True, timeout=120)
        subprocess.run([python, "-m", "pip", "install", "-q", FASTMCP], check=True, timeout=INSTALL_TIMEOUT)
    return python


async def test_the_fastmcp_client_runs_both_tools_as_tasks(tmp_path: Path, emulator: Emulator) -> None:
    python = await anyio.to_thread.run_sync(fastmcp_python)
    slow(emulator, 1.5)
    slow(emulator, 120, "gemini-3-flash-preview")
    config: dict[str, Any] = {
        "command": sys.executable,
        "args": ["-m", "gemini_mcp", "--data-dir", str(tmp_path / "data")],
        "env": server_env(emulator.base_url),
        "cwd": str(tmp_path),
        "slow": SLOW,
        "slow_long": "gemini-3-flash-preview",
    }
    with anyio.fail_after(120):
        done = await anyio.run_process([str(python), "-c", DRIVER, json.dumps(config)], check=False)
    assert done.returncode == 0, done.stderr.decode()[-3000:]
    seen = json.loads(done.stdout.decode().strip().splitlines()[-1])
    assert seen["protocol"] == "2025-11-25"
    assert seen["capability"] == {"list": {}, "cancel": {}, "requests": {"tools": {"call": {}}}}
    assert seen["task_support"] == {"ask_gemini": "optional", "start_deep_research": "optional"}
    assert seen["ask_immediate"] is False and seen["research_immediate"] is False  # real tasks, not a fallback
    assert seen["ask_first_status"] == "working" and seen["ask_final_status"] == "completed"
    assert "Nice to meet you, Phil!" in seen["ask_answer"]["text"] and seen["ask_answer"]["status"] == "completed"
    assert seen["report"]["text"].startswith("# Research report: tea") and seen["report"]["done"] is True
    assert seen["cancelled_status"] == "cancelled"
    assert seen["listed"] == seen["ids"]
    cancels = [r for r in emulator.requests if r.method == "POST" and r.path.endswith("/cancel")]
    assert len(cancels) == 1
