"""The HTTP app over real uvicorn + real MCP clients: tokens -> principals, 401, 421, 403, 413, /healthz, binds."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import httpx2
import pytest
from mcp.server import MCPServer
from mcp.server.auth.middleware.auth_context import get_access_token
from pydantic import SecretStr

from gemini_mcp.config import Settings
from gemini_mcp.server.auth import TokenConfigError
from gemini_mcp.server.http import DEFAULT_MAX_BODY_BYTES, HttpConfigError, build_http_app, check_bind, is_loopback
from tests.harness.clients import Mode, http_client
from tests.harness.servers import serve_app

ALICE = "alice-secret-token-4f9a2c77"
BOB = "bob-secret-token-0b1e88d3aa"
TOKENS = f"alice:{ALICE},bob:{BOB}"
INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
}
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def whoami_server() -> MCPServer:
    server = MCPServer("whoami")

    @server.tool()
    def whoami() -> str:
        """The caller's principal."""
        token = get_access_token()
        return token.client_id if token else "local"

    @server.tool()
    def echo_len(text: str) -> int:
        """Length of the text."""
        return len(text)

    return server


def settings(**kw: object) -> Settings:
    return Settings.model_validate({"host": "127.0.0.1", "port": 0, **kw})


def text_of(result: object) -> str:
    content = getattr(result, "content")  # noqa: B009 - CallToolResult, typed loosely on purpose
    return content[0].text


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_each_token_acts_as_its_principal(mode: Mode) -> None:
    app = build_http_app(settings(http_tokens=SecretStr(TOKENS)), whoami_server())
    with anyio.fail_after(60):
        async with serve_app(app) as url:
            for token, principal in [(ALICE, "alice"), (BOB, "bob")]:
                async with http_client(url, token, mode) as client:
                    assert text_of(await client.call_tool("whoami", {})) == principal


async def test_tokens_from_a_file(tmp_path: Path) -> None:
    f = tmp_path / "tokens.txt"
    f.write_text(f"# team\nbob:{BOB}\n", encoding="utf-8")
    app = build_http_app(settings(http_tokens_file=f), whoami_server())
    with anyio.fail_after(60):
        async with serve_app(app) as url, http_client(url, BOB) as client:
            assert text_of(await client.call_tool("whoami", {})) == "bob"


async def test_missing_or_wrong_token_gets_401_without_echoing_it() -> None:
    app = build_http_app(settings(http_tokens=SecretStr(TOKENS)), whoami_server())
    with anyio.fail_after(60):
        async with serve_app(app) as url, httpx2.AsyncClient() as h:
            for headers in [{}, {"Authorization": "Bearer wrong-token-wrong-token"}, {"Authorization": ALICE}]:
                r = await h.post(f"{url}/mcp", json=INIT, headers={**MCP_HEADERS, **headers})
                assert r.status_code == 401
                assert r.headers["www-authenticate"].startswith("Bearer")
                assert "wrong-token" not in r.text and ALICE not in r.text
            r = await h.post(f"{url}/mcp", json=INIT, headers={**MCP_HEADERS, "Authorization": f"Bearer {ALICE}"})
            assert r.status_code == 200


async def test_a_session_cannot_be_reused_with_another_principals_token() -> None:
    app = build_http_app(settings(http_tokens=SecretStr(TOKENS)), whoami_server())
    with anyio.fail_after(60):
        async with serve_app(app) as url, httpx2.AsyncClient() as h:
            r = await h.post(f"{url}/mcp", json=INIT, headers={**MCP_HEADERS, "Authorization": f"Bearer {ALICE}"})
            session = r.headers["mcp-session-id"]
            ping = {"jsonrpc": "2.0", "id": 2, "method": "ping"}
            hijack = {**MCP_HEADERS, "Authorization": f"Bearer {BOB}", "Mcp-Session-Id": session}
            r = await h.post(f"{url}/mcp", json=ping, headers=hijack)
            assert r.status_code == 404


async def test_loopback_without_tokens_serves_everyone_as_local() -> None:
    app = build_http_app(settings(), whoami_server())
    with anyio.fail_after(60):
        async with serve_app(app) as url, http_client(url) as client:
            assert text_of(await client.call_tool("whoami", {})) == "local"


async def test_healthz_is_open_and_says_nothing_secret() -> None:
    app = build_http_app(settings(http_tokens=SecretStr(TOKENS), api_key=SecretStr("AIzaSyLEAKCHECK")), whoami_server())
    with anyio.fail_after(60):
        async with serve_app(app) as url, httpx2.AsyncClient() as h:
            r = await h.get(f"{url}/healthz")
            assert r.status_code == 200
            body = r.json()
            assert body["status"] == "ok"
            assert set(body) == {"status", "name", "version"}
            for secret in (ALICE, BOB, "AIzaSyLEAKCHECK", "alice", "bob"):
                assert secret not in r.text


@pytest.mark.parametrize("path", ["/mcp", "/healthz"])
async def test_dns_rebinding_bad_host_gets_421_before_auth(path: str) -> None:
    app = build_http_app(settings(http_tokens=SecretStr(TOKENS)), whoami_server())
    with anyio.fail_after(60):
        async with serve_app(app) as url, httpx2.AsyncClient() as h:
            for auth in ({}, {"Authorization": f"Bearer {ALICE}"}):
                r = await h.post(f"{url}{path}", json=INIT, headers={**MCP_HEADERS, **auth, "Host": "evil.example:80"})
                assert r.status_code == 421
            r = await h.post(
                f"{url}/mcp",
                json=INIT,
                headers={**MCP_HEADERS, "Authorization": f"Bearer {ALICE}", "Origin": "https://evil.example"},
            )
            assert r.status_code == 403


async def test_configured_host_and_origin_are_accepted_on_a_team_bind() -> None:
    s = settings(
        host="0.0.0.0",  # what the server would bind; the test itself serves on 127.0.0.1 only
        http_tokens=SecretStr(TOKENS),
        allowed_hosts=["mcp.team.example"],
        allowed_origins=["https://console.team.example"],
    )
    app = build_http_app(s, whoami_server())
    with anyio.fail_after(60):
        async with serve_app(app) as url, httpx2.AsyncClient() as h:
            auth = {**MCP_HEADERS, "Authorization": f"Bearer {BOB}"}
            for host in ("mcp.team.example", "mcp.team.example:8443", "127.0.0.1:9"):
                r = await h.post(f"{url}/mcp", json=INIT, headers={**auth, "Host": host})
                assert r.status_code == 200, host
            r = await h.post(f"{url}/mcp", json=INIT, headers={**auth, "Origin": "https://console.team.example"})
            assert r.status_code == 200
            for host in ("other.example", "mcp.team.example.evil.example"):
                r = await h.post(f"{url}/mcp", json=INIT, headers={**auth, "Host": host})
                assert r.status_code == 421, host


async def test_oversized_body_gets_413_and_the_server_keeps_serving() -> None:
    app = build_http_app(settings(http_tokens=SecretStr(TOKENS)), whoami_server(), max_body_bytes=64 * 1024)
    with anyio.fail_after(60):
        async with serve_app(app) as url:
            async with httpx2.AsyncClient() as h:
                big = {"jsonrpc": "2.0", "id": 3, "method": "ping", "params": {"pad": "x" * 100_000}}
                body = json.dumps(big).encode()
                headers = {**MCP_HEADERS, "Authorization": f"Bearer {ALICE}"}
                r = await h.post(f"{url}/mcp", content=body, headers=headers)
                assert r.status_code == 413

                async def chunks():  # no Content-Length: the limit still applies while streaming
                    for i in range(0, len(body), 8192):
                        yield body[i : i + 8192]

                r = await h.post(f"{url}/mcp", content=chunks(), headers=headers)
                assert r.status_code == 413
            async with http_client(url, ALICE) as client:
                assert text_of(await client.call_tool("echo_len", {"text": "y" * 1000})) == "1000"


async def test_default_body_limit_is_4_mib() -> None:
    app = build_http_app(settings(http_tokens=SecretStr(TOKENS)), whoami_server())
    headers = {**MCP_HEADERS, "Authorization": f"Bearer {ALICE}"}
    with anyio.fail_after(60):
        async with serve_app(app) as url, httpx2.AsyncClient() as h:
            r = await h.post(f"{url}/mcp", content=b"x" * (DEFAULT_MAX_BODY_BYTES + 1), headers=headers)
            assert r.status_code == 413
            r = await h.post(f"{url}/mcp", json=INIT, headers=headers)
            assert r.status_code == 200


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "mcp.team.example", ""])
def test_non_loopback_bind_refuses_without_tokens_and_hosts(host: str) -> None:
    with pytest.raises(HttpConfigError) as info:
        build_http_app(settings(host=host), whoami_server())
    message = str(info.value)
    assert "GEMINI_MCP_HTTP_TOKENS" in message and "GEMINI_MCP_ALLOWED_HOSTS" in message
    with pytest.raises(HttpConfigError) as info:
        build_http_app(settings(host=host, http_tokens=SecretStr(TOKENS)), whoami_server())
    assert "GEMINI_MCP_ALLOWED_HOSTS" in str(info.value) and "GEMINI_MCP_HTTP_TOKENS" not in str(info.value)
    assert ALICE not in str(info.value)
    with pytest.raises(HttpConfigError) as info:
        build_http_app(settings(host=host, allowed_hosts=["mcp.team.example"]), whoami_server())
    assert "GEMINI_MCP_HTTP_TOKENS" in str(info.value) and "GEMINI_MCP_ALLOWED_HOSTS" not in str(info.value)
    check_bind(settings(host=host, allowed_hosts=["h"]), verifier=_verifier_for(TOKENS))


def _verifier_for(tokens: str):
    from gemini_mcp.server.auth import StaticTokenVerifier, load_tokens

    return StaticTokenVerifier(load_tokens(tokens, None))


def test_bad_token_config_stops_the_app_from_being_built() -> None:
    with pytest.raises(TokenConfigError, match="shorter than"):
        build_http_app(settings(http_tokens=SecretStr("alice:abc")), whoami_server())


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        *[("127.0.0.1", True), ("127.0.0.2", True), ("localhost", True), ("::1", True), ("[::1]", True)],
        *[("0.0.0.0", False), ("::", False), ("10.0.0.1", False), ("example.com", False)],
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_team_server_protects_its_tokens_file_and_store_from_files(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from gemini_mcp.core.paths import FilePathError, resolve_file

    tokens = tmp_path / "tokens.txt"
    tokens.write_text(f"alice:{ALICE}\n", encoding="utf-8")
    s = settings(http_tokens_file=tokens, data_dir=tmp_path / "data", file_roots=[tmp_path])
    s.db_path.parent.mkdir()
    s.db_path.write_bytes(b"SQLite format 3\x00")
    with caplog.at_level("WARNING"):
        build_http_app(s, whoami_server())
    assert "GEMINI_MCP_FILE_ROOTS" in caplog.text  # the admin is told principals may read the roots
    for target in (tokens, s.db_path):
        with pytest.raises(FilePathError, match="protected file") as info:
            resolve_file(str(target), [tmp_path.resolve()])
        assert ALICE not in str(info.value)
