"""Server-sent events exactly as reference §3.4: ``event: <type>`` + ``data: <json>`` per event."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from .config import Fault
from .state import Interaction

JsonDict = dict[str, Any]

SSE_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}


class StreamCut(Exception):
    """Raised inside a streaming response to drop the connection mid-stream (an injected fault)."""


class DropStreamCutLogs(logging.Filter):
    """uvicorn logs an exception when a stream is cut on purpose; that is not an error here."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        while exc is not None:
            if isinstance(exc, StreamCut):
                return False
            exc = exc.__cause__ or exc.__context__
        return True


def frame(event: JsonDict) -> bytes:
    return f"event: {event['event_type']}\ndata: {json.dumps(event, separators=(',', ':'))}\n\n".encode()


def error_frame(code: str, message: str) -> bytes:
    return frame({"event_type": "error", "error": {"code": code, "message": message}})


async def follow(inter: Interaction, start: int) -> AsyncIterator[JsonDict]:
    """Events from index ``start``: replay what exists, then wait for new ones until the plan is done."""
    index = start
    while True:
        while index < len(inter.events):
            yield inter.events[index]
            index += 1
        if inter.finished or inter.closed:
            return
        await inter.changed.wait()


async def stream_events(inter: Interaction, start: int, fault: Fault | None) -> AsyncIterator[bytes]:
    sent = 0
    async for event in follow(inter, start):
        if fault is not None and sent >= fault.after_events:
            if fault.kind == "cut":
                raise StreamCut(f"stream of {inter.id} cut after {sent} events (injected fault)")
            if fault.kind == "error_event":
                yield error_frame("INTERNAL", fault.message or "An internal error has occurred (injected fault).")
                return
            if fault.kind == "malformed":
                yield f'event: {event["event_type"]}\ndata: {{"event_type": "{event["event_type"]}", \n\n'.encode()
                return
        yield frame(event)
        sent += 1
    if fault is not None and fault.kind == "cut":
        raise StreamCut(f"stream of {inter.id} cut after {sent} events (injected fault)")
    if fault is not None and fault.kind == "error_event":
        yield error_frame("INTERNAL", fault.message or "An internal error has occurred (injected fault).")
