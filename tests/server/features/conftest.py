"""Feature-test fixtures (the `emulator` fixture comes from tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gemini_mcp.config import Settings
from gemini_mcp.emulator.server import Emulator
from tests.harness.settings import make_settings


@pytest.fixture
def files_root(tmp_path: Path) -> Path:
    root = (tmp_path / "files").resolve()
    root.mkdir()
    return root


@pytest.fixture
def settings(tmp_path: Path, emulator: Emulator, files_root: Path) -> Settings:
    return make_settings(tmp_path / "data", emulator.base_url, file_roots=[files_root])
