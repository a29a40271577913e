"""The tool arguments' types: each an `Annotated` type whose `Field` gives the advertised JSON Schema."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from gemini_mcp.core.turn import (
    AllowedTools,
    BuiltinTool,
    FunctionDeclaration,
    FunctionResult,
    GoogleSearchTool,
    ImageSettings,
    McpServer,
    ToolChoiceMode,
)

Prompt = Annotated[str, Field(min_length=1, description="The message for Gemini.")]
OptionalPrompt = Annotated[
    str | None,
    Field(min_length=1, description="The message for Gemini. Required, except when function_results answer a turn."),
]
ConversationId = Annotated[
    str | None,
    Field(description="Continue this conversation (an id returned earlier). Omit to start a new conversation."),
]
InteractionId = Annotated[str, Field(min_length=1, description="An interaction_id returned by an earlier call.")]
Status = Literal[
    "in_progress", "queued", "requires_action", "completed", "failed", "cancelled", "incomplete", "budget_exceeded"
]
Limit = Annotated[int, Field(ge=1, le=200, description="How many to return, most recent first.")]

# ask_gemini's settings (remembered by the conversation: see core.turn.TurnConfig)
Model = Annotated[
    str | None, Field(description="Gemini model id (see the gemini://models resource). Default: the server's.")
]
SystemInstruction = Annotated[
    str | None, Field(description="System instruction; remembered for later turns of the conversation.")
]
ThinkingLevel = Annotated[
    Literal["minimal", "low", "medium", "high", "xhigh"] | None, Field(description="How much Gemini thinks first.")
]
Temperature = Annotated[float | None, Field(ge=0.0, le=2.0, description="Sampling temperature, 0-2.")]
MaxOutputTokens = Annotated[int | None, Field(ge=1, le=65536, description="Cap on answer tokens.")]
IncludeThoughts = Annotated[
    bool | None, Field(description="Return Gemini's thought summaries in `thoughts`. Remembered.")
]
BuiltinTools = Annotated[
    list[BuiltinTool | GoogleSearchTool] | None,
    Field(
        description="Built-in tools Gemini may use; remembered ([] turns them off). Google Search may be given as "
        '{"type": "google_search", "search_types": ["web_search", "image_search"]}.'
    ),
]
FunctionDeclarations = Annotated[
    list[FunctionDeclaration] | None,
    Field(description="Functions Gemini may ask you to call (see function_calls). Remembered."),
]
FileSearchStores = Annotated[
    list[str] | None,
    Field(description="File Search stores to search, e.g. ['fileSearchStores/my-docs-123']. Remembered."),
]
McpServers = Annotated[
    list[McpServer] | None,
    Field(description="Remote MCP servers (https) Gemini may call itself. Remembered for the conversation."),
]

# ask_gemini's per-turn inputs (never remembered)
ResponseSchema = Annotated[
    dict[str, Any] | None,
    Field(description="A JSON Schema object: Gemini answers with matching JSON, returned parsed in `json`."),
]
Files = Annotated[
    list[str] | None,
    Field(
        description="Local file paths (under the server's allowed roots) or https URLs: images, PDFs and office "
        "documents, audio, video, text. Sent with this turn only."
    ),
]
FunctionResults = Annotated[
    list[FunctionResult] | None,
    Field(description="Your results for the function_calls of the previous turn (needs conversation_id)."),
]
StoreFlag = Annotated[bool, Field(description="false: Google keeps nothing of this turn, and it cannot be continued.")]
IdempotencyKey = Annotated[
    str | None,
    Field(
        min_length=1,
        max_length=200,
        description="Any unique string for this request (e.g. a UUID). Repeating it within 24 h returns the "
        "interaction it started (and a finished turn's answer) instead of starting anything: safe retries.",
    ),
]

# issue 14: the rest of the API's per-turn settings (remembered unless said otherwise)
TopP = Annotated[float | None, Field(ge=0.0, le=1.0, description="Nucleus sampling: cumulative probability, 0-1.")]
Seed = Annotated[
    int | None, Field(ge=0, le=2_147_483_647, description="Sampling seed: the same seed and turn repeat an answer.")
]
StopSequences = Annotated[
    list[Annotated[str, Field(min_length=1)]] | None,
    Field(max_length=5, description="Up to 5 strings; the answer stops before the first one ([] clears)."),
]
ToolChoice = Annotated[
    ToolChoiceMode | AllowedTools | None,
    Field(
        description="This turn only: auto (default), any (must call a declared function), none (no calls), "
        "validated, or {tools: [names], mode} to allow only some functions."
    ),
]
ServiceTier = Annotated[
    Literal["flex", "standard", "priority"] | None,
    Field(description="flex: cheaper, for work that can wait; standard; priority: faster, costs more."),
]
ResponseModalities = Annotated[
    list[Literal["text", "image", "audio"]] | None,
    Field(min_length=1, description="What the answer may contain; what a model can output is in gemini://models."),
]
Voice = Annotated[
    str | None,
    Field(
        min_length=1,
        max_length=100,
        description="Speech models: the voice (e.g. Kore, Puck, Charon; or voices/<id>). The answer is audio.",
    ),
]
ImageConfig = Annotated[
    ImageSettings | None, Field(description="Image models: aspect_ratio and image_size of generated images.")
]
JsonMode = Annotated[
    bool,
    Field(description="This turn only: answer with JSON of any shape, returned parsed in `json` (no schema needed)."),
]

# start_deep_research's agent settings
Visualization = Annotated[
    Literal["off", "auto"] | None, Field(description="auto: the report may include charts and images.")
]
CollaborativePlanning = Annotated[
    bool | None, Field(description="Let the agent plan the research with you before it runs.")
]
EnableBigqueryTool = Annotated[bool | None, Field(description="Let the agent query BigQuery.")]

# ask_gemini's long-work options (issue 13)
Background = Annotated[
    bool,
    Field(
        description="true: start the turn in the background and return its interaction_id at once (for turns you "
        "know are long); follow it with get_interaction."
    ),
]
PreviousInteractionId = Annotated[
    str | None,
    Field(
        min_length=1,
        description="Start a new conversation chained on this interaction, e.g. one made by another tool or script "
        "(it is imported from Gemini). Not together with conversation_id.",
    ),
]
WaitSeconds = Annotated[
    float,
    Field(
        ge=0,
        le=3600,
        description="Wait up to this many seconds for the interaction to finish (at most the server's "
        "GEMINI_MCP_MAX_WAIT_SECONDS, 45 by default).",
    ),
]
