"""Choose what an interaction does: a model turn or a Deep Research job, as a timed event plan."""

from __future__ import annotations

from typing import Any

from .config import EmulatorConfig
from .inputs import Turn, user_texts
from .jsontypes import as_dict
from .planner import build_plan, model_times, research_times, usage_for
from .replies import Reply, StepSpec, reply_text, text_step, thinking_summary, thought_step
from .research import research_reply
from .state import Interaction, PlannedEvent

JsonDict = dict[str, Any]


def _dict(value: object) -> JsonDict:
    return as_dict(value) or {}


def model_reply(inter: Interaction, chain: list[Interaction], turn: Turn) -> Reply:
    request = inter.request
    gen = _dict(request.get("generation_config"))
    history = [t for prev in chain for t in user_texts(prev.input_steps)]
    specs: list[StepSpec] = []
    thought_text = ""
    if gen.get("thinking_summaries") == "auto":
        thought_text = thinking_summary(turn, gen.get("thinking_level"))
        specs.append(thought_step(thought_text, f"{inter.id}:thought"))
    text = reply_text(turn, history, len(chain) + 1, inter.model or "model")
    specs.append(text_step(text))
    return Reply(steps=specs, output_text=text, thought_text=thought_text)


def plan_for(inter: Interaction, chain: list[Interaction], turn: Turn, config: EmulatorConfig) -> list[PlannedEvent]:
    history_tokens = int((chain[-1].usage or {}).get("total_tokens", 0)) if chain else 0
    if inter.agent is not None:
        agent_config = _dict(inter.request.get("agent_config"))
        reply = research_reply(
            turn.prompt, config.research_steps, agent_config.get("thinking_summaries") == "auto", inter.agent
        )
        times, end = research_times(reply, config.research_seconds)
    else:
        reply = model_reply(inter, chain, turn)
        times, end = model_times(reply, config.model_latency)
    usage = usage_for(inter, reply, turn.prompt, history_tokens)
    return build_plan(inter, reply, usage, times, end)
