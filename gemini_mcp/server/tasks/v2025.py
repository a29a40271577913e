"""MCP Tasks on the 2025-11-25 wire (SEP-1686), as one server middleware.

mcp 2.3 ships the 2025-11-25 task types but no task runtime, and its per-version result sieve rejects a
`CreateTaskResult` from a tool handler. So, on connections that negotiated 2025-11-25 only, this
middleware: adds `capabilities.tasks` to the `initialize` result and `execution.taskSupport: "optional"`
to the task-capable tools in `tools/list`; answers a `tools/call` carrying `params.task` at once with a
`CreateTaskResult` (the tool itself runs in its start-and-return form); and serves `tasks/get`,
`tasks/result`, `tasks/list` and `tasks/cancel` itself (a short-circuiting middleware owns its result).
Every other message, and every message of other protocol versions, passes through untouched.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.shared.exceptions import MCPError
from mcp.types import (
    CancelTaskRequestParams,
    GetTaskPayloadRequestParams,
    GetTaskRequestParams,
    PaginatedRequestParams,
    TaskMetadata,
)
from mcp_types.jsonrpc import INTERNAL_ERROR, INVALID_PARAMS, METHOD_NOT_FOUND
from pydantic import BaseModel, ValidationError

from gemini_mcp import errors
from gemini_mcp.gemini.jsonwalk import as_dict, as_list
from gemini_mcp.server.tasks.service import TaskFinishedError, TaskNotFoundError, TaskService
from gemini_mcp.store.tasks import TaskRecord

VERSION = "2025-11-25"
RELATED_TASK = "io.modelcontextprotocol/related-task"
IMMEDIATE_RESPONSE = "io.modelcontextprotocol/model-immediate-response"
CAPABILITY: dict[str, Any] = {"list": {}, "cancel": {}, "requests": {"tools": {"call": {}}}}
TASK_METHODS = frozenset({"tasks/get", "tasks/result", "tasks/list", "tasks/cancel"})

M = TypeVar("M", bound=BaseModel)
ServiceOf = Callable[[ServerRequestContext[Any, Any]], TaskService]
OwnerOf = Callable[[], str]


def iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def task_json(task: TaskRecord) -> dict[str, Any]:
    """The wire `Task` (flat; `ttl` is always present, null for unlimited)."""
    out: dict[str, Any] = {"taskId": task.id, "status": task.status}
    if task.status_message:
        out["statusMessage"] = task.status_message
    out.update(createdAt=iso(task.created), lastUpdatedAt=iso(task.updated), ttl=task.ttl_ms)
    if task.poll_ms is not None:
        out["pollInterval"] = task.poll_ms
    return out


def _params(model: type[M], params: Mapping[str, Any] | None) -> M:
    try:
        return model.model_validate(dict(params or {}), by_name=False)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'params'}: {e['msg']}" for e in exc.errors())
        raise MCPError(INVALID_PARAMS, f"Invalid params: {problems}") from None


class TasksMiddleware:
    """`server.middleware.append(TasksMiddleware(service_of, owner_of))`."""

    def __init__(self, service_of: ServiceOf, owner_of: OwnerOf, task_tools: frozenset[str]) -> None:
        self.service_of = service_of
        self.owner_of = owner_of
        self.task_tools = task_tools

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        if ctx.method == "initialize":
            return self._advertise(await call_next(ctx))
        if ctx.protocol_version != VERSION:
            return await call_next(ctx)
        if ctx.method == "tools/list":
            return self._mark_tools(await call_next(ctx))
        if ctx.method == "tools/call" and (ctx.params or {}).get("task") is not None:
            return await self._create(ctx, call_next)
        if ctx.method in TASK_METHODS:
            try:
                return await self._serve(ctx)
            except TaskNotFoundError as exc:
                raise MCPError(INVALID_PARAMS, str(exc)) from None
            except TaskFinishedError as exc:
                raise MCPError(INVALID_PARAMS, str(exc)) from None
            except errors.GeminiMcpError as exc:
                raise MCPError(INTERNAL_ERROR, str(exc)) from None
        return await call_next(ctx)

    @staticmethod
    def _advertise(result: HandlerResult) -> HandlerResult:
        if isinstance(result, dict) and result.get("protocolVersion") == VERSION:
            capabilities = result.setdefault("capabilities", {})
            if isinstance(capabilities, dict):
                capabilities["tasks"] = CAPABILITY
        return result

    def _mark_tools(self, result: HandlerResult) -> HandlerResult:
        for tool in map(as_dict, as_list(as_dict(result).get("tools"))):
            if tool.get("name") in self.task_tools:
                tool["execution"] = {"taskSupport": "optional"}
        return result

    async def _create(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        params = dict(ctx.params or {})
        meta = _params(TaskMetadata, params.pop("task"))
        name = str(params.get("name", ""))
        service = self.service_of(ctx)
        if name not in self.task_tools or not service.supports(name):
            raise MCPError(
                METHOD_NOT_FOUND,
                f"Tool {name!r} does not support task-augmented calls (its execution.taskSupport is forbidden); "
                f"call it without `task`. Task-capable tools: {', '.join(sorted(self.task_tools))}.",
            )
        params["arguments"] = service.kinds[name].prepare(dict(as_dict(params.get("arguments"))))
        call = as_dict(await call_next(dataclasses.replace(ctx, params=params)))
        handle = {} if call.get("isError") else as_dict(call.get("structuredContent"))
        conversation_id = handle.get("conversation_id")
        ids = (str(handle.get("interaction_id") or ""), str(conversation_id) if conversation_id else None)
        task = await service.start(self.owner_of(), name, meta.ttl, call, ids)
        note = (
            f"Started as MCP task {task.id} (Gemini interaction {task.interaction_id}); the answer arrives when the "
            "task completes."
        )
        return {"task": task_json(task), "_meta": {IMMEDIATE_RESPONSE: note}}

    async def _serve(self, ctx: ServerRequestContext[Any, Any]) -> HandlerResult:
        service, owner = self.service_of(ctx), self.owner_of()
        if ctx.method == "tasks/get":
            return task_json(await service.get(owner, _params(GetTaskRequestParams, ctx.params).task_id))
        if ctx.method == "tasks/cancel":
            return task_json(await service.cancel(owner, _params(CancelTaskRequestParams, ctx.params).task_id))
        if ctx.method == "tasks/result":
            task = await service.result(owner, _params(GetTaskPayloadRequestParams, ctx.params).task_id)
            result: dict[str, Any] = dict(task.result or {"content": []})
            result.pop("resultType", None)
            result["_meta"] = {**as_dict(result.get("_meta")), RELATED_TASK: {"taskId": task.id}}
            return result
        cursor = _params(PaginatedRequestParams, ctx.params).cursor
        offset = _cursor_offset(cursor)
        tasks, next_offset = await service.list(owner, offset)
        out: dict[str, Any] = {"tasks": [task_json(t) for t in tasks]}
        if next_offset is not None:
            out["nextCursor"] = str(next_offset)
        return out


def _cursor_offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    if not cursor.isdigit():
        raise MCPError(INVALID_PARAMS, f"Invalid cursor {cursor[:40]!r}: pass a nextCursor from tasks/list.")
    return int(cursor)
