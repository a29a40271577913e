"""Server fixtures (the `emulator` fixture comes from tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gemini_mcp.config import Settings
from gemini_mcp.emulator.server import Emulator
from tests.harness.settings import make_settings


@pytest.fixture
def settings(tmp_path: Path, emulator: Emulator) -> Settings:
    return make_settings(tmp_path / "data", emulator.base_url)
