"""One ask_gemini turn under the call bound: where it chains, and how it is run, handed back or left running.

`open_turn` finds the conversation a turn continues (a new one on `previous_interaction_id`, imported from
Gemini when this server never saw it) and waits, within the call's `Deadline`, for a turn of it that is
still running: the next turn chains after it, never beside it. `run_turn` streams the turn (its id known at
Gemini's first event) through the `TurnRunner`, or starts it in the background, and shapes what the call
returns: the answer, or the handle of a turn that goes on. Knows nothing about MCP.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gemini_mcp import errors
from gemini_mcp.core import recorded, shaping, worker
from gemini_mcp.core.pending import Deadline, ProgressFn
from gemini_mcp.core.results import AskResult
from gemini_mcp.core.turn import TurnConfig, TurnInputs
from gemini_mcp.gemini.port import RUNNING_STATUSES, CreateRequest, InteractionData
from gemini_mcp.store.port import Conversation, InteractionRecord

if TYPE_CHECKING:
    from gemini_mcp.core.conversations import Conversations, Turn


@dataclass
class Ask:
    """A turn ready to send: its conversation, the config to remember, the request, and what shapes its answer."""

    conversation: Conversation
    config: TurnConfig
    request: CreateRequest
    prompt: str
    inputs: TurnInputs
    model: str
    notes: list[str]
    background: bool


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


async def open_turn(chats: Conversations, owner: str, turn: Turn, title: str, deadline: Deadline) -> Conversation:
    """The conversation a turn chains on (new on `previous_interaction_id`), once its pending turn ended."""
    previous_id = turn.previous_interaction_id
    if not previous_id:
        conversation = await chats.open(owner, turn.conversation_id, title)
    elif turn.conversation_id:
        raise errors.InvalidRequestError(
            "previous_interaction_id starts a new conversation chained on that interaction; give either "
            "conversation_id (to continue one of yours) or previous_interaction_id, not both."
        )
    else:
        previous = await chats.interactions.find(owner, previous_id)
        conversation = await chats.open(owner, None, title)
        conversation.last_interaction_id = previous.id
    await after_pending(chats, conversation, deadline)
    return conversation


async def after_pending(chats: Conversations, conversation: Conversation, deadline: Deadline) -> None:
    """Wait for the conversation's last turn if it still runs: a new turn chains after it, never beside it."""
    last = conversation.last_interaction_id
    record = await chats.store.get_interaction(conversation.owner, last) if last else None
    if record is None or record.status not in RUNNING_STATUSES:
        return
    if await chats.runner.settle(record, deadline) is None:
        raise errors.ConversationBusyError(
            f"The previous turn of conversation_id={conversation.id} (interaction {last}) is still running; this turn "
            f'must chain after it, so it was not sent. Call get_interaction(interaction_id="{last}", '
            f"wait_seconds={deadline.seconds:g}) until done is true, then send this turn again."
        )


async def run_turn(chats: Conversations, ask: Ask, on_progress: ProgressFn | None, deadline: Deadline) -> AskResult:
    """Send the turn; return its answer, or (past the deadline, or in the background) its handle."""
    meta = recorded.turn_meta(ask.inputs, ask.notes)
    if ask.background:
        return await _start_background(chats, ask, meta, deadline)

    async def started(interaction_id: str, cursor: str | None) -> InteractionRecord:
        data = InteractionData(id=interaction_id, status="in_progress", model=ask.model)
        return await chats.record_turn(
            ask.conversation,
            ask.config,
            data,
            kind="model",
            prompt=ask.prompt,
            model=ask.model,
            turn=meta,
            cursor=cursor,
        )

    request = ask.request
    try:
        outcome = await chats.runner.wait(
            chats.runner.start(request, started, on_progress, ask.config.service_tier), deadline
        )
    except errors.NotFoundError as err:
        raise translate_not_found(err, model=ask.model, agent=None, previous=request.previous_interaction_id) from err
    if isinstance(outcome, InteractionData):
        data = outcome
        return await worker.off_loop(
            lambda: shaping.shape(ask.conversation, data, ask.model, ask.notes, ask.inputs),
            what=f"checking Gemini's answer (conversation {ask.conversation.id})",
            needed=ask.inputs.response_schema is not None,
        )
    if outcome.status in RUNNING_STATUSES:
        return recorded.pending_answer(outcome, deadline.seconds, background=False)
    return recorded.answer_of(outcome)


async def _start_background(chats: Conversations, ask: Ask, meta: dict[str, Any], deadline: Deadline) -> AskResult:
    if not ask.inputs.store:
        raise errors.InvalidRequestError(
            "background=true needs store=true: Gemini only runs stored interactions in the background."
        )
    ask.request.background = True
    data = await chats.create(ask.request)
    record = await chats.record_turn(
        ask.conversation, ask.config, data, kind="model", prompt=ask.prompt, model=ask.model, turn=meta
    )
    if record.status not in RUNNING_STATUSES:
        return recorded.answer_of(record)
    chats.interactions.watcher.follow(record)
    return recorded.pending_answer(record, deadline.seconds, background=True)
