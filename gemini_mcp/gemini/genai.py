"""The google-genai adapter of the Gemini port: the only module (with speedups.py) that imports google.genai."""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar, cast

import anyio

from gemini_mcp import errors
from gemini_mcp.config import Settings
from gemini_mcp.gemini import speedups as sdk_speedups
from gemini_mcp.gemini.errors import SdkErrorTypes, model_list_error, translate_error
from gemini_mcp.gemini.events import interaction_from_sdk, parse_event
from gemini_mcp.gemini.port import CreateRequest, InteractionData, ModelData, StreamEvent

logger = logging.getLogger(__name__)

SHORT_RATE_LIMIT_WAIT = 5.0
MODEL_LIST_TIMEOUT = 15.0
_T = TypeVar("_T")


class GenAIBackend:
    """`GeminiBackend` over google-genai's `client.aio.interactions`.

    google.genai is imported lazily, in a worker thread, on the first call (the import costs ~0.6 s,
    which `tools/list` and cold start must not pay). Retries: the SDK retries 408/5xx and connection
    errors (`max_retries`, short backoff, honouring Retry-After). 429 is not left to the SDK's blind
    backoff: a short Retry-After/RetryInfo delay (<= 5 s) is waited out here, a longer one is reported
    to the caller with its delay.
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._client: Any = None
        self._interactions_api: Any = None
        self._lock = anyio.Lock()

    async def _interactions(self) -> Any:
        if self._interactions_api is None:
            if not self._settings.has_api_key:
                raise errors.MissingApiKeyError()
            if reason := self._settings.key_placeholder:
                raise errors.PlaceholderKeyError(reason)
            async with self._lock:
                if self._interactions_api is None:
                    # Importing google.genai and its lazily loaded interactions client takes seconds on a busy
                    # machine: do it in a worker thread so the event loop keeps serving meanwhile.
                    self._client, self._interactions_api = await anyio.to_thread.run_sync(_build_client, self._settings)
        return self._interactions_api

    async def warm_up(self) -> None:
        """Import and build the SDK client ahead of the first call (no-op without a key)."""
        if self._settings.has_api_key and not self._settings.key_placeholder:
            await self._interactions()

    async def create(self, request: CreateRequest) -> InteractionData:
        api = await self._interactions()
        body = request.body()
        result = await self._call(lambda: api.create(**body, timeout=self._settings.request_timeout))
        return interaction_from_sdk(result)

    async def create_stream(self, request: CreateRequest) -> AsyncIterator[StreamEvent]:
        api = await self._interactions()
        body = {**request.body(), "stream": True}
        stream = await self._call(lambda: api.create(**body, timeout=self._settings.request_timeout))
        async for event in _iterate(stream):
            yield event

    async def get(self, interaction_id: str) -> InteractionData:
        api = await self._interactions()
        result = await self._call(lambda: api.get(interaction_id, timeout=self._settings.request_timeout))
        return interaction_from_sdk(result)

    async def stream(self, interaction_id: str, last_event_id: str | None = None) -> AsyncIterator[StreamEvent]:
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

    async def list_models(self) -> list[ModelData]:
        """Every model `client.aio.models.list()` pages through: one attempt, a short timeout (it is not on a
        call's critical path, and the shipped catalog stands in when it fails)."""
        await self._interactions()
        try:
            return await _list_models(self._client, min(self._settings.request_timeout, MODEL_LIST_TIMEOUT))
        except errors.GeminiMcpError:
            raise
        except Exception as exc:
            raise _model_list_error(exc) from exc

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
                translated = translate_error(exc, _sdk_error_types(), self._settings.request_timeout)
                if translated is None:
                    raise
                wait = translated.retry_after if isinstance(translated, errors.RateLimitedError) else None
                if wait is not None and wait <= SHORT_RATE_LIMIT_WAIT and attempt < self._settings.max_retries:
                    attempt += 1
                    logger.info("Gemini rate limited; retrying in %.1f s", wait)
                    await anyio.sleep(wait)
                    continue
                raise translated from exc


async def _list_models(client: Any, timeout: float) -> list[ModelData]:
    from google.genai import types

    options = types.HttpOptions(timeout=int(timeout * 1000), retry_options=types.HttpRetryOptions(attempts=1))
    pager = await client.aio.models.list(config=types.ListModelsConfig(page_size=1000, http_options=options))
    return [_model_data(model) async for model in pager]


def _model_data(model: Any) -> ModelData:
    thinking = getattr(model, "thinking", None)
    return ModelData(
        id=str(getattr(model, "name", "") or "").removeprefix("models/"),
        display_name=str(getattr(model, "display_name", "") or ""),
        description=str(getattr(model, "description", "") or ""),
        input_token_limit=getattr(model, "input_token_limit", None),
        output_token_limit=getattr(model, "output_token_limit", None),
        thinking=thinking if isinstance(thinking, bool) else None,
        supported_actions=[str(a) for a in cast(list[Any], getattr(model, "supported_actions", None) or [])],
    )


def _model_list_error(exc: BaseException) -> errors.GeminiMcpError:
    from google.genai import errors as genai_errors

    if isinstance(exc, genai_errors.APIError):
        return model_list_error(exc.code, f"{exc.code} {exc.status or ''}: {exc.message or ''}".strip())
    return model_list_error(None, f"{type(exc).__name__}: {exc}")


def _sdk_error_types() -> SdkErrorTypes:
    from google.genai import _interactions_errors as sdk_errors

    return SdkErrorTypes(
        timeout=sdk_errors.APITimeoutError,
        connection=sdk_errors.APIConnectionError,
        status=sdk_errors.APIStatusError,
        api=sdk_errors.APIError,
    )


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

    sdk_speedups.install()  # caches the SDK's per-call pydantic model builds; GEMINI_MCP_SDK_SPEEDUPS=0 = off
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


async def _iterate(stream: Any) -> AsyncIterator[StreamEvent]:
    try:
        async with stream:
            async for raw in stream:
                yield parse_event(raw)
    except errors.GeminiMcpError:
        raise
    except Exception as exc:
        translated = translate_error(exc, _sdk_error_types())
        if translated is None:
            raise
        raise translated from exc
