"""The price table (shipped as data in prices.json, or GEMINI_MCP_PRICES_FILE) and the cost of a reported usage.

Pure functions over plain data: `load_prices(path)` reads and checks a table, `cost_usd(...)` prices the usage
Gemini reported for one interaction. An unknown model, agent or service tier costs `None` (unknown), never a guess.
"""

from __future__ import annotations

import json
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gemini_mcp.errors import ConfigError

PRICES_ENV = "GEMINI_MCP_PRICES_FILE"
PER_TOKENS = 1_000_000
DIGITS = 6  # costs are kept in micro-dollars, so sums of shown costs equal shown sums


class Rates(BaseModel):
    """USD per million tokens of each kind."""

    model_config = ConfigDict(extra="forbid")
    input: float = Field(ge=0)
    output: float = Field(ge=0)
    thought: float | None = Field(default=None, ge=0, description="Default: the output rate.")
    cached: float | None = Field(default=None, ge=0, description="Default: the input rate.")
    image_output: float | None = Field(default=None, ge=0, description="Default: the output rate.")


class LongContext(Rates):
    above_input_tokens: int = Field(gt=0)


class ModelPrice(Rates):
    long_context: LongContext | None = None


class AgentPrice(BaseModel):
    model_config = ConfigDict(extra="forbid")
    billed_as: str = Field(description="The model whose rates price the agent's tokens.")
    estimate_usd: tuple[float, float] = Field(description="Expected cost of one run: low, high.")
    minutes: tuple[float, float] = Field(default=(5, 20), description="Expected duration of one run: low, high.")


class PriceTable(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str
    as_of: str
    notes: str = ""
    service_tiers: dict[str, float] = Field(default_factory=lambda: {"standard": 1.0})
    google_search_per_query: float = Field(default=0.0, ge=0)
    models: dict[str, ModelPrice]
    agents: dict[str, AgentPrice] = Field(default_factory=dict[str, AgentPrice])

    def model(self, model_id: str | None) -> ModelPrice | None:
        if not model_id:
            return None
        return self.models.get(model_id.removeprefix("models/"))

    def agent(self, agent_id: str | None) -> AgentPrice | None:
        return self.agents.get(agent_id) if agent_id else None


def load_prices(path: Path | None = None) -> PriceTable:
    """The shipped table, or the one at `path` (JSON, or TOML when the name ends in .toml), which replaces it."""
    if path is None:
        text = resources.files("gemini_mcp.core").joinpath("prices.json").read_text(encoding="utf-8")
        return PriceTable.model_validate_json(text)
    try:
        text = Path(path).expanduser().read_text(encoding="utf-8")
        raw: Any = tomllib.loads(text) if str(path).endswith(".toml") else json.loads(text)
        return PriceTable.model_validate(raw)
    except (OSError, UnicodeDecodeError, ValueError) as err:
        problems = _problems(err) if isinstance(err, ValidationError) else str(err)
        raise ConfigError(
            f"{PRICES_ENV}: cannot use {path}: {problems}. The file must have the shape of the shipped "
            "gemini_mcp/core/prices.json (see docs/spend.md)."
        ) from None


def _problems(err: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in err.errors()[:5])


def _count(usage: dict[str, Any], key: str) -> int:
    value = usage.get(key)
    return value if isinstance(value, int) and value > 0 else 0


def _listed(usage: dict[str, Any], key: str, name_key: str, value_key: str, name: str) -> int:
    """Sum of `value_key` over `usage[key]` entries whose `name_key` is `name` (e.g. image output tokens)."""
    total = 0
    entries = usage.get(key)
    if isinstance(entries, list):
        for entry in cast(list[Any], entries):
            if isinstance(entry, dict):
                item = cast(dict[str, Any], entry)
                count = item.get(value_key)
                if str(item.get(name_key, "")).lower() == name and isinstance(count, int):
                    total += count
    return total


def token_cost(rates: Rates, usage: dict[str, Any]) -> float:
    """USD for one usage at `rates` (tool-use prompt tokens count as input; image output at the image rate)."""
    inputs = _count(usage, "total_input_tokens") + _count(usage, "total_tool_use_tokens")
    cached = min(_count(usage, "total_cached_tokens"), inputs)
    outputs = _count(usage, "total_output_tokens")
    images = min(_listed(usage, "output_tokens_by_modality", "modality", "tokens", "image"), outputs)
    thoughts = _count(usage, "total_thought_tokens")
    output_rate = rates.output
    dollars = (
        (inputs - cached) * rates.input
        + cached * (rates.cached if rates.cached is not None else rates.input)
        + (outputs - images) * output_rate
        + images * (rates.image_output if rates.image_output is not None else output_rate)
        + thoughts * (rates.thought if rates.thought is not None else output_rate)
    )
    return dollars / PER_TOKENS


def cost_usd(
    table: PriceTable,
    usage: dict[str, Any] | None,
    *,
    model: str | None = None,
    agent: str | None = None,
    service_tier: str | None = None,
) -> float | None:
    """The estimated cost of one interaction's reported usage, or None when the table cannot price it."""
    if not usage:
        return None
    multiplier = table.service_tiers.get(service_tier or "standard")
    if multiplier is None:
        return None
    agent_price = table.agent(agent)
    if agent is not None and agent_price is None:
        return None
    price = table.model(agent_price.billed_as if agent_price else model)
    if price is None:
        return None
    rates: Rates = price
    tokens_in = _count(usage, "total_input_tokens")
    if agent_price is None and price.long_context and tokens_in > price.long_context.above_input_tokens:
        rates = price.long_context  # one prompt over the threshold (an agent's input is summed over many calls)
    searches = _listed(usage, "grounding_tool_count", "type", "count", "google_search")
    dollars = token_cost(rates, usage) + searches * table.google_search_per_query
    return round(dollars * multiplier, DIGITS)
