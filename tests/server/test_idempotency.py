"""Retries that never start work twice: idempotency_key and joining an identical research run (issue 16).

Through real MCP clients (in-memory, and Streamable HTTP with two principals) against the emulator, which
counts the create requests it receives.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from pydantic import SecretStr

from gemini_mcp.config import Settings
from gemini_mcp.emulator import EmulatorConfig, running_emulator
from gemini_mcp.emulator.server import Emulator
from gemini_mcp.server.app import build_server
from gemini_mcp.server.http import build_http_app
from tests.harness.clients import http_client
from tests.harness.servers import serve_app

from .harness import creates, data, error_text, make_settings, open_client

ALICE = "alice-idem-token-5f4e3d2c1b"
BOB = "bob-idem-token-a9b8c7d6e5"


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    """Research runs last 20 s, so a run started a second ago is still running."""
    async with running_emulator(EmulatorConfig(research_seconds=20.0, research_steps=2)) as emulator:
        yield emulator


def agent_creates(emulator: Emulator) -> list[dict[str, Any]]:
    return [body for body in creates(emulator) if body.get("agent")]


async def test_the_same_key_twice_starts_one_run_also_after_a_restart(emu: Emulator, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, emu.base_url)
    args = {"query": "History of the bicycle", "idempotency_key": "retry-7f3a"}
    async with open_client(settings) as client:
        first = data(await client.call_tool("start_deep_research", args))
        again = data(await client.call_tool("start_deep_research", args))
    async with open_client(settings) as client:  # a restarted server on the same store
        after_restart = data(await client.call_tool("start_deep_research", args))
    assert first["notes"] == []
    assert again["interaction_id"] == after_restart["interaction_id"] == first["interaction_id"]
    assert again["conversation_id"] == first["conversation_id"]
    assert "idempotency_key 'retry-7f3a' was already used for interaction" in again["notes"][0]
    assert len(agent_creates(emu)) == 1


async def test_two_servers_sharing_a_store_start_one_run_for_one_key(emu: Emulator, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, emu.base_url)
    args = {"query": "Tides", "idempotency_key": "shared-1"}
    results: list[dict[str, Any]] = []

    async def call() -> None:
        async with open_client(settings) as client:
            results.append(data(await client.call_tool("start_deep_research", args)))

    async with anyio.create_task_group() as group:
        group.start_soon(call)
        group.start_soon(call)
    assert results[0]["interaction_id"] == results[1]["interaction_id"]
    assert len(agent_creates(emu)) == 1


async def test_ask_gemini_with_a_key_returns_the_finished_answer_without_asking_again(
    emu: Emulator, tmp_path: Path
) -> None:
    args = {"prompt": "Hi, my name is Phil.", "idempotency_key": "ask-1"}
    async with open_client(make_settings(tmp_path, emu.base_url)) as client:
        first = data(await client.call_tool("ask_gemini", args))
        again = data(await client.call_tool("ask_gemini", args))
    assert again["interaction_id"] == first["interaction_id"]
    assert again["conversation_id"] == first["conversation_id"]
    assert again["text"] == first["text"] and "Nice to meet you, Phil!" in again["text"]
    assert again["status"] == "completed"
    assert "nothing new was sent to Gemini" in again["notes"][0]
    assert len(creates(emu)) == 1


async def test_a_key_reused_for_a_different_request_is_refused(emu: Emulator, tmp_path: Path) -> None:
    async with open_client(make_settings(tmp_path, emu.base_url)) as client:
        data(await client.call_tool("start_deep_research", {"query": "Tides", "idempotency_key": "k"}))
        message = error_text(
            await client.call_tool("start_deep_research", {"query": "Volcanoes", "idempotency_key": "k"})
        )
    assert "idempotency_key 'k' was used in the last 24 h for a different request" in message
    assert len(agent_creates(emu)) == 1


async def test_identical_research_one_second_apart_without_a_key_is_one_run(emu: Emulator, tmp_path: Path) -> None:
    args = {"query": "Deep-sea vents"}
    async with open_client(make_settings(tmp_path, emu.base_url)) as client:
        first = data(await client.call_tool("start_deep_research", args))
        await anyio.sleep(1.0)  # the scenario: a client retries a second later
        second = data(await client.call_tool("start_deep_research", args))
        other = data(await client.call_tool("start_deep_research", {"query": "Shallow reefs"}))
    assert second["interaction_id"] == first["interaction_id"]
    assert second["notes"][0].startswith("An identical Deep Research run started less than 60 s ago is still running")
    assert other["interaction_id"] != first["interaction_id"]
    assert len(agent_creates(emu)) == 2


async def test_identical_research_after_the_first_run_ended_starts_a_new_one(tmp_path: Path) -> None:
    async with running_emulator(EmulatorConfig(research_seconds=0.2, research_steps=1)) as emu:
        async with open_client(make_settings(tmp_path, emu.base_url)) as client:
            first = data(await client.call_tool("start_deep_research", {"query": "Moss"}))
            done = data(
                await client.call_tool(
                    "get_interaction", {"interaction_id": first["interaction_id"], "wait_seconds": 20}
                )
            )
            assert done["status"] == "completed"
            second = data(await client.call_tool("start_deep_research", {"query": "Moss"}))
        assert second["interaction_id"] != first["interaction_id"]
        assert second["notes"] == []
        assert len(agent_creates(emu)) == 2


def team_settings(emu: Emulator, data_dir: Path) -> Settings:
    return Settings.model_validate(
        {
            "api_key": SecretStr("team-test-key"),
            "base_url": emu.base_url,
            "data_dir": data_dir,
            "http_tokens": SecretStr(f"alice:{ALICE},bob:{BOB}"),
            "max_retries": 0,
        }
    )


async def test_different_owners_over_http_never_share_a_run(emu: Emulator, tmp_path: Path) -> None:
    settings = team_settings(emu, tmp_path)
    async with serve_app(build_http_app(settings, build_server(settings))) as url:
        runs: dict[str, list[str]] = {}
        for name, token in (("alice", ALICE), ("bob", BOB)):
            async with http_client(url, token) as client:
                keyed = await client.call_tool("start_deep_research", {"query": "Same", "idempotency_key": "same"})
                plain = await client.call_tool("start_deep_research", {"query": "Same again"})
                runs[name] = [data(keyed)["interaction_id"], data(plain)["interaction_id"]]
    assert not set(runs["alice"]) & set(runs["bob"])
    assert len(agent_creates(emu)) == 4
