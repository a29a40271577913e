"""Fair Streamable HTTP sessions: a cap per principal, well under the global cap, so no one takes them all.

The SDK's session manager has one global cap (``GEMINI_MCP_HTTP_MAX_SESSIONS``) and an idle timeout. This
ASGI middleware sits inside bearer auth, in front of it, and counts each principal's open sessions (learnt
from the ``mcp-session-id`` the SDK answers an opening request with; forgotten on DELETE, on a 404 for the
owner's own request, or after the idle timeout). When a principal opens one more than
``GEMINI_MCP_HTTP_SESSIONS_PER_PRINCIPAL``, its oldest *idle* session (no request in flight, so no open
stream) is closed first, by an ordinary DELETE through the SDK; if every one is busy, the new one gets 503.
A principal's sessions are opened one at a time, so its count is exact. Other principals are not affected.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import anyio
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["SessionQuota", "principal_of"]

logger = logging.getLogger(__name__)

SESSION_HEADER = b"mcp-session-id"


@dataclass
class _Session:
    principal: str
    last_used: float
    in_flight: int = 0


def principal_of(scope: Scope) -> str:
    """The authenticated principal (the token's client id), or "local" without auth."""
    user = scope.get("user")
    token = getattr(user, "access_token", None)
    client_id = getattr(token, "client_id", None)
    return client_id if isinstance(client_id, str) and client_id else "local"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


class SessionQuota:
    """ASGI middleware enforcing ``per_principal`` open sessions per principal (oldest idle one closed first)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        per_principal: int,
        idle_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.per_principal = per_principal
        self.idle_seconds = idle_seconds
        self._clock = clock
        self._sessions: dict[str, _Session] = {}
        self._locks: dict[str, anyio.Lock] = {}

    def open_sessions(self, principal: str) -> int:
        return sum(1 for s in self._sessions.values() if s.principal == principal)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        principal = principal_of(scope)
        session_id = _header(scope, SESSION_HEADER)
        if session_id is None:
            await self._open(principal, scope, receive, send)
            return
        tracked = self._sessions.get(session_id)
        if tracked is None or tracked.principal != principal:
            await self.app(scope, receive, send)  # unknown, or someone else's: the SDK answers 404
            return
        await self._use(session_id, tracked, scope, receive, send)

    async def _use(self, session_id: str, tracked: _Session, scope: Scope, receive: Receive, send: Send) -> None:
        status: list[int] = []

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            await send(message)

        tracked.in_flight += 1
        try:
            await self.app(scope, receive, watch)
        finally:
            tracked.in_flight -= 1
            tracked.last_used = self._clock()
            if status and (status[0] == 404 or (scope.get("method") == "DELETE" and status[0] < 300)):
                self._sessions.pop(session_id, None)

    async def _open(self, principal: str, scope: Scope, receive: Receive, send: Send) -> None:
        """A request without a session id opens one: one at a time per principal, so the count stays exact."""
        if scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        lock = self._locks.setdefault(principal, anyio.Lock())
        try:
            async with lock:
                self._forget_expired()
                while self.open_sessions(principal) >= self.per_principal:
                    if not await self._close_oldest_idle(principal, scope):
                        logger.warning("principal %r: all of its %d sessions are busy", principal, self.per_principal)
                        await self._refusal()(scope, receive, send)
                        return
                await self.app(scope, receive, self._learning(principal, send))
        finally:
            if not lock.locked() and not lock.statistics().tasks_waiting:
                self._locks.pop(principal, None)

    def _refusal(self) -> JSONResponse:
        message = (
            f"Too many open sessions for this principal ({self.per_principal}, all busy); close one (HTTP DELETE) "
            "or wait for one to finish"
        )
        body = {"jsonrpc": "2.0", "id": None, "error": {"code": -32000, "message": message}}
        return JSONResponse(body, status_code=503)

    def _learning(self, principal: str, send: Send) -> Send:
        async def learn(message: Message) -> None:
            if message["type"] == "http.response.start" and int(message["status"]) < 300:
                for key, value in message.get("headers", []):
                    if key.lower() == SESSION_HEADER:
                        self._sessions[value.decode("latin-1")] = _Session(principal, self._clock())
            await send(message)

        return learn

    def _forget_expired(self) -> None:
        """Sessions idle past the timeout were reaped by the SDK; stop counting them."""
        cutoff = self._clock() - self.idle_seconds
        for session_id, session in list(self._sessions.items()):
            if session.in_flight == 0 and session.last_used < cutoff:
                del self._sessions[session_id]

    async def _close_oldest_idle(self, principal: str, scope: Scope) -> bool:
        idle = [(s.last_used, sid) for sid, s in self._sessions.items() if s.principal == principal and not s.in_flight]
        if not idle:
            return False
        _, session_id = min(idle)
        del self._sessions[session_id]
        logger.info("principal %r: at its cap of %d sessions, closing its oldest idle one", principal, len(idle))
        await self._delete(session_id, scope)
        return True

    async def _delete(self, session_id: str, scope: Scope) -> None:
        """End a session the way its client would: a DELETE with its id, as its own principal."""
        headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() not in (b"content-length", b"content-type")]
        delete_scope = {**scope, "method": "DELETE", "headers": [*headers, (SESSION_HEADER, session_id.encode())]}
        sent = False

        async def receive() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}

        async def discard(_message: Message) -> None:
            return None

        await self.app(delete_scope, receive, discard)
