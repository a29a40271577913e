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
# Speech (TTS) models answer with audio only.
AUDIO_MODELS: frozenset[str] = frozenset(
    {"gemini-3.1-flash-tts-preview", "gemini-2.5-flash-preview-tts", "gemini-2.5-pro-preview-tts"}
)
MODELS: frozenset[str] = TEXT_MODELS | IMAGE_MODELS | AUDIO_MODELS
# The prebuilt voices of the speech models (a custom voice is addressed as ``voices/<id>``).
VOICES: tuple[str, ...] = (
    "Zephyr", "Puck", "Charon", "Kore", "Fenrir", "Leda", "Orus", "Aoede", "Callirrhoe", "Autonoe",
    "Enceladus", "Iapetus", "Umbriel", "Algieba", "Despina", "Erinome", "Algenib", "Rasalgethi", "Laomedeia",
    "Achernar", "Alnilam", "Schedar", "Gacrux", "Pulcherrima", "Achird", "Zubenelgenubi", "Vindemiatrix",
    "Sadachbia", "Sadaltager", "Sulafat",
)  # fmt: skip
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


def is_audio_model(model: str | None) -> bool:
    return model is not None and model in AUDIO_MODELS


def modalities_of(model: str | None) -> tuple[str, ...]:
    """The output modalities a model can produce (agents: text)."""
    if is_audio_model(model):
        return ("audio",)
    if is_image_model(model):
        return ("text", "image")
    return ("text",)
