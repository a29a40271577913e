"""Interaction operations with Google's validation rules, independent of HTTP framing."""

from __future__ import annotations

import time
from typing import Any

from .behaviour import plan_for
from .catalog import check_agent, check_model
from .config import EmulatorConfig
from .errors import ApiError
from .inputs import normalise_input, summarise
from .state import Interaction, new_interaction_id
from .store import Store
from .validation import validate_settings

JsonDict = dict[str, Any]


def _flag(body: JsonDict, key: str) -> bool | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise ApiError(400, f"Invalid value at '{key}' ({type(value).__name__}): expected a boolean.")
    return value


def validate(body: JsonDict, api_version: str, config: EmulatorConfig) -> tuple[str | None, str | None]:
    model, agent = body.get("model"), body.get("agent")
    if model is not None and agent is not None:
        raise ApiError(400, "Only one of 'model' or 'agent' may be set on an interaction.")
    if model is None and agent is None:
        raise ApiError(400, "One of 'model' or 'agent' must be set on an interaction.")
    if model is not None and "agent_config" in body:
        raise ApiError(400, "'agent_config' can only be used with 'agent', not with 'model'.")
    if agent is not None:
        for key in ("generation_config", "cached_content"):
            if key in body:
                raise ApiError(400, f"'{key}' can only be used with 'model', not with 'agent'.")
    if model is not None and not isinstance(model, str):
        raise ApiError(400, "Invalid value at 'model': expected a string.")
    if agent is not None and not isinstance(agent, str):
        raise ApiError(400, "Invalid value at 'agent': expected a string.")
    background, store, stream = _flag(body, "background"), _flag(body, "store"), _flag(body, "stream")
    del stream
    if background and store is False:
        raise ApiError(400, "background=true requires store=true: a background interaction must be stored.")
    if body.get("previous_interaction_id") is not None and store is False:
        raise ApiError(400, "previous_interaction_id requires store=true: unstored interactions cannot be chained.")
    model_name = check_model(model, api_version, config) if isinstance(model, str) else None
    agent_name = check_agent(agent, config) if isinstance(agent, str) else None
    if agent_name is not None and not background:
        raise ApiError(400, f"Agent {agent_name} requires background=true: agent interactions run in the background.")
    if "input" not in body and body.get("continuation_token") is None:
        raise ApiError(400, "'input' is required.")
    validate_settings(body, model_name)
    return model_name, agent_name


def create(store: Store, body: JsonDict, api_version: str, failure: JsonDict | None = None) -> Interaction:
    """A new interaction; ``failure`` (``{code, message}``) makes it end ``failed`` instead of answering."""
    model, agent = validate(body, api_version, store.config)
    prev_id = body.get("previous_interaction_id")
    if prev_id is not None and (not isinstance(prev_id, str) or prev_id not in store.interactions):
        raise ApiError(404, f"Interaction {prev_id} was not found (previous_interaction_id).")
    steps = normalise_input(body.get("input"))
    turn = summarise(steps)
    if prev_id is not None and turn.function_results:
        check_call_ids(store.interactions[prev_id], turn.function_results)
    inter = Interaction(
        id=new_interaction_id(),
        request=body,
        input_steps=steps,
        created=time.time(),
        plan=[],
        model=model,
        agent=agent,
        previous_interaction_id=prev_id,
        background=bool(body.get("background")),
    )
    inter.plan = plan_for(inter, store.chain(inter), turn, store.config, failure)
    store.add(inter, stored=body.get("store") is not False)
    return inter


def check_call_ids(previous: Interaction, results: list[JsonDict]) -> None:
    """function_result steps must answer function_call steps of the previous interaction."""
    calls = {str(s.get("id")) for s in previous.steps if s.get("type") == "function_call"}
    for result in results:
        if calls and str(result.get("call_id")) not in calls:
            raise ApiError(
                400,
                f"function_result call_id {result.get('call_id')!r} does not match any function_call of "
                f"interaction {previous.id} (expected one of: {', '.join(sorted(calls))}).",
            )


def cancel(store: Store, interaction_id: str) -> Interaction:
    """Cancel a running interaction; one that already ended is returned as it is."""
    inter = store.get(interaction_id)
    if not inter.finished:
        inter.cancel()
        store.save(inter)
    return inter
