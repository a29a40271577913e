"""Turn a :class:`~.replies.Reply` into the timed event plan of an interaction (reference §3.4 order)."""

from __future__ import annotations

from typing import Any

from .replies import Reply, tokens
from .state import Interaction, PlannedEvent, iso

JsonDict = dict[str, Any]


def usage_for(inter: Interaction, reply: Reply, input_text: str, history_tokens: int) -> JsonDict:
    hidden = reply.hidden
    input_tokens = tokens(input_text) + history_tokens + hidden.get("input", 0)
    media_tokens = reply.image_tokens + reply.audio_tokens
    output_tokens = tokens(reply.output_text) + media_tokens + hidden.get("output", 0)
    thought_tokens = tokens(reply.thought_text) + hidden.get("thought", 0)
    usage: JsonDict = {
        "total_input_tokens": input_tokens,
        "total_output_tokens": output_tokens,
        "total_thought_tokens": thought_tokens,
        "total_cached_tokens": hidden.get("cached", 0),
        "total_tool_use_tokens": reply.tool_tokens,
        "total_tokens": input_tokens + output_tokens + thought_tokens + reply.tool_tokens,
        "input_tokens_by_modality": [{"modality": "text", "tokens": input_tokens}],
        "output_tokens_by_modality": [{"modality": "text", "tokens": output_tokens - media_tokens}],
    }
    if reply.image_tokens:
        usage["output_tokens_by_modality"].append({"modality": "image", "tokens": reply.image_tokens})
    if reply.audio_tokens:
        usage["output_tokens_by_modality"].append({"modality": "audio", "tokens": reply.audio_tokens})
    if reply.grounding:
        usage["grounding_tool_count"] = [{"type": k, "count": v} for k, v in reply.grounding.items()]
    return usage


def _head(inter: Interaction, status: str) -> JsonDict:
    head: JsonDict = {"id": inter.id, "object": "interaction", "status": status}
    if inter.model is not None:
        head["model"] = inter.model
    if inter.agent is not None:
        head["agent"] = inter.agent
    if "service_tier" in inter.request:
        head["service_tier"] = inter.request["service_tier"]
    head["created"] = iso(inter.created)
    head["updated"] = iso(inter.created)
    return head


def build_plan(inter: Interaction, reply: Reply, usage: JsonDict, times: list[float], end: float) -> list[PlannedEvent]:
    """``times[i]`` is the offset at which step i starts; its deltas and stop follow at the same offset
    (or spread up to the next step's start). ``end`` is the offset of ``interaction.completed``."""
    plan: list[PlannedEvent] = [
        PlannedEvent(0.0, {"event_type": "interaction.created", "interaction": _head(inter, "in_progress")}),
        PlannedEvent(
            0.0, {"event_type": "interaction.status_update", "interaction_id": inter.id, "status": "in_progress"}
        ),
    ]
    for index, spec in enumerate(reply.steps):
        start = times[index]
        stop = times[index + 1] if index + 1 < len(times) else end
        plan.append(PlannedEvent(start, {"event_type": "step.start", "index": index, "step": spec.start}))
        n = len(spec.deltas)
        for k, delta in enumerate(spec.deltas):
            at = start + (stop - start) * (k / n) if n else start
            plan.append(PlannedEvent(at, {"event_type": "step.delta", "index": index, "delta": delta}))
        plan.append(PlannedEvent(stop if n > 1 else start, {"event_type": "step.stop", "index": index}))
    final = _head(inter, reply.status)
    final["usage"] = usage
    if reply.errors:
        final["errors"] = reply.errors
    plan.append(PlannedEvent(end, {"event_type": "interaction.completed", "interaction": final}))
    return plan


def model_times(reply: Reply, latency: float) -> tuple[list[float], float]:
    """A model answers all at once after ``latency``."""
    return [latency] * len(reply.steps), latency


def research_times(reply: Reply, duration: float) -> tuple[list[float], float]:
    """Spread the steps of a research job evenly over ``duration`` seconds; the report is streamed last."""
    n = len(reply.steps)
    slot = duration / (n + 1) if n else duration
    return [slot * (i + 1) for i in range(n)], duration
