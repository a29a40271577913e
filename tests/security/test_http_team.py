"""HTTP for a team, end to end: the real server behind the HTTP app, two principals, one store.

Every conversation, interaction and resource is visible only to its owner: another owner's id behaves
exactly like an id that never existed (same message, no upstream call).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp.types import CallToolResult, TextContent
from pydantic import SecretStr

from gemini_mcp.config import Settings
from gemini_mcp.emulator import EmulatorConfig, running_emulator
from gemini_mcp.emulator.server import Emulator
from gemini_mcp.server.app import build_server
from gemini_mcp.server.http import build_http_app
from tests.harness.clients import Mode, http_client
from tests.harness.servers import serve_app

ALICE = "alice-team-token-9f8e7d6c5b"
BOB = "bob-team-token-0a1b2c3d4e5f"
UNKNOWN_CONVERSATION = "conv_0123456789abcdef"
UNKNOWN_INTERACTION = "v1_0123456789abcdef01234567"


@pytest.fixture
async def emu() -> AsyncGenerator[Emulator]:
    async with running_emulator(EmulatorConfig(research_seconds=3.0, research_steps=3)) as emulator:
        yield emulator


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


def text(result: CallToolResult) -> str:
    return "\n".join(c.text for c in result.content if isinstance(c, TextContent))


async def ok(client: Client, tool: str, args: dict[str, Any]) -> dict[str, Any]:
    with anyio.fail_after(30):
        result = await client.call_tool(tool, args)
    assert not result.is_error, text(result)
    assert result.structured_content is not None
    return result.structured_content


async def refused(client: Client, tool: str, args: dict[str, Any]) -> str:
    with anyio.fail_after(30):
        result = await client.call_tool(tool, args)
    assert result.is_error, f"{tool}({args}) was allowed: {text(result)[:200]}"
    return text(result)


async def resource_error(client: Client, uri: str) -> str:
    try:
        with anyio.fail_after(30):
            await client.read_resource(uri)
    except Exception as exc:  # MCPError: resource not found
        return str(exc)
    raise AssertionError(f"{uri} was readable")


def same_shape(foreign: str, foreign_id: str, unknown: str, unknown_id: str) -> None:
    assert "not found" in foreign.lower(), foreign
    assert foreign.replace(foreign_id, "<id>") == unknown.replace(unknown_id, "<id>")


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_each_principal_sees_only_its_own_work(emu: Emulator, tmp_path: Path, mode: Mode) -> None:
    settings = team_settings(emu, tmp_path)
    app = build_http_app(settings, build_server(settings))
    async with serve_app(app) as url:
        async with http_client(url, ALICE, mode) as alice:
            chat = await ok(alice, "ask_gemini", {"prompt": "Hi, my name is Alice."})
            job = await ok(alice, "start_deep_research", {"query": "Alice's private research topic"})
            conv, turn, run = chat["conversation_id"], chat["interaction_id"], job["interaction_id"]

        async with http_client(url, BOB, mode) as bob:
            # Lists show nothing of Alice's.
            assert (await ok(bob, "list_conversations", {}))["conversations"] == []
            assert (await ok(bob, "list_interactions", {}))["interactions"] == []

            # Each of Alice's ids behaves like an unknown id, tool by tool.
            for foreign_id in (turn, run):
                same_shape(
                    await refused(bob, "get_interaction", {"interaction_id": foreign_id}),
                    foreign_id,
                    await refused(bob, "get_interaction", {"interaction_id": UNKNOWN_INTERACTION}),
                    UNKNOWN_INTERACTION,
                )
            same_shape(
                await refused(bob, "cancel_interaction", {"interaction_id": run}),
                run,
                await refused(bob, "cancel_interaction", {"interaction_id": UNKNOWN_INTERACTION}),
                UNKNOWN_INTERACTION,
            )
            for tool, args in [
                ("ask_gemini", {"prompt": "What is my name?"}),
                ("start_deep_research", {"query": "follow up"}),
                ("delete_conversation", {"delete_remote": True}),
            ]:
                same_shape(
                    await refused(bob, tool, {**args, "conversation_id": conv}),
                    conv,
                    await refused(bob, tool, {**args, "conversation_id": UNKNOWN_CONVERSATION}),
                    UNKNOWN_CONVERSATION,
                )

            # ... and resource by resource.
            for template in ("gemini://interactions/{}", "gemini://interactions/{}/report"):
                same_shape(
                    await resource_error(bob, template.format(turn)),
                    turn,
                    await resource_error(bob, template.format(UNKNOWN_INTERACTION)),
                    UNKNOWN_INTERACTION,
                )
            same_shape(
                await resource_error(bob, f"gemini://conversations/{conv}"),
                conv,
                await resource_error(bob, f"gemini://conversations/{UNKNOWN_CONVERSATION}"),
                UNKNOWN_CONVERSATION,
            )
            bobs = await ok(bob, "ask_gemini", {"prompt": "Hi, my name is Bob."})

        # Bob's attempts reached neither Gemini's cancel nor delete for Alice's work.
        assert not any(r.path.endswith(f"{run}/cancel") for r in emu.requests)
        assert not any(r.method == "DELETE" for r in emu.requests)

        async with http_client(url, ALICE, mode) as alice:
            mine = {c["conversation_id"] for c in (await ok(alice, "list_conversations", {}))["conversations"]}
            assert conv in mine and bobs["conversation_id"] not in mine
            again = await ok(alice, "ask_gemini", {"prompt": "What is my name?", "conversation_id": conv})
            assert "Alice" in again["text"]
            record = await alice.read_resource(f"gemini://interactions/{turn}")
            assert turn in str(record)
            same_shape(
                await refused(alice, "get_interaction", {"interaction_id": bobs["interaction_id"]}),
                bobs["interaction_id"],
                await refused(alice, "get_interaction", {"interaction_id": UNKNOWN_INTERACTION}),
                UNKNOWN_INTERACTION,
            )
            assert (await ok(alice, "cancel_interaction", {"interaction_id": run}))["status"] in {
                "cancelled",
                "completed",
            }
