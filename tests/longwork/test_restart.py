"""SIGKILL between a turn's handle and its answer (or a task's creation and its result): the answer still arrives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio

from gemini_mcp.emulator.server import Emulator
from tests.harness.settings import server_env

from .conftest import SLOW, slow
from .rpc import StdioRpc, stdio_rpc, tool_call

AGENT_QUERY = "Research the history of tea."


def env(emulator: Emulator) -> dict[str, str]:
    return server_env(emulator.base_url, GEMINI_MCP_MAX_WAIT_SECONDS="1")


async def call(rpc: StdioRpc, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await rpc.request("tools/call", tool_call(name, arguments))
    assert not result.get("isError"), result
    return result["structuredContent"]


async def test_a_turn_pending_when_the_server_is_killed_is_answered_after_restart(
    tmp_path: Path, emulator: Emulator
) -> None:
    slow(emulator, 4.0)
    data_dir = tmp_path / "data"
    async with stdio_rpc(data_dir, env(emulator)) as rpc:
        await rpc.initialize()
        pending = await call(rpc, "ask_gemini", {"prompt": "Hi, my name is Phil.", "model": SLOW})
        rpc.process.kill()  # SIGKILL: no shutdown, the turn is still running on Gemini
        await rpc.process.wait()
    assert pending["status"] == "in_progress"
    async with stdio_rpc(data_dir, env(emulator)) as rpc:
        await rpc.initialize()
        with anyio.fail_after(40):
            while True:
                got = await call(
                    rpc, "get_interaction", {"interaction_id": pending["interaction_id"], "wait_seconds": 5}
                )
                if got["done"]:
                    break
        follow = await call(
            rpc, "ask_gemini", {"prompt": "What is my name?", "conversation_id": pending["conversation_id"]}
        )
    assert got["status"] == "completed" and "Nice to meet you, Phil!" in got["text"]
    assert got["usage"]["total_tokens"] > 0 and got["conversation_id"] == pending["conversation_id"]
    resumed = [
        r
        for r in emulator.requests
        if r.method == "GET" and r.path.endswith(pending["interaction_id"]) and r.query.get("stream") == "true"
    ]
    assert resumed, "the restarted server did not resume the turn's stream"
    assert follow["text"].startswith("Your name is Phil.") or follow["status"] == "in_progress"


async def test_a_task_survives_a_restart_and_still_delivers_its_result(tmp_path: Path, emulator: Emulator) -> None:
    emulator.config.research_seconds = 8.0  # longer than two server start-ups under load
    data_dir = tmp_path / "data"
    async with stdio_rpc(data_dir, env(emulator)) as rpc:
        await rpc.initialize()
        created = await rpc.request("tools/call", tool_call("start_deep_research", {"query": AGENT_QUERY}, task={}))
        task_id = created["task"]["taskId"]
        rpc.process.kill()
        await rpc.process.wait()
    async with stdio_rpc(data_dir, env(emulator)) as rpc:
        await rpc.initialize()
        working = await rpc.request("tasks/get", {"taskId": task_id})
        with anyio.fail_after(40):
            result = await rpc.request("tasks/result", {"taskId": task_id})
        final = await rpc.request("tasks/get", {"taskId": task_id})
    assert working["status"] == "working"
    assert final["status"] == "completed"
    assert result["_meta"]["io.modelcontextprotocol/related-task"] == {"taskId": task_id}
    assert result["structuredContent"]["text"].startswith("# Research report: the history of tea")
