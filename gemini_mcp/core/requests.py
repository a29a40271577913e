"""Building the create request of one model turn from the merged `TurnConfig` and this turn's `TurnInputs`.

It covers generation settings, tool objects (built-in tools, File Search, MCP servers, functions), structured output,
function-result steps and files. `conversations.py` keeps the chain and calls these. Knows nothing about MCP.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from gemini_mcp import errors
from gemini_mcp.core import files as inputs
from gemini_mcp.core.answers import check_schema
from gemini_mcp.core.catalog import Catalog
from gemini_mcp.core.media import MediaParts, media_parts
from gemini_mcp.core.turn import (
    BUILTIN_TOOLS,
    FunctionDeclaration,
    FunctionResult,
    GoogleSearchTool,
    McpServer,
    TurnConfig,
    TurnInputs,
)
from gemini_mcp.gemini.jsonwalk import as_list
from gemini_mcp.gemini.port import CreateRequest
from gemini_mcp.store.port import Conversation

logger = logging.getLogger(__name__)
_HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,256}$")


def builtin_tools(entries: list[str | dict[str, Any]]) -> list[dict[str, Any]]:
    """``["google_search", {"type": "google_search", "search_types": [...]}, ...]`` -> tool objects (order kept,
    one per type: the first entry of a type wins)."""
    tools: dict[str, dict[str, Any]] = {}
    unknown: list[str] = []
    for entry in entries:
        if isinstance(entry, dict):
            tool = GoogleSearchTool.model_validate(entry).model_dump()
        elif entry in BUILTIN_TOOLS:
            tool = {"type": entry}
        else:
            unknown.append(entry)
            continue
        tools.setdefault(str(tool["type"]), tool)
    if unknown:
        raise errors.InvalidRequestError(
            f"tools: unknown tool(s) {', '.join(map(repr, unknown))}; choose from {', '.join(BUILTIN_TOOLS)}, or "
            '{"type": "google_search", "search_types": [...]}'
        )
    return list(tools.values())


def function_tools(declarations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Function declarations -> ``{"type": "function", name, description, parameters}`` tool objects."""
    tools: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, raw in enumerate(declarations):
        decl = FunctionDeclaration.model_validate(raw)
        if decl.name in seen:
            raise errors.InvalidRequestError(f"function_declarations[{index}]: the name {decl.name!r} is used twice")
        seen.add(decl.name)
        if decl.parameters is not None:
            try:
                check_schema(decl.parameters)
            except errors.InvalidRequestError as err:
                message = str(err).replace("response_schema", f"function_declarations[{index}].parameters", 1)
                raise errors.InvalidRequestError(message) from None
        tools.append({"type": "function", **decl.model_dump(exclude_none=True)})
    return tools


def file_search_tool(store_names: list[str]) -> list[dict[str, Any]]:
    names = [n.strip() for n in store_names if n.strip()]
    if not names:
        return []
    bad = [n for n in names if not n.startswith("fileSearchStores/")]
    if bad:
        raise errors.InvalidRequestError(
            f"file_search_store_names: {', '.join(map(repr, bad))} are not File Search store names; they look like "
            "'fileSearchStores/my-store-123' (create stores with the Gemini Files API)"
        )
    return [{"type": "file_search", "file_search_store_names": names}]


def check_headers(headers: dict[str, str], field: str) -> None:
    """HTTP header names must be tokens and values single-line: CR/LF would let a value inject more headers.
    Values are never echoed (they are often credentials)."""
    for name, value in headers.items():
        if not _HEADER_NAME.match(name):
            raise errors.InvalidRequestError(
                f"{field}: {name[:40]!r} is not an HTTP header name (letters, digits and !#$%&'*+-.^_`|~ only)"
            )
        if any(ch in value for ch in "\r\n\x00"):
            raise errors.InvalidRequestError(
                f"{field}: the value of {name!r} contains a line break or NUL character; header values are one line"
            )


def mcp_server_tools(servers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    tools: list[dict[str, Any]] = []
    for index, raw in enumerate(servers):
        server = McpServer.model_validate(raw)
        parts = urlsplit(server.url)
        if parts.scheme != "https" or not parts.netloc:
            raise errors.InvalidRequestError(
                f"mcp_servers[{index}].url: {server.url[:200]!r} must be an https URL Gemini can reach"
            )
        tool: dict[str, Any] = {"type": "mcp_server", "name": server.name, "url": server.url}
        if server.headers:
            check_headers(server.headers, f"mcp_servers[{index}].headers")
            tool["headers"] = dict(server.headers)
        if server.allowed_tools:
            tool["allowed_tools"] = [{"mode": "validated", "tools": list(server.allowed_tools)}]
        tools.append(tool)
    return tools


def tool_objects(config: TurnConfig) -> list[dict[str, Any]] | None:
    """All tool objects for a turn from the (merged, remembered) turn config; None when there are none."""
    tools = [
        *builtin_tools(config.tools or []),
        *file_search_tool(config.file_search_store_names or []),
        *mcp_server_tools(config.mcp_servers or []),
        *function_tools(config.function_declarations or []),
    ]
    return tools or None


def function_result_steps(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`function_results` -> ``function_result`` input steps (strings and objects as they are; else wrapped)."""
    steps: list[dict[str, Any]] = []
    for raw in results:
        item = FunctionResult.model_validate(raw)
        value = item.result
        if not isinstance(value, (str, dict)):
            value = {"result": value}
        step: dict[str, Any] = {"type": "function_result", "call_id": item.call_id, "name": item.name, "result": value}
        if item.is_error:
            step["is_error"] = True
        steps.append(step)
    return steps


def structured_output(schema: dict[str, Any] | None) -> tuple[dict[str, Any] | None, str | None]:
    """(response_format, response_mime_type) for a response_schema; the schema is checked first."""
    if schema is None:
        return None, None
    check_schema(schema)
    return schema, "application/json"


def generation_config(
    config: TurnConfig, tool_choice: Any = None, media: MediaParts | None = None
) -> dict[str, Any] | None:
    generation = config.generation()
    if config.include_thoughts is not None:
        generation["thinking_summaries"] = "auto" if config.include_thoughts else "none"
    if tool_choice is not None:
        generation["tool_choice"] = tool_choice
    if media is not None and media.speech_config:
        generation["speech_config"] = media.speech_config
    return generation or None


def tool_choice(config: TurnConfig, extras: TurnInputs) -> str | dict[str, Any] | None:
    """This turn's tool_choice, checked against the functions the conversation declares."""
    choice = extras.tool_choice
    if choice is None:
        return None
    declared = [str(d.get("name")) for d in config.function_declarations or []]
    mcp_tools = [str(t) for s in config.mcp_servers or [] for t in as_list(s.get("allowed_tools"))]
    mode = choice if isinstance(choice, str) else str(choice.get("mode") or "auto")
    if mode in ("any", "validated") and not declared and not config.mcp_servers:
        raise errors.InvalidRequestError(
            f"tool_choice: {mode!r} forces a function call, but this conversation declares no functions; "
            "pass function_declarations (or use auto / none)"
        )
    if isinstance(choice, str):
        return choice
    names = [str(n) for n in as_list(choice.get("tools"))]
    unknown = [n for n in names if n not in declared and n not in mcp_tools]
    if unknown and not any(not s.get("allowed_tools") for s in config.mcp_servers or []):
        raise errors.InvalidRequestError(
            f"tool_choice.tools: {', '.join(map(repr, unknown))} are not declared; declared functions: "
            f"{', '.join(declared) or 'none'}"
        )
    return {"allowed_tools": {"mode": mode, "tools": names}}


def response_format(schema: dict[str, Any] | None, media: MediaParts) -> Any:
    """The raw schema alone (as before), or a list of typed entries when image/audio formats join it."""
    if not media.formats:
        return schema
    text = [{"type": "text", "mime_type": "application/json", "schema": schema}] if schema is not None else []
    return [*text, *media.formats]


def check_chain(
    conversation: Conversation, remembered: TurnConfig, extras: TurnInputs, given_conversation: bool
) -> None:
    """Refuse what Gemini cannot do: continue an unstored turn, or chain a store=false turn."""
    if conversation.last_interaction_id and remembered.store is False:
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


def build_input(prompt: str | None, extras: TurnInputs, roots: Sequence[Path]) -> str | list[dict[str, Any]]:
    """The create body's input: function_result steps (then the prompt, if any), or files + prompt, or the prompt."""
    blocks, infos = inputs.content_blocks(extras.files, roots) if extras.files else ([], [])
    if infos:
        logger.info("files: %s", ", ".join(f"{i.kind} {i.mime_type}" for i in infos))
    steps = function_result_steps(extras.function_results)
    if not steps:
        if not prompt:
            raise errors.InvalidRequestError(
                "prompt: required (the message for Gemini), unless function_results answer the previous turn's "
                "function calls"
            )
        return inputs.user_input(prompt, blocks)
    if not prompt and not blocks:
        return steps  # only the results, as the API's function round trip sends them
    text = [{"type": "text", "text": prompt}] if prompt else []
    return [*steps, {"type": "user_input", "content": [*blocks, *text]}]


def build_request(
    prompt: str | None,
    config: TurnConfig,
    extras: TurnInputs,
    *,
    given: TurnConfig,
    previous_interaction_id: str | None,
    roots: Sequence[Path],
    catalog: Catalog,
) -> CreateRequest:
    """The create request for a model turn (`given`: the settings this turn set itself). Arguments are checked
    before anything is sent."""
    schema, mime = structured_output(extras.response_schema)
    media = media_parts(config, given, config.model or "", catalog, json_mode=extras.json_mode)
    tools = tool_objects(config)
    return CreateRequest(
        input=build_input(prompt, extras, roots),
        model=config.model,
        previous_interaction_id=previous_interaction_id,
        system_instruction=config.system_instruction,
        generation_config=generation_config(config, tool_choice(config, extras), media),
        tools=tools,
        response_format=response_format(schema, media),
        response_mime_type=mime or ("application/json" if extras.json_mode else None),
        response_modalities=media.response_modalities,
        service_tier=config.service_tier,
        store=False if not extras.store else None,
    )
