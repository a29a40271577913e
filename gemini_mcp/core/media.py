"""Audio and image settings of a turn: checked against the model catalog before Gemini is called, then turned
into ``response_modalities``, ``generation_config.speech_config`` and ``response_format`` entries.

A setting given on this turn that the model cannot use is refused (naming the argument and the models that
take it); a remembered one is simply not sent to such a model (the conversation keeps it for later turns).
Audio is asked for as WAV (``{type: "audio", mime_type: "audio/wav"}``) so every client can play it; image
settings go in a ``{type: "image", aspect_ratio, image_size}`` entry (``generation_config.image_config`` is
deprecated in google-genai). Knows nothing about MCP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gemini_mcp import errors
from gemini_mcp.core.catalog import Catalog
from gemini_mcp.core.turn import TurnConfig

AUDIO_FORMAT = {"type": "audio", "mime_type": "audio/wav"}
#: The speech models' prebuilt voices (a custom voice is addressed as ``voices/<id>``).
VOICES: tuple[str, ...] = (
    "Zephyr", "Puck", "Charon", "Kore", "Fenrir", "Leda", "Orus", "Aoede", "Callirrhoe", "Autonoe",
    "Enceladus", "Iapetus", "Umbriel", "Algieba", "Despina", "Erinome", "Algenib", "Rasalgethi", "Laomedeia",
    "Achernar", "Alnilam", "Schedar", "Gacrux", "Pulcherrima", "Achird", "Zubenelgenubi", "Vindemiatrix",
    "Sadachbia", "Sadaltager", "Sulafat",
)  # fmt: skip
_VOICES = {v.lower(): v for v in VOICES}


def takes(outputs: list[str]) -> list[str]:
    """The ask_gemini arguments that only a model with these outputs takes."""
    return [name for name, output in (("voice", "audio"), ("image_config", "image")) if output in outputs]


@dataclass
class MediaParts:
    """What a turn's media settings add to the create request."""

    response_modalities: list[str] | None = None
    speech_config: list[dict[str, Any]] | None = None
    formats: list[dict[str, Any]] = field(default_factory=list[dict[str, Any]])


def check_voice(voice: str) -> str:
    """A prebuilt voice name (any case, returned as Google spells it) or a custom ``voices/<id>``."""
    if voice.startswith("voices/") and len(voice) > len("voices/"):
        return voice
    known = _VOICES.get(voice.strip().lower())
    if known is None:
        raise errors.InvalidRequestError(
            f"voice: {voice[:60]!r} is not a prebuilt voice; choose one of {', '.join(VOICES)}, "
            "or a custom voice as 'voices/<id>'"
        )
    return known


def _refuse(argument: str, model: str, output: str, outputs: tuple[str, ...], catalog: Catalog) -> Exception:
    able = [m.id for m in catalog.models if output in m.output_modalities]
    return errors.InvalidRequestError(
        f"{argument}: model {model!r} outputs {', '.join(outputs)}, not {output}; {argument} needs a model that "
        f"outputs {output}: {', '.join(able) or 'none listed'} (see gemini://models)"
    )


def media_parts(config: TurnConfig, given: TurnConfig, model: str, catalog: Catalog, *, json_mode: bool) -> MediaParts:
    """The media parts for `model` from the merged `config`; `given` holds what this turn set itself. A model whose
    outputs the catalog does not know gets what was asked for (Gemini decides)."""
    info = catalog.model(model)
    known = info is not None and bool(info.output_modalities)
    if info is not None and info.output_modalities:
        outputs = tuple(info.output_modalities)
    else:
        outputs = tuple(dict.fromkeys([*(config.response_modalities or ["text"]), "audio", "image"]))
    parts = MediaParts()
    if config.response_modalities:
        unusable = [m for m in config.response_modalities if m not in outputs]
        if unusable and given.response_modalities:
            raise _refuse("response_modalities", model, unusable[0], outputs, catalog)
        parts.response_modalities = [m for m in config.response_modalities if m in outputs] or None
    wanted = parts.response_modalities or list(outputs)
    if config.voice:
        if "audio" not in outputs and given.voice:
            raise _refuse("voice", model, "audio", outputs, catalog)
        if "audio" in wanted:
            parts.speech_config = [{"voice": config.voice}]
    if config.image_config:
        if "image" not in outputs and given.image_config:
            raise _refuse("image_config", model, "image", outputs, catalog)
        if "image" in wanted:
            parts.formats.append({"type": "image", **config.image_config})
    if "audio" in wanted and known:
        parts.formats.append(dict(AUDIO_FORMAT))
    if json_mode and "text" not in wanted:
        raise errors.InvalidRequestError(
            f"json_mode: model {model!r} answers with {', '.join(wanted)} only, so there is no text to parse as "
            "JSON; use a text model (see gemini://models)"
        )
    return parts
