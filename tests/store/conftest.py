"""The stores every contract test runs on: SQLite and PostgreSQL (a fresh database on a throwaway cluster)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import cast

import pytest

from gemini_mcp.store.port import Store
from gemini_mcp.store.postgres import PostgresStore
from gemini_mcp.store.sqlite import SQLiteStore

Opener = Callable[[pytest.FixtureRequest, Path], Awaitable[Store]]


async def open_sqlite(_request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    return await SQLiteStore.open(tmp_path / "db.sqlite3")


async def open_postgres(request: pytest.FixtureRequest, _tmp_path: Path) -> Store:
    return await PostgresStore.open(cast(str, request.getfixturevalue("postgres_url")))


@pytest.fixture(params=[open_sqlite, open_postgres], ids=["sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    opener = cast(Opener, request.param)
    the_store = await opener(request, tmp_path)
    yield the_store
    await the_store.close()


@pytest.fixture
async def second(request: pytest.FixtureRequest, store: Store, tmp_path: Path) -> AsyncIterator[Store]:
    """Another connection to the same database (another process or replica would have one)."""
    if isinstance(store, PostgresStore):
        other: Store = await PostgresStore.open(store.url)
    else:
        other = await SQLiteStore.open(tmp_path / "db.sqlite3")
    yield other
    await other.close()
