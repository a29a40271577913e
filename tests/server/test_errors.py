"""Every error path, with the exact message a model reads; the server keeps serving afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest

from gemini_mcp.config import Settings
from gemini_mcp.emulator import EmulatorConfig, Fault, running_emulator
from gemini_mcp.emulator.server import Emulator

from .harness import data, error_text, make_settings, open_client

NO_KEY = (
    "Error executing tool ask_gemini: No Gemini API key is configured, so this server cannot call Gemini. "
    "Get a key at https://aistudio.google.com/apikey and set GEMINI_API_KEY in the `env` block of this server's "
    'entry in your MCP client config, e.g. "env": {"GEMINI_API_KEY": "<your key>"}, then restart the server. '
    "(GOOGLE_API_KEY also works; without a key, `gemini-mcp --emulator` runs against the built-in offline emulator.)"
)


async def test_without_a_key_tools_are_listed_and_the_first_call_says_how_to_set_it(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, None, api_key=None)
    async with open_client(settings) as client:
        tools = await client.list_tools()
        message = error_text(await client.call_tool("ask_gemini", {"prompt": "Hi"}))
        research = error_text(await client.call_tool("start_deep_research", {"query": "x"}))
        listed = data(await client.call_tool("list_conversations", {}))
    assert len(tools.tools) == 7
    assert message == NO_KEY
    assert research == NO_KEY.replace("ask_gemini", "start_deep_research")
    assert listed == {"conversations": []}


async def test_rate_limit_names_the_retry_delay_from_the_body(settings: Settings, emulator: Emulator) -> None:
    emulator.add_fault(Fault(kind="status", status=429, retry_delay="17s", message="Quota exceeded."))
    async with open_client(settings) as client:
        message = error_text(await client.call_tool("ask_gemini", {"prompt": "Hi"}))
        after = data(await client.call_tool("ask_gemini", {"prompt": "Hi again"}))
    assert message == (
        "Error executing tool ask_gemini: Gemini rate limit or quota exceeded. Retry after 17 s. "
        "Gemini said: Quota exceeded."
    )
    assert after["status"] == "completed"


async def test_rate_limit_names_the_retry_after_header(settings: Settings, emulator: Emulator) -> None:
    emulator.add_fault(Fault(kind="status", status=429, retry_after="30", message="Slow down."))
    async with open_client(settings) as client:
        message = error_text(await client.call_tool("ask_gemini", {"prompt": "Hi"}))
    assert message == (
        "Error executing tool ask_gemini: Gemini rate limit or quota exceeded. Retry after 30 s. "
        "Gemini said: Slow down."
    )


async def test_a_short_rate_limit_is_waited_out_within_the_retry_budget(tmp_path: Path, emulator: Emulator) -> None:
    emulator.add_fault(Fault(kind="status", status=429, retry_after="0"))
    async with open_client(make_settings(tmp_path, emulator.base_url, max_retries=1)) as client:
        result = data(await client.call_tool("ask_gemini", {"prompt": "Hi"}))
    assert result["status"] == "completed"
    assert sum(1 for r in emulator.requests if r.method == "POST") == 2


async def test_unavailable_upstream(settings: Settings, emulator: Emulator) -> None:
    emulator.add_fault(Fault(kind="status", status=503, retry_after="0", message="The model is overloaded."))
    async with open_client(settings) as client:
        message = error_text(await client.call_tool("ask_gemini", {"prompt": "Hi"}))
    assert message == (
        "Error executing tool ask_gemini: Gemini is unavailable (HTTP 503: The model is overloaded.). "
        "Try again shortly."
    )


async def test_transient_5xx_is_retried_by_the_sdk(tmp_path: Path, emulator: Emulator) -> None:
    emulator.add_fault(Fault(kind="status", status=503, retry_after="0", count=2))
    async with open_client(make_settings(tmp_path, emulator.base_url, max_retries=2)) as client:
        result = data(await client.call_tool("ask_gemini", {"prompt": "Hi"}))
    assert result["status"] == "completed"
    assert sum(1 for r in emulator.requests if r.method == "POST") == 3


async def test_rejected_api_key(tmp_path: Path) -> None:
    async with (
        running_emulator(EmulatorConfig(api_key="right-key")) as emu,
        open_client(make_settings(tmp_path, emu.base_url, api_key="wrong-key")) as client,
    ):
        message = error_text(await client.call_tool("ask_gemini", {"prompt": "Hi"}))
    assert message.startswith("Error executing tool ask_gemini: Gemini rejected the API key (HTTP 400: ")
    assert message.endswith("Check GEMINI_API_KEY in the `env` block of this server's MCP client config.")
    assert "wrong-key" not in message


async def test_unknown_conversation_id(settings: Settings) -> None:
    async with open_client(settings) as client:
        message = error_text(await client.call_tool("ask_gemini", {"prompt": "Hi", "conversation_id": "conv_nope"}))
    assert message == (
        "Error executing tool ask_gemini: Conversation 'conv_nope' was not found (it was deleted, or never existed "
        "for this user). Call without conversation_id to start a new one; list_conversations shows yours."
    )


async def test_expired_chain_says_how_long_gemini_keeps_interactions(settings: Settings, emulator: Emulator) -> None:
    async with open_client(settings) as client:
        first = data(await client.call_tool("ask_gemini", {"prompt": "Hi"}))
        emulator.reset()  # Gemini forgot the interaction (expired)
        message = error_text(
            await client.call_tool("ask_gemini", {"prompt": "Again", "conversation_id": first["conversation_id"]})
        )
    assert message == (
        f"Error executing tool ask_gemini: This conversation's last interaction ({first['interaction_id']}) no longer "
        "exists on Gemini: it expired or was deleted. Gemini keeps stored interactions for 1 day on the free tier and "
        "55 days on paid tiers. Start a new conversation by calling again without conversation_id."
    )


async def test_unknown_interaction_id(settings: Settings) -> None:
    async with open_client(settings) as client:
        for tool in ("get_interaction", "cancel_interaction"):
            message = error_text(await client.call_tool(tool, {"interaction_id": "v1_nope"}))
            assert message == (
                f"Error executing tool {tool}: Interaction 'v1_nope' was not found for this user. Use an "
                "interaction_id returned by ask_gemini or start_deep_research; list_interactions shows yours."
            )


async def test_unknown_model(settings: Settings) -> None:
    async with open_client(settings) as client:
        message = error_text(await client.call_tool("ask_gemini", {"prompt": "Hi", "model": "gemini-9-ultra"}))
    assert message.startswith("Error executing tool ask_gemini: Model 'gemini-9-ultra' is not available on Gemini (")
    assert "it is not in Gemini's model list; models: gemini-3.8-flash, " in message  # refused before any create
    assert message.endswith(
        "Read the gemini://models resource for the models this server offers, or omit `model` to use the default."
    )


async def test_unknown_agent(settings: Settings) -> None:
    async with open_client(settings) as client:
        message = error_text(await client.call_tool("start_deep_research", {"query": "x", "agent": "deep-nope"}))
    assert message.startswith("Error executing tool start_deep_research: Agent 'deep-nope' is not available on Gemini")
    assert message.endswith("Omit `agent` to use the default.")


async def test_model_not_in_the_allowed_list(tmp_path: Path, emulator: Emulator) -> None:
    settings = make_settings(tmp_path, emulator.base_url, allowed_models="gemini-3-flash-preview,gemini-3.8-flash")
    async with open_client(settings) as client:
        message = error_text(await client.call_tool("ask_gemini", {"prompt": "Hi", "model": "gemini-3.1-pro-preview"}))
    assert message == (
        "Error executing tool ask_gemini: Model 'gemini-3.1-pro-preview' is not allowed on this server. Allowed "
        "models: gemini-3-flash-preview, gemini-3.8-flash. Call again with one of these, or omit `model` to use the "
        "default."
    )
    assert emulator.requests == []


@pytest.mark.parametrize(
    ("tool", "arguments", "field"),
    [
        ("ask_gemini", {"prompt": "Hi", "temperature": 5}, "temperature"),
        ("ask_gemini", {"prompt": "Hi", "thinking_level": "extreme"}, "thinking_level"),
        ("ask_gemini", {"prompt": ""}, "prompt"),
        ("get_interaction", {"interaction_id": "x", "wait_seconds": 3601}, "wait_seconds"),
        ("get_interaction", {"interaction_id": "x", "max_chars": 5}, "max_chars"),
        ("list_interactions", {"limit": 0}, "limit"),
        ("start_deep_research", {"query": "x", "thinking_summaries": "maybe"}, "thinking_summaries"),
    ],
)
async def test_argument_validation_names_the_field(
    settings: Settings, tool: str, arguments: dict[str, object], field: str
) -> None:
    async with open_client(settings) as client:
        message = error_text(await client.call_tool(tool, arguments))
        still_serving = data(await client.call_tool("list_conversations", {}))
    assert message.startswith(f"Invalid arguments for {tool}:\n{field}: "), message
    assert len(message.splitlines()) == 2 and "pydantic" not in message
    assert still_serving == {"conversations": []}
