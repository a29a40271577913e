"""The Starlette application: Interactions routes under any version prefix, plus ``/_emulator/*``."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import AsyncIterator
from typing import Any, cast

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from . import catalog, control, service
from .config import Fault
from .errors import ApiError, invalid_key_details
from .faults import failure, status_error, take_fault
from .guard import EmulatorGuard
from .jsontypes import as_dict
from .sse import SSE_HEADERS, stream_events
from .state import Interaction
from .store import RecordedRequest, Store

log = logging.getLogger("gemini_mcp.emulator")

ROUTE = re.compile(r"^/(?P<version>.+?)/interactions(?:/(?P<id>[^/]+?)(?P<cancel>/cancel)?)?/?$")
MODELS_ROUTE = re.compile(r"^/(?P<version>[^/]+)/models(?:/(?P<id>[^/:]+))?/?$")
EVENT_ID = re.compile(r"^evt_(\d+)$")


def error_response(err: ApiError) -> JSONResponse:
    return JSONResponse(err.body(), status_code=err.status_code, headers=err.headers)


def json_response(data: Any) -> Response:
    return Response(json.dumps(data, separators=(",", ":")), media_type="application/json")


def malformed_response() -> Response:
    return Response('{"id": "v1_malformed", "status": "complet', media_type="application/json")


def check_key(store: Store, headers: dict[str, str]) -> None:
    key = headers.get("x-goog-api-key")
    if not key and not headers.get("authorization"):
        raise ApiError(
            401,
            "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie "
            "or other valid authentication credential. Pass an API key in the x-goog-api-key header.",
        )
    expected = store.config.api_key
    if expected is not None and key != expected:
        # Google answers a wrong Gemini API key with 400 INVALID_ARGUMENT + ErrorInfo reason API_KEY_INVALID
        # (not 401 or 403; see the bodies quoted in google-gemini/gemini-cli#4690 and
        # cequence-io/openai-scala-client#109), so the SDK raises BadRequestError. We do the same.
        raise ApiError(400, "API key not valid. Please pass a valid API key.", details=invalid_key_details())


def start_index(inter: Interaction, last_event_id: str | None) -> int:
    if not last_event_id:
        return 0
    for i, event in enumerate(inter.events):
        if event.get("event_id") == last_event_id:
            return i + 1
    match = EVENT_ID.match(last_event_id)
    if match and int(match.group(1)) <= len(inter.plan):
        return int(match.group(1))
    raise ApiError(400, f"Invalid value at 'last_event_id' ({last_event_id}): no such event in interaction {inter.id}.")


def sse_response(inter: Interaction, start: int, fault: Fault | None, store: Store) -> StreamingResponse:
    events = counted(store, inter.id, stream_events(inter, start, fault))
    return StreamingResponse(events, media_type="text/event-stream", headers=SSE_HEADERS)


async def counted(store: Store, interaction_id: str, events: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """`events`, counted in `store.streams_open` while the response is being sent (and its peak kept)."""
    with store.lock:
        now_open = store.streams_open.get(interaction_id, 0) + 1
        store.streams_open[interaction_id] = now_open
        store.streams_peak[interaction_id] = max(store.streams_peak.get(interaction_id, 0), now_open)
    try:
        async for chunk in events:
            yield chunk
    finally:
        with store.lock:
            store.streams_open[interaction_id] -= 1


async def wait_finished(inter: Interaction) -> None:
    while not inter.finished and not inter.closed:
        await inter.changed.wait()


async def handle(request: Request) -> Response:
    store: Store = request.app.state.store
    path = request.url.path
    raw = await request.body()
    body: Any = None
    if raw:
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
    headers = {k.lower(): v for k, v in request.headers.items()}
    query = dict(request.query_params)
    with store.lock:
        store.requests.append(RecordedRequest(request.method, path, query, headers, body))
    match = ROUTE.match(path)
    models_match = MODELS_ROUTE.match(path) if match is None else None
    if match is None and models_match is None:
        return error_response(ApiError(404, f"Method not found: {request.method} {path}"))
    posted_stream = isinstance(body, dict) and body.get("stream") is True  # pyright: ignore[reportUnknownMemberType]
    streaming = (match is not None and request.method == "POST" and not match["id"] and posted_stream) or (
        request.method == "GET" and query.get("stream") == "true"
    )
    fault = take_fault(store, request.method, path, streaming=streaming)
    model = body.get("model") if isinstance(body, dict) else None  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    try:
        if fault is not None and fault.kind == "status":
            raise status_error(fault, model if isinstance(model, str) else None)
        if fault is not None and fault.kind == "delay":
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(store.closing.wait(), fault.delay)
            fault = None
        if fault is not None and fault.kind == "malformed" and not streaming:
            return malformed_response()
        check_key(store, headers)
        if models_match is not None:
            return models(store, request.method, models_match, query)
        assert match is not None
        return await dispatch(store, request.method, match, raw, body, query, fault)
    except ApiError as err:
        return error_response(err)


async def dispatch(
    store: Store, method: str, match: re.Match[str], raw: bytes, body: Any, query: dict[str, str], fault: Fault | None
) -> Response:
    interaction_id = match["id"]
    if interaction_id is None:
        if method != "POST":
            raise ApiError(404, f"Method not found: {method} {match.string}")
        if raw and body is None:
            raise ApiError(400, "Invalid JSON payload received. Expected a JSON object.")
        if not isinstance(body, dict):
            raise ApiError(400, "Invalid JSON payload received. Expected a JSON object.")
        failed = failure(fault) if fault is not None and fault.kind == "failed" else None
        request_body = as_dict(cast(object, body)) or {}
        inter = service.create(store, request_body, match["version"], failed)
        if body.get("stream") is True:  # pyright: ignore[reportUnknownMemberType]
            return sse_response(inter, 0, fault, store)
        if not inter.background:
            await wait_finished(inter)
        return json_response(inter.resource())
    if match["cancel"]:
        if method != "POST":
            raise ApiError(404, f"Method not found: {method} {match.string}")
        return json_response(service.cancel(store, interaction_id).resource())
    if method == "GET":
        inter = store.get(interaction_id)
        include_input = query.get("include_input") == "true"
        if query.get("stream") == "true":
            return sse_response(inter, start_index(inter, query.get("last_event_id")), fault, store)
        return json_response(inter.resource(include_input=include_input))
    if method == "DELETE":
        store.remove(interaction_id)
        return json_response({})
    raise ApiError(404, f"Method not found: {method} {match.string}")


def models(store: Store, method: str, match: re.Match[str], query: dict[str, str]) -> Response:
    """``GET /{version}/models`` (paged list) and ``GET /{version}/models/{id}``, in Google's shapes."""
    if method != "GET" or not store.config.serve_model_list:
        raise ApiError(404, f"Method not found: {method} {match.string}")
    if match["id"]:
        return json_response(catalog.get_model(match["id"], match["version"], store.config))
    return json_response(catalog.list_page(query, store.config))


def build_app(store: Store, *, port: int) -> Starlette:
    """The emulator's routes behind its Host/Origin guard; the control API only when ``control`` is not off."""
    config = store.config
    routes = [
        *(control.routes() if config.control != "off" else []),
        Route("/{path:path}", handle, methods=["GET", "POST", "DELETE", "PUT", "PATCH"]),
    ]
    app = Starlette(routes=routes)
    app.state.store = store
    bound = () if config.host in ("0.0.0.0", "::", "") else (config.host,)
    app.add_middleware(
        EmulatorGuard,
        port=port,
        names=(*bound, *config.allowed_hosts),
        control=config.control,
        secret=config.control_secret,
    )
    return app
