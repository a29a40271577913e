"""Choose what an interaction does: a model turn or a Deep Research job, as a timed event plan."""

from __future__ import annotations

import json
import re
from typing import Any

from .config import EmulatorConfig
from .generation import audio_block, image_block, output_modalities, response_format, seed_sentence, stop_at
from .inputs import Turn, user_texts
from .jsontypes import as_dict, as_list
from .planner import build_plan, model_times, research_times, usage_for
from .replies import Reply, StepSpec, reply_text, text_step, thinking_summary, thought_step
from .research import research_reply
from .schema_instance import instance
from .state import Interaction, PlannedEvent
from .tools import ToolRun, cite, forces_call, function_calls, run_builtin_tools, subject_of
from .wav import duration

JsonDict = dict[str, Any]
IMAGE_TOKENS = 1290
AUDIO_TOKENS_PER_SECOND = 32
# "[fail]" or "[fail: <message>]" in the input makes the interaction end `failed` with that error.
FAIL_RE = re.compile(r"\[fail(?::\s*([^\]]*))?\]", re.IGNORECASE)
FAIL_MESSAGE = "The model could not complete the request (emulated failure)."


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


def json_mode(request: JsonDict) -> bool:
    """JSON without a schema: ``response_mime_type`` or a ``{type: "text", mime_type}`` format entry."""
    text_format = response_format(request, "text") or {}
    return "application/json" in (request.get("response_mime_type"), text_format.get("mime_type"))


def failure_of(prompt: str) -> JsonDict | None:
    """The ``{code, message}`` of a ``[fail...]`` marker in the prompt, if any."""
    match = FAIL_RE.search(prompt)
    if match is None:
        return None
    return {"code": "INTERNAL", "message": (match.group(1) or "").strip() or FAIL_MESSAGE}


def answer_text(inter: Interaction, chain: list[Interaction], turn: Turn, run: ToolRun) -> tuple[str, list[JsonDict]]:
    request = inter.request
    gen = _dict(request.get("generation_config"))
    history = [t for prev in chain for t in user_texts(prev.input_steps)]
    plain = reply_text(turn, history, len(chain) + 1, inter.model or "model")
    schema = json_schema(request)
    annotations: list[JsonDict] = []
    if schema is not None:
        text = json.dumps(instance(schema, subject=subject_of(turn.prompt)), ensure_ascii=False)
    elif json_mode(request):
        text = json.dumps({"answer": plain})
    else:
        text = plain + seed_sentence(gen, f"{inter.model}:{len(chain) + 1}:{turn.prompt}")
        if run.notes:
            text += " " + " ".join(run.notes)
        text, annotations = cite(text, run.citations)
    return stop_at(text, annotations, gen)


def model_reply(inter: Interaction, chain: list[Interaction], turn: Turn) -> Reply:
    request = inter.request
    gen = _dict(request.get("generation_config"))
    specs: list[StepSpec] = []
    thought_text = ""
    # Ids and signatures derive from the content, not the interaction id, so equal runs give equal output.
    seed = f"{inter.model}:{len(chain) + 1}:{turn.prompt}"
    if gen.get("thinking_summaries") == "auto":
        thought_text = thinking_summary(turn, gen.get("thinking_level"))
        specs.append(thought_step(thought_text, f"{seed}:thought"))
    if not turn.function_results or forces_call(gen.get("tool_choice")):
        calls = function_calls(request.get("tools"), gen.get("tool_choice"), turn.prompt, seed)
        if calls is not None:
            text = json.dumps([s.start for s in calls.steps])
            return Reply(specs + calls.steps, status="requires_action", output_text=text, thought_text=thought_text)
    run = run_builtin_tools(request.get("tools"), turn.prompt, seed)
    specs.extend(run.steps)
    modalities = output_modalities(request, inter.model)
    text, annotations = answer_text(inter, chain, turn, run) if "text" in modalities else ("", [])
    answer = text_step(text, annotations) if text else StepSpec({"type": "model_output"})
    reply = Reply(specs, output_text=text, thought_text=thought_text, grounding=run.counts)
    reply.tool_tokens = 40 * len(run.steps)
    if "image" in modalities:
        answer.deltas.append(image_block(request, gen, seed))
        reply.image_tokens = IMAGE_TOKENS
    if "audio" in modalities:
        spoken = turn.prompt or text
        answer.deltas.append(audio_block(request, gen, spoken, seed))
        reply.audio_tokens = round(duration(spoken) * AUDIO_TOKENS_PER_SECOND)
    reply.steps.append(answer)
    return reply


def fail(reply: Reply, error: JsonDict) -> Reply:
    """The interaction fails before its answer: tool and thought steps stay, status ``failed`` with ``errors``."""
    kept = [s for s in reply.steps if s.start.get("type") not in ("model_output", "function_call")]
    return Reply(kept, status="failed", thought_text=reply.thought_text, errors=[error], grounding=reply.grounding)


def plan_for(
    inter: Interaction, chain: list[Interaction], turn: Turn, config: EmulatorConfig, failure: JsonDict | None = None
) -> list[PlannedEvent]:
    history_tokens = int((chain[-1].usage or {}).get("total_tokens", 0)) if chain else 0
    if inter.agent is not None:
        agent_config = _dict(inter.request.get("agent_config"))
        reply = research_reply(
            turn.prompt, config.research_steps, agent_config.get("thinking_summaries") == "auto", inter.agent
        )
        run = run_builtin_tools(inter.request.get("tools"), turn.prompt, f"{inter.agent}:{turn.prompt}")
        reply.steps[:0] = run.steps
        for kind, count in run.counts.items():  # the agent's own searches plus the requested tools' calls
            reply.grounding[kind] = reply.grounding.get(kind, 0) + count
    else:
        reply = model_reply(inter, chain, turn)
    failure = failure or failure_of(turn.prompt)
    if failure is not None:
        reply = fail(reply, failure)
    if inter.agent is not None:
        times, end = research_times(reply, config.research_seconds)
    else:
        times, end = model_times(reply, config.latency_for(inter.model))
    usage = usage_for(inter, reply, turn.prompt, history_tokens)
    return build_plan(inter, reply, usage, times, end)
