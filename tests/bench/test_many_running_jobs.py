"""A server following more Deep Research jobs than an HTTP client pool's default cap (100) keeps serving.

The watcher holds one streaming connection per running job somebody waits on (a job nobody waits on is
polled instead). With httpx's default pool limit every call after the 100th streamed job waited for a free
connection until it timed out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
from mcp import Client
from pydantic import SecretStr

from gemini_mcp.config import Settings
from gemini_mcp.emulator import EmulatorConfig, running_emulator
from gemini_mcp.server.app import build_server

JOBS = 105


def _streams(requests: list[Any]) -> set[str]:
    return {r.path for r in requests if r.method == "GET" and r.query.get("stream") == "true"}


async def test_ask_gemini_answers_while_more_than_100_research_jobs_are_followed(tmp_path: Path) -> None:
    async with running_emulator(EmulatorConfig(research_seconds=120, research_steps=4)) as emu:
        settings = Settings(
            api_key=SecretStr("test-key"),
            base_url=emu.base_url,
            data_dir=tmp_path,
            request_timeout=20,
            max_running_research=JOBS,  # one owner runs them all (the default cap is 3)
        )
        async with Client(build_server(settings), raise_exceptions=True) as client:
            with anyio.fail_after(150):
                ids: list[str] = []
                answer = None
                for i in range(JOBS):
                    started = await client.call_tool("start_deep_research", {"query": f"Topic {i}"})
                    assert not started.is_error, started.content
                    assert isinstance(started.structured_content, dict)
                    ids.append(started.structured_content["interaction_id"])
                async with anyio.create_task_group() as waiters:
                    for iid in ids:  # a caller waits on every job: the watcher streams each one
                        waiters.start_soon(wait_on, client, iid)
                    while len(_streams(emu.requests)) < JOBS:
                        await anyio.sleep(0.05)
                    answer = await client.call_tool("ask_gemini", {"prompt": "Hi, my name is Phil."})
                    waiters.cancel_scope.cancel()
            assert answer is not None and not answer.is_error, answer
            assert isinstance(answer.structured_content, dict)
            assert "Phil" in answer.structured_content["text"]
            listing = await client.call_tool("list_interactions", {"status": "in_progress", "limit": 200})
            assert isinstance(listing.structured_content, dict)
            assert len(listing.structured_content["interactions"]) == JOBS


async def wait_on(client: Client, interaction_id: str) -> None:
    await client.call_tool("get_interaction", {"interaction_id": interaction_id, "wait_seconds": 60})
