"""Control API under ``/_emulator/*`` (no API key): faults, timing, recorded requests, reset, health."""

from __future__ import annotations

import json
from typing import Any, cast

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from .config import EmulatorConfig, Fault
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


async def put_config(request: Request) -> Response:
    """Change timing at runtime: ``{"model_latency": S, "model_latencies": {model: S}, "research_seconds": S,
    "research_steps": N}`` (each optional; applies to interactions created afterwards)."""
    config = _store(request).config
    try:
        data = json.loads(await request.body() or b"null")
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object")
        changes = timing_changes({str(k): v for k, v in data.items()})  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
    except (ValueError, TypeError) as exc:
        return JSONResponse(error_body(400, f"Invalid config: {exc}"), status_code=400)
    for key, value in changes.items():
        setattr(config, key, value)
    return JSONResponse({"ok": True, **timing_of(config)})


TIMING_FIELDS = ("model_latency", "model_latencies", "research_seconds", "research_steps")


def timing_changes(data: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(data) - set(TIMING_FIELDS))
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(unknown)}; known: {', '.join(TIMING_FIELDS)}")
    out: dict[str, Any] = {}
    for key in ("model_latency", "research_seconds"):
        if key in data:
            out[key] = _seconds(key, data[key])
    if "research_steps" in data:
        steps = data["research_steps"]
        if not isinstance(steps, int) or isinstance(steps, bool) or steps < 0:
            raise ValueError(f"research_steps must be an integer >= 0; got {steps!r}")
        out["research_steps"] = steps
    if "model_latencies" in data:
        raw = data["model_latencies"]
        if not isinstance(raw, dict):
            raise ValueError("model_latencies must be an object of model id -> seconds")
        items = cast(dict[str, Any], raw).items()
        out["model_latencies"] = {k.removeprefix("models/"): _seconds(f"model_latencies.{k}", v) for k, v in items}
    return out


def _seconds(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"{name} must be a number of seconds >= 0; got {value!r}")
    return float(value)


def timing_of(config: EmulatorConfig) -> dict[str, Any]:
    return {key: getattr(config, key) for key in TIMING_FIELDS}


async def get_config(request: Request) -> Response:
    return JSONResponse(timing_of(_store(request).config))


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
        Route("/_emulator/config", put_config, methods=["PUT"]),
        Route("/_emulator/config", get_config, methods=["GET"]),
        Route("/_emulator/reset", post_reset, methods=["POST"]),
        Route("/_emulator/health", health, methods=["GET"]),
    ]
