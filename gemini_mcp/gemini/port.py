"""The Gemini port: the `GeminiBackend` protocol and the SDK-independent data it speaks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from gemini_mcp.gemini.jsonwalk import as_dict, as_list

RUNNING_STATUSES = frozenset({"in_progress", "queued", "idle", "requires_continuation"})


@dataclass
class CreateRequest:
    """The body of one `interactions.create` call (only the fields that are set are sent)."""

    input: Any
    model: str | None = None
    agent: str | None = None
    previous_interaction_id: str | None = None
    system_instruction: str | None = None
    generation_config: dict[str, Any] | None = None
    agent_config: dict[str, Any] | None = None
    tools: list[dict[str, Any]] | None = None
    response_format: Any = None
    response_mime_type: str | None = None
    response_modalities: list[str] | None = None
    service_tier: str | None = None
    background: bool | None = None
    store: bool | None = None

    def body(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value is not None}


@dataclass
class InteractionData:
    """An interaction as the server sees it, independent of SDK types."""

    id: str
    status: str
    model: str | None = None
    agent: str | None = None
    text: str = ""
    usage: dict[str, Any] | None = None
    errors: list[str] = field(default_factory=list[str])
    steps: list[dict[str, Any]] = field(default_factory=list[dict[str, Any]])
    previous_interaction_id: str | None = None

    @property
    def running(self) -> bool:
        return self.status in RUNNING_STATUSES


@dataclass(frozen=True, slots=True)
class StreamEvent:
    """One SSE event of an interaction stream, typed (`gemini.events.parse_event` builds it).

    `kind` is the wire ``event_type`` (``UNKNOWN`` for events the SDK does not know). Which fields are set
    depends on it: ``interaction.created``/``interaction.completed`` carry `interaction` (and its `status`);
    ``interaction.status_update`` carries `status`, `interaction_id` and `usage`; ``step.start`` carries
    `index` and `step` (the step's JSON so far); ``step.delta`` carries `index` and `delta` (the delta's
    JSON), plus `text` for a text delta and `thought` for a thought-summary text delta; ``step.stop``
    carries `index`; ``error`` carries `error`.
    """

    kind: str
    event_id: str | None = None
    status: str | None = None
    interaction_id: str | None = None
    usage: dict[str, Any] | None = None
    interaction: InteractionData | None = None
    index: int = 0
    step: dict[str, Any] | None = None
    delta: dict[str, Any] | None = None
    text: str | None = None
    thought: str | None = None
    error: StreamError | None = None


@dataclass(frozen=True, slots=True)
class StreamError:
    """The payload of an in-stream ``error`` event."""

    message: str
    code: str | None = None


@dataclass
class ModelData:
    """One entry of Gemini's model list (`models.list`), as the API reports it."""

    id: str
    display_name: str = ""
    description: str = ""
    input_token_limit: int | None = None
    output_token_limit: int | None = None
    thinking: bool | None = None
    supported_actions: list[str] = field(default_factory=list[str])


class GeminiBackend(Protocol):
    """What the server needs from Gemini's Interactions API."""

    async def create(self, request: CreateRequest) -> InteractionData: ...

    def create_stream(self, request: CreateRequest) -> AsyncIterator[StreamEvent]: ...

    async def get(self, interaction_id: str) -> InteractionData: ...

    def stream(self, interaction_id: str, last_event_id: str | None = None) -> AsyncIterator[StreamEvent]: ...

    async def cancel(self, interaction_id: str) -> InteractionData: ...

    async def delete(self, interaction_id: str) -> None: ...

    async def list_models(self) -> list[ModelData]: ...

    async def aclose(self) -> None: ...


def output_text(steps: list[dict[str, Any]]) -> str:
    """The trailing model_output text (the SDK's `output_text` rule: stop at a user_input step)."""
    parts: list[str] = []
    for step in reversed(steps):
        kind = step.get("type")
        if kind == "user_input":
            break
        if kind != "model_output":
            continue
        contents = [as_dict(c) for c in as_list(step.get("content"))]
        parts.insert(0, "".join(str(c.get("text", "")) for c in contents if c.get("type") == "text"))
    return "".join(parts)


def error_message(value: object) -> str:
    """The ``message`` of a JSON error object, else the value as text."""
    message = as_dict(value).get("message")
    return str(message) if message else str(value)


def interaction_from_json(data: dict[str, Any]) -> InteractionData:
    """An interaction from its JSON (as the API returns it)."""
    steps = [step for step in map(as_dict, as_list(data.get("steps"))) if step]
    text = data.get("output_text") or output_text(steps)
    errs = [error_message(e) for e in as_list(data.get("errors"))]
    if data.get("error"):
        errs.append(error_message(data["error"]))
    return InteractionData(
        id=str(data.get("id") or ""),
        status=str(data.get("status") or "unknown"),
        model=data.get("model"),
        agent=data.get("agent"),
        text=text if isinstance(text, str) else "",
        usage=as_dict(data.get("usage")) or None,
        errors=errs,
        steps=steps,
        previous_interaction_id=data.get("previous_interaction_id"),
    )
