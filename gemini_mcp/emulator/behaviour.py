"""Choose what an interaction does: a model turn or a Deep Research job, as a timed event plan."""

from __future__ import annotations

import json
from typing import Any

from .catalog import is_image_model
from .config import EmulatorConfig
from .inputs import Turn, user_texts
from .jsontypes import as_dict, as_list
from .planner import build_plan, model_times, research_times, usage_for
from .png import png_base64
from .replies import Reply, StepSpec, reply_text, text_step, thinking_summary, thought_step
from .research import research_reply
from .schema_instance import instance
from .state import Interaction, PlannedEvent
from .tools import cite, function_calls, run_builtin_tools, subject_of

JsonDict = dict[str, Any]
IMAGE_TOKENS = 1290


def _dict(value: object) -> JsonDict:
    return as_dict(value) or {}


def json_schema(request: JsonDict) -> JsonDict | None:
    """The JSON schema of ``response_format``: a raw schema, ``{type:text, schema:{...}}``, or a list of those."""
    raw = request.get("response_format")
    for candidate in as_list(raw) or [raw]:
        node = as_dict(candidate)
        if node is None:
            continue
        nested = as_dict(node.get("schema"))
        if nested is not None:
            return nested
        if node.get("type") not in ("text", "image", "audio", "video") or "properties" in node:
            return node
    return None


def model_reply(inter: Interaction, chain: list[Interaction], turn: Turn) -> Reply:
    request = inter.request
    gen = _dict(request.get("generation_config"))
    history = [t for prev in chain for t in user_texts(prev.input_steps)]
    specs: list[StepSpec] = []
    thought_text = ""
    # Ids and signatures derive from the content, not the interaction id, so equal runs give equal output.
    seed = f"{inter.model}:{len(chain) + 1}:{turn.prompt}"
    if gen.get("thinking_summaries") == "auto":
        thought_text = thinking_summary(turn, gen.get("thinking_level"))
        specs.append(thought_step(thought_text, f"{seed}:thought"))
    if not turn.function_results:
        calls = function_calls(request.get("tools"), gen.get("tool_choice"), turn.prompt, seed)
        if calls is not None:
            text = json.dumps([s.start for s in calls.steps])
            return Reply(specs + calls.steps, status="requires_action", output_text=text, thought_text=thought_text)
    run = run_builtin_tools(request.get("tools"), turn.prompt, seed)
    specs.extend(run.steps)
    schema = json_schema(request)
    annotations: list[JsonDict] = []
    if schema is not None:
        text = json.dumps(instance(schema, subject=subject_of(turn.prompt)), ensure_ascii=False)
    elif request.get("response_mime_type") == "application/json":
        text = json.dumps({"answer": reply_text(turn, history, len(chain) + 1, inter.model or "model")})
    else:
        text = reply_text(turn, history, len(chain) + 1, inter.model or "model")
        if run.notes:
            text += " " + " ".join(run.notes)
        text, annotations = cite(text, run.citations)
    answer = text_step(text, annotations)
    reply = Reply(specs, output_text=text, thought_text=thought_text, grounding=run.counts)
    reply.tool_tokens = 40 * len(run.steps)
    if is_image_model(inter.model):
        answer.deltas.append({"type": "image", "mime_type": "image/png", "data": png_base64(seed)})
        reply.image_tokens = IMAGE_TOKENS
    reply.steps.append(answer)
    return reply


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
