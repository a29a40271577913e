"""thinking_level + include_thoughts, thought summaries in the result, full usage, the model allow-list."""

from __future__ import annotations

import json
from pathlib import Path

from gemini_mcp.config import Settings
from gemini_mcp.emulator.server import Emulator

from .harness import creates, data, error_text, make_settings, open_client, text


async def test_thinking_level_and_thought_summaries(settings: Settings, emulator: Emulator) -> None:
    async with open_client(settings) as client:
        result = await client.call_tool(
            "ask_gemini", {"prompt": "Plan a trip to Oslo.", "thinking_level": "high", "include_thoughts": True}
        )
        answer = data(result)
        again = data(
            await client.call_tool(
                "ask_gemini", {"prompt": "And Bergen?", "conversation_id": answer["conversation_id"]}
            )
        )
        quiet = data(await client.call_tool("ask_gemini", {"prompt": "Plain.", "include_thoughts": False}))
    bodies = creates(emulator)
    assert bodies[0]["generation_config"] == {"thinking_level": "high", "thinking_summaries": "auto"}
    assert bodies[1]["generation_config"] == {"thinking_level": "high", "thinking_summaries": "auto"}  # remembered
    assert bodies[2]["generation_config"] == {"thinking_summaries": "none"}
    assert answer["thoughts"] and "Plan a trip to Oslo." in answer["thoughts"][0]
    assert again["thoughts"]
    assert quiet["thoughts"] == []
    assert "Thoughts:" in text(result)


async def test_usage_carries_every_token_figure_the_api_gives(settings: Settings, emulator: Emulator) -> None:
    async with open_client(settings) as client:
        answer = data(await client.call_tool("ask_gemini", {"prompt": "Count to three.", "include_thoughts": True}))
    usage = answer["usage"]
    for key in ("input_tokens", "output_tokens", "thought_tokens", "cached_tokens", "tool_use_tokens", "total_tokens"):
        assert isinstance(usage[key], int), key
    assert usage["total_tokens"] == (
        usage["input_tokens"] + usage["output_tokens"] + usage["thought_tokens"] + usage["tool_use_tokens"]
    )
    assert usage["input_tokens_by_modality"] == {"text": usage["input_tokens"]}
    assert usage["output_tokens_by_modality"] == {"text": usage["output_tokens"]}


async def test_a_model_outside_the_allow_list_is_refused_with_the_list(tmp_path: Path, emulator: Emulator) -> None:
    allowed = ["gemini-3-flash-preview", "gemini-3.1-pro-preview"]
    settings = make_settings(tmp_path, emulator.base_url, allowed_models=",".join(allowed))
    async with open_client(settings) as client:
        refused = error_text(await client.call_tool("ask_gemini", {"prompt": "x", "model": "gemini-3.8-flash"}))
        ok = data(await client.call_tool("ask_gemini", {"prompt": "x", "model": "gemini-3.1-pro-preview"}))
        catalog = await client.read_resource("gemini://models")
    assert (
        "Model 'gemini-3.8-flash' is not allowed on this server. Allowed models: gemini-3-flash-preview, "
        "gemini-3.1-pro-preview." in refused
    )
    assert ok["model"] == "gemini-3.1-pro-preview"
    assert [b["model"] for b in creates(emulator)] == ["gemini-3.1-pro-preview"]
    assert json.loads(getattr(catalog.contents[0], "text", ""))["allowed_models"] == allowed
