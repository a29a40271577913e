"""Pydantic parts of an ask_gemini result beyond text: what the model's tools did, generated images and audio.

Imported by `gemini_mcp.core.results` (the results) and `gemini_mcp.core.answers` (which builds them from steps).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class UrlRead(BaseModel):
    url: str
    status: str | None = Field(default=None, description="How reading it went, e.g. URL_RETRIEVAL_STATUS_SUCCESS.")


class ToolActivity(BaseModel):
    """One built-in or remote tool call the model made while answering, with its result."""

    tool: str = Field(description="google_search | code_execution | url_context | mcp_server | file_search | ...")
    call_id: str | None = None
    queries: list[str] = Field(default_factory=list[str], description="google_search: the queries it ran.")
    language: str | None = Field(default=None, description="code_execution: the language of the code.")
    code: str | None = Field(default=None, description="code_execution: the code it ran.")
    output: str | None = Field(default=None, description="code_execution / mcp_server / function: the result.")
    urls: list[UrlRead] = Field(default_factory=list[UrlRead], description="url_context: the URLs it read.")
    name: str | None = Field(default=None, description="mcp_server: the tool name.")
    server_name: str | None = Field(default=None, description="mcp_server: the server's name.")
    arguments: dict[str, Any] | None = Field(default=None, description="mcp_server: the arguments it sent.")
    is_error: bool = False

    def render(self) -> str:
        if self.tool == "google_search":
            return "searched: " + "; ".join(self.queries) if self.queries else "searched the web"
        if self.tool == "code_execution":
            out = f" -> {_clip(self.output)}" if self.output else ""
            return f"ran {self.language or 'code'}: {_clip(self.code or '')}{out}"
        if self.tool == "url_context":
            return "read: " + ", ".join(u.url for u in self.urls) if self.urls else "read URLs"
        if self.tool == "mcp_server":
            return f"called {self.server_name or 'mcp'}.{self.name or '?'}({self.arguments or {}})"
        return f"used {self.tool}"


class GeneratedImage(BaseModel):
    """An image the model produced; the bytes are in the result's image content and at `uri`."""

    index: int
    mime_type: str
    uri: str = Field(
        description="Resource that serves the image again, e.g. gemini://interactions/ID/images/0 (when Gemini "
        "gave only a link: that link, also sent as a resource link)."
    )
    source_uri: str | None = Field(default=None, description="Where Gemini stored it, when it gave a URI.")


class GeneratedAudio(BaseModel):
    """Audio the model produced (speech models); the bytes are in the result's audio content and at `uri`."""

    index: int
    mime_type: str
    uri: str = Field(
        description="Resource that serves the audio again, e.g. gemini://interactions/ID/audio/0 (when Gemini "
        "gave only a link: that link, also sent as a resource link)."
    )
    source_uri: str | None = Field(default=None, description="Where Gemini stored it, when it gave a URI.")


def _clip(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
