"""Helpers shared by the emulator tests (SDK clients built the way users build them)."""

from __future__ import annotations

from typing import Any

from google import genai
from google.genai import types

MODEL = "gemini-3-flash-preview"
AGENT = "deep-research-preview-04-2026"


def make_client(base_url: str | None, *, api_key: str | None = "test-key", attempts: int | None = 1) -> genai.Client:
    """A client with base_url via HttpOptions (or None: from GOOGLE_GEMINI_BASE_URL)."""
    retry = types.HttpRetryOptions(attempts=attempts) if attempts is not None else None
    options = types.HttpOptions(base_url=base_url, retry_options=retry)
    kwargs: dict[str, Any] = {"http_options": options}
    if api_key is not None:
        kwargs["api_key"] = api_key
    return genai.Client(**kwargs)


def event_types(events: list[Any]) -> list[str]:
    return [e.event_type for e in events]
