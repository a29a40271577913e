"""Which model or agent a call really uses: the live catalog (cached in the store for a day, refreshed in the
background), the retirement table, the allow-list and settings a model no longer takes.

The live list is loaded on first need: reading gemini://models, or a model id the shipped table does not know
(then the call waits for it, bounded). From then on it is reloaded in the background when a day has passed.

A retired id (in a call, remembered by a conversation, or a default setting) is replaced by its successor with
a note and never sent. With the live list, an id Gemini does not list is refused before anything is sent; with
the fallback catalog nothing is refused on that ground (the shipped table may be out of date), and Gemini's
own 404 is reworded instead. Knows nothing about MCP.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from typing import Any

import anyio

from gemini_mcp import errors
from gemini_mcp.config import Settings
from gemini_mcp.core import catalog, retirements
from gemini_mcp.core.catalog import Catalog, ModelInfo
from gemini_mcp.core.media import VOICES, takes
from gemini_mcp.core.retirements import Retirements
from gemini_mcp.core.turn import TurnConfig
from gemini_mcp.gemini.port import GeminiBackend, ModelData
from gemini_mcp.store.port import Store

logger = logging.getLogger(__name__)

CACHE_KEY = "models.live"
LIVE_TTL = 24 * 3600.0  # a fetched list is good for a day
RETRY_AFTER = 15 * 60.0  # after a failed fetch, try again this much later
FIRST_LOAD_WAIT = 10.0  # a call made before the first load finishes waits at most this long
IDLE_CHECK = 60.0  # the refresher's tick before anything needed the catalog


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _usable(model: ModelData) -> bool:
    """Models the Interactions API can answer with (the list also holds embedding-only models)."""
    return not model.supported_actions or "generateContent" in model.supported_actions


def _info(model: ModelData) -> ModelInfo:
    return ModelInfo(
        id=model.id,
        display_name=model.display_name,
        description=model.description,
        input_token_limit=model.input_token_limit,
        output_token_limit=model.output_token_limit,
        thinking=model.thinking,
    )


class Models:
    """The catalog and the id checks every turn and research start goes through."""

    def __init__(self, settings: Settings, store: Store, backend: GeminiBackend) -> None:
        self.settings = settings
        self.store = store
        self.backend = backend
        self.table: Retirements = retirements.load(settings.retirements_file)
        self.shipped: Catalog = catalog.shipped(settings.models_file)
        self.allowed: list[str] = list(dict.fromkeys(self._resolve(m).used for m in settings.allowed_models))
        self._catalog: Catalog | None = None
        self._expires = 0.0
        self._lock = anyio.Lock()

    # -- the catalog

    def fallback(self, reason: str) -> Catalog:
        return Catalog(
            models=list(self.shipped.models), agents=list(self.shipped.agents), source="fallback", reason=reason
        )

    def now(self) -> Catalog:
        """The catalog as loaded so far (the shipped table before the first load); never waits."""
        return self._catalog or self.shipped

    async def current(self) -> Catalog:
        """The catalog now; the first call waits (bounded) for the first load."""
        if self._catalog is None:
            with anyio.move_on_after(FIRST_LOAD_WAIT):
                await self.load()
        return self._catalog or self.fallback("Gemini's model list is still loading")

    async def load(self) -> Catalog:
        """Use the store's cached list while it is fresh, else fetch it (falling back to the shipped table)."""
        async with self._lock:
            if self._catalog is not None and time.time() < self._expires:
                return self._catalog
            cached = await self.store.get_cached(CACHE_KEY)
            if cached is not None and time.time() - cached[1] < LIVE_TTL:
                self._set(Catalog.from_json(json.loads(cached[0])), cached[1] + LIVE_TTL)
            else:
                stale = Catalog.from_json(json.loads(cached[0])) if cached is not None else None
                await self._fetch(stale)
            assert self._catalog is not None
            return self._catalog

    async def _fetch(self, stale: Catalog | None) -> None:
        if not self.settings.has_api_key:
            self._set(self.fallback("no Gemini API key is set"), time.time() + RETRY_AFTER)
            return
        try:
            listed = await self.backend.list_models()
        except errors.GeminiMcpError as err:
            logger.warning(
                "Gemini's model list could not be fetched; using %s: %s",
                "the cached list" if stale else "the shipped catalog",
                err,
            )
            self._set(stale or self.fallback(str(err)), time.time() + RETRY_AFTER)
            return
        fetched = time.time()
        live = catalog.live([_info(m) for m in listed if _usable(m)], fetched, self.shipped)
        await self.store.put_cached(CACHE_KEY, json.dumps(live.to_json()))
        self._set(live, fetched + LIVE_TTL)
        logger.info("model list: %d models from Gemini", len(live.models))

    def _set(self, value: Catalog, expires: float) -> None:
        self._catalog, self._expires = value, expires

    async def refresh_forever(self) -> None:
        """The lifespan's background task: once the catalog was loaded (on first need), reload it when it expires,
        so no call waits for the refresh."""
        while True:
            wait = self._expires - time.time() if self._catalog is not None else IDLE_CHECK
            await anyio.sleep(max(wait, 1.0))
            if self._catalog is not None and time.time() >= self._expires:
                await self.load()

    # -- ids

    def _resolve(self, name: str) -> retirements.Substitution:
        return self.table.resolve(name, today())

    async def resolve_model(self, requested: str | None) -> tuple[str, list[str]]:
        """The model to send (retired ids replaced, allow-list and live list checked) and notes for the caller."""
        sub = self._resolve((requested or "").strip() or self.settings.default_model)
        notes = [sub.note()] if sub.changed else []
        model = sub.used
        if self.allowed and model not in self.allowed:
            raise errors.ModelNotAllowedError(model, self.allowed)
        offered = await self._catalog_for(model)
        if offered.source == "live" and not offered.has_model(model):
            names = self.offered(offered)
            shown = ", ".join(names[:20]) + (f" and {len(names) - 20} more" if len(names) > 20 else "")
            raise errors.InvalidRequestError(
                f"Model '{model}' is not available on Gemini (it is not in Gemini's model list; models: {shown}). "
                "Read the gemini://models resource for the models this server offers, or omit `model` to use the "
                "default."
            )
        return model, notes

    async def _catalog_for(self, model: str) -> Catalog:
        """The catalog to check `model` against: what is loaded, or - for an id the shipped table lacks - the live
        list fetched now (a known id never makes a call wait for the list)."""
        if self._catalog is None and self.shipped.has_model(model):
            return self.shipped
        return await self.current()

    def resolve_agent(self, requested: str | None) -> tuple[str, list[str]]:
        sub = self._resolve((requested or "").strip() or self.settings.default_agent)
        return sub.used, [sub.note()] if sub.changed else []

    def offered(self, current: Catalog) -> list[str]:
        return [m for m in current.model_ids if not self.allowed or m in self.allowed]

    def drop_settings(self, model: str, config: TurnConfig) -> tuple[TurnConfig, list[str]]:
        """`config` without the settings `model` no longer takes, and a note naming them."""
        row = self.table.dropped_settings(model)
        given = [key for key in row.settings if getattr(config, key, None) is not None] if row else []
        if row is None or not given:
            return config, []
        note = (
            f"Not sent: {', '.join(given)}; {model} no longer takes {'it' if len(given) == 1 else 'them'} "
            f"(since {row.since}, {row.source}). The rest of the request was sent unchanged."
        )
        return config.model_copy(update=dict.fromkeys(given)), [note]

    def startup_warnings(self) -> list[str]:
        """One line per default or allowed id that is retired (replaced) or deprecated (still sent)."""
        named = [
            ("GEMINI_MCP_DEFAULT_MODEL", self.settings.default_model),
            ("GEMINI_MCP_DEFAULT_AGENT", self.settings.default_agent),
            *(("GEMINI_MCP_ALLOWED_MODELS", m) for m in self.settings.allowed_models),
        ]
        warnings: list[str] = []
        for setting, value in named:
            sub = self._resolve(value)
            if sub.changed:
                warnings.append(f"{setting}: {sub.note()}")
            elif (entry := self.table.deprecation(value, today())) is not None and self._chosen(setting):
                when = f"on {entry.shutdown.isoformat()}" if entry.shutdown else "(date not announced yet)"
                successor = self._resolve(entry.successor).used
                warnings.append(
                    f"{setting}: '{value}' is deprecated; Google shuts it down {when}. Its successor is "
                    f"'{successor}' ({entry.source})."
                )
        return warnings

    def _chosen(self, setting: str) -> bool:
        """Was this setting set by the user (a deprecated built-in default is the next release's job, not theirs)?"""
        field = setting.removeprefix("GEMINI_MCP_").lower()
        return field in self.settings.model_fields_set

    async def describe(self) -> dict[str, Any]:
        """The gemini://models document: what is on offer, where the list came from, and what was retired."""
        current = await self.current()
        offered = [m for m in current.models if not self.allowed or m.id in self.allowed]
        if current.source == "live":
            fetched = dt.datetime.fromtimestamp(current.fetched or 0, dt.UTC).isoformat(timespec="seconds")
            about = f"Gemini's live model list (fetched {fetched}, cached for a day)."
        else:
            about = (
                f"The shipped fallback catalog, used because {current.reason}. Gemini may offer models this list lacks."
            )
        return {
            "source": current.source,
            "about": about,
            "default_model": self._resolve(self.settings.default_model).used,
            "allowed_models": self.allowed or "any",
            "models": [self._entry(m) for m in offered],
            "voices": list(VOICES),
            "settings": "voice needs a model whose output_modalities include audio, image_config one whose "
            "output_modalities include image; response_modalities must be among the model's output_modalities.",
            "default_agent": self._resolve(self.settings.default_agent).used,
            "agents": [self._entry(a) for a in current.agents],
            "retired": [
                {"id": e.id, "successor": e.successor, "shutdown": e.shutdown.isoformat() if e.shutdown else None}
                for e in self.table.entries
                if e.retired(today())
            ],
            "retirements_updated": self.table.updated,
        }

    def _entry(self, info: ModelInfo) -> dict[str, Any]:
        entry = info.to_json()
        if takes(info.output_modalities):
            entry["takes"] = takes(info.output_modalities)
        deprecated = self.table.deprecation(info.id, today())
        if deprecated is not None:
            entry["deprecated"] = {
                "successor": self._resolve(deprecated.successor).used,
                "shutdown": deprecated.shutdown.isoformat() if deprecated.shutdown else None,
            }
        dropped = self.table.dropped_settings(info.id)
        if dropped is not None:
            entry["settings_not_taken"] = list(dropped.settings)
        return entry
