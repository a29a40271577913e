"""Bearer tokens -> principals: parsing from env and file, constant-time matching, no token in any message."""

from __future__ import annotations

import hmac
from pathlib import Path

import pytest

from gemini_mcp.server.auth import StaticTokenVerifier, TokenConfigError, load_tokens, parse_tokens

ALICE = "alice-token-0123456789abcdef"
BOB = "bob-token-fedcba9876543210xyz"


def test_env_value_maps_each_token_to_its_principal() -> None:
    entries = load_tokens(f"alice:{ALICE}, bob:{BOB}", None)
    verifier = StaticTokenVerifier(entries)
    assert verifier.match(ALICE) == "alice"
    assert verifier.match(BOB) == "bob"
    assert verifier.match("nope-nope-nope-nope-nope") is None
    assert verifier.match(ALICE + "x") is None
    assert verifier.match(ALICE[:-1]) is None
    assert verifier.match("") is None


def test_token_file_with_comments_and_blank_lines(tmp_path: Path) -> None:
    f = tmp_path / "tokens"
    f.write_text(f"# team tokens\n\nalice:{ALICE}\n  bob:{BOB}  \n", encoding="utf-8")
    verifier = StaticTokenVerifier(load_tokens(None, f))
    assert verifier.principals == ["alice", "bob"]
    assert verifier.match(BOB) == "bob"


def test_env_and_file_are_merged(tmp_path: Path) -> None:
    f = tmp_path / "tokens"
    f.write_text(f"bob:{BOB}\n", encoding="utf-8")
    verifier = StaticTokenVerifier(load_tokens(f"alice:{ALICE}", f))
    assert verifier.principals == ["alice", "bob"]


def test_tokens_may_contain_colons() -> None:
    token = "abc:def:ghi:jkl:mno:pqr"
    assert StaticTokenVerifier(parse_tokens(f"carol:{token}", source="t")).match(token) == "carol"


def test_nothing_configured_means_no_entries() -> None:
    assert load_tokens(None, None) == []
    assert load_tokens("", None) == []
    with pytest.raises(TokenConfigError, match="GEMINI_MCP_HTTP_TOKENS"):
        StaticTokenVerifier([])


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ("alice", "expected 'principal:token'"),
        ("alice:", "expected 'principal:token'"),
        (f":{ALICE}", "principal"),
        (f"al ice:{ALICE}", "principal"),
        ("alice:short-secret", "shorter than 16"),
        (f"local:{ALICE}", "reserved"),
        (f"alice:{ALICE[:8]} {ALICE[8:]}", "whitespace"),
        (f"alice:{ALICE},bob:{ALICE}", "same token"),
    ],
)
def test_bad_configuration_is_refused_without_echoing_the_token(value: str, needle: str) -> None:
    with pytest.raises(TokenConfigError) as info:
        load_tokens(value, None)
    message = str(info.value)
    assert needle in message
    assert "short-secret" not in message
    assert ALICE not in message and ALICE[:8] not in message


def test_unreadable_or_empty_token_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TokenConfigError, match="GEMINI_MCP_HTTP_TOKENS_FILE: cannot read"):
        load_tokens(None, tmp_path / "missing")
    empty = tmp_path / "empty"
    empty.write_text("# nothing here\n", encoding="utf-8")
    with pytest.raises(TokenConfigError, match="holds no"):
        load_tokens(None, empty)


def test_error_in_file_names_the_line_not_the_token(tmp_path: Path) -> None:
    f = tmp_path / "tokens"
    f.write_text(f"alice:{ALICE}\nbob:tiny-secret\n", encoding="utf-8")
    with pytest.raises(TokenConfigError) as info:
        load_tokens(None, f)
    assert "entry 2" in str(info.value)
    assert "tiny-secret" not in str(info.value)


async def test_verifier_returns_the_principal_as_client_id_and_never_the_token() -> None:
    verifier = StaticTokenVerifier(load_tokens(f"alice:{ALICE},bob:{BOB}", None))
    access = await verifier.verify_token(BOB)
    assert access is not None
    assert access.client_id == "bob"
    assert access.subject == "bob"
    assert BOB not in access.model_dump_json()
    assert BOB not in repr(access)
    assert ALICE not in repr(verifier) and BOB not in repr(verifier)
    assert await verifier.verify_token(BOB.upper()) is None
    # Odd input (not ASCII, lone surrogates) is simply not a match.
    assert await verifier.verify_token("\udcff" * 20) is None
    assert await verifier.verify_token("ü" * 30) is None


def test_every_entry_is_compared_with_compare_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    """Constant time: a match on the first entry still compares against all the others."""
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    verifier = StaticTokenVerifier(load_tokens(f"alice:{ALICE},bob:{BOB},carol:{'c' * 20}", None))
    monkeypatch.setattr(hmac, "compare_digest", counting)
    assert verifier.match(ALICE) == "alice"
    assert len(calls) == 3
    calls.clear()
    assert verifier.match("x" * 20) is None
    assert len(calls) == 3
