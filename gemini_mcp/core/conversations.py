"""Server-kept conversations: chaining, remembered turn config, model choice.

A conversation maps `conversation_id` -> the last interaction id plus the remembered turn config.
The Interactions API scopes `system_instruction`, generation settings and tools to one
interaction, so every turn re-sends the remembered values; a value given on a turn overrides
them and is remembered from then on. Knows nothing about MCP.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import anyio

from gemini_mcp import errors
from gemini_mcp.config import Settings
from gemini_mcp.core import files as inputs
from gemini_mcp.core import paths, requests, shaping, streaming
from gemini_mcp.core.results import AskResult
from gemini_mcp.core.turn import TurnConfig, TurnInputs
from gemini_mcp.gemini.port import CreateRequest, GeminiBackend, InteractionData
from gemini_mcp.store.port import Conversation, InteractionRecord, Store, now

logger = logging.getLogger(__name__)


DEPRECATED_PREFIXES = ("gemini-2.0-", "gemini-1.5-", "gemini-1.0-", "gemini-pro")
ProgressFn = Callable[[float, str], Awaitable[None]]


@dataclass
class Turn:
    """What one ask_gemini call asks for. None means "not given on this turn"."""

    prompt: str
    conversation_id: str | None = None
    config: TurnConfig = field(default_factory=TurnConfig)  # settings given on this turn (remembered)
    inputs: TurnInputs = field(default_factory=TurnInputs)  # files, function results, schema, store (not)


def new_conversation_id() -> str:
    return "conv_" + secrets.token_hex(8)


def resolve_model(settings: Settings, requested: str | None) -> tuple[str, list[str]]:
    """The model to use and notes for the caller (deprecated ids are replaced by the default)."""
    notes: list[str] = []
    model = (requested or "").strip() or settings.default_model
    if model.startswith("models/"):
        model = model.removeprefix("models/")
    if model.startswith(DEPRECATED_PREFIXES):
        notes.append(
            f"Model '{model}' is deprecated and no longer served; used the default '{settings.default_model}' instead."
        )
        model = settings.default_model
    if settings.allowed_models and model not in settings.allowed_models:
        raise errors.ModelNotAllowedError(model, settings.allowed_models)
    return model, notes


def translate_not_found(
    err: errors.NotFoundError, *, model: str | None, agent: str | None, previous: str | None
) -> errors.GeminiMcpError:
    """Reword a 404 from create: unknown model/agent, or an expired chain."""
    message = str(err)
    lowered = message.lower()
    if model and ("models/" in lowered or model.lower() in lowered):
        return errors.InvalidRequestError(
            f"Model '{model}' is not available on Gemini ({message}). Read the gemini://models resource for the "
            "models this server offers, or omit `model` to use the default."
        )
    if agent and agent.lower() in lowered:
        return errors.InvalidRequestError(
            f"Agent '{agent}' is not available on Gemini ({message}). Omit `agent` to use the default."
        )
    if previous:
        return errors.NotFoundError(
            f"This conversation's last interaction ({previous}) no longer exists on Gemini: it expired or was "
            f"deleted. {errors.RETENTION_HINT} Start a new conversation by calling again without conversation_id."
        )
    return err


class Conversations:
    """Chaining logic over a `Store` and a `GeminiBackend`."""

    def __init__(self, settings: Settings, store: Store, backend: GeminiBackend) -> None:
        self.settings = settings
        self.store = store
        self.backend = backend
        self._locks: dict[str, anyio.Lock] = {}

    async def load(self, owner: str, conversation_id: str) -> Conversation:
        conversation = await self.store.get_conversation(owner, conversation_id)
        if conversation is None:
            raise errors.NotFoundError(
                f"Conversation '{conversation_id}' was not found (it was deleted, or never existed for this user). "
                "Call without conversation_id to start a new one; list_conversations shows yours."
            )
        return conversation

    async def open(self, owner: str, conversation_id: str | None, title: str) -> Conversation:
        if conversation_id:
            return await self.load(owner, conversation_id)
        stamp = now()
        return Conversation(
            id=new_conversation_id(), owner=owner, title=shaping.shorten(title, 60), created=stamp, updated=stamp
        )

    @asynccontextmanager
    async def _one_turn_at_a_time(self, conversation_id: str | None) -> AsyncGenerator[None]:
        """Serialize turns of one conversation, so concurrent calls chain instead of forking the history."""
        if not conversation_id:
            yield
            return
        lock = self._locks.setdefault(conversation_id, anyio.Lock())
        try:
            async with lock:
                yield
        finally:
            if not lock.locked() and not lock.statistics().tasks_waiting:
                self._locks.pop(conversation_id, None)

    async def ask(self, owner: str, turn: Turn, on_progress: ProgressFn | None = None) -> AskResult:
        """One turn. With `on_progress`, the answer is streamed and text/thought deltas are forwarded."""
        async with self._one_turn_at_a_time(turn.conversation_id):
            return await self._ask(owner, turn, on_progress)

    async def _ask(self, owner: str, turn: Turn, on_progress: ProgressFn | None) -> AskResult:
        conversation = await self.open(owner, turn.conversation_id, turn.prompt)
        remembered = TurnConfig.from_stored(conversation.config)
        requests.check_chain(conversation, remembered, turn.inputs, given_conversation=bool(turn.conversation_id))
        config = remembered.merge(turn.config)
        model, notes = resolve_model(self.settings, config.model)
        config.model = model
        request = requests.build_request(
            turn.prompt,
            config,
            turn.inputs,
            previous_interaction_id=conversation.last_interaction_id,
            roots=paths.resolve_roots(self.settings.file_roots),
        )
        data = await (self._create(request) if on_progress is None else self._stream(request, on_progress))
        config = config.after_turn(stored=turn.inputs.store)
        await self._record_turn(conversation, config, data, kind="model", prompt=turn.prompt, model=model)
        return shaping.shape(conversation, data, model, notes, turn.inputs)

    async def start_research(
        self,
        owner: str,
        query: str,
        *,
        agent: str | None,
        conversation_id: str | None,
        thinking_summaries: bool,
        files: list[str] | None = None,
        tools: TurnConfig | None = None,
    ) -> tuple[Conversation, InteractionRecord]:
        """`files` become content blocks; of `tools`, file_search_store_names and mcp_servers are used."""
        async with self._one_turn_at_a_time(conversation_id):
            return await self._start_research(
                owner, query, agent, conversation_id, thinking_summaries, files or [], tools or TurnConfig()
            )

    async def _start_research(
        self,
        owner: str,
        query: str,
        agent: str | None,
        conversation_id: str | None,
        thinking_summaries: bool,
        files: list[str],
        tools: TurnConfig,
    ) -> tuple[Conversation, InteractionRecord]:
        conversation = await self.open(owner, conversation_id, query)
        agent_id = (agent or "").strip() or self.settings.default_agent
        blocks, _ = inputs.content_blocks(files, paths.resolve_roots(self.settings.file_roots)) if files else ([], [])
        request = CreateRequest(
            input=inputs.user_input(query, blocks),
            agent=agent_id,
            tools=requests.tool_objects(tools),
            previous_interaction_id=conversation.last_interaction_id,
            agent_config={"type": "deep-research", "thinking_summaries": "auto" if thinking_summaries else "none"},
            background=True,
            store=True,
        )
        data = await self._create(request)
        record = await self._record_turn(
            conversation, TurnConfig.from_stored(conversation.config), data, kind="agent", prompt=query, agent=agent_id
        )
        return conversation, record

    async def _create(self, request: CreateRequest) -> InteractionData:
        try:
            return await self.backend.create(request)
        except errors.NotFoundError as err:
            raise translate_not_found(
                err, model=request.model, agent=request.agent, previous=request.previous_interaction_id
            ) from err

    async def _stream(self, request: CreateRequest, on_progress: ProgressFn) -> InteractionData:
        """Stream the answer (streaming.run_stream: progress <= 10/s, in-stream errors reported, a broken stream
        resumed from its last event id), returning the same interaction a unary create would."""
        try:
            return await streaming.run_stream(self.backend, request, on_progress)
        except errors.NotFoundError as err:
            raise translate_not_found(
                err, model=request.model, agent=request.agent, previous=request.previous_interaction_id
            ) from err

    async def _record_turn(
        self,
        conversation: Conversation,
        config: TurnConfig,
        data: InteractionData,
        *,
        kind: str,
        prompt: str,
        model: str | None = None,
        agent: str | None = None,
    ) -> InteractionRecord:
        stamp = now()
        record = InteractionRecord(
            id=data.id,
            owner=conversation.owner,
            kind=kind,
            status=data.status,
            conversation_id=conversation.id,
            model=data.model or model,
            agent=data.agent or agent,
            prompt=prompt,
            output_text=data.text,
            usage=data.usage,
            error="; ".join(data.errors) or None,
            steps=data.steps,
            created=stamp,
            updated=stamp,
        )
        conversation.config = config.to_stored()
        conversation.last_interaction_id = data.id
        conversation.turns += 1
        conversation.updated = stamp
        await self.store.record_turn(record, conversation)  # both or neither: a crash never half-records a turn
        return record

    async def delete(self, owner: str, conversation_id: str, *, delete_remote: bool) -> tuple[list[str], list[str]]:
        await self.load(owner, conversation_id)
        deleted: list[str] = []
        failures: list[str] = []
        if delete_remote:
            records = await self.store.list_interactions(
                owner, status=None, limit=10_000, conversation_id=conversation_id
            )
            for record in records:
                try:
                    await self.backend.delete(record.id)
                    deleted.append(record.id)
                except errors.NotFoundError:
                    deleted.append(record.id)  # already gone on Gemini (expired)
                except errors.GeminiMcpError as err:
                    failures.append(f"{record.id}: {err}")
        await self.store.delete_conversation(owner, conversation_id)
        return deleted, failures
