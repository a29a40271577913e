"""Fault injection: pick the fault (if any) that applies to a request and render status faults."""

from __future__ import annotations

import dataclasses
import re

from .config import Fault
from .errors import DEFAULT_MESSAGES, STATUS_NAMES, ApiError, quota_details
from .store import Store

STREAM_ONLY = frozenset({"cut", "error_event"})
CREATE_ONLY = frozenset({"failed"})
CREATE_PATH = re.compile(r"/interactions/?$")


def add_fault(store: Store, fault: Fault) -> None:
    if fault.path is not None:
        try:
            re.compile(fault.path)
        except re.error as exc:
            raise ValueError(f"Fault.path is not a valid regular expression: {fault.path!r} ({exc})") from exc
    with store.lock:
        store.faults.append(dataclasses.replace(fault))


def clear_faults(store: Store) -> None:
    with store.lock:
        store.faults.clear()


def take_fault(store: Store, method: str, path: str, *, streaming: bool) -> Fault | None:
    """Consume one use of the first fault matching this request (stream-only kinds need a stream)."""
    with store.lock:
        for fault in store.faults:
            if fault.method is not None and fault.method != method:
                continue
            if fault.path is not None and re.search(fault.path, path) is None:
                continue
            if fault.kind in STREAM_ONLY and not streaming:
                continue
            if fault.kind in CREATE_ONLY and (method != "POST" or CREATE_PATH.search(path) is None):
                continue
            fault.count -= 1
            if fault.count <= 0:
                store.faults.remove(fault)
            return dataclasses.replace(fault, count=1)
    return None


def failure(fault: Fault) -> dict[str, str]:
    """The ``errors[]`` entry of an interaction a ``failed`` fault makes fail."""
    message = fault.message or DEFAULT_MESSAGES.get(fault.status, "An internal error has occurred.")
    return {"code": STATUS_NAMES.get(fault.status, "INTERNAL"), "message": message}


def status_error(fault: Fault, model: str | None) -> ApiError:
    status = fault.status
    message = fault.message or DEFAULT_MESSAGES.get(status, f"Injected error with HTTP status {status}.")
    headers = {"retry-after": fault.retry_after} if fault.retry_after is not None else {}
    details = quota_details(model, fault.retry_delay) if status == 429 else None
    return ApiError(status, message, details=details, headers=headers)
