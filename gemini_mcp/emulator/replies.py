"""Deterministic model behaviour: what a model answers to a turn, as steps with their stream deltas.

Reply text format (other code may rely on it):
``[lead ]You said: "<prompt>" (turn <n>, <model>).[ I received ...][ The function ...]``
- lead "Nice to meet you, <Name>!" when the prompt says "my name is <Name>";
- lead "Your name is <Name>." when the prompt asks "what is my name" and the chain told it before.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .inputs import Turn, result_text

JsonDict = dict[str, Any]

NAME_RE = re.compile(r"\bmy name is ([A-Za-z][\w'-]*)", re.IGNORECASE)
ASKS_NAME_RE = re.compile(r"\bwhat(?:'s| is) my name\b", re.IGNORECASE)


@dataclass
class StepSpec:
    """One output step: what ``step.start`` carries and the ``step.delta`` payloads that follow."""

    start: JsonDict
    deltas: list[JsonDict] = field(default_factory=list[JsonDict])


@dataclass
class Reply:
    steps: list[StepSpec]
    status: str = "completed"
    output_text: str = ""
    thought_text: str = ""
    tool_tokens: int = 0
    grounding: dict[str, int] = field(default_factory=dict[str, int])
    image_tokens: int = 0
    audio_tokens: int = 0
    errors: list[JsonDict] = field(default_factory=list[JsonDict])  # {code, message} when status is failed
    hidden: dict[str, int] = field(default_factory=dict[str, int])  # unseen tokens: input/cached/thought/output


def tokens(text: str) -> int:
    return max(1, (len(text) + 3) // 4) if text else 0


MAX_PIECES = 2000  # a long text (an echoed file) in bigger pieces: folding 65,000 deltas took seconds


def chunks(text: str, size: int = 24) -> list[str]:
    """Split text into stream deltas of about ``size`` characters (bigger for texts over ``MAX_PIECES`` pieces),
    cutting after a space when possible (concatenating the pieces gives the text back)."""
    size = max(size, -(-len(text) // MAX_PIECES))
    out: list[str] = []
    start = 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            cut = text.rfind(" ", start + 1, end + 1)
            end = cut + 1 if cut > start else end
        out.append(text[start:end])
        start = end
    return out or [""]


def text_step(text: str, annotations: list[JsonDict] | None = None, chunk_size: int = 24) -> StepSpec:
    deltas: list[JsonDict] = [{"type": "text", "text": piece} for piece in chunks(text, chunk_size)]
    if annotations:
        deltas.append({"type": "text_annotation_delta", "annotations": annotations})
    return StepSpec({"type": "model_output"}, deltas)


def signature(seed: str) -> str:
    return base64.b64encode(hashlib.sha256(seed.encode("utf-8")).digest()[:24]).decode("ascii")


def thought_step(summary: str, seed: str) -> StepSpec:
    deltas: list[JsonDict] = [
        {"type": "thought_summary", "content": {"type": "text", "text": summary}},
        {"type": "thought_signature", "signature": signature(seed)},
    ]
    return StepSpec({"type": "thought"}, deltas)


def remembered_name(history_texts: list[str]) -> str | None:
    name: str | None = None
    for text in history_texts:
        for match in NAME_RE.finditer(text):
            name = match.group(1).rstrip("'-")
    return name


def describe_attachments(turn: Turn) -> str:
    if not turn.attachments:
        return ""
    counts = Counter(a.kind for a in turn.attachments)
    parts: list[str] = []
    for kind, n in counts.items():
        details = "; ".join(a.describe() for a in turn.attachments if a.kind == kind)
        parts.append(f"{n} {kind}{'' if n == 1 else 's'} ({details})")
    return " I received " + ", ".join(parts) + "."


def describe_function_results(turn: Turn) -> str:
    parts = [
        f" The function {r.get('name') or r.get('call_id')} returned {result_text(r.get('result'))}."
        for r in turn.function_results
    ]
    if parts:
        parts.append(" Based on that result, here is my answer.")
    return "".join(parts)


def reply_text(turn: Turn, history_texts: list[str], turn_number: int, model: str) -> str:
    lead = ""
    introduced = remembered_name([turn.prompt])
    if introduced:
        lead += f"Nice to meet you, {introduced}! "
    if ASKS_NAME_RE.search(turn.prompt):
        known = remembered_name([*history_texts, turn.prompt])
        lead += f"Your name is {known}. " if known else "You have not told me your name yet. "
    body = (
        f'You said: "{turn.prompt}" (turn {turn_number}, {model}).'
        if turn.prompt
        else f"(turn {turn_number}, {model})."
    )
    return lead + body + describe_attachments(turn) + describe_function_results(turn)


def thinking_summary(turn: Turn, level: str | None) -> str:
    topic = turn.prompt.strip().splitlines()[0][:80] if turn.prompt.strip() else "the request"
    return f"**Planning the answer** (thinking level {level or 'default'}): considering {topic!r}."
