"""``python -m bench``: run every figure, print the table, write bench/results.json."""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import logging
import sys
import time
import traceback
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import anyio

from bench.common import Sizes
from bench.report import FigureResult, render_table, write_json

# name -> module (each has ``async def run(sizes) -> FigureResult``), in the order they run.
FIGURES: dict[str, str] = {
    "cold_start": "bench.fig_coldstart",
    "latency": "bench.fig_latency",
    "ttft": "bench.fig_ttft",
    "http_concurrency": "bench.fig_http",
    "research_idle": "bench.fig_research",
    "store_scale": "bench.fig_store",
    "store_contention": "bench.fig_contention",
    "replicas": "bench.fig_replicas",
    "watcher_scale": "bench.fig_scale",
}

DEFAULT_JSON = Path(__file__).resolve().parent / "results.json"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (the smoke test uses this)")
    parser.add_argument(
        "--only", action="append", choices=sorted(FIGURES), help="run only this figure (repeatable)", default=None
    )
    parser.add_argument(
        "--json", type=Path, default=DEFAULT_JSON, help="where to write the results JSON (default bench/results.json)"
    )
    parser.add_argument("--research-window", type=float, help="seconds to watch the research jobs (default 60)")
    parser.add_argument("--calls", type=int, help="sequential calls for the latency figure (default 200)")
    return parser.parse_args(argv)


def _leaf(exc: BaseException) -> BaseException:
    """The first real error inside (nested) exception groups: what the table should show."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


async def run_figures(names: Sequence[str], sizes: Sizes) -> list[FigureResult]:
    results: list[FigureResult] = []
    for name in names:
        started = time.perf_counter()
        print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        try:
            module = importlib.import_module(FIGURES[name])
            runner: Callable[[Sizes], Awaitable[FigureResult]] = module.run
            result = await runner(sizes)
        except Exception as exc:  # a failing figure is reported, the others still run
            traceback.print_exc(file=sys.stderr)
            leaf = _leaf(exc)
            result = FigureResult(name, name, error=f"{type(leaf).__name__}: {leaf}")
        result.seconds = round(time.perf_counter() - started, 2)
        print(f"[bench] {name} done in {result.seconds:.1f} s", file=sys.stderr, flush=True)
        results.append(result)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    sizes = Sizes.quick() if args.quick else Sizes()
    if args.research_window is not None:
        sizes = dataclasses.replace(sizes, research_window=args.research_window)
    if args.calls is not None:
        sizes = dataclasses.replace(sizes, calls=args.calls)
    names = args.only or list(FIGURES)
    started = time.perf_counter()
    results = anyio.run(run_figures, names, sizes)
    total = time.perf_counter() - started
    print(render_table(results))
    write_json(results, args.json, {"quick": args.quick, "sizes": dataclasses.asdict(sizes), "seconds": total})
    print(f"\n{len(results)} figures in {total:.0f} s; results written to {args.json}")
    return 1 if any(result.error for result in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
