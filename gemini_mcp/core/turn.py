"""Issue-4 turn options -> Interactions API request fields (tools, structured output, function steps).

The argument shapes the tools advertise (`FunctionDeclaration`, `FunctionResult`, `McpServer`) live here
with the functions that turn them into the API's tool objects and input steps, so tools.py stays thin
and the conversation logic only merges and remembers. Knows nothing about MCP.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field

from gemini_mcp import errors
from gemini_mcp.core.answers import check_schema
from gemini_mcp.gemini.jsonwalk import as_dict, as_list

BuiltinTool = Literal["google_search", "code_execution", "url_context"]
BUILTIN_TOOLS: tuple[str, ...] = ("google_search", "code_execution", "url_context")
NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_.\-]{0,63}$"


class FunctionDeclaration(BaseModel):
    """A function Gemini may ask you to call (you run it and answer with function_results)."""

    name: str = Field(pattern=NAME_PATTERN, description="Function name: letters, digits, _ . -; max 64.")
    description: str | None = Field(default=None, description="What it does and when to call it.")
    parameters: dict[str, Any] | None = Field(
        default=None, description='JSON Schema of its arguments object, e.g. {"type": "object", "properties": ...}.'
    )


class FunctionResult(BaseModel):
    """Your answer to one function call Gemini made (status requires_action)."""

    call_id: str = Field(min_length=1, description="The id of the function call (function_calls[].id).")
    name: str = Field(min_length=1, description="The function's name.")
    result: Any = Field(description="What the function returned: a string or any JSON value.")
    is_error: bool = Field(default=False, description="True if the function failed (result says why).")


class McpServer(BaseModel):
    """A remote MCP server Gemini itself calls (Streamable HTTP, reachable from Google)."""

    name: str = Field(pattern=NAME_PATTERN, description="A short name for the server.")
    url: str = Field(description="Its https URL, e.g. https://api.example.com/mcp.")
    headers: dict[str, str] | None = Field(default=None, description="HTTP headers Gemini sends, e.g. Authorization.")
    allowed_tools: list[str] | None = Field(default=None, description="Only these of its tools (default: all).")


def builtin_tools(names: list[str]) -> list[dict[str, Any]]:
    """``["google_search", ...]`` -> ``[{"type": "google_search"}, ...]`` (order kept, duplicates dropped)."""
    unknown = [n for n in names if n not in BUILTIN_TOOLS]
    if unknown:
        raise errors.InvalidRequestError(
            f"tools: unknown tool(s) {', '.join(map(repr, unknown))}; choose from {', '.join(BUILTIN_TOOLS)}"
        )
    return [{"type": name} for name in dict.fromkeys(names)]


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
            tool["headers"] = dict(server.headers)
        if server.allowed_tools:
            tool["allowed_tools"] = [{"mode": "validated", "tools": list(server.allowed_tools)}]
        tools.append(tool)
    return tools


def tool_objects(config: dict[str, Any]) -> list[dict[str, Any]] | None:
    """All tool objects for a turn from the (merged, remembered) turn config; None when there are none."""
    tools = [
        *builtin_tools(list(config.get("tools") or [])),
        *file_search_tool(list(config.get("file_search_store_names") or [])),
        *mcp_server_tools(list(config.get("mcp_servers") or [])),
        *function_tools(list(config.get("function_declarations") or [])),
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


def redact(config: dict[str, Any]) -> dict[str, Any]:
    """The remembered config for display: MCP server header values hidden."""
    shown = dict(config)
    servers = as_list(config.get("mcp_servers"))
    if servers:
        shown["mcp_servers"] = [_redact_server(as_dict(s)) for s in servers]
    return shown


def _redact_server(server: dict[str, Any]) -> dict[str, Any]:
    headers = as_dict(server.get("headers"))
    return {**server, "headers": dict.fromkeys(headers, "***")} if headers else server
