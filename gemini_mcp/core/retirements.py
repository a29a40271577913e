"""Retired and deprecated model/agent ids as data: which id replaces which, since when, and on whose word.

The table ships as `gemini_mcp/data/retirements.json`; a file given by `GEMINI_MCP_RETIREMENTS_FILE`
(same format) is laid over it, entry by entry. An id whose shutdown date has passed is *retired*: it is
replaced by its successor (followed to the end of the chain) with a note and never sent to Gemini. An
id whose shutdown is later or unannounced is *deprecated*: it is still sent, and reported. The `settings`
part lists request settings a model no longer takes. Pure logic; knows nothing about MCP or the SDK.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal, cast

Kind = Literal["model", "agent"]
MAX_CHAIN = 10


@dataclass(frozen=True)
class Retirement:
    """One row: `id` (a trailing `*` makes it a prefix), its successor, the shutdown date, the source."""

    id: str
    kind: Kind
    successor: str
    shutdown: dt.date | None
    source: str
    note: str = ""

    def matches(self, name: str) -> bool:
        return name.startswith(self.id[:-1]) if self.id.endswith("*") else name == self.id

    def retired(self, today: dt.date) -> bool:
        return self.shutdown is not None and self.shutdown <= today


@dataclass(frozen=True)
class DroppedSettings:
    """Request settings a model (id or `prefix*`) no longer takes."""

    model: str
    settings: tuple[str, ...]
    since: str
    source: str

    def matches(self, name: str) -> bool:
        return name.startswith(self.model[:-1]) if self.model.endswith("*") else name == self.model


@dataclass(frozen=True)
class Substitution:
    """What `Retirements.resolve` did: the id to send, and the retired ids it passed on the way."""

    requested: str
    used: str
    chain: tuple[Retirement, ...] = ()

    @property
    def changed(self) -> bool:
        return self.used != self.requested

    def note(self) -> str:
        """A sentence for the caller; empty when nothing was substituted."""
        if not self.changed:
            return ""
        first = self.chain[0]
        what = "Agent" if first.kind == "agent" else "Model"
        when = f" on {first.shutdown.isoformat()}" if first.shutdown else ""
        extra = f" {first.note}" if first.note else ""
        return (
            f"{what} '{self.requested}' was shut down by Google{when} ({first.source}); used its successor "
            f"'{self.used}' instead.{extra} Update the id where it is set."
        )


@dataclass
class Retirements:
    """The retirement table: lookups, chain resolution, dropped settings."""

    entries: list[Retirement] = field(default_factory=list[Retirement])
    settings: list[DroppedSettings] = field(default_factory=list[DroppedSettings])
    updated: str = ""

    def lookup(self, name: str) -> Retirement | None:
        """The entry for `name`: an exact id first, else the longest matching prefix."""
        exact = [e for e in self.entries if not e.id.endswith("*") and e.id == name]
        if exact:
            return exact[0]
        prefixes = [e for e in self.entries if e.id.endswith("*") and e.matches(name)]
        return max(prefixes, key=lambda e: len(e.id)) if prefixes else None

    def resolve(self, name: str, today: dt.date) -> Substitution:
        """Follow retired ids to the first one still served (deprecated ids stay as they are)."""
        requested = normalise(name)
        current, chain, seen = requested, list[Retirement](), {requested}
        for _ in range(MAX_CHAIN):
            entry = self.lookup(current)
            if entry is None or not entry.retired(today) or entry.successor in seen:
                break
            chain.append(entry)
            current = entry.successor
            seen.add(current)
        return Substitution(requested=requested, used=current, chain=tuple(chain))

    def deprecation(self, name: str, today: dt.date) -> Retirement | None:
        """The entry of an id that is announced for shutdown but still served, else None."""
        entry = self.lookup(normalise(name))
        return entry if entry is not None and not entry.retired(today) else None

    def dropped_settings(self, model: str) -> DroppedSettings | None:
        for row in self.settings:
            if row.matches(normalise(model)):
                return row
        return None


def normalise(name: str) -> str:
    return name.strip().removeprefix("models/").removeprefix("agents/")


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(str(value)) if value else None


def parse(data: dict[str, Any]) -> Retirements:
    """A table from its JSON form (see data/retirements.json); raises ValueError naming a bad row."""
    entries: list[Retirement] = []
    for index, raw in enumerate(cast(list[dict[str, Any]], data.get("retirements") or [])):
        try:
            kind = str(raw.get("kind") or "model")
            if kind not in ("model", "agent"):
                raise ValueError(f"kind must be 'model' or 'agent', not {kind!r}")
            entries.append(
                Retirement(
                    id=normalise(str(raw["id"])),
                    kind=kind,
                    successor=normalise(str(raw["successor"])),
                    shutdown=_date(raw.get("shutdown")),
                    source=str(raw.get("source") or ""),
                    note=str(raw.get("note") or ""),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"retirements[{index}]: {exc!s} (needs id, successor; shutdown YYYY-MM-DD)") from None
    settings = [
        DroppedSettings(
            model=normalise(str(raw["model"])),
            settings=tuple(str(s) for s in cast(list[Any], raw.get("settings") or [])),
            since=str(raw.get("since") or ""),
            source=str(raw.get("source") or ""),
        )
        for raw in cast(list[dict[str, Any]], data.get("settings") or [])
    ]
    return Retirements(entries=entries, settings=settings, updated=str(data.get("updated") or ""))


def overlay(base: Retirements, extra: Retirements) -> Retirements:
    """`extra`'s rows replace `base`'s rows for the same id/model; new rows are added."""
    ids = {e.id for e in extra.entries}
    models = {s.model for s in extra.settings}
    return Retirements(
        entries=[*extra.entries, *(e for e in base.entries if e.id not in ids)],
        settings=[*extra.settings, *(s for s in base.settings if s.model not in models)],
        updated=max(base.updated, extra.updated),
    )


def shipped() -> Retirements:
    text = resources.files("gemini_mcp").joinpath("data", "retirements.json").read_text(encoding="utf-8")
    return parse(json.loads(text))


def load(override: Path | None = None) -> Retirements:
    """The shipped table, with the override file laid over it when given."""
    table = shipped()
    if override is None:
        return table
    try:
        extra = parse(json.loads(override.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise ValueError(f"GEMINI_MCP_RETIREMENTS_FILE {override}: {exc}") from exc
    return overlay(table, extra)
