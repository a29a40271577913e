"""How a model honours the turn's settings: output modalities, speech and image settings, seed, stop sequences.

Image settings come from a ``response_format`` entry ``{type: "image", aspect_ratio, image_size, delivery}``
or the deprecated ``generation_config.image_config``; audio from ``{type: "audio", mime_type, sample_rate,
delivery}`` (``audio/wav`` by default, or raw ``audio/l16``) and ``generation_config.speech_config``.
``delivery: "uri"`` returns a Files API ``uri`` instead of inline ``data``.
"""

from __future__ import annotations

import hashlib

from .catalog import modalities_of
from .jsontypes import JsonDict, as_dict, as_list
from .png import png_base64
from .validation import speech_entries
from .wav import MIME_TYPE, SAMPLE_RATE, Speaker, audio_base64

# image_size -> the long side in pixels (kept tiny: the emulator's images are placeholders)
IMAGE_SIDES = {"512": 16, "1K": 32, "2K": 64, "4K": 128}


def output_modalities(request: JsonDict, model: str | None) -> tuple[str, ...]:
    """What the answer carries: the requested ``response_modalities`` (validated), else all the model can give."""
    asked = [str(m) for m in as_list(request.get("response_modalities")) or []]
    able = modalities_of(model)
    return tuple(m for m in able if m in asked) if asked else able


def speakers(gen: JsonDict) -> list[Speaker]:
    out: list[Speaker] = []
    for entry in speech_entries(gen.get("speech_config")):
        voice = entry.get("voice")
        language, name = entry.get("language"), entry.get("speaker")
        out.append(
            Speaker(
                voice=str(voice) if voice else "Kore",
                language=str(language) if language else None,
                speaker=str(name) if name else None,
            )
        )
    return out


def response_format(request: JsonDict, kind: str) -> JsonDict | None:
    """The first ``response_format`` entry of ``type == kind`` (the field is one entry or a list)."""
    raw = request.get("response_format")
    for entry in as_list(raw) or [raw]:
        node = as_dict(entry)
        if node is not None and node.get("type") == kind:
            return node
    return None


def files_uri(kind: str, seed: str) -> str:
    return f"https://generativelanguage.googleapis.com/v1beta/files/{kind}-{hashlib.sha256(seed.encode()).hexdigest()[:12]}"


def image_size(request: JsonDict, gen: JsonDict) -> tuple[int, int]:
    """(width, height): ``image_size`` sets the long side, ``aspect_ratio`` the shape."""
    config = response_format(request, "image") or as_dict(gen.get("image_config")) or {}
    side = IMAGE_SIDES.get(str(config.get("image_size") or "1K"), 32)
    ratio = str(config.get("aspect_ratio") or "1:1")
    w, h = (int(x) for x in ratio.split(":")) if ":" in ratio else (1, 1)
    if w >= h:
        return side, max(1, round(side * h / w))
    return max(1, round(side * w / h)), side


def seed_sentence(gen: JsonDict, seed_text: str) -> str:
    """With ``seed``, the answer ends with a sample tag that depends only on the seed and the turn."""
    seed = gen.get("seed")
    if not isinstance(seed, int) or isinstance(seed, bool):
        return ""
    tag = hashlib.sha256(f"{seed}:{seed_text}".encode()).hexdigest()[:8]
    return f" Sample {tag} (seed {seed})."


def stop_at(text: str, annotations: list[JsonDict], gen: JsonDict) -> tuple[str, list[JsonDict]]:
    """Cut the text before the first ``stop_sequences`` match; drop citations past the cut."""
    stops = [s for s in as_list(gen.get("stop_sequences")) or [] if isinstance(s, str) and s]
    cuts = [i for i in (text.find(s) for s in stops) if i >= 0]
    if not cuts:
        return text, annotations
    text = text[: min(cuts)]
    end = len(text.encode("utf-8"))
    return text, [a for a in annotations if int(a.get("end_index", 0)) <= end]


def image_block(request: JsonDict, gen: JsonDict, seed: str) -> JsonDict:
    width, height = image_size(request, gen)
    block: JsonDict = {"type": "image", "mime_type": "image/png"}
    fmt = response_format(request, "image") or as_dict(gen.get("image_config")) or {}
    # Like large outputs on Google, 4K images come back as a Files API link unless inline delivery is asked for.
    delivery = fmt.get("delivery") or ("uri" if fmt.get("image_size") == "4K" else "inline")
    if delivery == "uri":
        block["uri"] = files_uri("image", seed)
    else:
        block["data"] = png_base64(seed, width, height)
    return block


def audio_block(request: JsonDict, gen: JsonDict, spoken: str, seed: str) -> JsonDict:
    fmt = response_format(request, "audio") or {}
    rate = int(fmt.get("sample_rate") or SAMPLE_RATE)
    mime = str(fmt.get("mime_type") or MIME_TYPE)
    block: JsonDict = {"type": "audio", "mime_type": mime, "sample_rate": rate, "channels": 1}
    if fmt.get("delivery") == "uri":
        block["uri"] = files_uri("audio", seed)
    else:
        block["data"] = audio_base64(spoken, speakers(gen), rate, mime)
    return block
