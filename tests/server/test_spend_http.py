"""Per-principal daily budgets from the HTTP tokens file, through Streamable HTTP clients with bearer tokens."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from gemini_mcp.emulator.server import Emulator
from gemini_mcp.errors import TokenConfigError
from gemini_mcp.server.app import build_server
from gemini_mcp.server.auth import budget_overrides, load_tokens, parse_tokens
from gemini_mcp.server.http import build_http_app
from tests.harness.clients import data, error_text, http_client
from tests.harness.servers import serve_app
from tests.harness.settings import make_settings

ALICE = "alice-token-0123456789abcdef"
BOB = "bob-token-0123456789abcdefgh"


async def usage(client: Client) -> dict[str, Any]:
    result = await client.read_resource("gemini://usage")
    return json.loads(getattr(result.contents[0], "text", ""))


async def test_a_principal_budget_in_the_tokens_file_caps_that_principal_only(
    tmp_path: Path, emulator: Emulator
) -> None:
    tokens = tmp_path / "tokens"
    tokens.write_text(f"# team\nalice:{ALICE} daily_budget_usd=0.000001\nbob:{BOB}\n", encoding="utf-8")
    settings = make_settings(tmp_path / "data", emulator.base_url, http_tokens_file=tokens, daily_budget_usd=10.0)
    async with serve_app(build_http_app(settings, build_server(settings))) as url:
        async with http_client(url, ALICE) as alice:
            first = data(await alice.call_tool("ask_gemini", {"prompt": "Hi, I am Alice."}))
            seen = len(emulator.requests)
            refused = error_text(await alice.call_tool("ask_gemini", {"prompt": "Again"}))
            assert len(emulator.requests) == seen
            alice_usage = await usage(alice)
        async with http_client(url, BOB) as bob:
            answers = [data(await bob.call_tool("ask_gemini", {"prompt": f"Hi {n}"})) for n in range(2)]
            bob_usage = await usage(bob)
    assert first["usage"]["cost_usd"] > 0
    assert "Daily budget reached" in refused and "of the $0.000001 allowed for alice" in refused
    assert "daily_budget_usd=" in refused and "GEMINI_MCP_HTTP_TOKENS_FILE" in refused
    assert ALICE not in refused
    assert alice_usage["owner"] == "alice" and alice_usage["daily_budget_usd"] == 0.000001
    assert alice_usage["remaining_usd"] == 0 and alice_usage["frees_at"]
    assert bob_usage["owner"] == "bob" and bob_usage["daily_budget_usd"] == 10.0
    assert bob_usage["last_24h"]["cost_usd"] == pytest.approx(sum(a["usage"]["cost_usd"] for a in answers))


def test_token_lines_without_options_mean_what_they_always_did() -> None:
    entries = parse_tokens(f"alice:{ALICE}\nbob:{BOB} daily_budget_usd=2.5\n", source="f", separator="\n")
    assert [(e.principal, e.daily_budget_usd) for e in entries] == [("alice", None), ("bob", 2.5)]
    assert budget_overrides(entries) == {"bob": 2.5}
    assert budget_overrides(load_tokens(f"alice:{ALICE} daily_budget_usd=0,bob:{BOB}", None)) == {"alice": 0.0}


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        (f"alice:{ALICE} budget=5", "whitespace"),
        (f"alice:{ALICE} daily_budget_usd=lots", "must be a number of USD >= 0"),
        (f"alice:{ALICE} daily_budget_usd=-1", "must be a number of USD >= 0"),
        (f"alice:{ALICE} daily_budget_usd=nan", "must be a number of USD >= 0"),
    ],
)
def test_a_bad_budget_option_is_refused_without_echoing_the_token(line: str, needle: str) -> None:
    with pytest.raises(TokenConfigError) as info:
        parse_tokens(line, source="GEMINI_MCP_HTTP_TOKENS_FILE", separator="\n")
    assert needle in str(info.value) and "entry 1" in str(info.value)
    assert ALICE not in str(info.value)
