"""The model catalog as data: what each model takes and gives, from Gemini's live list or the shipped table.

`Catalog.source` says where it came from: `live` (Gemini's `models.list`, possibly from the store's cache)
or `fallback` (the shipped `gemini_mcp/data/models.json`, or the file in `GEMINI_MCP_MODELS_FILE`, used
when the list cannot be fetched). Live entries keep what the API reports (token limits, thinking) and
borrow the modalities from the shipped table where it knows the id. Pure logic; no MCP, no SDK.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal, cast

Source = Literal["live", "fallback"]


@dataclass
class ModelInfo:
    """One model or agent, with what it supports (None: not known)."""

    id: str
    display_name: str = ""
    description: str = ""
    input_token_limit: int | None = None
    output_token_limit: int | None = None
    thinking: bool | None = None
    input_modalities: list[str] = field(default_factory=list[str])
    output_modalities: list[str] = field(default_factory=list[str])

    def to_json(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value not in (None, "", [])}


@dataclass
class Catalog:
    """The models and agents on offer, and where the list came from."""

    models: list[ModelInfo]
    agents: list[ModelInfo]
    source: Source
    fetched: float | None = None  # when the live list was fetched (epoch seconds)
    reason: str = ""  # why the fallback is in use

    def model(self, model_id: str) -> ModelInfo | None:
        return next((m for m in self.models if m.id == model_id), None)

    def has_model(self, model_id: str) -> bool:
        return self.model(model_id) is not None

    def has_agent(self, agent_id: str) -> bool:
        return any(a.id == agent_id for a in self.agents)

    @property
    def model_ids(self) -> list[str]:
        return [m.id for m in self.models]

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "fetched": self.fetched,
            "reason": self.reason,
            "models": [m.to_json() for m in self.models],
            "agents": [a.to_json() for a in self.agents],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Catalog:
        source = "live" if data.get("source") == "live" else "fallback"
        fetched = data.get("fetched")
        return cls(
            models=[info_from_json(m) for m in cast(list[dict[str, Any]], data.get("models") or [])],
            agents=[info_from_json(a) for a in cast(list[dict[str, Any]], data.get("agents") or [])],
            source=source,
            fetched=float(fetched) if isinstance(fetched, (int, float)) else None,
            reason=str(data.get("reason") or ""),
        )


def info_from_json(raw: dict[str, Any]) -> ModelInfo:
    def number(key: str) -> int | None:
        value = raw.get(key)
        return int(value) if isinstance(value, (int, float)) else None

    thinking = raw.get("thinking")
    return ModelInfo(
        id=str(raw["id"]).removeprefix("models/"),
        display_name=str(raw.get("display_name") or ""),
        description=str(raw.get("description") or ""),
        input_token_limit=number("input_token_limit"),
        output_token_limit=number("output_token_limit"),
        thinking=thinking if isinstance(thinking, bool) else None,
        input_modalities=[str(x) for x in cast(list[Any], raw.get("input_modalities") or [])],
        output_modalities=[str(x) for x in cast(list[Any], raw.get("output_modalities") or [])],
    )


def shipped(override: Path | None = None) -> Catalog:
    """The fallback catalog: the shipped table, or the override file (same format) instead of it."""
    if override is None:
        text = resources.files("gemini_mcp").joinpath("data", "models.json").read_text(encoding="utf-8")
        origin = "the shipped table"
    else:
        try:
            text = override.read_text(encoding="utf-8")
        except OSError as exc:
            raise ValueError(f"GEMINI_MCP_MODELS_FILE {override}: {exc}") from exc
        origin = str(override)
    try:
        catalog = Catalog.from_json(json.loads(text))
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{origin}: not a model catalog ({exc!s}); see docs/models.md for the format") from exc
    catalog.source = "fallback"
    return catalog


def live(models: list[ModelInfo], fetched: float, table: Catalog) -> Catalog:
    """The catalog from Gemini's list: its entries, with modalities the shipped table knows; agents from the table
    (the model list does not carry agents)."""
    known = {m.id: m for m in table.models}
    merged: list[ModelInfo] = []
    for model in models:
        ours = known.get(model.id)
        if ours is not None:
            model.input_modalities = model.input_modalities or list(ours.input_modalities)
            model.output_modalities = model.output_modalities or list(ours.output_modalities)
            model.description = model.description or ours.description
        merged.append(model)
    return Catalog(models=merged, agents=list(table.agents), source="live", fetched=fetched)
