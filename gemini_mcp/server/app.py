"""Composition root: `build_server(settings) -> MCPServer` and the typed lifespan."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncGenerator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager

import anyio
from mcp.server import MCPServer

from gemini_mcp import __version__
from gemini_mcp.config import Settings
from gemini_mcp.core.conversations import Conversations
from gemini_mcp.core.demand import Polling
from gemini_mcp.core.interactions import Interactions
from gemini_mcp.core.models import Models
from gemini_mcp.core.paths import protect
from gemini_mcp.core.prices import load_prices
from gemini_mcp.core.spend import Spend
from gemini_mcp.core.watcher import Watcher
from gemini_mcp.errors import TokenConfigError
from gemini_mcp.gemini.genai import GenAIBackend
from gemini_mcp.gemini.port import GeminiBackend
from gemini_mcp.server import resources, tasks, tools
from gemini_mcp.server.auth import budget_overrides, load_tokens
from gemini_mcp.server.calllog import log_tool_calls
from gemini_mcp.server.prompts import register_prompts
from gemini_mcp.server.state import AppState, Running
from gemini_mcp.store.opening import open_store
from gemini_mcp.store.port import Store

logger = logging.getLogger(__name__)

INSTRUCTIONS = """\
This server gives you Google Gemini through the Interactions API.
- ask_gemini: one turn with a Gemini model (a second opinion, a long-context or multimodal question).
  It returns a conversation_id; pass it back to continue the same conversation: the server keeps the
  chain and re-sends the remembered system_instruction and settings each turn.
  A turn that takes longer than the server's wait limit (45 s by default) returns status in_progress with
  its interaction_id; get_interaction(interaction_id, wait_seconds=45) then returns the same answer.
- start_deep_research: a multi-minute, cited research report by Gemini's Deep Research agent. It returns
  an interaction_id at once and runs in the background. Then call get_interaction(interaction_id,
  wait_seconds=up to 45) repeatedly until done is true; page long output with offset/max_chars or read
  the gemini://interactions/{id}/report resource. cancel_interaction stops a run.
- list_conversations / list_interactions find earlier work; delete_conversation forgets a conversation.
- The gemini://models resource lists the models and agents you may pass as model / agent.
"""


def principal_budgets(settings: Settings) -> dict[str, float]:
    """Per-principal daily budgets from the HTTP tokens (a broken token list is reported by the HTTP app)."""
    raw = settings.http_tokens.get_secret_value() if settings.http_tokens is not None else None
    try:
        return budget_overrides(load_tokens(raw, settings.http_tokens_file))
    except TokenConfigError as err:
        logger.warning("Per-principal budgets not read: %s", err)
        return {}


def make_lifespan(
    settings: Settings,
    backend: GeminiBackend | None,
    store: Store | None,
    running: Running,
    clock: Callable[[], float] = time.time,
) -> Callable[[MCPServer[AppState]], AbstractAsyncContextManager[AppState]]:
    table = load_prices(settings.prices_file)  # a bad prices file stops the server at start, with its problem
    overrides = principal_budgets(settings)

    @asynccontextmanager
    async def lifespan(_server: MCPServer[AppState]) -> AsyncGenerator[AppState]:
        async with AsyncExitStack() as opened:  # the store (PostgreSQL: with its LISTEN task) closes last
            the_store: Store = store if store is not None else await opened.enter_async_context(open_store(settings))
            spend = Spend(settings, the_store, table, overrides=overrides, clock=clock)
            async with _serving(settings, backend, the_store, spend, running) as state:
                yield state

    return lifespan


@asynccontextmanager
async def _serving(
    settings: Settings, backend: GeminiBackend | None, the_store: Store, spend: Spend, running: Running
) -> AsyncGenerator[AppState]:
    """The lifespan's body on an open store: the watcher, warm-up and model refresh in one task group."""
    the_backend: GeminiBackend = backend if backend is not None else GenAIBackend(settings)
    polling = Polling(first=settings.poll_seconds, per_second=settings.polls_per_second)
    watcher = Watcher(the_store, the_backend, spend, lease_ttl=settings.lease_ttl, polling=polling)
    models = Models(settings, the_store, the_backend)
    for warning in models.startup_warnings():
        logger.warning("%s", warning)
    try:
        async with anyio.create_task_group() as task_group:
            await watcher.run(task_group)
            task_group.start_soon(watcher.adopt_forever)
            task_group.start_soon(_warm_up, the_backend)
            task_group.start_soon(_keep_models_current, models)
            interactions = Interactions(
                the_store, the_backend, watcher, spend=spend, max_wait=settings.max_wait_seconds
            )
            conversations = Conversations(settings, the_store, the_backend, models, interactions)
            conversations.spend = spend
            try:
                running.app = AppState(
                    settings=settings,
                    store=the_store,
                    backend=the_backend,
                    watcher=watcher,
                    models=models,
                    conversations=conversations,
                    interactions=interactions,
                    spend=spend,
                )
                yield running.app
            finally:
                running.app = None
                task_group.cancel_scope.cancel()
    finally:
        with anyio.CancelScope(shield=True):
            if backend is None:
                await the_backend.aclose()


WARM_UP_DELAY = 1.0


async def _warm_up(backend: GeminiBackend) -> None:
    """Load the Gemini SDK shortly after start-up, so the first call does not pay for it (start-up still doesn't)."""
    warm = getattr(backend, "warm_up", None)
    if warm is None:
        return
    await anyio.sleep(WARM_UP_DELAY)
    try:
        await warm()
    except Exception:  # a failure here resurfaces, with its proper message, on the first real call
        logger.debug("SDK warm-up failed", exc_info=True)


async def _keep_models_current(models: Models) -> None:
    """Gemini's model list, once loaded (on first need; from the store's cache while fresh), is refreshed daily."""
    try:
        await models.refresh_forever()
    except Exception:  # never take the server down: calls fall back to the shipped catalog
        logger.warning("the model list refresher stopped; the catalog stays as it is", exc_info=True)


def build_server(
    settings: Settings,
    *,
    backend: GeminiBackend | None = None,
    store: Store | None = None,
    clock: Callable[[], float] = time.time,
) -> MCPServer[AppState]:
    """A fresh MCP server. Long-lived resources open in the lifespan, not here. `clock` times the budget window."""
    running = Running()
    server = MCPServer[AppState](
        "gemini-mcp",
        title="Gemini (Interactions API)",
        instructions=INSTRUCTIONS,
        version=__version__,
        lifespan=make_lifespan(settings, backend, store, running, clock),
        log_level=settings.log_level,
    )
    db = settings.db_path  # every principal's conversations: never sent as `files`, on any transport
    protect(db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm"))
    tools.register(server)
    resources.register(server, running)
    register_prompts(server)
    server.middleware.append(log_tool_calls)
    tasks.install(server)
    return server
