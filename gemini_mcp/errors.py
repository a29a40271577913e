"""The project's error tree. Every message is written for a model to act on.

    GeminiMcpError                   base; str(err) is the message a model reads
    ├── ConfigError                  the server is misconfigured
    │   └── MissingApiKeyError       no GEMINI_API_KEY: says how to set it in the client's `env`
    ├── InvalidRequestError          Gemini (or this server) rejected the arguments (HTTP 400/422)
    │   └── ModelNotAllowedError     the model is not in GEMINI_MCP_ALLOWED_MODELS (names the list)
    ├── NotFoundError                unknown or expired id (conversation, interaction, model)
    ├── PermissionError_             the API key is invalid or lacks access (HTTP 401/403)
    └── UpstreamError                Gemini could not be reached or failed (5xx, network, timeout)
        └── RateLimitedError         HTTP 429; `retry_after` seconds from Retry-After or RetryInfo

`gemini.py` translates google-genai exceptions into these exactly once. The base class is the
MCP SDK's `ToolError`, so tools let them propagate and the model reads the message.
"""

from __future__ import annotations

from mcp.server.mcpserver.exceptions import ToolError

RETENTION_HINT = "Gemini keeps stored interactions for 1 day on the free tier and 55 days on paid tiers."


class GeminiMcpError(ToolError):
    """Base class: an anticipated failure with an actionable message.

    It is an MCP `ToolError`, so a tool simply lets it propagate: the caller gets an
    `is_error=True` result whose text is this message.
    """


class ConfigError(GeminiMcpError):
    """The server configuration prevents the call."""


class MissingApiKeyError(ConfigError):
    def __init__(self) -> None:
        super().__init__(
            "No Gemini API key is configured, so this server cannot call Gemini. "
            "Get a key at https://aistudio.google.com/apikey and set GEMINI_API_KEY in the `env` block of this "
            'server\'s entry in your MCP client config, e.g. "env": {"GEMINI_API_KEY": "<your key>"}, '
            "then restart the server. (GOOGLE_API_KEY also works; without a key, "
            "`gemini-mcp --emulator` runs against the built-in offline emulator.)"
        )


class InvalidRequestError(GeminiMcpError):
    """The request was rejected as invalid."""


class ModelNotAllowedError(InvalidRequestError):
    def __init__(self, model: str, allowed: list[str]) -> None:
        self.model = model
        self.allowed = list(allowed)
        super().__init__(
            f"Model '{model}' is not allowed on this server. Allowed models: {', '.join(allowed)}. "
            "Call again with one of these, or omit `model` to use the default."
        )


class NotFoundError(GeminiMcpError):
    """An id is unknown, belongs to someone else, or has expired."""


class PermissionError_(GeminiMcpError):
    """The API key was rejected."""


class UpstreamError(GeminiMcpError):
    """Gemini is unavailable or failed."""


class RateLimitedError(UpstreamError):
    def __init__(self, retry_after: float | None, detail: str = "") -> None:
        self.retry_after = retry_after
        wait = f"Retry after {_seconds(retry_after)} s." if retry_after is not None else "Retry in a minute."
        said = f" Gemini said: {detail}" if detail else ""
        super().__init__(f"Gemini rate limit or quota exceeded. {wait}{said}")


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


class StoreError(GeminiMcpError):
    """The conversation store cannot be used (locked too long, unreadable, or from a newer release)."""


class StoreBusyError(StoreError):
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(
            f"The conversation store stayed locked by another gemini-mcp process for {_seconds(seconds)} s. "
            "Retry the call; if it keeps happening, give each server its own GEMINI_MCP_DATA_DIR."
        )


class StoreSchemaError(StoreError):
    """The database was written by a newer gemini-mcp (its schema version is ahead of this one)."""
