"""What an MCP task of each task-capable tool returns: the tool's `CallToolResult`, from the finished interaction.

`ask_gemini` as a task runs as a background turn (`prepare` sets `background=true`); its result is the answer
`ask_gemini` would have returned. `start_deep_research` as a task yields the finished report, not the handle.
"""

from __future__ import annotations

from typing import Any

from mcp.types import CallToolResult

from gemini_mcp import errors
from gemini_mcp.core import answers, interactions
from gemini_mcp.core.recorded import ResearchReport, answer_of
from gemini_mcp.core.results import Usage
from gemini_mcp.server.content import answer_result, tool_result
from gemini_mcp.server.tasks.service import TaskKind
from gemini_mcp.store.port import InteractionRecord

ASK_POLL_MS = 2000
RESEARCH_POLL_MS = 5000


def wire(result: CallToolResult) -> dict[str, Any]:
    """A `CallToolResult` as the JSON a client receives on the 2025-11-25 wire."""
    data = result.model_dump(mode="json", by_alias=True, exclude_none=True)
    data.pop("resultType", None)
    return data


def _error(message: str) -> dict[str, Any]:
    return {"content": [{"type": "text", "text": message}], "isError": True}


async def ask_result(record: InteractionRecord) -> dict[str, Any]:
    try:
        answer = answer_of(record)
    except errors.GeminiMcpError as err:
        return _error(str(err))
    return wire(answer_result(answer))


async def research_result(record: InteractionRecord) -> dict[str, Any]:
    report = ResearchReport(
        interaction_id=record.id,
        conversation_id=record.conversation_id or "",
        agent=record.agent or "",
        status=record.status,
        text=record.output_text,
        citations=answers.citations(record.steps),
        usage=Usage.from_raw(record.usage),
        error=record.error,
        report_uri=interactions.report_uri(record.id) if record.output_text else None,
    )
    return wire(tool_result(report))


def in_background(arguments: dict[str, Any]) -> dict[str, Any]:
    return {**arguments, "background": True}


KINDS: dict[str, TaskKind] = {
    "ask_gemini": TaskKind("ask_gemini", ASK_POLL_MS, ask_result, prepare=in_background),
    "start_deep_research": TaskKind("start_deep_research", RESEARCH_POLL_MS, research_result),
}
