"""Figures, summary statistics, the printed table and the JSON file."""

from __future__ import annotations

import json
import math
import platform
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) — the p99 of 200 samples is the 198th smallest."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summary_ms(samples_s: Sequence[float]) -> dict[str, float]:
    """Median, p99, mean, min and max of durations given in seconds, reported in milliseconds."""
    ms = [s * 1000 for s in samples_s]
    if not ms:
        return {"n": 0}
    return {
        "n": len(ms),
        "median_ms": round(statistics.median(ms), 3),
        "p99_ms": round(percentile(ms, 99), 3),
        "mean_ms": round(statistics.fmean(ms), 3),
        "min_ms": round(min(ms), 3),
        "max_ms": round(max(ms), 3),
    }


@dataclass
class Row:
    """One line of the table: a measured value next to its same-run baseline."""

    figure: str
    metric: str
    value: float
    baseline: float
    unit: str
    target: str
    met: bool | None
    ratio: float | None = None
    added: float | None = None
    note: str = ""

    @staticmethod
    def compare(
        figure: str,
        metric: str,
        value: float,
        baseline: float,
        unit: str,
        *,
        target: str,
        max_ratio: float | None = None,
        min_ratio: float | None = None,
        max_added: float | None = None,
        note: str = "",
    ) -> Row:
        ratio = value / baseline if baseline else math.nan
        added = value - baseline
        checks: list[bool] = []
        if max_ratio is not None:
            checks.append(ratio <= max_ratio)
        if min_ratio is not None:
            checks.append(ratio >= min_ratio)
        if max_added is not None:
            checks.append(added <= max_added)
        return Row(figure, metric, value, baseline, unit, target, all(checks) if checks else None, ratio, added, note)


@dataclass
class FigureResult:
    name: str
    title: str
    rows: list[Row] = field(default_factory=list[Row])
    details: dict[str, Any] = field(default_factory=dict[str, Any])
    error: str | None = None
    seconds: float = 0.0


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    text = f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"
    if abs(value) >= 1000:
        text = f"{value:.0f}"
    return f"{text} {unit}".strip()


def render_table(results: Sequence[FigureResult]) -> str:
    header = ["figure", "metric", "measured", "baseline", "ratio", "added", "target", "met"]
    lines: list[list[str]] = []
    for result in results:
        if result.error:
            lines.append([result.name, "ERROR", result.error[:60], "", "", "", "", "no"])
            continue
        for row in result.rows:
            met = "-" if row.met is None else ("yes" if row.met else "NO")
            lines.append(
                [
                    row.figure,
                    row.metric,
                    _fmt(row.value, row.unit),
                    _fmt(row.baseline, row.unit),
                    _fmt(row.ratio, "x") if row.ratio is not None else "-",
                    _fmt(row.added, row.unit) if row.added is not None else "-",
                    row.target,
                    met,
                ]
            )
    widths = [max(len(h), *(len(line[i]) for line in lines)) if lines else len(h) for i, h in enumerate(header)]

    def fmt_line(cells: Sequence[str]) -> str:
        return " | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))

    out = [fmt_line(header), "-+-".join("-" * w for w in widths)]
    out.extend(fmt_line(line) for line in lines)
    return "\n".join(out)


def write_json(results: Sequence[FigureResult], path: Path, meta: dict[str, Any]) -> None:
    payload = {
        "meta": {"python": platform.python_version(), "machine": platform.machine(), **meta},
        "figures": [asdict(result) for result in results],
    }
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
