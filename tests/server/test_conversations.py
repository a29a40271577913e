"""Conversation management, resources and owners, through the in-memory client."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from mcp import MCPError
from mcp.server.auth.middleware.auth_context import auth_context_var
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from mcp.types import TextResourceContents

from gemini_mcp.config import Settings
from gemini_mcp.emulator.server import Emulator

from .harness import data, error_text, open_client


async def read_text(client: object, uri: str) -> str:
    result = await client.read_resource(uri)  # type: ignore[attr-defined]
    content = result.contents[0]
    assert isinstance(content, TextResourceContents)
    return content.text


async def test_delete_conversation_forgets_it_locally_only_by_default(settings: Settings, emulator: Emulator) -> None:
    async with open_client(settings) as client:
        first = data(await client.call_tool("ask_gemini", {"prompt": "Hi, my name is Phil."}))
        conv = first["conversation_id"]
        deleted = data(await client.call_tool("delete_conversation", {"conversation_id": conv}))
        listed = data(await client.call_tool("list_conversations", {}))
        gone = error_text(await client.call_tool("ask_gemini", {"prompt": "Again", "conversation_id": conv}))
        # Forgotten here, still on Gemini: reading it imports it again, outside any conversation.
        again = data(await client.call_tool("get_interaction", {"interaction_id": first["interaction_id"]}))
    assert deleted == {"conversation_id": conv, "remote_deleted": [], "remote_errors": []}
    assert listed == {"conversations": []}
    assert f"Conversation '{conv}' was not found" in gone
    assert again["imported"] is True and again["conversation_id"] is None and "Phil" in again["text"]
    assert not [r for r in emulator.requests if r.method == "DELETE"]


async def test_delete_conversation_with_delete_remote_deletes_every_interaction_on_gemini(
    settings: Settings, emulator: Emulator
) -> None:
    async with open_client(settings) as client:
        first = data(await client.call_tool("ask_gemini", {"prompt": "One"}))
        second = data(
            await client.call_tool("ask_gemini", {"prompt": "Two", "conversation_id": first["conversation_id"]})
        )
        deleted = data(
            await client.call_tool(
                "delete_conversation", {"conversation_id": first["conversation_id"], "delete_remote": True}
            )
        )
    assert sorted(deleted["remote_deleted"]) == sorted([first["interaction_id"], second["interaction_id"]])
    deletes = sorted(r.path.rsplit("/", 1)[1] for r in emulator.requests if r.method == "DELETE")
    assert deletes == sorted([first["interaction_id"], second["interaction_id"]])


async def test_resources_show_the_interaction_the_conversation_and_the_models(settings: Settings) -> None:
    async with open_client(settings) as client:
        first = data(await client.call_tool("ask_gemini", {"prompt": "Hi", "system_instruction": "Be brief."}))
        record = json.loads(await read_text(client, f"gemini://interactions/{first['interaction_id']}"))
        conversation = json.loads(await read_text(client, f"gemini://conversations/{first['conversation_id']}"))
        models = json.loads(await read_text(client, "gemini://models"))
        templates = await client.list_resource_templates()
        with pytest.raises(MCPError, match="Interaction 'v1_nope' was not found"):
            await client.read_resource("gemini://interactions/v1_nope")
    assert record["status"] == "completed"
    assert record["text"] == first["text"]
    assert conversation["turns"] == 1
    assert conversation["remembered"] == {"model": "gemini-3-flash-preview", "system_instruction": "Be brief."}
    assert [i["interaction_id"] for i in conversation["interactions"]] == [first["interaction_id"]]
    assert models["default_model"] == "gemini-3-flash-preview"
    assert "deep-research-preview-04-2026" in [a["id"] for a in models["agents"]]
    assert {t.uri_template for t in templates.resource_templates} == {
        "gemini://interactions/{interaction_id}",
        "gemini://interactions/{interaction_id}/report",
        "gemini://interactions/{interaction_id}/images/{index}",
        "gemini://interactions/{interaction_id}/audio/{index}",
        "gemini://conversations/{conversation_id}",
    }


async def test_list_interactions_filters_by_status_and_limits(settings: Settings) -> None:
    async with open_client(settings) as client:
        for n in range(3):
            await client.call_tool("ask_gemini", {"prompt": f"Question {n}"})
        latest = data(await client.call_tool("list_interactions", {"limit": 2}))
        running = data(await client.call_tool("list_interactions", {"status": "in_progress"}))
    assert [i["prompt"] for i in latest["interactions"]] == ["Question 2", "Question 1"]
    assert running == {"interactions": []}


async def test_another_owners_ids_behave_as_not_found(settings: Settings) -> None:
    async with open_client(settings) as client:
        token = auth_context_var.set(
            AuthenticatedUser(AccessToken(token="t", client_id="alice", scopes=[]))  # type: ignore[arg-type]
        )
        try:
            alice = data(await client.call_tool("ask_gemini", {"prompt": "Hi, my name is Alice."}))
        finally:
            auth_context_var.reset(token)
        local_list = data(await client.call_tool("list_conversations", {}))
        message = error_text(
            await client.call_tool("ask_gemini", {"prompt": "Name?", "conversation_id": alice["conversation_id"]})
        )
        missing = error_text(await client.call_tool("get_interaction", {"interaction_id": alice["interaction_id"]}))
    assert local_list == {"conversations": []}
    assert f"Conversation '{alice['conversation_id']}' was not found" in message
    assert "was not found for this user" in missing


def test_settings_read_the_sdk_key_variables_and_never_show_the_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GEMINI_MCP_API_KEY", "GEMINI_MCP_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GEMINI_API_KEY", "gemini-secret")
    assert Settings().api_key is not None
    monkeypatch.setenv("GOOGLE_API_KEY", "google-secret")
    settings = Settings()
    assert settings.api_key is not None and settings.api_key.get_secret_value() == "google-secret"
    assert "google-secret" not in repr(settings) and "google-secret" not in str(settings)
    monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", "http://127.0.0.1:9")
    assert settings.base_url is None and Settings().base_url is None
    monkeypatch.setenv("GEMINI_MCP_ALLOWED_MODELS", "a, b")
    monkeypatch.setenv("GEMINI_MCP_DATA_DIR", str(tmp_path / "d"))
    assert Settings().allowed_models == ["a", "b"]
    assert Settings(data_dir=tmp_path / "flag").data_dir == tmp_path / "flag"
    assert Settings().data_dir == tmp_path / "d"


async def test_each_tool_call_is_logged_once_without_argument_values(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gemini_mcp.calls")
    async with open_client(settings) as client:
        await client.call_tool("ask_gemini", {"prompt": "my secret plan", "temperature": 0.5})
        await client.call_tool("get_interaction", {"interaction_id": "v1_nope"})
    lines = [r.getMessage() for r in caplog.records if r.name == "gemini_mcp.calls"]
    assert len(lines) == 2
    assert lines[0].startswith("tool ask_gemini(prompt,temperature) ok in ")
    assert lines[1].startswith("tool get_interaction(interaction_id) error in ")
    assert not any("secret" in line or "v1_nope" in line for line in lines)
