"""Nothing is lost when the server process is killed with SIGKILL and started again on the same data dir."""

from __future__ import annotations

import signal
from pathlib import Path

import anyio
from mcp.client import Client

from gemini_mcp.emulator import EmulatorConfig, running_emulator

from .harness import creates, data, http_server_process, server_env


async def test_conversation_and_running_research_survive_sigkill(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    async with running_emulator(EmulatorConfig(research_seconds=4.0, research_steps=4)) as emu:
        env = server_env(emu.base_url)
        with anyio.fail_after(120):
            async with http_server_process(data_dir, env) as first_server:
                async with Client(first_server.url) as client:
                    first = data(await client.call_tool("ask_gemini", {"prompt": "Hi, my name is Phil."}))
                    research = data(await client.call_tool("start_deep_research", {"query": "Glaciers"}))
                    running = data(  # a caller waiting: the watcher streams the run (and stores its cursor)
                        await client.call_tool(
                            "get_interaction", {"interaction_id": research["interaction_id"], "wait_seconds": 1}
                        )
                    )
                first_server.process.send_signal(signal.SIGKILL)
                assert await first_server.process.wait() == -signal.SIGKILL

            async with http_server_process(data_dir, env) as second_server, Client(second_server.url) as client:
                second = data(
                    await client.call_tool(
                        "ask_gemini", {"prompt": "What is my name?", "conversation_id": first["conversation_id"]}
                    )
                )
                done = data(
                    await client.call_tool(
                        "get_interaction", {"interaction_id": research["interaction_id"], "wait_seconds": 30}
                    )
                )
                resumed_log = list(second_server.log)

    assert running["status"] == "in_progress"
    assert "Phil" in second["text"]
    assert second["conversation_id"] == first["conversation_id"]
    asks = [b for b in creates(emu) if "model" in b]
    assert asks[1]["previous_interaction_id"] == first["interaction_id"]
    assert done["status"] == "completed"
    assert done["total_chars"] > 0
    assert any(f"Resuming interaction {research['interaction_id']}" in line for line in resumed_log)
    resumed_streams = [
        r
        for r in emu.requests
        if r.method == "GET" and r.query.get("stream") == "true" and r.query.get("last_event_id")
    ]
    assert resumed_streams, "the restarted watcher did not resume the event stream from the stored cursor"
