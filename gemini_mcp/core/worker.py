"""Run blocking turn work (reading `files`, checking schemas, validating answers) off the event loop.

The work runs in a worker thread under a time limit; past the limit the caller gets a clear error at once
and the thread is abandoned (it is bounded anyway: files are read up to their cap, schemas are size-capped
and matched with RE2). The event loop, and so ``/healthz`` and every other session, keeps serving.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread

from gemini_mcp import errors

__all__ = ["TURN_WORK_SECONDS", "off_loop"]

#: Generous: a turn's 20 files (20 MiB in all) are read and its schemas checked well within this.
TURN_WORK_SECONDS = 20.0
T = TypeVar("T")


async def off_loop(work: Callable[[], T], *, seconds: float = TURN_WORK_SECONDS, what: str, needed: bool = True) -> T:
    """``work()`` in a worker thread, at most ``seconds``; past that an InvalidRequestError saying ``what`` was slow.

    ``needed=False`` (nothing to read or validate) runs it here: a plain turn does not pay for the thread hop."""
    if not needed:
        return work()
    with anyio.move_on_after(seconds):
        return await anyio.to_thread.run_sync(work, abandon_on_cancel=True)
    raise errors.InvalidRequestError(f"{what} took longer than {seconds:g} s and was stopped")
