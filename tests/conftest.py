"""Root fixtures: a running Interactions emulator, a google-genai client pointed at it, a PostgreSQL cluster."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from gemini_mcp.emulator import EmulatorConfig, running_emulator
from gemini_mcp.emulator.server import Emulator
from tests.harness.postgres import PostgresCluster


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    """A fresh emulator on a free 127.0.0.1 port in the test's event loop (research jobs take 0.3 s)."""
    async with running_emulator(EmulatorConfig(research_seconds=0.3, research_steps=3)) as emu:
        yield emu


@pytest.fixture
async def genai_client(emulator: Emulator) -> AsyncIterator[Any]:
    """google.genai.Client(api_key="test-key") on the emulator, no retries; closed afterwards.

    google.genai is imported here, not at module level: it is slow to import.
    """
    from google import genai
    from google.genai import types

    client = genai.Client(
        api_key="test-key",
        http_options=types.HttpOptions(base_url=emulator.base_url, retry_options=types.HttpRetryOptions(attempts=1)),
    )
    try:
        yield client
    finally:
        await client.aio.aclose()
        client.close()


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """One throwaway PostgreSQL cluster for the whole session (started on first use, stopped at the end)."""
    cluster = PostgresCluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def postgres_url(postgres_cluster: PostgresCluster) -> str:
    """The URL of a fresh, empty database on the session's cluster."""
    return postgres_cluster.new_database()
