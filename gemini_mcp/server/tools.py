"""The MCP tools: thin adapters from arguments to the services in `AppState`.

Every tool returns a `CallToolResult` with a readable text block plus structured content that
matches the advertised output model. Errors from the services are `GeminiMcpError`s; `register` wraps
each tool with `failures.reported`, which turns them into MCP tool errors.
"""

from __future__ import annotations

from typing import Annotated

from mcp.server import MCPServer
from mcp.types import CallToolResult, ToolAnnotations
from pydantic import Field

from gemini_mcp.core.listings import ConversationList, ConversationSummary, InteractionList
from gemini_mcp.core.media import check_voice
from gemini_mcp.core.results import (
    AskResult,
    CancelResult,
    DeleteResult,
    InteractionResult,
    ResearchStarted,
    iso,
)
from gemini_mcp.core.turn import AgentOptions, Turn, TurnConfig, TurnInputs
from gemini_mcp.server import progress
from gemini_mcp.server.argument_errors import rewrite_argument_errors
from gemini_mcp.server.arguments import (
    Background,
    BuiltinTools,
    CollaborativePlanning,
    ConversationId,
    EnableBigqueryTool,
    Files,
    FileSearchStores,
    FunctionDeclarations,
    FunctionResults,
    IdempotencyKey,
    ImageConfig,
    IncludeThoughts,
    InteractionId,
    JsonMode,
    Limit,
    MaxOutputTokens,
    McpServers,
    Model,
    OptionalPrompt,
    PreviousInteractionId,
    ResponseModalities,
    ResponseSchema,
    Seed,
    ServiceTier,
    Status,
    StopSequences,
    StoreFlag,
    SystemInstruction,
    Temperature,
    ThinkingLevel,
    ToolChoice,
    TopP,
    Visualization,
    Voice,
    WaitSeconds,
)
from gemini_mcp.server.confirm import Confirmation, accepted, not_started
from gemini_mcp.server.content import answer_result, plain, tool_result
from gemini_mcp.server.failures import reported
from gemini_mcp.server.roots import roots_for
from gemini_mcp.server.state import AppState, Ctx, owner, state

#: ask_gemini's per-turn arguments (never remembered): the fields of `TurnInputs`.
_TURN_INPUTS = frozenset({"files", "function_results", "response_schema", "store", "tool_choice", "json_mode"})
#: ask_gemini's remembered settings: the fields of `TurnConfig` (its `store` is kept by the conversation itself).
_SETTINGS = frozenset(TurnConfig.model_fields) - {"store"}
GEMINI_CALL = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=True)
READ_OPEN = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=True)
READ_LOCAL = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)


async def ask_gemini(
    ctx: Ctx,
    prompt: OptionalPrompt = None,
    conversation_id: ConversationId = None,
    model: Model = None,
    system_instruction: SystemInstruction = None,
    thinking_level: ThinkingLevel = None,
    temperature: Temperature = None,
    max_output_tokens: MaxOutputTokens = None,
    include_thoughts: IncludeThoughts = None,
    tools: BuiltinTools = None,
    response_schema: ResponseSchema = None,
    files: Files = None,
    function_declarations: FunctionDeclarations = None,
    function_results: FunctionResults = None,
    file_search_store_names: FileSearchStores = None,
    mcp_servers: McpServers = None,
    store: StoreFlag = True,
    idempotency_key: IdempotencyKey = None,
    top_p: TopP = None,
    seed: Seed = None,
    stop_sequences: StopSequences = None,
    tool_choice: ToolChoice = None,
    service_tier: ServiceTier = None,
    response_modalities: ResponseModalities = None,
    voice: Voice = None,
    image_config: ImageConfig = None,
    json_mode: JsonMode = False,
    background: Background = False,
    previous_interaction_id: PreviousInteractionId = None,
) -> Annotated[CallToolResult, AskResult]:
    """Ask a Gemini model one turn of a conversation and get its answer.

    Without conversation_id a new conversation starts; pass the returned conversation_id to continue
    it (the server keeps the chain, so Gemini remembers earlier turns). system_instruction, model,
    generation settings, tools and function declarations given once are remembered for later turns.
    When status is requires_action, run the function_calls and answer with function_results (prompt optional).
    Speech models answer with audio (voice), image models with images (image_config); see gemini://models.
    A turn still running after the server's wait limit (or started with background=true) returns status
    in_progress and its interaction_id: get_interaction then returns the answer.

    With a progress token the answer streams: each progress message is the next piece of text (thoughts
    start with "Thinking:"), and progress counts the characters received so far.
    """
    arguments = dict(locals())  # the arguments, by name: settings go to TurnConfig, per-turn inputs to TurnInputs
    given = {name: plain(value) for name, value in arguments.items() if value is not None and name != "ctx"}
    if voice is not None:
        given["voice"] = check_voice(voice)
    config = TurnConfig.model_validate({k: v for k, v in given.items() if k in _SETTINGS})
    extras = TurnInputs(**{k: v for k, v in given.items() if k in _TURN_INPUTS})
    turn = Turn(prompt, conversation_id, config, extras, idempotency_key, roots=await roots_for(ctx, files))
    turn.background, turn.previous_interaction_id = background, previous_interaction_id
    answer = await state(ctx).conversations.ask(owner(), turn, on_progress=progress.streamed_answer(ctx))
    return answer_result(answer)


async def start_deep_research(
    query: Annotated[str, Field(min_length=1, description="What to research, with any scope or format wishes.")],
    ctx: Ctx,
    confirmation: Confirmation,
    agent: Annotated[
        str | None, Field(description="Deep Research agent id (see gemini://models). Default: the server's.")
    ] = None,
    conversation_id: Annotated[
        str | None, Field(description="Follow up on an earlier conversation or research run (its conversation_id).")
    ] = None,
    thinking_summaries: Annotated[bool, Field(description="Record the agent's thought summaries as progress.")] = True,
    files: Files = None,
    file_search_store_names: FileSearchStores = None,
    mcp_servers: McpServers = None,
    idempotency_key: IdempotencyKey = None,
    service_tier: ServiceTier = None,
    visualization: Visualization = None,
    collaborative_planning: CollaborativePlanning = None,
    enable_bigquery_tool: EnableBigqueryTool = None,
) -> Annotated[CallToolResult, ResearchStarted]:
    """Start a Gemini Deep Research run in the background and return its interaction_id at once.

    The run takes minutes, costs a few dollars (see estimated_cost_usd) and produces a cited report. Follow it
    with get_interaction(interaction_id, wait_seconds=...) until done is true; stop it with cancel_interaction.
    It keeps running if you disconnect. The server may ask the user to confirm first.
    """
    app = state(ctx)
    agent_id, _ = app.models.resolve_agent(agent)
    estimate = app.spend.estimate(agent_id, service_tier)
    if not accepted(confirmation):
        return tool_result(not_started(confirmation, agent_id, conversation_id, estimate))
    tools = TurnConfig(file_search_store_names=file_search_store_names, mcp_servers=plain(mcp_servers))
    conversation, record, notes = await app.conversations.start_research(
        owner(),
        query,
        agent=agent,
        conversation_id=conversation_id,
        thinking_summaries=thinking_summaries,
        files=files,
        tools=tools,
        idempotency_key=idempotency_key,
        roots=await roots_for(ctx, files),
        options=AgentOptions(service_tier, visualization, collaborative_planning, enable_bigquery_tool),
    )
    app.watcher.follow(record)
    result = ResearchStarted(
        interaction_id=record.id,
        conversation_id=conversation.id,
        agent=record.agent or agent_id,
        status=record.status,
        notes=notes,
        estimated_cost_usd=estimate,
    )
    return tool_result(result)


async def get_interaction(
    interaction_id: InteractionId,
    ctx: Ctx,
    wait_seconds: WaitSeconds = 0,
    offset: Annotated[int, Field(ge=0, description="Character offset of the output page to return.")] = 0,
    max_chars: Annotated[
        int, Field(ge=100, le=100_000, description="Maximum characters of output to return.")
    ] = 20_000,
) -> Annotated[CallToolResult, InteractionResult]:
    """Get an interaction's status, progress (thought summaries) and, when finished, its output.

    With wait_seconds it waits (sending progress notifications) until the interaction ends or the time is up.
    Long output comes in pages: call again with offset=next_offset, or read the report_uri resource.
    A finished ask_gemini turn gives ask_gemini's fields; an id made elsewhere is fetched from Gemini (imported).
    """
    waiting = progress.waited(ctx, wait_seconds)
    result = await state(ctx).interactions.get(
        owner(), interaction_id, wait_seconds=wait_seconds, offset=offset, max_chars=max_chars, progress=waiting
    )
    out = tool_result(result)
    if result.answer is not None:  # a finished turn's images and audio, as ask_gemini gives them
        out.content.extend(answer_result(result.answer).content[1:])
    return out


async def cancel_interaction(interaction_id: InteractionId, ctx: Ctx) -> Annotated[CallToolResult, CancelResult]:
    """Cancel a running background interaction (e.g. a Deep Research run) and return its status."""
    return tool_result(await state(ctx).interactions.cancel(owner(), interaction_id))


async def list_interactions(
    ctx: Ctx,
    status: Annotated[Status | None, Field(description="Only interactions with this status.")] = None,
    limit: Limit = 20,
) -> Annotated[CallToolResult, InteractionList]:
    """List your recent interactions (chat turns and research runs) from this server's store."""
    return tool_result(await state(ctx).interactions.list(owner(), status=status, limit=limit))


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
                model=TurnConfig.from_stored(c.config).model,
                created=iso(c.created),
                updated=iso(c.updated),
            )
            for c in conversations
        ]
    )
    return tool_result(result)


async def delete_conversation(
    conversation_id: Annotated[str, Field(min_length=1, description="The conversation to forget.")],
    ctx: Ctx,
    delete_remote: Annotated[
        bool, Field(description="Also delete the conversation's interactions stored on Gemini.")
    ] = False,
) -> Annotated[CallToolResult, DeleteResult]:
    """Forget a conversation on this server; with delete_remote, also delete its interactions on Gemini."""
    deleted, failures = await state(ctx).conversations.delete(owner(), conversation_id, delete_remote=delete_remote)
    result = DeleteResult(conversation_id=conversation_id, remote_deleted=deleted, remote_errors=failures)
    return tool_result(result)


TOOLS = (
    ask_gemini,
    start_deep_research,
    get_interaction,
    cancel_interaction,
    list_interactions,
    list_conversations,
    delete_conversation,
)


def register(server: MCPServer[AppState]) -> None:
    server.middleware.append(rewrite_argument_errors(TOOLS))
    server.add_tool(reported(ask_gemini), title="Ask Gemini", annotations=GEMINI_CALL)
    server.add_tool(reported(start_deep_research), title="Start Deep Research", annotations=GEMINI_CALL)
    server.add_tool(reported(get_interaction), title="Get interaction", annotations=READ_OPEN)
    server.add_tool(
        reported(cancel_interaction),
        title="Cancel interaction",
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=True
        ),
    )
    server.add_tool(reported(list_interactions), title="List interactions", annotations=READ_LOCAL)
    server.add_tool(reported(list_conversations), title="List conversations", annotations=READ_LOCAL)
    server.add_tool(
        reported(delete_conversation),
        title="Delete conversation",
        annotations=ToolAnnotations(
            read_only_hint=False, destructive_hint=True, idempotent_hint=False, open_world_hint=True
        ),
    )
