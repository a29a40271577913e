"""Opening the store the settings select: PostgreSQL when `database_url` is set, else SQLite in the data dir.

psycopg is imported only when PostgreSQL is selected, so a stdio server on SQLite does not pay for it at start-up.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager

import anyio

from gemini_mcp.config import Settings
from gemini_mcp.errors import StoreError
from gemini_mcp.store.port import Store
from gemini_mcp.store.sqlite import SQLiteStore
from gemini_mcp.store.urls import is_postgres, mask_url

logger = logging.getLogger(__name__)


def describe_store(settings: Settings) -> str:
    """Which store the settings select, for logs and `gemini-mcp check` (no password)."""
    url = settings.database_url_text
    if url is None:
        return f"SQLite at {settings.db_path}"
    return f"PostgreSQL at {mask_url(url)}"


@asynccontextmanager
async def open_store(settings: Settings) -> AsyncGenerator[Store]:
    """The selected store, migrated; PostgreSQL also listens for changes saved by other replicas."""
    url = settings.database_url_text
    if url is None:
        store = await SQLiteStore.open(settings.db_path)
        try:
            yield store
        finally:
            await store.close()
        return
    if not is_postgres(url):
        raise StoreError(
            f"GEMINI_MCP_DATABASE_URL must be a postgresql:// URL (got {mask_url(url)}); unset it for SQLite."
        )
    from gemini_mcp.store.postgres import PostgresStore  # deferred: psycopg is slow to import

    logger.info("Store: %s", describe_store(settings))
    pg = await PostgresStore.open(url)
    try:
        async with anyio.create_task_group() as tg:
            await tg.start(pg.listen)
            try:
                yield pg
            finally:
                tg.cancel_scope.cancel()
    finally:
        await pg.close()
