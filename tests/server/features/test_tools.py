"""Built-in tools, File Search stores and remote MCP servers: sent as tool objects, reported back."""

from __future__ import annotations

import json

from gemini_mcp.config import Settings
from gemini_mcp.core.answers import is_redirect
from gemini_mcp.emulator.server import Emulator

from .harness import creates, data, error_text, open_client, text

ALL = ["google_search", "code_execution", "url_context"]


async def test_builtin_tools_are_sent_and_their_activity_and_sources_reported(
    settings: Settings, emulator: Emulator
) -> None:
    prompt = "What is the tallest building? Compute 828*2 in Python and read https://example.com/towers too."
    async with open_client(settings) as client:
        result = await client.call_tool("ask_gemini", {"prompt": prompt, "tools": ALL})
    answer = data(result)
    assert creates(emulator)[0]["tools"] == [
        {"type": "google_search"},
        {"type": "code_execution"},
        {"type": "url_context"},
    ]
    by_tool = {a["tool"]: a for a in answer["tool_activity"]}
    assert set(by_tool) == set(ALL)
    assert by_tool["google_search"]["queries"]
    assert by_tool["code_execution"]["code"] and by_tool["code_execution"]["output"]
    assert by_tool["url_context"]["urls"][0]["url"] == "https://example.com/towers"
    assert answer["citations"], "a grounded answer cites its sources"
    for cite in answer["citations"]:
        assert cite["url"].startswith("https://") and not is_redirect(cite["url"])
        assert cite["title"]
    assert "Sources:" in text(result)


async def test_tools_are_remembered_for_the_conversation_and_can_be_cleared(
    settings: Settings, emulator: Emulator
) -> None:
    async with open_client(settings) as client:
        first = data(await client.call_tool("ask_gemini", {"prompt": "Search the news.", "tools": ["google_search"]}))
        conv = first["conversation_id"]
        await client.call_tool("ask_gemini", {"prompt": "More.", "conversation_id": conv})
        await client.call_tool("ask_gemini", {"prompt": "No tools now.", "conversation_id": conv, "tools": []})
        await client.call_tool("ask_gemini", {"prompt": "Still none.", "conversation_id": conv})
    tools = [b.get("tools") for b in creates(emulator)]
    assert tools == [[{"type": "google_search"}], [{"type": "google_search"}], None, None]


async def test_file_search_and_mcp_servers_become_tool_objects_and_headers_stay_private(
    settings: Settings, emulator: Emulator
) -> None:
    server = {
        "name": "tickets",
        "url": "https://mcp.example.com/mcp",
        "headers": {"Authorization": "Bearer sekret-123"},
        "allowed_tools": ["search_tickets"],
    }
    async with open_client(settings) as client:
        answer = data(
            await client.call_tool(
                "ask_gemini",
                {
                    "prompt": "Find open tickets.",
                    "file_search_store_names": ["fileSearchStores/handbook-1"],
                    "mcp_servers": [server],
                },
            )
        )
        shown = await client.read_resource(f"gemini://conversations/{answer['conversation_id']}")
    assert creates(emulator)[0]["tools"] == [
        {"type": "file_search", "file_search_store_names": ["fileSearchStores/handbook-1"]},
        {
            "type": "mcp_server",
            "name": "tickets",
            "url": "https://mcp.example.com/mcp",
            "headers": {"Authorization": "Bearer sekret-123"},
            "allowed_tools": [{"mode": "validated", "tools": ["search_tickets"]}],
        },
    ]
    remembered = json.loads(getattr(shown.contents[0], "text", ""))["remembered"]
    assert remembered["mcp_servers"][0]["headers"] == {"Authorization": "***"}
    assert "sekret" not in json.dumps(remembered)


async def test_deep_research_takes_file_search_and_mcp_servers(settings: Settings, emulator: Emulator) -> None:
    async with open_client(settings) as client:
        data(
            await client.call_tool(
                "start_deep_research",
                {
                    "query": "Our incident history.",
                    "file_search_store_names": ["fileSearchStores/postmortems"],
                    "mcp_servers": [{"name": "jira", "url": "https://jira.example.com/mcp"}],
                },
            )
        )
    body = creates(emulator)[0]
    assert body["background"] is True
    assert body["tools"] == [
        {"type": "file_search", "file_search_store_names": ["fileSearchStores/postmortems"]},
        {"type": "mcp_server", "name": "jira", "url": "https://jira.example.com/mcp"},
    ]


async def test_bad_tool_arguments_are_named(settings: Settings, emulator: Emulator) -> None:
    async with open_client(settings) as client:
        unknown = error_text(await client.call_tool("ask_gemini", {"prompt": "x", "tools": ["web_browser"]}))
        store = error_text(
            await client.call_tool("ask_gemini", {"prompt": "x", "file_search_store_names": ["handbook"]})
        )
        insecure = error_text(
            await client.call_tool(
                "ask_gemini", {"prompt": "x", "mcp_servers": [{"name": "a", "url": "http://a.b/mcp"}]}
            )
        )
    assert "tools" in unknown and "web_browser" in unknown
    assert "'handbook' are not File Search store names" in store
    assert "mcp_servers[0].url: 'http://a.b/mcp' must be an https URL" in insecure
    assert creates(emulator) == []
