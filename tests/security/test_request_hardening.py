"""Smaller holes: Host/Origin allow-lists matched by prefix, CR/LF in ``mcp_servers`` headers, ids of any
length echoed in errors, and a non-ASCII digit as an image index."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from pathlib import Path

import anyio
import httpx2
import pytest

from gemini_mcp.emulator import EmulatorConfig, running_emulator
from gemini_mcp.emulator.server import Emulator
from gemini_mcp.server.hostcheck import HostPolicy
from tests.harness.clients import http_client

from .attack import ALICE, team_server, team_settings, text

INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
}
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


@pytest.fixture
async def emu() -> AsyncGenerator[Emulator]:
    async with running_emulator(EmulatorConfig()) as emulator:
        yield emulator


def test_host_and_origin_rules_compare_host_and_port_exactly() -> None:
    policy = HostPolicy(["mcp.team.example", "10.0.0.5:8000"], ["https://console.team.example"])
    for good in ("localhost:8000", "127.0.0.1", "[::1]:9", "mcp.team.example", "MCP.team.example:443", "10.0.0.5:8000"):
        assert policy.host_ok(good), good
    for bad in (
        "localhost:80.evil.example",
        "localhost:8000@evil.example",
        "127.0.0.1:99999",
        "localhost:+80",
        "localhost:",
        "mcp.team.example.evil.example",
        "evil-mcp.team.example",
        "10.0.0.5:8001",
        "10.0.0.5",
        "[::1]x",
        "",
    ):
        assert not policy.host_ok(bad), bad
    for good_origin in ("http://localhost:5173", "https://console.team.example", "https://mcp.team.example:8443"):
        assert policy.origin_ok(good_origin), good_origin
    for bad_origin in (
        "http://localhost:80.evil.example",
        "https://console.team.example.evil.example",
        "https://console.team.example:444",
        "ftp://localhost",
        "null",
        "https://console.team.example/path",
    ):
        assert not policy.origin_ok(bad_origin), bad_origin


async def test_prefix_tricks_in_host_and_origin_are_refused_over_http(emu: Emulator, tmp_path: Path) -> None:
    settings = team_settings(emu.base_url, tmp_path / "data")
    async with team_server(settings) as url, httpx2.AsyncClient(timeout=30) as http:
        auth = {**HEADERS, "Authorization": f"Bearer {ALICE}"}
        for host in ("localhost:80.evil.example", "127.0.0.1:8000.evil.example", "localhost:1@evil.example"):
            r = await http.post(f"{url}/mcp", json=INIT, headers={**auth, "Host": host})
            assert r.status_code == 421, host
            assert (await http.get(f"{url}/healthz", headers={"Host": host})).status_code == 421
        for origin in ("http://localhost:80.evil.example", "http://127.0.0.1.evil.example"):
            r = await http.post(f"{url}/mcp", json=INIT, headers={**auth, "Origin": origin})
            assert r.status_code == 403, origin
        r = await http.post(f"{url}/mcp", json=INIT, headers={**auth, "Origin": "http://localhost:3000"})
        assert r.status_code == 200


async def test_crlf_in_mcp_server_headers_long_ids_and_odd_image_indexes(emu: Emulator, tmp_path: Path) -> None:
    settings = team_settings(emu.base_url, tmp_path / "data")
    long_id = "v1_" + "a" * 5000
    async with team_server(settings) as url, http_client(url, ALICE) as client:
        with anyio.fail_after(30):
            first = await client.call_tool("ask_gemini", {"prompt": "hello"})
            interaction_id = (first.structured_content or {})["interaction_id"]
            before = len(emu.requests)
            injected = []
            for headers in (
                {"Authorization": "Bearer abc\r\nX-Injected: 1"},
                {"X-Ok": "fine\nsecond-line"},
                {"Bad Name": "v"},
                {"X-Evil\r\nHost": "v"},
            ):
                server = {"name": "tools", "url": "https://mcp.example.com/mcp", "headers": headers}
                result = await client.call_tool("ask_gemini", {"prompt": "x", "mcp_servers": [server]})
                injected.append((result.is_error, text(result)))
            missing = await client.call_tool("get_interaction", {"interaction_id": long_id})
            conversation = await client.call_tool(
                "ask_gemini", {"prompt": "x", "conversation_id": "conv_" + "z" * 5000}
            )
            image_errors = []
            for index in ("²", "٣", "1" * 50, "-1"):
                try:
                    await client.read_resource(f"gemini://interactions/{interaction_id}/images/{index}")
                except Exception as exc:  # MCPError: not found, not an internal error
                    image_errors.append(str(exc))
    for is_error, message in injected:
        assert is_error and "mcp_servers[0].headers" in message, message
        assert "abc" not in message and "second-line" not in message  # header values are never echoed
    assert len(emu.requests) == before  # nothing with a broken header reached Gemini
    for result in (missing, conversation):
        assert result.is_error and "was not found" in text(result)
        assert len(text(result)) < 600 and "a" * 100 not in text(result) and "z" * 100 not in text(result)
    assert len(image_errors) == 4
    for message in image_errors:
        assert "has no image" in message and "Error" not in message.split("has no image")[0][-20:], message
        assert "internal" not in message.lower() and "invalid literal" not in message, message
