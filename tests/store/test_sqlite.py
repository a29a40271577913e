"""The SQLite store: WAL, versioned schema, indexed queries at 10,000 conversations, lock errors."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import anyio
import pytest

from gemini_mcp.errors import StoreSchemaError
from gemini_mcp.store.migrations import SCHEMA_VERSION
from gemini_mcp.store.port import Conversation, InteractionRecord
from gemini_mcp.store.sqlite import SQLiteStore


def conversation(n: int, owner: str = "local") -> Conversation:
    return Conversation(id=f"conv_{n}", owner=owner, title=f"Title {n}", turns=1, created=n, updated=n)


async def test_a_new_store_is_at_the_latest_schema_version_in_wal_mode(tmp_path: Path) -> None:
    store = await SQLiteStore.open(tmp_path / "db.sqlite3")
    assert await store.schema_version() == SCHEMA_VERSION
    await store.close()
    db = sqlite3.connect(tmp_path / "db.sqlite3")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    db.close()


async def test_a_database_from_a_newer_version_is_refused_with_advice(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StoreSchemaError, match="newer than this gemini-mcp"):
        await SQLiteStore.open(path)


async def test_data_survives_reopening(tmp_path: Path) -> None:
    store = await SQLiteStore.open(tmp_path / "db.sqlite3")
    await store.save_conversation(conversation(1))
    await store.save_interaction(
        InteractionRecord(id="v1_a", owner="local", kind="agent", status="in_progress", progress=["p1"], created=1)
    )
    await store.close()
    reopened = await SQLiteStore.open(tmp_path / "db.sqlite3")
    assert await reopened.get_conversation("local", "conv_1") == conversation(1)
    running = await reopened.running_interactions()
    assert [(r.id, r.progress) for r in running] == [("v1_a", ["p1"])]
    await reopened.close()


async def test_listing_10000_conversations_uses_the_owner_updated_index(tmp_path: Path) -> None:
    store = await SQLiteStore.open(tmp_path / "db.sqlite3")
    for n in range(10_000):
        await store.save_conversation(conversation(n, owner="local" if n % 2 else "other"))
    latest = await store.list_conversations("local", 3)
    assert [c.id for c in latest] == ["conv_9999", "conv_9997", "conv_9995"]
    await store.close()
    db = sqlite3.connect(tmp_path / "db.sqlite3")
    plans = [
        " ".join(str(col) for col in row)
        for sql in (
            "SELECT * FROM conversations WHERE owner = 'local' ORDER BY updated DESC LIMIT 20",
            "SELECT * FROM interactions WHERE owner = 'local' ORDER BY updated DESC LIMIT 20",
        )
        for row in db.execute("EXPLAIN QUERY PLAN " + sql)
    ]
    db.close()
    assert any("USING INDEX conversations_owner_updated" in p for p in plans), plans
    assert any("USING INDEX interactions_owner_updated" in p for p in plans), plans
    assert not any("TEMP B-TREE" in p for p in plans), plans


async def test_two_stores_opening_a_new_database_together_migrate_it_once(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    opened: list[SQLiteStore] = []

    async def open_one() -> None:
        opened.append(await SQLiteStore.open(path))

    async with anyio.create_task_group() as tg:
        for _ in range(4):
            tg.start_soon(open_one)
    assert [await s.schema_version() for s in opened] == [SCHEMA_VERSION] * 4
    for store in opened:
        await store.close()
