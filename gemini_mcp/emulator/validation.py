"""Google's 400s for the per-turn settings of a create body: generation_config, service_tier,
response_modalities, agent_config and tool entries (field names and enums as in the SDK's types)."""

from __future__ import annotations

from collections.abc import Callable

from .catalog import VOICES, modalities_of
from .errors import ApiError
from .jsontypes import JsonDict, as_dict, as_list, dicts
from .wav import MIME_TYPES as AUDIO_MIME_TYPES

SERVICE_TIERS = ("flex", "standard", "priority", "deferred")
MODALITIES = ("text", "image", "audio", "video", "document")
THINKING_LEVELS = ("minimal", "low", "medium", "high", "xhigh")
TOOL_CHOICES = ("auto", "any", "none", "validated")
ASPECT_RATIOS = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9", "1:8", "8:1", "1:4", "4:1")
IMAGE_SIZES = ("512", "1K", "2K", "4K")
SEARCH_TYPES = ("web_search", "image_search", "enterprise_web_search")
MAX_STOP_SEQUENCES = 5
_VOICES = {v.lower() for v in VOICES}


def _bad(where: str, value: object, allowed: str) -> ApiError:
    return ApiError(400, f"Invalid value at '{where}' ({value!r}): {allowed}.")


def _enum(where: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise _bad(where, value, f"expected one of {', '.join(allowed)}")


def _number(where: str, value: object, low: float, high: float | None) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(where, value, "expected a number")
    if value < low or (high is not None and value > high):
        raise _bad(where, value, f"must be between {low:g} and {high:g}" if high is not None else f"must be >= {low:g}")


def _integer(where: str, value: object, low: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(where, value, "expected an integer")
    if low is not None and value < low:
        raise _bad(where, value, f"must be >= {low}")


def validate_settings(body: JsonDict, model: str | None) -> None:
    """Raise the 400 Google gives for a malformed setting; ``model`` is None for an agent."""
    if "service_tier" in body:
        _enum("service_tier", body["service_tier"], SERVICE_TIERS)
    if "response_modalities" in body:
        _modalities(body["response_modalities"], model)
    _response_formats(body.get("response_format"), model)
    gen = body.get("generation_config")
    if gen is not None:
        config = as_dict(gen)
        if config is None:
            raise _bad("generation_config", gen, "expected an object")
        _generation(config)
    agent_config = body.get("agent_config")
    if agent_config is not None:
        _agent_config(agent_config)
    _tools(body.get("tools"))


def _modalities(raw: object, model: str | None) -> None:
    items = as_list(raw)
    if not items:
        raise _bad("response_modalities", raw, f"expected a non-empty list of {', '.join(MODALITIES)}")
    for i, item in enumerate(items):
        _enum(f"response_modalities[{i}]", item, MODALITIES)
    able = modalities_of(model) if model is not None else ("text", "image")
    unsupported = [m for m in items if m not in able]
    if unsupported:
        raise ApiError(
            400,
            f"Response modalities {', '.join(map(str, unsupported))} are not supported by "
            f"{model or 'this agent'}; it supports: {', '.join(able)}.",
        )


def _response_formats(raw: object, model: str | None) -> None:
    """``{type: "image"|"audio", ...}`` entries of ``response_format`` (a text schema is checked elsewhere)."""
    able = modalities_of(model) if model is not None else ("text", "image")
    entries = as_list(raw) or [raw]
    for i, entry in enumerate(dicts(entries)):
        where = f"response_format[{i}]" if as_list(raw) is not None else "response_format"
        kind = entry.get("type")
        if kind not in ("image", "audio"):
            continue
        if kind not in able:
            raise ApiError(400, f"{where}: {kind} output is not supported by {model}; it supports: {', '.join(able)}.")
        if "delivery" in entry:
            _enum(f"{where}.delivery", entry["delivery"], ("inline", "uri"))
        if kind == "image":
            _image_config(where, entry)
            if "mime_type" in entry:
                _enum(f"{where}.mime_type", entry["mime_type"], ("image/png", "image/jpeg"))
        else:
            if "mime_type" in entry:
                _enum(f"{where}.mime_type", entry["mime_type"], AUDIO_MIME_TYPES)
            if "sample_rate" in entry:
                _integer(f"{where}.sample_rate", entry["sample_rate"], 8000)


def _generation(gen: JsonDict) -> None:
    checks: dict[str, Callable[[str, object], None]] = {
        "temperature": lambda w, v: _number(w, v, 0, 2),
        "top_p": lambda w, v: _number(w, v, 0, 1),
        "seed": lambda w, v: _integer(w, v),
        "max_output_tokens": lambda w, v: _integer(w, v, 1),
        "stop_sequences": _stop_sequences,
        "thinking_level": lambda w, v: _enum(w, v, THINKING_LEVELS),
        "thinking_summaries": lambda w, v: _enum(w, v, ("auto", "none")),
        "tool_choice": _tool_choice,
        "image_config": _image_config,
        "speech_config": _speech_config,
    }
    for key, check in checks.items():
        if key in gen:
            check(f"generation_config.{key}", gen[key])


def _stop_sequences(where: str, value: object) -> None:
    items = as_list(value)
    if items is None or not all(isinstance(s, str) and s for s in items):
        raise _bad(where, value, "expected a list of non-empty strings")
    if len(items) > MAX_STOP_SEQUENCES:
        raise _bad(where, value, f"at most {MAX_STOP_SEQUENCES} stop sequences are allowed")


def _tool_choice(where: str, value: object) -> None:
    if isinstance(value, str):
        _enum(where, value, TOOL_CHOICES)
        return
    allowed = as_dict((as_dict(value) or {}).get("allowed_tools"))
    if allowed is None:
        raise _bad(where, value, f"expected one of {', '.join(TOOL_CHOICES)} or {{allowed_tools: {{mode, tools}}}}")
    if "mode" in allowed:
        _enum(f"{where}.allowed_tools.mode", allowed["mode"], TOOL_CHOICES)
    tools = allowed.get("tools")
    names = as_list(tools)
    if tools is not None and (names is None or not all(isinstance(t, str) for t in names)):
        raise _bad(f"{where}.allowed_tools.tools", tools, "expected a list of tool names")


def _image_config(where: str, value: object) -> None:
    config = as_dict(value)
    if config is None:
        raise _bad(where, value, "expected an object")
    if "aspect_ratio" in config:
        _enum(f"{where}.aspect_ratio", config["aspect_ratio"], ASPECT_RATIOS)
    if "image_size" in config:
        _enum(f"{where}.image_size", config["image_size"], IMAGE_SIZES)


def speech_entries(value: object) -> list[JsonDict]:
    """``speech_config`` is a list of ``{voice, language, speaker}`` or ``{speakers: [...]}``."""
    config = as_dict(value)
    return dicts(config.get("speakers")) if config is not None else dicts(value)


def _speech_config(where: str, value: object) -> None:
    entries = speech_entries(value)
    if not entries:
        raise _bad(where, value, "expected a list of {voice, language, speaker} or {speakers: [...]}")
    for i, entry in enumerate(entries):
        voice = entry.get("voice")
        if voice is None:
            continue
        if not isinstance(voice, str) or not (voice.lower() in _VOICES or voice.startswith("voices/")):
            raise _bad(f"{where}[{i}].voice", voice, f"unknown voice; prebuilt voices: {', '.join(VOICES)}")


def _agent_config(value: object) -> None:
    config = as_dict(value)
    if config is None:
        raise _bad("agent_config", value, "expected an object")
    _enum("agent_config.type", config.get("type"), ("deep-research", "dynamic"))
    if "thinking_summaries" in config:
        _enum("agent_config.thinking_summaries", config["thinking_summaries"], ("auto", "none"))
    if "visualization" in config:
        _enum("agent_config.visualization", config["visualization"], ("off", "auto"))
    for flag in ("collaborative_planning", "enable_bigquery_tool"):
        if flag in config and not isinstance(config[flag], bool):
            raise _bad(f"agent_config.{flag}", config[flag], "expected a boolean")


def _tools(raw: object) -> None:
    for i, tool in enumerate(dicts(raw)):
        kind = tool.get("type")
        if kind == "google_search" and "search_types" in tool:
            for j, item in enumerate(as_list(tool["search_types"]) or [None]):
                _enum(f"tools[{i}].search_types[{j}]", item, SEARCH_TYPES)
        elif kind == "file_search":
            names = as_list(tool.get("file_search_store_names"))
            if not names or not all(isinstance(n, str) and n.startswith("fileSearchStores/") for n in names):
                raise _bad(
                    f"tools[{i}].file_search_store_names",
                    tool.get("file_search_store_names"),
                    "expected a non-empty list of store names like fileSearchStores/<id>",
                )
            if "top_k" in tool:
                _integer(f"tools[{i}].top_k", tool["top_k"], 1)
        elif kind == "mcp_server":
            url = tool.get("url")
            if not isinstance(url, str) or not url.startswith(("https://", "http://")):
                raise _bad(f"tools[{i}].url", url, "an mcp_server tool needs the server's http(s) URL")
