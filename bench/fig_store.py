"""Store scale: list_conversations and continuing a conversation with 10,000 stored vs 10.

Two gemini-mcp servers over stdio against one emulator process, each with its own data dir. Before
they start, their SQLite stores are filled through gemini_mcp.store.sqlite.SQLiteStore with N-1
conversations (one interaction each, as ask_gemini leaves them). Each server then makes one real
ask_gemini turn (the conversation that is continued; the emulator knows its chain), and the
timed calls alternate between the two servers (which goes first alternates too) so machine noise
hits both alike. list_conversations asks both for a page of the small store's size (limit=10), so
both render the same number of conversations and the figure shows what the store's size costs.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from bench.common import Sizes, stdio_client, stdio_params, tool_payload
from bench.procs import MODEL, emulator_process
from bench.report import FigureResult, Row, summary_ms

OWNER = "local"  # stdio callers are "local"


async def fill_store(db_path: Path, count: int) -> None:
    from gemini_mcp.store.port import Conversation, InteractionRecord
    from gemini_mcp.store.sqlite import SQLiteStore

    store = await SQLiteStore.open(db_path)
    try:
        base = time.time() - count - 10
        for i in range(count):
            stamp = base + i
            interaction_id = f"v1_bench{i:08x}"
            conversation_id = f"conv_bench{i:08x}"
            await store.save_interaction(
                InteractionRecord(
                    id=interaction_id,
                    owner=OWNER,
                    kind="model",
                    status="completed",
                    conversation_id=conversation_id,
                    model=MODEL,
                    prompt=f"Stored question number {i} about something worth asking",
                    output_text=f"A stored answer to question {i}. " * 8,
                    usage={"total_tokens": 120},
                    created=stamp,
                    updated=stamp,
                )
            )
            await store.save_conversation(
                Conversation(
                    id=conversation_id,
                    owner=OWNER,
                    title=f"Stored question number {i}",
                    last_interaction_id=interaction_id,
                    turns=1,
                    config={"model": MODEL},
                    created=stamp,
                    updated=stamp,
                )
            )
    finally:
        await store.close()


async def run(sizes: Sizes) -> FigureResult:
    from gemini_mcp.config import Settings

    small, large = sizes.store_small, sizes.store_large
    page = small  # both list one page of the same size: the figure is about store size, not page size
    result = FigureResult("store_scale", f"store with {large} conversations vs {small}")
    timings: dict[str, dict[str, list[float]]] = {
        "small": {"list": [], "continue": []},
        "large": {"list": [], "continue": []},
    }
    with emulator_process() as emu, tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        dirs = {"small": Path(tmp) / "small", "large": Path(tmp) / "large"}
        fill_started = time.perf_counter()
        await fill_store(Settings(data_dir=dirs["small"]).db_path, small - 1)
        await fill_store(Settings(data_dir=dirs["large"]).db_path, large - 1)
        fill_seconds = time.perf_counter() - fill_started
        async with (
            stdio_client(stdio_params(dirs["small"], emu.base_url)) as small_client,
            stdio_client(stdio_params(dirs["large"], emu.base_url)) as large_client,
        ):
            clients = {"small": small_client, "large": large_client}
            conversation: dict[str, str] = {}
            listed: dict[str, int] = {}
            for name, client in clients.items():
                first = tool_payload(await client.call_tool("ask_gemini", {"prompt": "Hi, my name is Phil."}))
                conversation[name] = str(first["conversation_id"])
            for i in range(sizes.warmup + sizes.store_calls):
                order = list(clients.items()) if i % 2 == 0 else list(reversed(clients.items()))
                for name, client in order:
                    start = time.perf_counter()
                    payload = tool_payload(await client.call_tool("list_conversations", {"limit": page}))
                    list_s = time.perf_counter() - start
                    listed[name] = len(payload.get("conversations", []))
                    start = time.perf_counter()
                    tool_payload(
                        await client.call_tool(
                            "ask_gemini", {"prompt": f"What is my name? ({i})", "conversation_id": conversation[name]}
                        )
                    )
                    continue_s = time.perf_counter() - start
                    if i >= sizes.warmup:
                        timings[name]["list"].append(list_s)
                        timings[name]["continue"].append(continue_s)

    result.details = {
        "fill_seconds": round(fill_seconds, 2),
        "conversations_listed_per_call": listed,
        "list_limit": page,
        **{f"{name}_{op}": summary_ms(values) for name, ops in timings.items() for op, values in ops.items()},
    }
    for op, metric in (("list", "list_conversations median"), ("continue", "continue conversation median")):
        result.rows.append(
            Row.compare(
                f"store {large} vs {small}",
                metric,
                statistics.median(timings["large"][op]) * 1000,
                statistics.median(timings["small"][op]) * 1000,
                "ms",
                target="<= 1.5x",
                max_ratio=1.5,
            )
        )
    return result
