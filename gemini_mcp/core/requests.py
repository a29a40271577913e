"""The issue-4 half of one turn: building the create request from the merged turn config and the per-turn
inputs (files, function results, response schema, store), and shaping the answer into an `AskResult`
(JSON, function calls, citations, tool activity, thoughts, images, full usage). `conversations.py` keeps
the chain and calls these. Knows nothing about MCP.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gemini_mcp import errors
from gemini_mcp.core import answers as outputs
from gemini_mcp.core import files as inputs
from gemini_mcp.core import shaping
from gemini_mcp.core import turn as turn_config
from gemini_mcp.core.parts import GeneratedImage
from gemini_mcp.core.results import AskResult, Usage
from gemini_mcp.gemini.port import CreateRequest, InteractionData
from gemini_mcp.store.sqlite import Conversation

logger = logging.getLogger(__name__)

GENERATION_KEYS = ("temperature", "thinking_level", "max_output_tokens")
#: Turn config a conversation remembers besides model and system instruction (a value given on a turn
#: overrides and is remembered; an empty list clears it).
REMEMBERED_KEYS = (
    *GENERATION_KEYS,
    "include_thoughts",
    "tools",
    "file_search_store_names",
    "mcp_servers",
    "function_declarations",
    "store",
)
STORE_FALSE_NOTE = (
    "store=false: Gemini kept nothing of this turn, so it cannot be continued; a later call with this "
    "conversation_id is refused. Start a new conversation for follow-ups."
)


@dataclass
class TurnInputs:
    """Per-turn inputs that are never remembered."""

    files: list[str] = field(default_factory=list[str])
    function_results: list[dict[str, Any]] = field(default_factory=list[dict[str, Any]])
    response_schema: dict[str, Any] | None = None
    store: bool = True


def image_uri(interaction_id: str, index: int) -> str:
    return f"gemini://interactions/{interaction_id}/images/{index}"


def generation_config(config: dict[str, Any]) -> dict[str, Any] | None:
    generation = {key: config[key] for key in GENERATION_KEYS if config.get(key) is not None}
    if config.get("include_thoughts") is not None:
        generation["thinking_summaries"] = "auto" if config["include_thoughts"] else "none"
    return generation or None


def check_chain(conversation: Conversation, extras: TurnInputs, given_conversation: bool) -> None:
    """Refuse what Gemini cannot do: continue an unstored turn, or chain a store=false turn."""
    if conversation.last_interaction_id and conversation.config.get("store") is False:
        raise errors.InvalidRequestError(
            f"Conversation '{conversation.id}' cannot be continued: its last turn was sent with store=false, so "
            "Gemini kept nothing to chain on. Call without conversation_id to start a new conversation."
        )
    if not extras.store and conversation.last_interaction_id:
        raise errors.InvalidRequestError(
            "store=false cannot continue a conversation: Gemini only chains on stored interactions. Omit "
            "conversation_id (a one-off turn), or leave store at its default (true)."
        )
    if extras.function_results and not given_conversation:
        raise errors.InvalidRequestError(
            "function_results answer the function calls of an earlier turn: pass that turn's conversation_id too."
        )


def build_input(prompt: str, extras: TurnInputs, roots: Sequence[Path]) -> str | list[dict[str, Any]]:
    """The create body's input: function_result steps (then the prompt), or files + prompt, or the prompt."""
    blocks, infos = inputs.content_blocks(extras.files, roots) if extras.files else ([], [])
    if infos:
        logger.info("files: %s", ", ".join(f"{i.kind} {i.mime_type}" for i in infos))
    steps = turn_config.function_result_steps(extras.function_results)
    if not steps:
        return inputs.user_input(prompt, blocks)
    return [*steps, {"type": "user_input", "content": [*blocks, {"type": "text", "text": prompt}]}]


def build_request(
    prompt: str,
    config: dict[str, Any],
    extras: TurnInputs,
    *,
    previous_interaction_id: str | None,
    roots: Sequence[Path],
) -> CreateRequest:
    """The create request for a model turn. Arguments are checked before anything is sent."""
    response_format, mime = turn_config.structured_output(extras.response_schema)
    tools = turn_config.tool_objects(config)
    return CreateRequest(
        input=build_input(prompt, extras, roots),
        model=config.get("model"),
        previous_interaction_id=previous_interaction_id,
        system_instruction=config.get("system_instruction"),
        generation_config=generation_config(config),
        tools=tools,
        response_format=response_format,
        response_mime_type=mime,
        store=False if not extras.store else None,
    )


def remembered(config: dict[str, Any], extras: TurnInputs) -> dict[str, Any]:
    """The config to keep for later turns (store is remembered only when false)."""
    kept = dict(config)
    kept.pop("store", None)
    if not extras.store:
        kept["store"] = False
    return kept


def shape(
    conversation: Conversation, data: InteractionData, model: str, notes: list[str], extras: TurnInputs
) -> AskResult:
    """The tool result for one answered turn. A response_schema answer that is not valid JSON raises (after
    the turn was recorded, so the conversation stays consistent)."""
    pictures = outputs.images(data.steps)
    result = AskResult(
        conversation_id=conversation.id,
        interaction_id=data.id,
        status=data.status,
        model=data.model or model,
        text=data.text,
        citations=outputs.citations(data.steps),
        function_calls=shaping.function_calls(data.steps) if data.status == "requires_action" else [],
        tool_activity=outputs.tool_activity(data.steps),
        thoughts=outputs.thoughts(data.steps),
        images=[
            GeneratedImage(index=i, mime_type=p.mime_type, uri=image_uri(data.id, i), source_uri=p.uri)
            for i, p in enumerate(pictures)
        ],
        usage=Usage.from_raw(data.usage),
        notes=list(notes),
    )
    result.set_image_data([(p.mime_type, p.data) for p in pictures if p.data])
    if not extras.store:
        result.notes.append(STORE_FALSE_NOTE)
    if data.status == "requires_action" and result.function_calls:
        result.notes.append(
            "Gemini asks you to call the function(s) in function_calls. Run them, then call ask_gemini with this "
            "conversation_id and function_results=[{call_id, name, result}]."
        )
    if extras.response_schema is not None and data.status == "completed":
        try:
            result.json_ = outputs.parse_json(data.text, extras.response_schema, interaction_id=data.id)
        except errors.StructuredOutputError as err:
            raise errors.StructuredOutputError(
                f"{err} The turn is kept in conversation_id={conversation.id}: continue it (e.g. ask Gemini to fix "
                "the JSON, with the same response_schema) or start again."
            ) from None
    return result
