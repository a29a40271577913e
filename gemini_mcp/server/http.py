"""The Streamable HTTP ASGI app: MCP at /mcp, /healthz, bearer auth, DNS-rebinding protection, body limits.

Request path through the app (outermost first):

1. Host/Origin check on every path (DNS-rebinding protection is always on; `hostcheck` compares host and
   port exactly): a Host header outside the allowed list gets 421, a foreign Origin 403. Loopback names are
   always allowed; ``GEMINI_MCP_ALLOWED_HOSTS`` / ``GEMINI_MCP_ALLOWED_ORIGINS`` add more.
2. ``GET /healthz``: ``{"status": "ok", ...}`` without auth and without any configuration detail.
3. With tokens configured: bearer auth (``auth.StaticTokenVerifier``), 401 without a valid token; the principal
   becomes ``get_access_token().client_id`` inside tools.
4. ``sessions.SessionQuota``: at most ``GEMINI_MCP_HTTP_SESSIONS_PER_PRINCIPAL`` open sessions per principal
   (its oldest idle one is closed first), so one principal never reaches the global cap.
5. The SDK's Streamable HTTP session manager with a request body limit (413 beyond it), the global session
   cap and the idle timeout.

``check_bind`` refuses a non-loopback bind without tokens and an allowed-hosts list.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Protocol

from mcp.server import MCPServer
from mcp.server.auth.middleware.auth_context import AuthContextMiddleware
from mcp.server.auth.middleware.bearer_auth import BearerAuthBackend, RequireAuthMiddleware
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp

from gemini_mcp import __version__
from gemini_mcp.core.paths import protect
from gemini_mcp.core.roots import describe, is_loopback
from gemini_mcp.errors import HttpConfigError
from gemini_mcp.server.auth import TOKENS_ENV, TOKENS_FILE_ENV, StaticTokenVerifier, load_tokens
from gemini_mcp.server.hostcheck import HostGuard, HostPolicy
from gemini_mcp.server.sessions import SessionQuota

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "HttpConfigError",
    "HttpSettings",
    "build_http_app",
    "check_bind",
    "is_loopback",
    "transport_security",
]

logger = logging.getLogger(__name__)

DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024
MCP_PATH = "/mcp"
HEALTH_PATH = "/healthz"
HOSTS_ENV = "GEMINI_MCP_ALLOWED_HOSTS"
ORIGINS_ENV = "GEMINI_MCP_ALLOWED_ORIGINS"

_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


class HttpSettings(Protocol):
    """The part of ``gemini_mcp.config.Settings`` the HTTP app reads."""

    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def http_tokens(self) -> SecretStr | None: ...
    @property
    def http_tokens_file(self) -> Path | None: ...
    @property
    def allowed_hosts(self) -> Sequence[str]: ...
    @property
    def allowed_origins(self) -> Sequence[str]: ...
    @property
    def file_roots(self) -> Sequence[Path]: ...
    @property
    def db_path(self) -> Path: ...
    @property
    def http_max_sessions(self) -> int: ...
    @property
    def http_sessions_per_principal(self) -> int: ...
    @property
    def http_session_idle_seconds(self) -> float: ...
    @property
    def stateless_http(self) -> bool: ...


def _verifier(settings: HttpSettings) -> StaticTokenVerifier | None:
    raw = settings.http_tokens.get_secret_value() if settings.http_tokens is not None else None
    entries = load_tokens(raw, settings.http_tokens_file)
    return StaticTokenVerifier(entries) if entries else None


def check_bind(settings: HttpSettings, verifier: StaticTokenVerifier | None) -> None:
    """Refuse to serve on a non-loopback address without bearer tokens and an allowed-hosts list."""
    if is_loopback(settings.host):
        return
    missing: list[str] = []
    if verifier is None:
        missing.append(f"bearer tokens ({TOKENS_ENV}='alice:<token>,bob:<token>' or {TOKENS_FILE_ENV}=<path>)")
    if not [h for h in settings.allowed_hosts if h.strip()]:
        missing.append(f"the host names clients use ({HOSTS_ENV}='mcp.example.com,10.0.0.5:8000')")
    if missing:
        raise HttpConfigError(
            f"refusing to serve HTTP on non-loopback address {settings.host!r} without "
            + " and ".join(missing)
            + ". Set them, or bind to 127.0.0.1 (the default) for local use."
        )


def transport_security(settings: HttpSettings) -> TransportSecuritySettings:
    """DNS-rebinding protection, always on: loopback names plus the configured hosts and origins."""
    hosts: list[str] = []
    origins: list[str] = []
    for name in _LOOPBACK_HOSTS:
        hosts += [name, f"{name}:*"]
        origins += [f"http://{name}", f"http://{name}:*"]
    for raw in settings.allowed_hosts:
        host = raw.strip().lower()
        if not host:
            continue
        hosts.append(host)
        if not host.endswith("]") and ":" not in host.rsplit("]", 1)[-1]:
            hosts.append(f"{host}:*")  # a bare name also matches with an explicit port
        origins += [f"https://{host}", f"http://{host}"]
    for raw in settings.allowed_origins:
        origin = raw.strip().rstrip("/")
        if origin:
            origins.append(origin)
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=list(dict.fromkeys(hosts)),
        allowed_origins=list(dict.fromkeys(origins)),
    )


def _protect_secrets(settings: HttpSettings) -> None:
    """The tokens file and the store (every principal's conversations) are never readable through `files`."""
    db = settings.db_path
    protect(db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm"))
    if settings.http_tokens_file is not None:
        protect(settings.http_tokens_file)
    if settings.http_tokens is not None or settings.http_tokens_file is not None:
        roots = describe(settings.file_roots, client_roots_apply=is_loopback(settings.host))
        logger.warning(
            "Every principal may send local files to Gemini with `files` (%s); set GEMINI_MCP_FILE_ROOTS to a "
            "directory meant for sharing",
            roots,
        )


async def _healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok", "name": "gemini-mcp", "version": __version__})


def build_http_app(
    settings: HttpSettings,
    server: MCPServer,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> Starlette:
    """The ASGI app serving ``server`` over Streamable HTTP at /mcp. Raises HttpConfigError/TokenConfigError."""
    verifier = _verifier(settings)
    check_bind(settings, verifier)
    _protect_secrets(settings)
    security = transport_security(settings)
    if settings.http_sessions_per_principal >= settings.http_max_sessions:
        raise HttpConfigError(
            f"GEMINI_MCP_HTTP_SESSIONS_PER_PRINCIPAL ({settings.http_sessions_per_principal}) must be below "
            f"GEMINI_MCP_HTTP_MAX_SESSIONS ({settings.http_max_sessions}) (one principal must never take them all)"
        )
    try:
        policy = HostPolicy(settings.allowed_hosts, settings.allowed_origins)
    except ValueError as err:
        raise HttpConfigError(f"{HOSTS_ENV}/{ORIGINS_ENV}: {err}") from None
    mcp_app: ASGIApp = server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        stateless_http=settings.stateless_http,
        max_request_body_size=max_body_bytes,
        transport_security=security,
        host=settings.host,
        session_idle_timeout=settings.http_session_idle_seconds,
        max_sessions=settings.http_max_sessions,
    )
    session_manager = server.session_manager
    if not settings.stateless_http:  # stateless HTTP keeps no sessions to count (every POST stands alone)
        mcp_app = SessionQuota(
            mcp_app,
            per_principal=settings.http_sessions_per_principal,
            idle_seconds=settings.http_session_idle_seconds,
        )
    if verifier is not None:
        # Every path of the MCP app needs a valid token; /healthz stays open.
        mcp_app = RequireAuthMiddleware(mcp_app, required_scopes=[])
        mcp_app = AuthContextMiddleware(mcp_app)
        mcp_app = AuthenticationMiddleware(mcp_app, backend=BearerAuthBackend(verifier))
        logger.info("HTTP bearer auth on for principals: %s", ", ".join(verifier.principals))
    elif not is_loopback(settings.host):  # pragma: no cover - check_bind refuses this
        raise HttpConfigError("non-loopback bind without tokens")
    else:
        logger.info("HTTP without bearer tokens: loopback only, every caller is the 'local' owner")
    if settings.stateless_http:
        logger.info("Stateless Streamable HTTP: no sessions, any replica can serve any request")

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncGenerator[None]:
        async with session_manager.run():
            yield

    app = Starlette(
        routes=[Route(HEALTH_PATH, _healthz, methods=["GET"]), Mount("/", app=mcp_app)],
        lifespan=lifespan,
    )
    app.add_middleware(HostGuard, policy=policy)
    return app
