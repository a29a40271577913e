"""Bearer tokens for Streamable HTTP: token -> principal (the owner of conversations and interactions).

Tokens come from ``GEMINI_MCP_HTTP_TOKENS`` ("principal:token,principal2:token2") and/or the file named by
``GEMINI_MCP_HTTP_TOKENS_FILE`` (one ``principal:token`` per line; blank lines and ``#`` comments ignored).
An entry may end with options after a space: ``alice:<token> daily_budget_usd=5`` gives that principal its own
rolling 24 h budget (instead of ``GEMINI_MCP_DAILY_BUDGET_USD``); entries without options mean what they always did.
A request's token is compared with *every* configured token using ``hmac.compare_digest`` (no early exit), so
the time taken does not tell an attacker how close a guess was or which entry matched.

The verifier returns ``AccessToken(client_id=principal)``; tools read it with
``mcp.server.auth.middleware.auth_context.get_access_token()``. The ``AccessToken.token`` field holds a
fingerprint of the token, never the token itself, so a logged or repr'd AccessToken leaks nothing.

Error messages name the source and entry number, never a value of the entry (not even the principal: an
entry written the wrong way round, ``token:name``, would put the token there).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from mcp.server.auth.provider import AccessToken

from gemini_mcp.errors import TokenConfigError

__all__ = [
    "TOKENS_ENV",
    "TOKENS_FILE_ENV",
    "StaticTokenVerifier",
    "TokenConfigError",
    "TokenEntry",
    "budget_overrides",
    "load_tokens",
    "parse_tokens",
]

TOKENS_ENV = "GEMINI_MCP_HTTP_TOKENS"
TOKENS_FILE_ENV = "GEMINI_MCP_HTTP_TOKENS_FILE"

MIN_TOKEN_LENGTH = 16
RESERVED_PRINCIPALS = frozenset({"local"})
_PRINCIPAL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,127}$")


BUDGET_OPTION = "daily_budget_usd"


@dataclass(frozen=True)
class TokenEntry:
    principal: str
    token: bytes = field(repr=False)
    where: str = field(default="", compare=False)  # "<source>, entry <n>", for error messages
    daily_budget_usd: float | None = None


def _budget_option(options: list[str], where: str) -> float | None:
    """The value of ``daily_budget_usd=<USD>`` among an entry's options (never echoes them: they follow a token)."""
    budget: float | None = None
    for option in options:
        key, sep, value = option.partition("=")
        if key != BUDGET_OPTION or not sep:
            raise TokenConfigError(
                f"{where}: the token contains whitespace; after the token and a space only `{BUDGET_OPTION}=<USD>` "
                "may follow"
            )
        try:
            budget = float(value)
        except ValueError:
            budget = -1.0
        if not budget >= 0 or budget == float("inf"):
            raise TokenConfigError(f"{where}: {BUDGET_OPTION} must be a number of USD >= 0")
    return budget


def _fingerprint(token: bytes) -> str:
    return "sha256:" + hashlib.sha256(token).hexdigest()[:16]


def parse_tokens(text: str, *, source: str, separator: str = ",") -> list[TokenEntry]:
    """Parse ``principal:token`` pairs separated by ``separator`` (',' for env, '\\n' for files)."""
    entries: list[TokenEntry] = []
    for number, raw in enumerate(text.split(separator), start=1):
        item = raw.strip()
        if not item or (separator == "\n" and item.startswith("#")):
            continue
        where = f"{source}, entry {number}"
        principal, sep, rest = item.partition(":")
        principal, (token, *options) = principal.strip(), (rest.split() or [""])
        if not sep or not token:
            raise TokenConfigError(f"{where}: expected 'principal:token' (a name, a colon, then the token)")
        if not _PRINCIPAL_RE.match(principal):
            raise TokenConfigError(
                f"{where}: the principal (before the first colon) must be 1-128 characters of letters, digits and "
                "_.@+- starting with a letter or digit"
            )
        if principal in RESERVED_PRINCIPALS:
            raise TokenConfigError(
                f"{where}: the principal name 'local' is reserved for the unauthenticated local owner; choose another"
            )
        budget = _budget_option(options, where)
        if len(token) < MIN_TOKEN_LENGTH:
            raise TokenConfigError(
                f"{where}: the token (after the first colon) is shorter than {MIN_TOKEN_LENGTH} characters; "
                "use a long random value, e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
            )
        entries.append(TokenEntry(principal, token.encode("utf-8"), where, budget))
    return entries


def load_tokens(tokens: str | None, tokens_file: Path | str | None) -> list[TokenEntry]:
    """All configured tokens from the env value and/or the tokens file. Empty list = no auth configured."""
    entries: list[TokenEntry] = []
    if tokens:
        entries += parse_tokens(tokens, source=TOKENS_ENV)
    if tokens_file:
        path = Path(tokens_file).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise TokenConfigError(f"{TOKENS_FILE_ENV}: cannot read {path}: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise TokenConfigError(f"{TOKENS_FILE_ENV}: {path} is not UTF-8 text") from None
        file_entries = parse_tokens(text, source=f"{TOKENS_FILE_ENV} ({path})", separator="\n")
        if not file_entries:
            raise TokenConfigError(f"{TOKENS_FILE_ENV}: {path} holds no 'principal:token' lines")
        entries += file_entries
    _check_unique(entries)
    return entries


def budget_overrides(entries: Iterable[TokenEntry]) -> dict[str, float]:
    """principal -> its own daily budget, for the entries that set one."""
    return {e.principal: e.daily_budget_usd for e in entries if e.daily_budget_usd is not None}


def _check_unique(entries: Iterable[TokenEntry]) -> None:
    seen: dict[bytes, TokenEntry] = {}
    for entry in entries:
        other = seen.get(entry.token)
        if other is not None and other.principal != entry.principal:
            raise TokenConfigError(
                f"{other.where} and {entry.where} give two principals the same token; each principal needs its own"
            )
        seen[entry.token] = entry


class StaticTokenVerifier:
    """An mcp ``TokenVerifier`` over a fixed table of tokens, compared in constant time."""

    def __init__(self, entries: Iterable[TokenEntry]) -> None:
        self._entries: tuple[TokenEntry, ...] = tuple(entries)
        if not self._entries:
            raise TokenConfigError(f"no bearer tokens configured; set {TOKENS_ENV} or {TOKENS_FILE_ENV}")

    @property
    def principals(self) -> list[str]:
        return sorted({e.principal for e in self._entries})

    def __repr__(self) -> str:
        return f"StaticTokenVerifier(principals={self.principals!r})"

    def match(self, token: str) -> str | None:
        """The principal whose token equals ``token``; every entry is compared, whatever matches."""
        candidate = token.encode("utf-8", "surrogateescape")
        found: str | None = None
        for entry in self._entries:
            if hmac.compare_digest(candidate, entry.token) and found is None:
                found = entry.principal
        return found

    async def verify_token(self, token: str) -> AccessToken | None:
        principal = self.match(token)
        if principal is None:
            return None
        return AccessToken(
            token=_fingerprint(token.encode("utf-8", "surrogateescape")),
            client_id=principal,
            scopes=[],
            subject=principal,
        )
