"""Which models and agents the emulator knows, and the 404 Google gives for the others."""

from __future__ import annotations

from .errors import ApiError

TEXT_MODELS: frozenset[str] = frozenset(
    {
        "gemini-3-flash-preview",
        "gemini-3.1-pro-preview",
        "gemini-3.1-flash-lite-preview",
        "gemini-2.5-pro",
        "gemini-2.5-flash",
    }
)
IMAGE_MODELS: frozenset[str] = frozenset({"gemini-3-pro-image-preview", "gemini-3.1-flash-image-preview"})
MODELS: frozenset[str] = TEXT_MODELS | IMAGE_MODELS
AGENTS: frozenset[str] = frozenset(
    {"deep-research-preview-04-2026", "deep-research-max-preview-04-2026", "deep-research-pro-preview-12-2025"}
)
RETIRED_PREFIXES: tuple[str, ...] = ("gemini-1.0-", "gemini-1.5-", "gemini-2.0-", "gemini-pro")


def normalise(name: str) -> str:
    return name.removeprefix("models/").removeprefix("agents/")


def check_model(model: str, api_version: str) -> str:
    name = normalise(model)
    if name not in MODELS:
        # Google answers both unknown and retired models with the same 404 (retired ids such as
        # gemini-1.5-* / gemini-2.0-* included).
        raise ApiError(
            404,
            f"models/{name} is not found for API version {api_version}, or is not supported for "
            "interactions. Call ListModels to see the list of available models and their supported methods.",
        )
    return name


def check_agent(agent: str) -> str:
    name = normalise(agent)
    if name not in AGENTS:
        raise ApiError(404, f"agents/{name} is not found. Known agents: {', '.join(sorted(AGENTS))}.")
    return name


def is_image_model(model: str | None) -> bool:
    return model is not None and model in IMAGE_MODELS
