"""Who may talk to the emulator: a Host/Origin guard on every route, and the control API's switch and secret.

Host must name a loopback address (or the configured bind address / ``allowed_hosts``) *and* the port the
emulator listens on, parsed exactly (``localhost:80.evil.example`` is refused); an Origin, when a browser
sends one, must be ``http(s)://`` such a host and port. A foreign page (DNS rebinding, CSRF) gets 421/403
before anything runs. The control API (``/_emulator/*``: recorded requests, faults, reset) is ``open``,
``off`` (404, as if absent) or ``secret`` (the ``x-emulator-secret`` header must equal the configured secret).
"""

from __future__ import annotations

import hmac
import re

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from .errors import error_body

CONTROL_PREFIX = "/_emulator/"
SECRET_HEADER = b"x-emulator-secret"
_LOOPBACK = ("127.0.0.1", "localhost", "[::1]", "::1")
_HOST = re.compile(r"^(?P<name>\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::(?P<port>[0-9]{1,5}))?$")


def split_host(value: str) -> tuple[str, int] | None:
    """``name[:port]`` -> (name, port; 80 when absent), or None when it is not exactly that."""
    match = _HOST.match(value.strip().lower())
    if match is None:
        return None
    return match["name"], int(match["port"]) if match["port"] else 80


class EmulatorGuard:
    """ASGI middleware: exact Host/Origin check on every route, then the control API policy."""

    def __init__(self, app: ASGIApp, *, port: int, names: tuple[str, ...], control: str, secret: str | None) -> None:
        self.app = app
        self.port = port
        self.names = frozenset(n.lower() for n in (*_LOOPBACK, *names))
        self.control = control
        self.secret = secret.encode() if secret else None

    def _allowed(self, value: str | None) -> bool:
        parsed = split_host(value) if value is not None else None
        return parsed is not None and parsed[0] in self.names and parsed[1] == self.port

    def _origin_ok(self, origin: str | None) -> bool:
        if origin is None:
            return True
        scheme, sep, rest = origin.strip().lower().partition("://")
        return bool(sep) and scheme in ("http", "https") and self._allowed(rest.rstrip("/"))

    def _control_ok(self, headers: list[tuple[bytes, bytes]]) -> bool:
        if self.control == "open":
            return True
        if self.control != "secret" or self.secret is None:
            return False
        given = [v for k, v in headers if k.lower() == SECRET_HEADER]
        return len(given) == 1 and hmac.compare_digest(given[0], self.secret)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = list(scope.get("headers", []))
        hosts = [v.decode("latin-1") for k, v in headers if k.lower() == b"host"]
        origins = [v.decode("latin-1") for k, v in headers if k.lower() == b"origin"]
        refusal: JSONResponse | None = None
        if len(hosts) != 1 or not self._allowed(hosts[0]):
            refusal = JSONResponse(error_body(421, "Invalid Host header"), status_code=421)
        elif len(origins) > 1 or not self._origin_ok(origins[0] if origins else None):
            refusal = JSONResponse(error_body(403, "Invalid Origin header"), status_code=403)
        elif str(scope.get("path", "")).startswith(CONTROL_PREFIX) and not self._control_ok(headers):
            status = 403 if self.control == "secret" else 404
            message = "The control API needs the x-emulator-secret header" if status == 403 else "Not found"
            refusal = JSONResponse(error_body(status, message), status_code=status)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)
