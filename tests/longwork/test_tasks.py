"""MCP Tasks (2025-11-25) through hand-written JSON-RPC clients, over stdio and Streamable HTTP."""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Protocol

import anyio
import httpx
import pytest

from gemini_mcp.config import Settings
from gemini_mcp.emulator.server import Emulator
from tests.harness.servers import serve_http
from tests.harness.settings import server_env

from .conftest import SLOW, slow
from .rpc import HttpRpc, RpcError, stdio_rpc, tool_call

RELATED = "io.modelcontextprotocol/related-task"
CAPABILITY = {"list": {}, "cancel": {}, "requests": {"tools": {"call": {}}}}
TASK_TOOLS = {"ask_gemini", "start_deep_research"}


class Rpc(Protocol):
    async def request(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]: ...


@asynccontextmanager
async def http_rpcs(settings: Settings, *tokens: str) -> AsyncGenerator[list[HttpRpc]]:
    async with serve_http(settings) as url, httpx.AsyncClient(timeout=60) as http:
        rpcs = [HttpRpc(url, http, token=token or None) for token in tokens]
        for rpc in rpcs:
            rpc.capabilities = (await rpc.initialize())["capabilities"]  # type: ignore[attr-defined]
        yield rpcs


async def rpc_error(rpc: Rpc, method: str, params: dict[str, Any]) -> RpcError:
    with pytest.raises(RpcError) as caught:
        await rpc.request(method, params)
    return caught.value


async def advertised(rpc: Rpc) -> dict[str, Any]:
    tools = (await rpc.request("tools/list"))["tools"]
    return {t["name"]: t.get("execution") for t in tools}


async def create_get_result(rpc: Rpc, emulator: Emulator) -> None:
    """create -> get (working) -> result (blocks, exactly the CallToolResult) -> get (completed)."""
    arguments = {"prompt": "Hi, my name is Phil.", "model": SLOW}
    plain = await rpc.request("tools/call", tool_call("ask_gemini", arguments))  # (also loads the SDK)
    slow(emulator, 3.0)
    started = time.monotonic()
    created = await rpc.request("tools/call", tool_call("ask_gemini", arguments, task={"ttl": 600_000}))
    assert time.monotonic() - started < 2.0, "the CreateTaskResult must come at once"
    task = created["task"]
    assert task["status"] == "working" and task["ttl"] == 600_000 and task["pollInterval"] == 2000
    assert task["taskId"].startswith("task_") and task["createdAt"].endswith("Z") and task["lastUpdatedAt"]
    assert "model-immediate-response" in next(iter(created["_meta"]))
    assert (await rpc.request("tasks/get", {"taskId": task["taskId"]}))["status"] == "working"
    with anyio.fail_after(30):
        result = await rpc.request("tasks/result", {"taskId": task["taskId"]})
    done = await rpc.request("tasks/get", {"taskId": task["taskId"]})
    assert done["status"] == "completed" and done["taskId"] == task["taskId"]
    assert result["_meta"][RELATED] == {"taskId": task["taskId"]}
    answer = result["structuredContent"]
    assert answer["status"] == "completed" and "Nice to meet you, Phil!" in answer["text"]
    assert result["content"][0]["text"].startswith("Nice to meet you, Phil!") and not result.get("isError")
    slow(emulator, 0)
    assert "task" not in plain and plain["structuredContent"]["text"] == answer["text"]
    assert set(plain["structuredContent"]) == set(answer), "a task's result has exactly the call's fields"


async def research_and_cancel(rpc: Rpc, emulator: Emulator) -> list[str]:
    research = await rpc.request("tools/call", tool_call("start_deep_research", {"query": "Research tea."}, task={}))
    research_id = research["task"]["taskId"]
    assert research["task"]["ttl"] == 24 * 3600 * 1000  # the server's default when none is asked for
    with anyio.fail_after(30):
        report = await rpc.request("tasks/result", {"taskId": research_id})
    assert report["structuredContent"]["text"].startswith("# Research report: tea")
    assert report["structuredContent"]["done"] is True and report["structuredContent"]["citations"]
    slow(emulator, 60)
    long = await rpc.request("tools/call", tool_call("ask_gemini", {"prompt": "Think", "model": SLOW}, task={}))
    long_id = long["task"]["taskId"]
    cancelled = await rpc.request("tasks/cancel", {"taskId": long_id})
    assert cancelled["status"] == "cancelled" and cancelled["taskId"] == long_id
    again = await rpc_error(rpc, "tasks/cancel", {"taskId": long_id})
    assert again.code == -32602 and "already ended (cancelled)" in again.message
    stopped = await rpc.request("tasks/result", {"taskId": long_id})
    assert stopped["structuredContent"]["status"] == "cancelled" and stopped["_meta"][RELATED] == {"taskId": long_id}
    cancels = [r.path for r in emulator.requests if r.method == "POST" and r.path.endswith("/cancel")]
    assert [p.rsplit("/", 2)[-2] for p in cancels] == [stopped["structuredContent"]["interaction_id"]]
    return [research_id, long_id]


async def errors_and_ttl(rpc: Rpc) -> None:
    for method in ("tasks/get", "tasks/result", "tasks/cancel"):
        unknown = await rpc_error(rpc, method, {"taskId": "task_nope"})
        assert unknown.code == -32602 and "Unknown task id 'task_nope'" in unknown.message
    forbidden = await rpc_error(rpc, "tools/call", tool_call("list_conversations", {}, task={}))
    assert forbidden.code == -32601 and "does not support task-augmented calls" in forbidden.message
    bad_cursor = await rpc_error(rpc, "tasks/list", {"cursor": "x"})
    assert bad_cursor.code == -32602
    short = await rpc.request("tools/call", tool_call("ask_gemini", {"prompt": "brief"}, task={"ttl": 1000}))
    assert short["task"]["ttl"] == 1000
    await anyio.sleep(1.3)
    expired = await rpc_error(rpc, "tasks/get", {"taskId": short["task"]["taskId"]})
    assert expired.code == -32602


async def test_tasks_over_stdio(tmp_path: Path, emulator: Emulator) -> None:
    async with stdio_rpc(tmp_path / "data", server_env(emulator.base_url)) as rpc:
        init = await rpc.initialize()
        assert init["protocolVersion"] == "2025-11-25" and init["capabilities"]["tasks"] == CAPABILITY
        execution = await advertised(rpc)
        assert {n for n, e in execution.items() if e} == TASK_TOOLS
        assert all(execution[n] == {"taskSupport": "optional"} for n in TASK_TOOLS)
        await create_get_result(rpc, emulator)
        ids = await research_and_cancel(rpc, emulator)
        await errors_and_ttl(rpc)
        listed = await rpc.request("tasks/list")
    assert set(ids) <= {t["taskId"] for t in listed["tasks"]} and "nextCursor" not in listed
    assert all(t["status"] in ("working", "completed", "failed", "cancelled") for t in listed["tasks"])


async def test_tasks_over_streamable_http_are_the_callers_own(tmp_path: Path, emulator: Emulator) -> None:
    settings = Settings.model_validate(
        {
            "api_key": "test-key",
            "base_url": emulator.base_url,
            "data_dir": tmp_path / "data",
            "max_retries": 0,
            "http_tokens": "alice:tok-alice-123456789,bob:tok-bob-1234567890",
        }
    )
    async with http_rpcs(settings, "tok-alice-123456789", "tok-bob-1234567890") as (alice, bob):
        assert alice.capabilities["tasks"] == CAPABILITY  # type: ignore[attr-defined]
        assert {n for n, e in (await advertised(alice)).items() if e} == TASK_TOOLS
        await create_get_result(alice, emulator)
        ids = await research_and_cancel(alice, emulator)
        mine = {t["taskId"] for t in (await alice.request("tasks/list"))["tasks"]}
        theirs = (await bob.request("tasks/list"))["tasks"]
        hidden = await rpc_error(bob, "tasks/get", {"taskId": ids[0]})
        no_cancel = await rpc_error(bob, "tasks/cancel", {"taskId": ids[0]})
        report = await alice.request("tasks/result", {"taskId": ids[0]})
        foreign = await bob.request(
            "tools/call",
            tool_call("get_interaction", {"interaction_id": report["structuredContent"]["interaction_id"]}),
        )
    assert set(ids) <= mine and theirs == []
    assert hidden.code == no_cancel.code == -32602
    assert foreign["isError"] and "was not found for this user" in foreign["content"][0]["text"]  # not imported


async def test_a_client_without_tasks_sees_no_difference(tmp_path: Path, emulator: Emulator) -> None:
    async with stdio_rpc(tmp_path / "data", server_env(emulator.base_url)) as rpc:
        init = await rpc.initialize("2025-06-18")
        execution = await advertised(rpc)
        plain = await rpc.request("tools/call", tool_call("ask_gemini", {"prompt": "Hi"}))
        method = await rpc_error(rpc, "tasks/list", {})
    assert init["protocolVersion"] == "2025-06-18" and "tasks" not in init["capabilities"]
    assert set(execution.values()) == {None}
    assert plain["structuredContent"]["status"] == "completed" and "task" not in plain
    assert method.code == -32601
