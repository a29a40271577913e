"""The benchmark command keeps working: each figure runs end to end at tiny sizes (no timing assertions).

Each figure runs as `python -m bench --quick --only NAME`, the same command a person runs, against
the emulator in its own process and real gemini-mcp servers (stdio and Streamable HTTP).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from bench.report import Row, percentile, render_table
from bench.run import FIGURES

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("figure", list(FIGURES))
def test_figure_runs_at_quick_sizes_and_reports_a_baseline(figure: str, tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--only", figure, "--json", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=170,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr[-4000:]
    assert f"results written to {out}" in proc.stdout
    results = json.loads(out.read_text(encoding="utf-8"))
    (result,) = results["figures"]
    assert result["name"] == figure
    assert result["error"] is None
    assert result["rows"], "a figure reports at least one row"
    for row in result["rows"]:
        assert math.isfinite(row["value"]) and row["value"] >= 0, row
        assert math.isfinite(row["baseline"]) and row["baseline"] >= 0, row
        assert row["figure"] in proc.stdout
        assert row["target"]
    assert results["meta"]["quick"] is True


def test_percentile_is_nearest_rank() -> None:
    samples = [float(v) for v in range(1, 201)]
    assert percentile(samples, 50) == 100.0
    assert percentile(samples, 99) == 198.0
    assert percentile([5.0], 99) == 5.0


def test_row_compares_against_its_baseline() -> None:
    fast = Row.compare("f", "m", 12.0, 10.0, "ms", target="<= 1.3x", max_ratio=1.3, max_added=3.0)
    assert fast.ratio == pytest.approx(1.2)
    assert fast.added == pytest.approx(2.0)
    assert fast.met is True
    slow = Row.compare("f", "m", 14.0, 10.0, "ms", target="<= 1.3x", max_ratio=1.3, max_added=3.0)
    assert slow.met is False
    throughput = Row.compare("f", "m", 85.0, 100.0, "calls/s", target=">= 0.9x", min_ratio=0.9)
    assert throughput.met is False
    table = render_table([])
    assert table.splitlines()[0].split(" | ")[0].strip() == "figure"
