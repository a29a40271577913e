"""A malformed tokens entry must not print the token: errors name the source and the entry number only,
also when the entry is written the wrong way round (``token:name``) or the server fails at start-up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gemini_mcp.server.auth import TOKENS_ENV, TOKENS_FILE_ENV, TokenConfigError, load_tokens

SECRET = "sk-live-9c1f4e7a2b8d6e0f3a5c"


@pytest.mark.parametrize(
    ("value", "entry"),
    [
        (f"{SECRET}:alice", 1),  # the wrong way round: the token where the principal goes, a short "token"
        (f"alice:good-token-1234567890,{SECRET}", 2),  # no colon at all
        (f"alice:good-token-1234567890,bob:{SECRET} tail", 2),  # whitespace inside the token
        (f"alice:good-token-1234567890,{SECRET}!:x-token-0123456789", 2),  # a bad principal
        (f"local:{SECRET}", 1),  # a reserved principal
        (f"alice:{SECRET},bob:{SECRET}", 2),  # one token for two principals
    ],
)
def test_tokens_entry_errors_name_the_entry_never_the_value(value: str, entry: int) -> None:
    with pytest.raises(TokenConfigError) as info:
        load_tokens(value, None)
    message = str(info.value)
    assert f"{TOKENS_ENV}, entry {entry}" in message, message
    assert SECRET not in message and SECRET[:8] not in message and "alice" not in message, message


def test_tokens_file_errors_name_the_file_and_entry(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.txt"
    tokens.write_text(f"# team tokens\nalice:good-token-1234567890\n{SECRET}:bob\n", encoding="utf-8")
    with pytest.raises(TokenConfigError) as info:
        load_tokens(None, tokens)
    message = str(info.value)
    assert f"{TOKENS_FILE_ENV} ({tokens}), entry 3" in message and SECRET[:8] not in message, message


def test_a_malformed_entry_stops_the_server_without_printing_the_token(tmp_path: Path) -> None:
    env = {**os.environ, TOKENS_ENV: f"{SECRET}:alice", "GEMINI_MCP_DATA_DIR": str(tmp_path), "GEMINI_API_KEY": "k"}
    done = subprocess.run(
        [sys.executable, "-m", "gemini_mcp", "--transport", "http", "--port", "0"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert f"{TOKENS_ENV}, entry 1" in done.stderr, done.stderr
    assert SECRET[:8] not in done.stderr + done.stdout
