"""The MCP tools: thin adapters from arguments to the services in `AppState`.

Every tool returns a `CallToolResult` with a readable text block plus structured content that
matches the advertised output model. Errors from the services are `GeminiMcpError`s (MCP
`ToolError`s) and simply propagate.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field

from gemini_mcp.conversations import Turn
from gemini_mcp.models import (
    AskResult,
    CancelResult,
    ConversationList,
    ConversationSummary,
    DeleteResult,
    InteractionList,
    InteractionResult,
    ResearchStarted,
    iso,
)
from gemini_mcp.server import AppState, owner, state

Ctx = Context[AppState, Any]
ConversationId = Annotated[
    str | None,
    Field(description="Continue this conversation (an id returned earlier). Omit to start a new conversation."),
]
InteractionId = Annotated[str, Field(min_length=1, description="An interaction_id returned by an earlier call.")]
Status = Literal[
    "in_progress", "queued", "requires_action", "completed", "failed", "cancelled", "incomplete", "budget_exceeded"
]
Limit = Annotated[int, Field(ge=1, le=200, description="How many to return, most recent first.")]

GEMINI_CALL = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=True)
READ_LOCAL = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)


def _result(model: BaseModel) -> CallToolResult:
    render = getattr(model, "render", None)
    text = str(render()) if callable(render) else model.model_dump_json()
    return CallToolResult(
        content=[TextContent(type="text", text=text)], structured_content=model.model_dump(mode="json", by_alias=True)
    )


def _progress_sink(ctx: Ctx) -> Callable[[float, str], Awaitable[None]] | None:
    """A progress reporter when the caller sent a progress token (then answers are streamed), else None."""
    meta = ctx.request_context.meta
    if not meta or meta.get("progress_token") is None:
        return None

    async def report(value: float, message: str) -> None:
        await ctx.report_progress(value, total=None, message=message)

    return report


async def ask_gemini(
    prompt: Annotated[str, Field(min_length=1, description="The message for Gemini.")],
    ctx: Ctx,
    conversation_id: ConversationId = None,
    model: Annotated[
        str | None, Field(description="Gemini model id (see the gemini://models resource). Default: the server's.")
    ] = None,
    system_instruction: Annotated[
        str | None, Field(description="System instruction; remembered for later turns of the conversation.")
    ] = None,
    thinking_level: Annotated[
        Literal["minimal", "low", "medium", "high"] | None, Field(description="How much Gemini thinks first.")
    ] = None,
    temperature: Annotated[float | None, Field(ge=0.0, le=2.0, description="Sampling temperature, 0-2.")] = None,
    max_output_tokens: Annotated[int | None, Field(ge=1, le=65536, description="Cap on answer tokens.")] = None,
) -> Annotated[CallToolResult, AskResult]:
    """Ask a Gemini model one turn of a conversation and get its answer.

    Without conversation_id a new conversation starts; pass the returned conversation_id to continue
    it (the server keeps the chain, so Gemini remembers earlier turns). system_instruction, model and
    generation settings given once are remembered for later turns of the same conversation.
    """
    settings = {
        "model": model,
        "system_instruction": system_instruction,
        "thinking_level": thinking_level,
        "temperature": temperature,
        "max_output_tokens": max_output_tokens,
    }
    turn = Turn(prompt=prompt, conversation_id=conversation_id, settings=settings)
    return _result(await state(ctx).conversations.ask(owner(), turn, on_progress=_progress_sink(ctx)))


async def start_deep_research(
    query: Annotated[str, Field(min_length=1, description="What to research, with any scope or format wishes.")],
    ctx: Ctx,
    agent: Annotated[
        str | None, Field(description="Deep Research agent id (see gemini://models). Default: the server's.")
    ] = None,
    conversation_id: Annotated[
        str | None, Field(description="Follow up on an earlier conversation or research run (its conversation_id).")
    ] = None,
    thinking_summaries: Annotated[bool, Field(description="Record the agent's thought summaries as progress.")] = True,
) -> Annotated[CallToolResult, ResearchStarted]:
    """Start a Gemini Deep Research run in the background and return its interaction_id at once.

    The run takes minutes and produces a cited report. Follow it with get_interaction(interaction_id,
    wait_seconds=...) until done is true; stop it with cancel_interaction. It keeps running if you disconnect.
    """
    app = state(ctx)
    conversation, record = await app.conversations.start_research(
        owner(), query, agent=agent, conversation_id=conversation_id, thinking_summaries=thinking_summaries
    )
    app.watcher.follow(record)
    result = ResearchStarted(
        interaction_id=record.id, conversation_id=conversation.id, agent=record.agent or "", status=record.status
    )
    return _result(result)


async def get_interaction(
    interaction_id: InteractionId,
    ctx: Ctx,
    wait_seconds: Annotated[
        float, Field(ge=0, le=60, description="Wait up to this many seconds for the interaction to finish.")
    ] = 0,
    offset: Annotated[int, Field(ge=0, description="Character offset of the output page to return.")] = 0,
    max_chars: Annotated[
        int, Field(ge=100, le=100_000, description="Maximum characters of output to return.")
    ] = 20_000,
) -> Annotated[CallToolResult, InteractionResult]:
    """Get an interaction's status, progress (thought summaries) and, when finished, its output.

    With wait_seconds it waits (sending progress notifications) until the interaction ends or the time is up.
    Long output comes in pages: call again with offset=next_offset, or read the report_uri resource.
    """

    async def progress(value: float, message: str) -> None:
        await ctx.report_progress(value, total=None, message=message)

    result = await state(ctx).interactions.get(
        owner(), interaction_id, wait_seconds=wait_seconds, offset=offset, max_chars=max_chars, progress=progress
    )
    return _result(result)


async def cancel_interaction(interaction_id: InteractionId, ctx: Ctx) -> Annotated[CallToolResult, CancelResult]:
    """Cancel a running background interaction (e.g. a Deep Research run) and return its status."""
    return _result(await state(ctx).interactions.cancel(owner(), interaction_id))


async def list_interactions(
    ctx: Ctx,
    status: Annotated[Status | None, Field(description="Only interactions with this status.")] = None,
    limit: Limit = 20,
) -> Annotated[CallToolResult, InteractionList]:
    """List your recent interactions (chat turns and research runs) from this server's store."""
    return _result(await state(ctx).interactions.list(owner(), status=status, limit=limit))


async def list_conversations(ctx: Ctx, limit: Limit = 20) -> Annotated[CallToolResult, ConversationList]:
    """List your conversations: id, title (the first prompt), turns, last interaction, last update."""
    conversations = await state(ctx).store.list_conversations(owner(), limit)
    result = ConversationList(
        conversations=[
            ConversationSummary(
                conversation_id=c.id,
                title=c.title,
                turns=c.turns,
                last_interaction_id=c.last_interaction_id,
                model=c.config.get("model"),
                created=iso(c.created),
                updated=iso(c.updated),
            )
            for c in conversations
        ]
    )
    return _result(result)


async def delete_conversation(
    conversation_id: Annotated[str, Field(min_length=1, description="The conversation to forget.")],
    ctx: Ctx,
    delete_remote: Annotated[
        bool, Field(description="Also delete the conversation's interactions stored on Gemini.")
    ] = False,
) -> Annotated[CallToolResult, DeleteResult]:
    """Forget a conversation on this server; with delete_remote, also delete its interactions on Gemini."""
    deleted, failures = await state(ctx).conversations.delete(owner(), conversation_id, delete_remote=delete_remote)
    result = DeleteResult(conversation_id=conversation_id, deleted=True, remote_deleted=deleted, remote_errors=failures)
    return _result(result)


def register(server: MCPServer[AppState]) -> None:
    server.add_tool(ask_gemini, title="Ask Gemini", annotations=GEMINI_CALL)
    server.add_tool(start_deep_research, title="Start Deep Research", annotations=GEMINI_CALL)
    server.add_tool(get_interaction, title="Get interaction", annotations=READ_LOCAL)
    server.add_tool(
        cancel_interaction,
        title="Cancel interaction",
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=True
        ),
    )
    server.add_tool(list_interactions, title="List interactions", annotations=READ_LOCAL)
    server.add_tool(list_conversations, title="List conversations", annotations=READ_LOCAL)
    server.add_tool(
        delete_conversation,
        title="Delete conversation",
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=True, idempotent_hint=False, open_world_hint=True
        ),
    )
