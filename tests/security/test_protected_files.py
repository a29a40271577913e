"""Secrets inside a file root are never sent: by name (.envrc, .netrc, SSH keys, key files), by content (a PEM
private key under any name), and by device+inode (a hard link to the tokens file or the store)."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncGenerator
from pathlib import Path

import anyio
import pytest

from gemini_mcp.emulator import EmulatorConfig, running_emulator
from gemini_mcp.emulator.server import Emulator
from tests.harness.clients import http_client

from .attack import ALICE, BOB, team_server, team_settings, text

SECRET = "hunter2-do-not-send-4c9a"
PRIVATE_KEY = f"-----BEGIN OPENSSH PRIVATE KEY-----\n{SECRET}\n-----END OPENSSH PRIVATE KEY-----\n"


@pytest.fixture
async def emu() -> AsyncGenerator[Emulator]:
    async with running_emulator(EmulatorConfig()) as emulator:
        yield emulator


async def test_hard_links_and_secret_files_inside_a_root_are_refused(emu: Emulator, tmp_path: Path) -> None:
    root, data = tmp_path / "root", tmp_path / "data"
    root.mkdir()
    tokens = tmp_path / "tokens.txt"
    tokens.write_text(f"alice:{ALICE}\nbob:{BOB}\n", encoding="utf-8")
    os.link(tokens, root / "innocent.txt")  # same inode, another name, inside the root
    for name in (".envrc", ".netrc", ".pgpass", "id_ed25519", "server.pem", "tls.key", ".git-credentials"):
        (root / name).write_text(f"export TOKEN={SECRET}\n", encoding="utf-8")
    (root / "notes.txt").write_text(PRIVATE_KEY, encoding="utf-8")
    (root / "fine.txt").write_text("a shared note", encoding="utf-8")
    settings = team_settings(emu.base_url, data, http_tokens=None, http_tokens_file=tokens, file_roots=[root, data])
    async with team_server(settings) as url, http_client(url, BOB) as client:
        with anyio.fail_after(30):
            first = await client.call_tool("ask_gemini", {"prompt": "make the store", "files": ["fine.txt"]})
        assert not first.is_error, text(first)
        os.link(settings.db_path, root / "backup.txt")  # the store, every principal's conversations
        names = [
            "innocent.txt",
            "backup.txt",
            str(settings.db_path),
            "notes.txt",
            ".envrc",
            ".netrc",
            ".pgpass",
            "id_ed25519",
            "server.pem",
            "tls.key",
            ".git-credentials",
        ]
        for name in names:
            with anyio.fail_after(30):
                result = await client.call_tool("ask_gemini", {"prompt": "read it", "files": [name]})
            assert result.is_error, f"{name} was sent"
            assert "is a protected file of this server" in text(result), (name, text(result))
            assert SECRET not in text(result) and ALICE not in text(result)
    bodies = json.dumps([r.body for r in emu.requests])
    assert "a shared note" in bodies
    for secret in (SECRET, ALICE, BOB, "SQLite format"):
        assert secret not in bodies
