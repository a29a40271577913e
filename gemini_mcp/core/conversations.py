"""Server-kept conversations: chaining, remembered turn config, model choice.

A conversation maps `conversation_id` -> the last interaction id plus the remembered turn config.
The Interactions API scopes `system_instruction`, generation settings and tools to one
interaction, so every turn re-sends the remembered values; a value given on a turn overrides
them and is remembered from then on. Knows nothing about MCP.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from gemini_mcp import errors
from gemini_mcp.config import Settings
from gemini_mcp.core import asking, idempotency, requests, shaping, worker
from gemini_mcp.core import files as inputs
from gemini_mcp.core.asking import translate_not_found
from gemini_mcp.core.idempotency import Starts
from gemini_mcp.core.interactions import Interactions
from gemini_mcp.core.models import Models
from gemini_mcp.core.pending import Deadline, TurnRunner
from gemini_mcp.core.results import AskResult
from gemini_mcp.core.roots import FileRoots, server_roots
from gemini_mcp.core.spend import Spend
from gemini_mcp.core.turn import AgentOptions, Turn, TurnConfig
from gemini_mcp.core.turnlocks import TurnLocks
from gemini_mcp.core.watcher import Watcher
from gemini_mcp.gemini.port import CreateRequest, GeminiBackend, InteractionData
from gemini_mcp.store.port import Conversation, InteractionRecord, Store, now

logger = logging.getLogger(__name__)


ProgressFn = Callable[[float, str], Awaitable[None]]


def new_conversation_id() -> str:
    return "conv_" + secrets.token_hex(8)


class Conversations:
    """Chaining logic over a `Store` and a `GeminiBackend`."""

    spend: Spend | None = None  # set by the server: budgets checked before any request; a turn's charge recorded

    def __init__(
        self,
        settings: Settings,
        store: Store,
        backend: GeminiBackend,
        models: Models | None = None,
        interactions: Interactions | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.backend = backend
        self.models = models if models is not None else Models(settings, store, backend)
        self.starts = Starts(store)
        self._turns = TurnLocks(store)  # one turn at a time per (owner, conversation), across replicas too
        self.interactions = interactions or Interactions(store, backend, Watcher(store, backend))
        self.runner = TurnRunner(store, backend, self.interactions.watcher)

    async def load(self, owner: str, conversation_id: str, advice: str = "") -> Conversation:
        conversation = await self.store.get_conversation(owner, conversation_id)
        if conversation is None:
            raise errors.NotFoundError(
                f"Conversation {shaping.shown_id(conversation_id)} was not found (it was deleted, or never existed "
                f"for this user). {advice or 'Call without conversation_id to start a new one'}; list_conversations "
                "shows yours."
            )
        return conversation

    async def open(self, owner: str, conversation_id: str | None, title: str) -> Conversation:
        if conversation_id:
            return await self.load(owner, conversation_id)
        stamp = now()
        return Conversation(
            id=new_conversation_id(), owner=owner, title=shaping.shorten(title, 60), created=stamp, updated=stamp
        )

    async def ask(self, owner: str, turn: Turn, on_progress: ProgressFn | None = None) -> AskResult:
        """One turn. With `on_progress`, the answer is streamed and text/thought deltas are forwarded."""
        async with self._turns.hold(owner, turn.conversation_id):
            if not turn.idempotency_key:
                return await self._ask(owner, turn, on_progress)
            digest = idempotency.fingerprint(
                prompt=turn.prompt, conversation=turn.conversation_id, config=turn.config, inputs=turn.inputs
            )
            earlier, answer = await self.starts.run_once(
                owner,
                turn.idempotency_key,
                digest,
                lambda: self._ask(owner, turn, on_progress),
                id_of=lambda result: result.interaction_id,
                still_running=idempotency.any_status,
            )
            if answer is not None:
                return answer
            assert earlier is not None
            note = idempotency.reused_note(turn.idempotency_key, earlier)
            return await idempotency.replay_answer(self.store, owner, earlier, note)

    async def _ask(self, owner: str, turn: Turn, on_progress: ProgressFn | None) -> AskResult:
        if self.spend is not None:
            await self.spend.check_call(owner)
        said = turn.prompt or "(function results)"
        deadline = Deadline(self.settings.max_wait_seconds)  # no call waits longer (docs/long-work.md)
        conversation = await asking.open_turn(self, owner, turn, said, deadline)
        remembered = TurnConfig.from_stored(conversation.config)
        chained = bool(turn.conversation_id or turn.previous_interaction_id)
        requests.check_chain(conversation, remembered, turn.inputs, given_conversation=chained)
        config = remembered.merge(turn.config)
        model, notes = await self.models.resolve_model(config.model)
        config.model = model  # a retired id, also a remembered one, is remembered as its successor from now on
        sent, dropped = self.models.drop_settings(model, config)
        notes += dropped
        roots = (turn.roots or server_roots(self.settings.file_roots)).for_files(turn.inputs.files)
        previous = conversation.last_interaction_id
        catalog = self.models.now()
        request = await worker.off_loop(  # files are read and schemas checked in a worker thread, time-limited
            lambda: requests.build_request(
                turn.prompt,
                sent,
                turn.inputs,
                given=turn.config,
                previous_interaction_id=previous,
                roots=roots,
                catalog=catalog,
            ),
            what="reading files and checking schemas for this call",
            needed=bool(turn.inputs.files or turn.inputs.response_schema is not None or sent.function_declarations),
        )
        config = config.after_turn(stored=turn.inputs.store)
        ask = asking.Ask(conversation, config, request, said, turn.inputs, model, notes, turn.background)
        return await asking.run_turn(self, ask, on_progress, deadline)

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
        idempotency_key: str | None = None,
        options: AgentOptions | None = None,
        roots: FileRoots | None = None,
    ) -> tuple[Conversation, InteractionRecord, list[str]]:
        """`files` (read under `roots`) become content blocks; of `tools`, file_search_store_names and mcp_servers
        are used. A repeated `idempotency_key`, or an identical run started < 60 s ago and running, returns it."""
        agent_id, notes = self.models.resolve_agent(agent)
        chosen = options or AgentOptions()
        parts = {"q": query, "agent": agent_id, "conversation": conversation_id, "summary": thinking_summaries}
        digest = idempotency.fingerprint(**parts, files=files, tools=tools, options=chosen)
        job = (owner, query, agent_id, conversation_id, thinking_summaries, files or [], tools or TurnConfig())
        async with self._turns.hold(owner, conversation_id):
            earlier, started = await self.starts.run_once(
                owner,
                idempotency_key,
                digest,
                lambda: self._start_research(*job, chosen, roots),
                id_of=lambda result: result[1].id,
                still_running=lambda interaction_id: self.starts.is_running(owner, interaction_id),
            )
        if started is not None:
            return (*started, notes)
        assert earlier is not None
        record = await self.starts.stored(owner, earlier)
        conversation = await self.load(owner, record.conversation_id or "")
        return conversation, record, [*notes, idempotency.reused_note(idempotency_key, earlier)]

    async def _start_research(
        self,
        owner: str,
        query: str,
        agent_id: str,
        conversation_id: str | None,
        thinking_summaries: bool,
        files: list[str],
        tools: TurnConfig,
        options: AgentOptions,
        roots: FileRoots | None,
    ) -> tuple[Conversation, InteractionRecord]:
        if self.spend is not None:
            await self.spend.check_research(owner, agent_id, options.service_tier)
        readable = (roots or server_roots(self.settings.file_roots)).for_files(files)
        conversation = await self.open(owner, conversation_id, query)
        await asking.after_pending(self, conversation, Deadline(self.settings.max_wait_seconds))
        blocks, _ = await worker.off_loop(
            lambda: inputs.content_blocks(files, readable), what="reading the files for this call", needed=bool(files)
        )
        request = CreateRequest(
            input=inputs.user_input(query, blocks),
            agent=agent_id,
            tools=requests.tool_objects(tools),
            previous_interaction_id=conversation.last_interaction_id,
            agent_config=options.agent_config(thinking_summaries),
            service_tier=options.service_tier,
            background=True,
            store=True,
        )
        data = await self.create(request)
        record = await self.record_turn(
            conversation, TurnConfig.from_stored(conversation.config), data, kind="agent", prompt=query, agent=agent_id
        )
        return conversation, record

    async def create(self, request: CreateRequest) -> InteractionData:
        try:
            return await self.backend.create(request)
        except errors.NotFoundError as err:
            raise translate_not_found(
                err, model=request.model, agent=request.agent, previous=request.previous_interaction_id
            ) from err

    async def record_turn(
        self,
        conversation: Conversation,
        config: TurnConfig,
        data: InteractionData,
        *,
        kind: str,
        prompt: str,
        model: str | None = None,
        agent: str | None = None,
        turn: dict[str, Any] | None = None,
        cursor: str | None = None,
    ) -> InteractionRecord:
        """Save a turn (also one Gemini has only just named: `cursor` is its first event) with its conversation."""
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
            event_cursor=cursor,
            created=stamp,
            updated=stamp,
            turn=turn or {},
        )
        charge = self.spend.bill(record, config.service_tier) if self.spend is not None else None
        conversation.config = config.to_stored()
        conversation.last_interaction_id = data.id
        conversation.turns += 1
        conversation.updated = stamp
        await self.store.record_turn(record, conversation, charge)  # all or none: a crash never half-records a turn
        return record

    async def delete(self, owner: str, conversation_id: str, *, delete_remote: bool) -> tuple[list[str], list[str]]:
        await self.load(owner, conversation_id, "Nothing was deleted")
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
