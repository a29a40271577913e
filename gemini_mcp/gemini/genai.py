"""The Gemini port and its google-genai adapter: the ONLY module that imports google.genai.

`GeminiBackend` is the small async port the rest of the server uses. `GenAIBackend` implements
it over `client.aio.interactions`. google.genai is imported lazily, in a worker thread, on the
first call (the import costs ~0.6 s, which `tools/list` and cold start must not pay). SDK
exceptions are translated here, once, into `gemini_mcp.errors`.

Retries: the SDK retries 408/5xx and connection errors (`max_retries`, short backoff, honouring
Retry-After). 429 is not left to the SDK's blind backoff: a short Retry-After/RetryInfo delay
(<= 5 s) is waited out here, a longer one is reported to the caller with its delay.
"""

from __future__ import annotations

import importlib
import logging
import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, TypeVar, cast

import anyio

from gemini_mcp import errors
from gemini_mcp.config import Settings
from gemini_mcp.gemini import speedups as sdk_speedups

logger = logging.getLogger(__name__)

RUNNING_STATUSES = frozenset({"in_progress", "queued", "idle", "requires_continuation"})
SHORT_RATE_LIMIT_WAIT = 5.0
_T = TypeVar("_T")


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


@dataclass
class InteractionEvent:
    """One SSE event, flattened: what the watcher and streaming callers need."""

    event_type: str
    event_id: str | None = None
    status: str | None = None
    thought: str | None = None
    text: str | None = None
    error: str | None = None
    interaction: InteractionData | None = None
    data: dict[str, Any] = field(default_factory=dict[str, Any], repr=False)  # the event JSON, when dumped
    raw: Any = field(default=None, repr=False)  # the SDK event of a light event (see event_payload)


class GeminiBackend(Protocol):
    """What the server needs from Gemini's Interactions API."""

    async def create(self, request: CreateRequest) -> InteractionData: ...

    def create_stream(self, request: CreateRequest) -> AsyncIterator[InteractionEvent]: ...

    async def get(self, interaction_id: str) -> InteractionData: ...

    def stream(self, interaction_id: str, last_event_id: str | None = None) -> AsyncIterator[InteractionEvent]: ...

    async def cancel(self, interaction_id: str) -> InteractionData: ...

    async def delete(self, interaction_id: str) -> None: ...

    async def aclose(self) -> None: ...


class GenAIBackend:
    """`GeminiBackend` over google-genai's `client.aio.interactions`."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._client: Any = None
        self._interactions_api: Any = None
        self._lock = anyio.Lock()

    async def _interactions(self) -> Any:
        if self._interactions_api is None:
            if not self._settings.has_api_key:
                raise errors.MissingApiKeyError()
            async with self._lock:
                if self._interactions_api is None:
                    # Importing google.genai and its lazily loaded interactions client takes seconds on a busy
                    # machine: do it in a worker thread so the event loop keeps serving meanwhile.
                    self._client, self._interactions_api = await anyio.to_thread.run_sync(_build_client, self._settings)
        return self._interactions_api

    async def warm_up(self) -> None:
        """Import and build the SDK client ahead of the first call (no-op without a key)."""
        if self._settings.has_api_key:
            await self._interactions()

    async def create(self, request: CreateRequest) -> InteractionData:
        api = await self._interactions()
        body = request.body()
        result = await self._call(lambda: api.create(**body, timeout=self._settings.request_timeout))
        return interaction_from_sdk(result)

    async def create_stream(self, request: CreateRequest) -> AsyncIterator[InteractionEvent]:
        api = await self._interactions()
        body = {**request.body(), "stream": True}
        stream = await self._call(lambda: api.create(**body, timeout=self._settings.request_timeout))
        async for event in _iterate(stream):
            yield event

    async def get(self, interaction_id: str) -> InteractionData:
        api = await self._interactions()
        result = await self._call(lambda: api.get(interaction_id, timeout=self._settings.request_timeout))
        return interaction_from_sdk(result)

    async def stream(self, interaction_id: str, last_event_id: str | None = None) -> AsyncIterator[InteractionEvent]:
        api = await self._interactions()
        kwargs: dict[str, Any] = {"stream": True, "timeout": self._settings.request_timeout}
        if last_event_id:
            kwargs["last_event_id"] = last_event_id
        stream = await self._call(lambda: api.get(interaction_id, **kwargs))
        async for event in _iterate(stream):
            yield event

    async def cancel(self, interaction_id: str) -> InteractionData:
        api = await self._interactions()
        result = await self._call(lambda: api.cancel(interaction_id, timeout=self._settings.request_timeout))
        return interaction_from_sdk(result)

    async def delete(self, interaction_id: str) -> None:
        api = await self._interactions()
        await self._call(lambda: api.delete(interaction_id, timeout=self._settings.request_timeout))

    async def aclose(self) -> None:
        if self._client is not None:
            client, self._client, self._interactions_api = self._client, None, None
            await client.aio.aclose()

    async def _call(self, make: Callable[[], Awaitable[_T]]) -> _T:
        attempt = 0
        while True:
            try:
                return await make()
            except Exception as exc:
                translated = translate_error(exc, self._settings)
                if translated is None:
                    raise
                retry_after = getattr(translated, "retry_after", None)
                if (
                    isinstance(translated, errors.RateLimitedError)
                    and retry_after is not None
                    and retry_after <= SHORT_RATE_LIMIT_WAIT
                    and attempt < self._settings.max_retries
                ):
                    attempt += 1
                    logger.info("Gemini rate limited; retrying in %.1f s", retry_after)
                    await anyio.sleep(retry_after)
                    continue
                raise translated from exc


def _pool_limits() -> Any:
    """Uncapped connection pool, as a Limits of the HTTP library the SDK picks (it detects it from this object)."""
    wanted = os.environ.get("GOOGLE_GENAI_HTTP_CLIENT", "").strip().lower()
    for name in [wanted] if wanted in ("httpx", "httpx2") else ["httpx2", "httpx"]:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        return module.Limits(max_connections=None, max_keepalive_connections=100)
    raise ImportError("google-genai needs httpx2 or httpx")


def _build_client(settings: Settings) -> tuple[Any, Any]:
    from google import genai
    from google.genai import types

    sdk_speedups.install()  # caches google-genai 3.6's per-call pydantic model builds; GEMINI_MCP_SDK_SPEEDUPS=0 = off
    options: dict[str, Any] = {
        "timeout": int(settings.request_timeout * 1000),
        "retry_options": types.HttpRetryOptions(
            attempts=settings.max_retries + 1,
            http_status_codes=[408, 500, 502, 503, 504],
            initial_delay=0.5,
            max_delay=4.0,
        ),
    }
    # The watcher holds one pooled connection per running Deep Research stream: under httpx's default
    # cap (100 connections, 20 kept alive) 100+ running jobs made every other call queue for a connection.
    options["async_client_args"] = {"limits": _pool_limits()}
    if settings.base_url:
        options["base_url"] = settings.base_url
    api_key = settings.api_key.get_secret_value() if settings.api_key else None
    client = genai.Client(api_key=api_key, http_options=types.HttpOptions(**options))
    return client, client.aio.interactions


async def _iterate(stream: Any) -> AsyncIterator[InteractionEvent]:
    try:
        async with stream:
            async for raw in stream:
                event = event_from_sdk(raw)
                if event is not None:
                    yield event
    except errors.GeminiMcpError:
        raise
    except Exception as exc:
        translated = translate_error(exc, None)
        if translated is None:
            raise
        raise translated from exc


# ----------------------------------------------------------------------------- conversions


def as_dict(value: object) -> dict[str, Any]:
    """`value` if it is a JSON object, else an empty dict (for walking untyped JSON)."""
    return cast(dict[str, Any], value) if isinstance(value, dict) else {}


def as_list(value: object) -> list[Any]:
    return cast(list[Any], value) if isinstance(value, list) else []


def _dump(obj: object) -> dict[str, Any]:
    data = as_dict(obj) or as_dict(getattr(obj, "raw", None))
    dump = getattr(obj, "model_dump", None)
    if not data and callable(dump):
        data = as_dict(dump(mode="json", exclude_none=True, by_alias=True))
    return data


def _message(value: object) -> str:
    message = as_dict(value).get("message")
    return str(message) if message else str(value)


def interaction_from_dict(data: dict[str, Any]) -> InteractionData:
    steps = [step for step in map(as_dict, as_list(data.get("steps"))) if step]
    text = data.get("output_text") or output_text(steps)
    errs = [_message(e) for e in as_list(data.get("errors"))]
    if data.get("error"):
        errs.append(_message(data["error"]))
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


def interaction_from_sdk(obj: Any) -> InteractionData:
    data = _dump(obj)
    if not data.get("output_text"):
        sdk_text = getattr(obj, "output_text", None)
        if isinstance(sdk_text, str):
            data["output_text"] = sdk_text
    return interaction_from_dict(data)


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


_LIGHT_EVENTS = frozenset({"interaction.status_update", "step.start", "step.delta", "step.stop"})


def event_from_sdk(raw: Any) -> InteractionEvent | None:
    kind = getattr(raw, "event_type", None)
    if isinstance(kind, str) and kind in _LIGHT_EVENTS:
        return _light_event(raw, kind)
    return event_from_dict(_dump(raw))


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _light_event(raw: Any, kind: str) -> InteractionEvent:
    """The frequent small events, read straight off the SDK object: `_dump` (the SDK's model_dump)
    costs ~0.4 ms per event, more than parsing it; `event_from_dict(_dump(raw))` gives the same result."""
    event = InteractionEvent(event_type=kind, event_id=_text(getattr(raw, "event_id", None)), raw=raw)
    if kind == "interaction.status_update":
        event.status = _text(getattr(raw, "status", None))
    elif kind == "step.delta":
        delta = getattr(raw, "delta", None)
        delta_type = getattr(delta, "type", None)
        if delta_type == "text":
            event.text = str(getattr(delta, "text", None) or "")
        elif delta_type == "thought_summary":
            content = getattr(delta, "content", None)
            if getattr(content, "type", None) == "text":
                event.thought = str(getattr(content, "text", None) or "")
    return event


def event_payload(event: InteractionEvent) -> dict[str, Any]:
    """The event's full JSON payload (streaming.py folds it into steps). Text and thought deltas are rebuilt
    from their fields; other light events are dumped once, on demand."""
    if event.data or event.raw is None:
        return event.data
    if event.event_type == "step.delta" and (event.text is not None or event.thought is not None):
        delta: dict[str, Any] = (
            {"type": "text", "text": event.text}
            if event.text is not None
            else {"type": "thought_summary", "content": {"type": "text", "text": event.thought}}
        )
        payload: dict[str, Any] = {"event_type": "step.delta", "index": getattr(event.raw, "index", 0), "delta": delta}
        if event.event_id:
            payload["event_id"] = event.event_id
        return payload
    event.data = _dump(event.raw)
    return event.data


def event_from_dict(data: dict[str, Any]) -> InteractionEvent:
    kind = str(data.get("event_type") or "UNKNOWN")
    event = InteractionEvent(event_type=kind, event_id=data.get("event_id"), data=data)
    if kind in ("interaction.created", "interaction.completed") and isinstance(data.get("interaction"), dict):
        event.interaction = interaction_from_dict(as_dict(data["interaction"]))
        event.status = event.interaction.status
    elif kind == "interaction.status_update":
        event.status = data.get("status")
    elif kind == "step.delta":
        delta = as_dict(data.get("delta"))
        if delta.get("type") == "text":
            event.text = str(delta.get("text") or "")
        elif delta.get("type") == "thought_summary":
            content = as_dict(delta.get("content"))
            if content.get("type") == "text":
                event.thought = str(content.get("text") or "")
    elif kind == "error":
        event.error = _message(data.get("error") or "unknown stream error")
    return event


# ----------------------------------------------------------------------------- errors

_DELAY = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)s\s*$")


def _error_body(exc: Any) -> dict[str, Any]:
    return as_dict(as_dict(getattr(exc, "body", None)).get("error"))


def _upstream_message(exc: Any) -> str:
    message = _error_body(exc).get("message")
    if isinstance(message, str) and message:
        return message
    return str(getattr(exc, "message", "") or exc)


def retry_after_seconds(exc: Any) -> float | None:
    """Seconds to wait: the Retry-After header, else the body's google.rpc.RetryInfo.retryDelay."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is not None:
        value = headers.get("retry-after")
        if value:
            try:
                return max(float(value), 0.0)
            except ValueError:
                pass
    for detail in map(as_dict, as_list(_error_body(exc).get("details"))):
        if str(detail.get("@type", "")).endswith("google.rpc.RetryInfo"):
            match = _DELAY.match(str(detail.get("retryDelay", "")))
            if match:
                return float(match.group(1))
    return None


def translate_error(exc: BaseException, settings: Settings | None) -> errors.GeminiMcpError | None:
    """Map a google-genai / httpx / client-side exception to the project's error tree (None: not ours)."""
    if isinstance(exc, errors.GeminiMcpError):
        return exc
    from google.genai import _interactions_errors as sdk_errors

    if isinstance(exc, sdk_errors.APITimeoutError):
        timeout = f" within {settings.request_timeout:g} s" if settings else ""
        return errors.UpstreamError(f"Gemini did not answer{timeout}. Try again, or raise GEMINI_MCP_REQUEST_TIMEOUT.")
    if isinstance(exc, sdk_errors.APIConnectionError):
        return errors.UpstreamError(f"Could not reach Gemini ({_upstream_message(exc)}). Check the network and retry.")
    if isinstance(exc, sdk_errors.APIStatusError):
        status = int(getattr(exc, "status_code", 0) or 0)
        message = _upstream_message(exc)
        if status == 429:
            return errors.RateLimitedError(retry_after_seconds(exc), message)
        if status in (401, 403) or (status == 400 and "api key" in message.lower()):
            return errors.PermissionError_(
                f"Gemini rejected the API key (HTTP {status}: {message}). Check GEMINI_API_KEY in the `env` "
                "block of this server's MCP client config."
            )
        if status == 404:
            err = errors.NotFoundError(message)
            return err
        if 400 <= status < 500:
            return errors.InvalidRequestError(f"Gemini rejected the request (HTTP {status}): {message}")
        return errors.UpstreamError(f"Gemini is unavailable (HTTP {status}: {message}). Try again shortly.")
    if isinstance(exc, sdk_errors.APIError):
        return errors.UpstreamError(f"Gemini returned an unexpected response: {_upstream_message(exc)}")
    if isinstance(exc, (ValueError, TypeError)):
        return errors.InvalidRequestError(f"Invalid request for Gemini: {exc}")
    return None
