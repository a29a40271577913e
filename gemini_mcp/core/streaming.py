"""Streaming one ask_gemini turn: fold stream events into the full interaction, forward progress, resume cuts."""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import anyio

from gemini_mcp import errors
from gemini_mcp.errors import StreamFailedError
from gemini_mcp.gemini.jsonwalk import as_dict, as_list
from gemini_mcp.gemini.port import CreateRequest, GeminiBackend, InteractionData, StreamEvent, output_text

logger = logging.getLogger(__name__)

ProgressFn = Callable[[float, str], Awaitable[None]]
StartedFn = Callable[[str, str | None], Awaitable[None]]
MIN_INTERVAL = 0.1  # seconds between progress notifications (<= 10 per second)
MAX_RESUMES = 3
_MESSAGE_LIMIT = 400
_CONTENT_DELTAS = frozenset({"image", "audio", "video", "document"})


class StepAssembler:
    """Folds typed stream events into steps, status and usage: a streamed turn yields what a unary one does."""

    def __init__(self) -> None:
        self.interaction_id: str | None = None
        self.status: str | None = None
        self.model: str | None = None
        self.agent: str | None = None
        self.usage: dict[str, Any] | None = None
        self.errors: list[str] = []
        self.steps: dict[int, dict[str, Any]] = {}
        self.final_steps: list[dict[str, Any]] | None = None
        self.completed = False
        self.last_event_id: str | None = None
        self._arguments: dict[int, str] = {}

    def reset_steps(self) -> None:
        self.steps.clear()
        self._arguments.clear()

    def feed(self, event: StreamEvent) -> None:
        kind = event.kind
        if event.event_id:
            self.last_event_id = event.event_id
        if event.interaction is not None:
            self._interaction(event.interaction, completed=kind == "interaction.completed")
        elif kind == "interaction.status_update":
            self.interaction_id = self.interaction_id or event.interaction_id
            self.status = event.status or self.status
            self.usage = event.usage or self.usage
        elif kind == "step.start":
            self.steps[event.index] = copy.deepcopy(event.step or {})
        elif kind == "step.delta":
            self._delta(event.index, self.steps.setdefault(event.index, {}), event.delta or {})
        elif kind == "step.stop":
            self._finish_arguments(event.index)
        elif event.error is not None:
            code = f" ({event.error.code})" if event.error.code else ""
            message = (event.error.message or "unknown error").rstrip(". ")
            where = f" in interaction {self.interaction_id}" if self.interaction_id else ""
            raise StreamFailedError(
                f"Gemini reported an error while streaming the answer{where}{code}: {message}. Try again."
            )

    def _interaction(self, inter: InteractionData, *, completed: bool) -> None:
        self.interaction_id = inter.id or self.interaction_id
        self.status = inter.status if inter.status != "unknown" else self.status
        self.model = inter.model or self.model
        self.agent = inter.agent or self.agent
        self.usage = inter.usage or self.usage
        self.errors = inter.errors or self.errors
        if completed:
            self.completed = True
            if inter.steps:
                self.final_steps = inter.steps

    def _delta(self, index: int, step: dict[str, Any], delta: dict[str, Any]) -> None:
        kind = delta.get("type")
        if kind == "text":
            content: list[dict[str, Any]] = step.setdefault("content", [])
            if content and content[-1].get("type") == "text":
                content[-1]["text"] = str(content[-1].get("text", "")) + str(delta.get("text", ""))
            else:
                content.append({"type": "text", "text": str(delta.get("text", ""))})
        elif kind == "thought_summary":
            summary: list[dict[str, Any]] = step.setdefault("summary", [])
            piece = copy.deepcopy(as_dict(delta.get("content")))
            if summary and piece.get("type") == "text" and summary[-1].get("type") == "text":
                summary[-1]["text"] = str(summary[-1].get("text", "")) + str(piece.get("text", ""))
            elif piece:
                summary.append(piece)
        elif kind == "thought_signature":
            step["signature"] = delta.get("signature")
        elif kind == "text_annotation_delta":
            content = step.setdefault("content", [])
            if not content or content[-1].get("type") != "text":
                content.append({"type": "text", "text": ""})
            content[-1].setdefault("annotations", []).extend(copy.deepcopy(as_list(delta.get("annotations"))))
        elif kind in _CONTENT_DELTAS:
            step.setdefault("content", []).append(copy.deepcopy(delta))
        elif kind == "arguments_delta":
            self._arguments[index] = self._arguments.get(index, "") + str(delta.get("arguments") or "")
        elif isinstance(kind, str):
            # tool call / result deltas carry the step's own fields (arguments, result, is_error, ...)
            step.setdefault("type", kind)
            for key, value in delta.items():
                if key != "type":
                    step[key] = copy.deepcopy(value)

    def _finish_arguments(self, index: int) -> None:
        raw = self._arguments.pop(index, None)
        if raw is None or index not in self.steps:
            return
        try:
            self.steps[index]["arguments"] = json.loads(raw) if raw.strip() else {}
        except json.JSONDecodeError:
            self.steps[index]["arguments"] = {"_raw": raw}

    def result(self) -> InteractionData:
        for index in list(self._arguments):
            self._finish_arguments(index)
        steps = self.final_steps or [self.steps[i] for i in sorted(self.steps)]
        return InteractionData(
            id=self.interaction_id or "",
            status=self.status or "unknown",
            model=self.model,
            agent=self.agent,
            text=output_text(steps),
            usage=self.usage,
            errors=list(self.errors),
            steps=steps,
        )


class ProgressThrottle:
    """Collects text deltas and thought summaries; sends at most one progress notification per interval."""

    def __init__(self, send: ProgressFn, interval: float = MIN_INTERVAL) -> None:
        self._send = send
        self._interval = interval
        self._last = -interval
        self._progress = 0.0
        self._text = ""
        self._thought = ""

    async def feed(self, event: StreamEvent) -> None:
        if event.text is None and event.thought is None:
            return
        self._text += event.text or ""
        self._thought += event.thought or ""
        if anyio.current_time() - self._last >= self._interval:
            await self._flush()

    async def close(self) -> None:
        if self._text or self._thought:
            wait = self._interval - (anyio.current_time() - self._last)
            if wait > 0:
                await anyio.sleep(wait)
            await self._flush()

    async def _flush(self) -> None:
        if not (self._text or self._thought):
            return
        parts: list[str] = []
        if self._thought:
            parts.append("Thinking: " + self._thought.strip())
        if self._text:
            parts.append(self._text)
        message = "\n".join(parts)
        if len(message) > _MESSAGE_LIMIT:
            message = "…" + message[-(_MESSAGE_LIMIT - 1) :]
        self._progress += len(self._text) + len(self._thought)
        self._text = self._thought = ""
        self._last = anyio.current_time()
        await self._send(self._progress, message)


async def run_stream(
    backend: GeminiBackend,
    request: CreateRequest,
    progress: ProgressFn,
    *,
    max_resumes: int = MAX_RESUMES,
    on_started: StartedFn | None = None,
) -> InteractionData:
    """Create the interaction with ``stream=True`` and return it complete, forwarding progress on the way.

    Text deltas and thought summaries go to a `ProgressThrottle`; an in-stream ``error`` event raises
    `StreamFailedError`; a stream that breaks or ends before ``interaction.completed`` is resumed with
    ``get(id, stream=True, last_event_id=...)``. `on_started(interaction_id, event_id)` runs once, as soon
    as Gemini has named the interaction. Knows nothing about MCP.
    """
    assembler = StepAssembler()
    throttle = ProgressThrottle(progress)
    stream: AsyncIterator[StreamEvent] = backend.create_stream(request)
    resumes = 0
    while True:
        problem = "the stream ended before the interaction completed"
        try:
            async for event in stream:
                assembler.feed(event)
                if on_started is not None and assembler.interaction_id:
                    started, on_started = on_started, None
                    await started(assembler.interaction_id, assembler.last_event_id)
                await throttle.feed(event)
            if assembler.completed:
                break
        except StreamFailedError:
            raise
        except errors.UpstreamError as exc:
            if isinstance(exc, errors.RateLimitedError) or assembler.interaction_id is None:
                raise
            problem = str(exc)
        if assembler.interaction_id is None or resumes >= max_resumes:
            raise errors.UpstreamError(f"Gemini's answer stream broke and could not be resumed ({problem}). Try again.")
        resumes += 1
        logger.info(
            "stream of %s cut (%s); resuming after event %s (attempt %d)",
            assembler.interaction_id,
            problem,
            assembler.last_event_id,
            resumes,
        )
        if assembler.last_event_id is None:
            assembler.reset_steps()
        stream = _resume(backend, assembler.interaction_id, assembler.last_event_id, problem)
    await throttle.close()
    return assembler.result()


async def _resume(
    backend: GeminiBackend, interaction_id: str, last_event_id: str | None, problem: str
) -> AsyncIterator[StreamEvent]:
    try:
        async for event in backend.stream(interaction_id, last_event_id):
            yield event
    except errors.NotFoundError:
        raise errors.UpstreamError(
            f"Gemini's answer stream broke ({problem}) and interaction {interaction_id} cannot be resumed: "
            "Gemini did not keep it (store=false?). Try again."
        ) from None
