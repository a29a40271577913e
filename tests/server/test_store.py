"""The SQLite store: versioned schema, owner scoping, indexed queries at 10,000 conversations."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from gemini_mcp.store.sqlite import SCHEMA_VERSION, Conversation, InteractionRecord, SQLiteStore


def conversation(n: int, owner: str = "local") -> Conversation:
    return Conversation(id=f"conv_{n}", owner=owner, title=f"Title {n}", turns=1, created=n, updated=n)


async def test_a_new_store_is_at_the_latest_schema_version_in_wal_mode(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "db.sqlite3")
    assert store.schema_version == SCHEMA_VERSION
    await store.close()
    db = sqlite3.connect(tmp_path / "db.sqlite3")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()


async def test_a_database_from_a_newer_version_is_refused_with_advice(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(RuntimeError, match="newer than this gemini-mcp"):
        SQLiteStore(path)


async def test_data_survives_reopening(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "db.sqlite3")
    await store.save_conversation(conversation(1))
    await store.save_interaction(
        InteractionRecord(id="v1_a", owner="local", kind="agent", status="in_progress", progress=["p1"], created=1)
    )
    await store.close()
    reopened = SQLiteStore(tmp_path / "db.sqlite3")
    assert await reopened.get_conversation("local", "conv_1") == conversation(1)
    running = await reopened.running_interactions()
    assert [(r.id, r.progress) for r in running] == [("v1_a", ["p1"])]
    await reopened.close()


async def test_reads_are_scoped_to_the_owner(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "db.sqlite3")
    await store.save_conversation(conversation(1, owner="alice"))
    assert await store.get_conversation("bob", "conv_1") is None
    assert await store.list_conversations("bob", 10) == []
    assert await store.delete_conversation("bob", "conv_1") is False
    assert await store.get_conversation("alice", "conv_1") is not None
    await store.close()


async def test_listing_10000_conversations_uses_the_owner_updated_index(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "db.sqlite3")
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
