"""Progress notifications: what `progress` counts, and a `total` wherever one is known."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from gemini_mcp.server.state import Ctx

ProgressFn = Callable[[float, str], Awaitable[None]]


def wants_progress(ctx: Ctx) -> bool:
    """Did the caller ask for progress? Its request carries a progress token (in the public request meta)."""
    meta = ctx.request_context.meta
    return meta is not None and meta.get("progress_token") is not None


def streamed_answer(ctx: Ctx) -> ProgressFn | None:
    """ask_gemini: progress = characters of answer and thoughts received (no total: the length is unknown);
    the message is the new text itself, so the messages joined are the answer (the tool description says so).

    None when the caller sent no progress token (then the answer is not streamed at all).
    """
    if not wants_progress(ctx):
        return None

    async def report(value: float, message: str) -> None:
        await ctx.report_progress(value, total=None, message=message)

    return report


def waited(ctx: Ctx, wait_seconds: float) -> ProgressFn:
    """get_interaction: progress = seconds waited, total = wait_seconds (strictly increasing, never past it)."""
    last = [-1.0]

    async def report(value: float, message: str) -> None:
        seconds = min(value, wait_seconds)
        if seconds <= last[0]:
            return
        last[0] = seconds
        text = f"{seconds:.0f} of {wait_seconds:.0f} s waited: {message}"
        await ctx.report_progress(seconds, total=wait_seconds or None, message=text)

    return report
