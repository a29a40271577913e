"""Control API under ``/_emulator/*`` (no API key): faults, recorded requests, reset, health."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from .config import Fault
from .errors import error_body
from .faults import add_fault, clear_faults
from .store import Store


def _store(request: Request) -> Store:
    return request.app.state.store


async def post_fault(request: Request) -> Response:
    try:
        data = json.loads(await request.body() or b"null")
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object describing a Fault")
        fault = Fault.from_json({str(k): v for k, v in data.items()})  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
        add_fault(_store(request), fault)
    except (ValueError, TypeError) as exc:
        return JSONResponse(error_body(400, f"Invalid fault: {exc}"), status_code=400)
    return JSONResponse({"ok": True, "fault": fault.to_json()})


async def delete_faults(request: Request) -> Response:
    clear_faults(_store(request))
    return JSONResponse({"ok": True})


async def get_requests(request: Request) -> Response:
    store = _store(request)
    with store.lock:
        data = [r.to_json() for r in store.requests]
    return JSONResponse(data)


async def post_reset(request: Request) -> Response:
    _store(request).reset()
    return JSONResponse({"ok": True})


async def health(request: Request) -> Response:
    store = _store(request)
    return JSONResponse({"ok": True, "interactions": len(store.interactions)})


def routes() -> list[BaseRoute]:
    return [
        Route("/_emulator/faults", post_fault, methods=["POST"]),
        Route("/_emulator/faults", delete_faults, methods=["DELETE"]),
        Route("/_emulator/requests", get_requests, methods=["GET"]),
        Route("/_emulator/reset", post_reset, methods=["POST"]),
        Route("/_emulator/health", health, methods=["GET"]),
    ]
