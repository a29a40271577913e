"""Which models and agents the emulator serves (Google's `Model` shape), and the 404 Google gives for others.

The default catalog mirrors what Gemini served in November 2026; `EmulatorConfig.models` / `.agents`
replace it. Retired ids (e.g. `gemini-2.0-flash`, `deep-research-pro-preview-12-2025`) are simply absent,
so they answer 404 everywhere, as Google's do: in `models.get`, and as `model`/`agent` of a create.
"""

from __future__ import annotations

from typing import Any

from .config import EmulatorConfig
from .errors import ApiError

JsonDict = dict[str, Any]
TEXT_METHODS = ["generateContent", "countTokens", "createCachedContent", "batchGenerateContent"]


def _model(name: str, display: str, description: str, *, inp: int = 1_048_576, out: int = 65_536) -> JsonDict:
    return {
        "name": f"models/{name}",
        "version": "001",
        "displayName": display,
        "description": description,
        "inputTokenLimit": inp,
        "outputTokenLimit": out,
        "supportedGenerationMethods": list(TEXT_METHODS),
        "temperature": 1,
        "topP": 0.95,
        "topK": 64,
        "maxTemperature": 2,
        "thinking": True,
    }


DEFAULT_MODELS: list[JsonDict] = [
    _model("gemini-3.8-flash", "Gemini 3.8 Flash", "Our most intelligent Flash model."),
    _model("gemini-3.6-flash", "Gemini 3.6 Flash", "Fast, balanced, multimodal."),
    _model("gemini-3-flash-preview", "Gemini 3 Flash Preview", "Fast, balanced, multimodal (preview)."),
    _model("gemini-3.5-flash-lite", "Gemini 3.5 Flash-Lite", "Fastest and cheapest 3.5 model."),
    _model("gemini-3.1-flash-lite", "Gemini 3.1 Flash-Lite", "Low cost, low latency."),
    _model("gemini-3.1-pro-preview", "Gemini 3.1 Pro Preview", "Complex reasoning, coding, research."),
    _model("gemini-3-pro-image", "Gemini 3 Pro Image", "Image generation and editing.", inp=65_536, out=32_768),
    _model("gemini-3.1-flash-image", "Gemini 3.1 Flash Image", "Image generation.", inp=131_072, out=32_768),
    _model("gemini-nano-banana-2.1", "Nano Banana 2.1", "Image generation and editing.", inp=131_072, out=32_768),
    _model("gemini-2.5-pro", "Gemini 2.5 Pro", "Previous-generation Pro model."),
    _model("gemini-2.5-flash", "Gemini 2.5 Flash", "Previous-generation Flash model."),
    _model("gemini-3.1-flash-tts-preview", "Gemini 3.1 Flash TTS Preview", "Speech generation.", out=16_384),
    _model("gemini-2.5-flash-preview-tts", "Gemini 2.5 Flash TTS Preview", "Speech generation.", out=16_384),
    _model("gemini-2.5-pro-preview-tts", "Gemini 2.5 Pro TTS Preview", "Speech generation.", out=16_384),
    {
        "name": "models/gemini-embedding-2",
        "version": "2",
        "displayName": "Gemini Embedding 2",
        "description": "Multimodal embeddings.",
        "inputTokenLimit": 8192,
        "outputTokenLimit": 1,
        "supportedGenerationMethods": ["embedContent", "countTextTokens", "countTokens"],
    },
]
DEFAULT_AGENTS: list[str] = ["deep-research-preview-04-2026", "deep-research-max-preview-04-2026"]
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
# The prebuilt voices of the speech models (a custom voice is addressed as ``voices/<id>``).
VOICES: tuple[str, ...] = (
    "Zephyr", "Puck", "Charon", "Kore", "Fenrir", "Leda", "Orus", "Aoede", "Callirrhoe", "Autonoe",
    "Enceladus", "Iapetus", "Umbriel", "Algieba", "Despina", "Erinome", "Algenib", "Rasalgethi", "Laomedeia",
    "Achernar", "Alnilam", "Schedar", "Gacrux", "Pulcherrima", "Achird", "Zubenelgenubi", "Vindemiatrix",
    "Sadachbia", "Sadaltager", "Sulafat",
)  # fmt: skip


def normalise(name: str) -> str:
    return name.removeprefix("models/").removeprefix("agents/")


def model_list(config: EmulatorConfig) -> list[JsonDict]:
    return DEFAULT_MODELS if config.models is None else config.models


def _served(config: EmulatorConfig) -> dict[str, JsonDict]:
    return {normalise(str(m.get("name", ""))): m for m in model_list(config)}


def not_found(name: str, api_version: str, method: str) -> ApiError:
    # Google answers unknown and retired models alike (gemini-1.5-* / gemini-2.0-* included).
    return ApiError(
        404,
        f"models/{name} is not found for API version {api_version}, or is not supported for {method}. "
        "Call ListModels to see the list of available models and their supported methods.",
    )


def check_model(model: str, api_version: str, config: EmulatorConfig) -> str:
    name = normalise(model)
    entry = _served(config).get(name)
    if entry is None or "generateContent" not in (entry.get("supportedGenerationMethods") or []):
        raise not_found(name, api_version, "interactions")
    return name


def check_agent(agent: str, config: EmulatorConfig) -> str:
    name = normalise(agent)
    agents = DEFAULT_AGENTS if config.agents is None else config.agents
    if name not in agents:
        raise ApiError(404, f"agents/{name} is not found. Known agents: {', '.join(sorted(agents))}.")
    return name


def get_model(model_id: str, api_version: str, config: EmulatorConfig) -> JsonDict:
    """``GET /{version}/models/{id}``."""
    name = normalise(model_id)
    entry = _served(config).get(name)
    if entry is None:
        raise not_found(name, api_version, "getModel")
    return entry


def list_page(query: dict[str, str], config: EmulatorConfig) -> JsonDict:
    """``GET /{version}/models?pageSize=&pageToken=``: ``{"models": [...], "nextPageToken": "..."}``."""
    try:
        size = int(query.get("pageSize") or DEFAULT_PAGE_SIZE)
        start = int(query.get("pageToken") or 0)
    except ValueError:
        raise ApiError(400, "Invalid value at 'page_size' or 'page_token': expected an integer.") from None
    if size <= 0:
        size = DEFAULT_PAGE_SIZE
    size = min(size, MAX_PAGE_SIZE)
    models = model_list(config)
    page: JsonDict = {"models": models[start : start + size]}
    if start + size < len(models):
        page["nextPageToken"] = str(start + size)
    return page


def is_image_model(model: str | None) -> bool:
    return model is not None and ("image" in model or "nano-banana" in model)


def is_audio_model(model: str | None) -> bool:
    """Speech (TTS) models answer with audio only."""
    return model is not None and "-tts" in model


def modalities_of(model: str | None) -> tuple[str, ...]:
    """The output modalities a model can produce (agents: text)."""
    if is_audio_model(model):
        return ("audio",)
    if is_image_model(model):
        return ("text", "image")
    return ("text",)
