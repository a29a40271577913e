"""DNS-rebinding and CSRF guard: Host and Origin headers parsed and compared by host and port exactly.

A Host is ``name``, ``name:port``, ``[v6]`` or ``[v6]:port`` with a port of 1-5 ASCII digits (1-65535);
anything else is malformed and refused. An allowed entry without a port matches any port; with a port,
only that port. So ``localhost:80.evil.example`` (not a port) and ``mcp.example.com.evil`` (another name)
are refused, where the SDK's prefix match let the first through. Origins are ``scheme://host[:port]``
compared the same way (an Origin without a port means the scheme's default port); a missing Origin is a
same-origin (non-browser) request and passes.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["HostGuard", "HostPolicy", "parse_host", "parse_origin"]

logger = logging.getLogger(__name__)

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
_NAME = re.compile(r"^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$")
_V6 = re.compile(r"^\[[0-9a-f:.]{2,45}\]$")
_PORT = re.compile(r"^[0-9]{1,5}$")
_SCHEMES = ("http", "https")
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Endpoint:
    """A host name (lower case; IPv6 in brackets) and a port, None meaning "any port" in a rule."""

    host: str
    port: int | None


def parse_host(value: str) -> Endpoint | None:
    """``name[:port]`` / ``[v6][:port]`` -> Endpoint, or None when malformed."""
    text = value.strip().lower()
    if text.startswith("["):
        name, _, rest = text.partition("]")
        name += "]"
        if rest and not rest.startswith(":"):
            return None
        port_text = rest[1:] if rest else None
        if not _V6.match(name):
            return None
    else:
        name, sep, port_text = text.partition(":")
        port_text = port_text if sep else None
        if not _NAME.match(name):
            return None
    if port_text is None:
        return Endpoint(name, None)
    if not _PORT.match(port_text) or not 0 < int(port_text) < 65536:
        return None
    return Endpoint(name, int(port_text))


def parse_origin(value: str) -> tuple[str, Endpoint] | None:
    """``scheme://host[:port]`` -> (scheme, Endpoint with the scheme's default port when none is written), or
    None when malformed (paths are not allowed)."""
    scheme, sep, rest = value.strip().lower().partition("://")
    if not sep or scheme not in _SCHEMES or "/" in rest.rstrip("/") or "@" in rest:
        return None
    endpoint = parse_host(rest.rstrip("/"))
    if endpoint is None:
        return None
    return scheme, Endpoint(endpoint.host, endpoint.port or _DEFAULT_PORTS[scheme])


def _matches(rule: Endpoint, seen: Endpoint) -> bool:
    return rule.host == seen.host and (rule.port is None or rule.port == seen.port)


class HostPolicy:
    """Which Host and Origin values a server accepts (loopback names on any port, plus configured ones)."""

    def __init__(self, hosts: Iterable[str] = (), origins: Iterable[str] = ()) -> None:
        self.hosts = [Endpoint(n, None) for n in LOOPBACK_NAMES]
        self.origins = [("http", Endpoint(n, None)) for n in LOOPBACK_NAMES]
        for raw in hosts:
            if not raw.strip():
                continue
            rule = parse_host(raw)
            if rule is None:
                raise ValueError(f"allowed host {raw[:100]!r} is not a host name or address with an optional port")
            self.hosts.append(rule)
            self.origins += [("https", rule), ("http", rule)]
        for raw in origins:
            if not raw.strip():
                continue
            origin = parse_origin(raw)
            if origin is None:
                raise ValueError(f"allowed origin {raw[:100]!r} is not scheme://host[:port] (http or https)")
            self.origins.append(origin)

    def host_ok(self, header: str | None) -> bool:
        seen = parse_host(header) if header else None
        return seen is not None and any(_matches(rule, seen) for rule in self.hosts)

    def origin_ok(self, header: str | None) -> bool:
        if header is None:
            return True
        seen = parse_origin(header)
        return seen is not None and any(s == seen[0] and _matches(r, seen[1]) for s, r in self.origins)


def _values(scope: Scope, name: bytes) -> list[str]:
    """Every value of header ``name`` (at most 200 characters each, for logs)."""
    return [v.decode("latin-1")[:200] for k, v in scope.get("headers", []) if k.lower() == name]


class HostGuard:
    """ASGI middleware: 421 for a Host outside the policy, 403 for a foreign Origin, on every HTTP path."""

    def __init__(self, app: ASGIApp, policy: HostPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            hosts = _values(scope, b"host")
            origins = _values(scope, b"origin")
            refusal: PlainTextResponse | None = None
            if len(hosts) != 1 or not self.policy.host_ok(hosts[0]):
                logger.warning("refused a request with Host %r", hosts[:2])
                refusal = PlainTextResponse("Invalid Host header", status_code=421)
            elif len(origins) > 1 or not self.policy.origin_ok(origins[0] if origins else None):
                logger.warning("refused a request with Origin %r", origins[:2])
                refusal = PlainTextResponse("Invalid Origin header", status_code=403)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)
