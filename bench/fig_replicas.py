"""Replicas: what the PostgreSQL store adds per ask_gemini call, and 3 replicas vs 1 under concurrent clients.

A throwaway PostgreSQL cluster (tests/harness/postgres.py: initdb + pg_ctl in a temp dir) and the emulator
(own process, `model_latency` 0.2 s for the throughput part). Store cost: one `gemini-mcp --transport http`
on SQLite, then one on PostgreSQL (both stateless HTTP), each answering the same K sequential ask_gemini
calls; the figure is the mean added ms. Throughput: N concurrent MCP clients, each making C sequential calls
round-robin over 1 replica, then over 3 replicas on one database; the figure is the ratio, with errors
counted (the target is none).
"""

from __future__ import annotations

import contextlib
import statistics
import tempfile
import time
from pathlib import Path

import anyio
from mcp import Client

from bench.common import Sizes, tool_payload
from bench.procs import emulator_process, http_server_process, server_env
from bench.report import FigureResult, Row
from tests.harness.postgres import PostgresCluster


async def _sequential_ms(url: str, calls: int) -> list[float]:
    async with Client(url, mode="legacy") as client:
        for _ in range(3):  # warm-up: google-genai loaded, pool connections open
            tool_payload(await client.call_tool("ask_gemini", {"prompt": "warm up"}))
        out: list[float] = []
        for i in range(calls):
            start = time.perf_counter()
            tool_payload(await client.call_tool("ask_gemini", {"prompt": f"Question {i}"}))
            out.append((time.perf_counter() - start) * 1000)
    return out


async def _throughput(urls: list[str], clients: int, calls: int) -> tuple[float, int]:
    """(calls per second, failed calls) for `clients` concurrent clients spread over `urls`."""
    errors = 0

    async def worker(w: int) -> None:
        nonlocal errors
        async with Client(urls[w % len(urls)], mode="legacy") as client:
            for i in range(calls):
                try:
                    tool_payload(await client.call_tool("ask_gemini", {"prompt": f"Client {w} question {i}"}))
                except Exception:  # counted: the figure's target is zero
                    errors += 1

    start = time.perf_counter()
    async with anyio.create_task_group() as tg:
        for w in range(clients):
            tg.start_soon(worker, w)
    return clients * calls / (time.perf_counter() - start), errors


async def run(sizes: Sizes) -> FigureResult:
    n, c, k = sizes.replica_clients, sizes.replica_calls, sizes.store_calls * 5
    result = FigureResult("replicas", f"PostgreSQL vs SQLite per ask_gemini ({k} calls); {n} clients x {c} calls")
    cluster = PostgresCluster.start()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-replicas-") as tmp, emulator_process() as emu:
            stateless = {"GEMINI_MCP_HTTP_STATELESS": "true"}
            with http_server_process(server_env(emu.base_url, Path(tmp) / "sqlite", **stateless)) as (url, _):
                sqlite_ms = await _sequential_ms(url, k)
            pg_env = server_env(emu.base_url, Path(tmp) / "pg", GEMINI_MCP_DATABASE_URL=cluster.new_database())
            with http_server_process(pg_env) as (url, _):
                pg_ms = await _sequential_ms(url, k)
        with tempfile.TemporaryDirectory(prefix="bench-replicas-") as tmp, emulator_process(model_latency=0.2) as emu:
            database = cluster.new_database()
            with contextlib.ExitStack() as stack:
                urls = [
                    stack.enter_context(
                        http_server_process(
                            server_env(emu.base_url, Path(tmp) / f"r{r}", GEMINI_MCP_DATABASE_URL=database)
                        )
                    )[0]
                    for r in range(3)
                ]
                await _throughput(urls, 3, 1)  # warm-up
                one, one_errors = await _throughput(urls[:1], n, c)
                three, three_errors = await _throughput(urls, n, c)
    finally:
        cluster.stop()
    sqlite_mean, pg_mean = statistics.fmean(sqlite_ms), statistics.fmean(pg_ms)
    result.details = {
        "sqlite_ms": round(sqlite_mean, 2),
        "postgresql_ms": round(pg_mean, 2),
        "added_ms": round(pg_mean - sqlite_mean, 2),
        "one_replica_calls_per_s": round(one, 2),
        "three_replicas_calls_per_s": round(three, 2),
        "errors": one_errors + three_errors,
    }
    result.rows.append(
        Row.compare("Replicas", "ask_gemini, PostgreSQL vs SQLite", pg_mean, sqlite_mean, "ms", target="(added ms)")
    )
    result.rows.append(
        Row.compare(
            "Replicas",
            f"3 replicas vs 1, {n} clients (errors {one_errors + three_errors})",
            three,
            one,
            "calls/s",
            target=">= 1.0x, 0 errors",
            min_ratio=1.0 if one_errors + three_errors == 0 else float("inf"),
        )
    )
    return result
