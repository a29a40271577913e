"""Settings for a server on the emulator, and the environment a server subprocess is started with."""

from __future__ import annotations

import os
from pathlib import Path

from gemini_mcp.config import Settings

REPO = Path(__file__).resolve().parents[2]
TEST_KEY = "test-key"


def make_settings(data_dir: Path, base_url: str | None, **overrides: object) -> Settings:
    """Settings for an in-process server on the emulator at `base_url`: a test key, no retries."""
    values: dict[str, object] = {
        "api_key": TEST_KEY,
        "base_url": base_url,
        "data_dir": data_dir,
        "max_retries": 0,
        "request_timeout": 20.0,
        **overrides,
    }
    return Settings.model_validate(values)


def clean_env(**values: str) -> dict[str, str]:
    """This process's environment without a single GEMINI_* / GOOGLE_* variable, plus `values`, unbuffered."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(("GEMINI_", "GOOGLE_"))}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(values)
    return env


def with_repo_on_path(env: dict[str, str]) -> dict[str, str]:
    """`env` with this checkout first on PYTHONPATH (never for tests of an installed wheel)."""
    return {**env, "PYTHONPATH": str(REPO) + os.pathsep + env.get("PYTHONPATH", "")}


def server_env(base_url: str, **extra: str) -> dict[str, str]:
    """A server subprocess on the emulator: the SDK's own variable points it there; no retries, INFO logs."""
    return clean_env(
        GEMINI_API_KEY=TEST_KEY,
        GOOGLE_GEMINI_BASE_URL=base_url,
        GEMINI_MCP_MAX_RETRIES="0",
        GEMINI_MCP_LOG_LEVEL="INFO",
        **extra,
    )
