"""What one turn asks for (`Turn`): the remembered `TurnConfig`, this turn's `TurnInputs`, the tools' argument shapes.

`TurnConfig` is the settings a conversation remembers; `TurnInputs` is used by this turn only; the argument
shapes the tools advertise are `FunctionDeclaration`, `FunctionResult` and `McpServer`.
`core/requests.py` turns these into the create request. Knows nothing about MCP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field

from gemini_mcp.core.roots import FileRoots

BuiltinTool = Literal["google_search", "code_execution", "url_context"]
BUILTIN_TOOLS: tuple[str, ...] = ("google_search", "code_execution", "url_context")
#: "Any JSON value", spelled as single-type anyOf branches so strict schema checkers see a validation keyword.
JSON_TYPES = ("object", "array", "string", "number", "integer", "boolean", "null")
NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_.\-]{0,63}$"
SearchType = Literal["web_search", "image_search", "enterprise_web_search"]
AspectRatio = Literal[
    "1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9", "1:8", "8:1", "1:4", "4:1"
]  # fmt: skip
ImageSize = Literal["512", "1K", "2K", "4K"]
ToolChoiceMode = Literal["auto", "any", "none", "validated"]


class GoogleSearchTool(BaseModel):
    """Google Search limited to some search types (the plain string "google_search" means web search)."""

    type: Literal["google_search"] = Field(description='Always "google_search".')
    search_types: list[SearchType] = Field(
        min_length=1, description="web_search, image_search and/or enterprise_web_search."
    )


class ImageSettings(BaseModel):
    """How an image model draws: shape and size (image models only; see gemini://models)."""

    aspect_ratio: AspectRatio | None = Field(default=None, description="e.g. 1:1, 16:9, 9:16, 4:3, 21:9.")
    image_size: ImageSize | None = Field(default=None, description="512, 1K (default), 2K or 4K.")


class AllowedTools(BaseModel):
    """Only these functions may be called on this turn."""

    tools: list[str] = Field(min_length=1, description="Names of declared functions (or MCP server tools).")
    mode: Literal["auto", "any", "validated"] = Field(
        default="auto", description="auto: Gemini decides; any/validated: it must call one of them."
    )


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
    result: Any = Field(
        description="What the function returned: a string or any JSON value.",
        json_schema_extra={"anyOf": [{"type": t} for t in JSON_TYPES]},
    )
    is_error: bool = Field(default=False, description="True if the function failed (result says why).")


class McpServer(BaseModel):
    """A remote MCP server Gemini itself calls (Streamable HTTP, reachable from Google)."""

    name: str = Field(pattern=NAME_PATTERN, description="A short name for the server.")
    url: str = Field(description="Its https URL, e.g. https://api.example.com/mcp.")
    headers: dict[str, str] | None = Field(default=None, description="HTTP headers Gemini sends, e.g. Authorization.")
    allowed_tools: list[str] | None = Field(default=None, description="Only these of its tools (default: all).")


class _GenerationSetting:
    """Marks a `TurnConfig` field that is sent inside the request's ``generation_config`` under its own name."""


GENERATION = _GenerationSetting()


class TurnConfig(BaseModel):
    """The turn settings a conversation remembers: every field, and nothing else.

    None means "not given". A value given on a turn overrides the remembered one and is remembered from
    then on (an empty list clears a list). Stored as a JSON object (`to_stored`); `from_stored` reads what
    any earlier release stored. To remember a new setting, add a field here (with `GENERATION` when it
    goes into ``generation_config`` as is); `core/requests.py` builds the request from these fields.
    """

    model_config = ConfigDict(extra="ignore")

    model: str | None = None
    system_instruction: str | None = None
    thinking_level: Annotated[str | None, GENERATION] = None
    temperature: Annotated[float | None, GENERATION] = None
    max_output_tokens: Annotated[int | None, GENERATION] = None
    top_p: Annotated[float | None, GENERATION] = None
    seed: Annotated[int | None, GENERATION] = None
    stop_sequences: Annotated[list[str] | None, GENERATION] = None
    service_tier: str | None = None
    response_modalities: list[str] | None = None
    voice: str | None = None
    image_config: dict[str, Any] | None = None
    include_thoughts: bool | None = None
    #: Built-in tool names, or objects such as {"type": "google_search", "search_types": [...]}.
    tools: list[str | dict[str, Any]] | None = None
    file_search_store_names: list[str] | None = None
    mcp_servers: list[dict[str, Any]] | None = None
    function_declarations: list[dict[str, Any]] | None = None
    #: Only ever False: the last turn was sent with store=false, so the conversation cannot be continued.
    store: Literal[False] | None = None

    @classmethod
    def from_stored(cls, stored: dict[str, Any]) -> TurnConfig:
        return cls.model_validate(stored)

    def to_stored(self) -> dict[str, Any]:
        """The JSON object the store keeps (unset settings left out)."""
        return self.model_dump(mode="json", exclude_none=True)

    def merge(self, given: TurnConfig) -> TurnConfig:
        """These settings, overridden by those `given` on this turn."""
        names = type(given).model_fields
        return self.model_copy(update={n: getattr(given, n) for n in names if getattr(given, n) is not None})

    def generation(self) -> dict[str, Any]:
        """The settings marked `GENERATION` that are set, by name."""
        fields = type(self).model_fields
        values = {name: getattr(self, name) for name, info in fields.items() if GENERATION in info.metadata}
        return {name: value for name, value in values.items() if value is not None and value != []}

    def after_turn(self, stored: bool) -> TurnConfig:
        """What to remember after a turn sent with `stored` (the store flag is remembered only when false)."""
        return self.model_copy(update={"store": None if stored else False})

    def redacted(self) -> dict[str, Any]:
        """The remembered settings for display: MCP server header values hidden."""
        shown = self.to_stored()
        if self.mcp_servers:
            shown["mcp_servers"] = [_redact_server(s) for s in shown["mcp_servers"]]
        return shown


def _redact_server(server: dict[str, Any]) -> dict[str, Any]:
    headers = server.get("headers")
    if not isinstance(headers, dict) or not headers:
        return server
    return {**server, "headers": dict.fromkeys(cast(dict[str, Any], headers), "***")}


@dataclass
class TurnInputs:
    """Per-turn inputs that are never remembered."""

    files: list[str] = field(default_factory=list[str])
    function_results: list[dict[str, Any]] = field(default_factory=list[dict[str, Any]])
    response_schema: dict[str, Any] | None = None
    store: bool = True
    #: auto | any | none | validated, or an `AllowedTools` dump ({"tools": [...], "mode": ...}).
    tool_choice: str | dict[str, Any] | None = None
    json_mode: bool = False


@dataclass
class AgentOptions:
    """The Deep Research settings the API takes for agents (agent_config fields and service_tier)."""

    service_tier: str | None = None
    visualization: str | None = None
    collaborative_planning: bool | None = None
    enable_bigquery_tool: bool | None = None

    def agent_config(self, thinking_summaries: bool) -> dict[str, Any]:
        """The ``agent_config`` of a Deep Research run (fields left unset are not sent)."""
        fields = {
            "type": "deep-research",
            "thinking_summaries": "auto" if thinking_summaries else "none",
            "visualization": self.visualization,
            "collaborative_planning": self.collaborative_planning,
            "enable_bigquery_tool": self.enable_bigquery_tool,
        }
        return {name: value for name, value in fields.items() if value is not None}


@dataclass
class Turn:
    """What one ask_gemini call asks for. None means "not given on this turn"."""

    prompt: str | None  # None: only function_results answer the previous turn
    conversation_id: str | None = None
    config: TurnConfig = field(default_factory=TurnConfig)  # settings given on this turn (remembered)
    inputs: TurnInputs = field(default_factory=TurnInputs)  # files, function results, schema, store (not)
    idempotency_key: str | None = None
    background: bool = False  # start it as a background interaction and return the handle at once
    previous_interaction_id: str | None = None  # start a new conversation chained on this interaction
    roots: FileRoots | None = None  # where local `files` may be read (the client's); None: the server's own
