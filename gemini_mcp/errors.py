"""The project's one error tree: plain exceptions, every message written for a model to act on.

    GeminiMcpError                   base; str(err) is the message a model reads
    ├── ConfigError                  the server is misconfigured
    │   ├── MissingApiKeyError       no GEMINI_API_KEY: says how to set it in the client's `env`
    │   ├── PlaceholderKeyError      GEMINI_API_KEY is a template placeholder (`${...}`, `paste...`)
    │   ├── HttpConfigError          the HTTP transport cannot start safely (bind address, tokens)
    │   └── TokenConfigError         the bearer token list/file is unusable (never quotes a token)
    ├── InvalidRequestError          Gemini (or this server) rejected the arguments (HTTP 400/422)
    │   ├── ModelNotAllowedError     the model is not in GEMINI_MCP_ALLOWED_MODELS (names the list)
    │   └── FilePathError            a `files` entry cannot be read (outside the roots, missing, protected)
    ├── NotFoundError                unknown or expired id (conversation, interaction, model)
    ├── ConversationBusyError        the conversation's previous turn is still running (the chain must not fork)
    ├── AccessDeniedError            the API key is invalid or lacks access (HTTP 401/403)
    ├── UpstreamError                Gemini could not be reached or failed (5xx, network, timeout)
    │   ├── RateLimitedError         HTTP 429; `retry_after` seconds from Retry-After or RetryInfo
    │   ├── StreamFailedError        Gemini reported an error inside an answer stream
    │   └── StructuredOutputError    a response_schema answer was not valid JSON or did not match
    ├── SpendRefusedError            refused before anything was sent to Gemini (spend limits)
    │   ├── BudgetExceededError      the owner's rolling 24 h budget is spent (or a research run would exceed it)
    │   ├── ResearchCapError         the owner already has GEMINI_MCP_MAX_RUNNING_RESEARCH runs running
    │   └── ConfirmationRequiredError  GEMINI_MCP_CONFIRM_RESEARCH=always, and the client cannot ask the user
    ├── StoreError                   the conversation store cannot be used
    │   ├── StoreBusyError           locked by another process past the busy timeout
    │   └── StoreSchemaError         the database comes from a newer release
    └── DemoFailure                  a step of `gemini-mcp demo` did not do what it should

`gemini_mcp.gemini` translates google-genai exceptions into these exactly once. Nothing here knows
MCP: the server turns them into MCP tool errors in one place (`server/failures.py`), carrying the message.
"""

from __future__ import annotations

RETENTION_HINT = "Gemini keeps stored interactions for 1 day on the free tier and 55 days on paid tiers."


class GeminiMcpError(Exception):
    """Base class: an anticipated failure with an actionable message (a tool call answers it as an error
    result whose text is this message)."""


class ConfigError(GeminiMcpError):
    """The server configuration prevents the call."""


class HttpConfigError(ConfigError):
    """The HTTP transport cannot start safely with this configuration."""


class TokenConfigError(ConfigError):
    """The HTTP token configuration is unusable. The message never contains a token."""


class MissingApiKeyError(ConfigError):
    def __init__(self) -> None:
        super().__init__(
            "No Gemini API key is configured, so this server cannot call Gemini. "
            "Get a key at https://aistudio.google.com/apikey and set GEMINI_API_KEY in the `env` block of this "
            'server\'s entry in your MCP client config, e.g. "env": {"GEMINI_API_KEY": "<your key>"}, '
            "then restart the server. (GOOGLE_API_KEY also works; without a key, "
            "`gemini-mcp --emulator` runs against the built-in offline emulator.)"
        )


class PlaceholderKeyError(ConfigError):
    def __init__(self, reason: str) -> None:
        super().__init__(
            f"GEMINI_API_KEY looks like a placeholder ({reason}); put your real key in the client's env block "
            "(get one at https://aistudio.google.com/apikey), then restart the server"
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


class FilePathError(InvalidRequestError):
    """A ``files`` entry cannot be read. The message is safe to show to the model."""


class NotFoundError(GeminiMcpError):
    """An id is unknown, belongs to someone else, or has expired."""


class ConversationBusyError(GeminiMcpError):
    """A turn must chain after its conversation's previous turn, which is still running."""


class AccessDeniedError(GeminiMcpError):
    """The API key was rejected."""


class UpstreamError(GeminiMcpError):
    """Gemini is unavailable or failed."""


class RateLimitedError(UpstreamError):
    def __init__(self, retry_after: float | None, detail: str = "") -> None:
        self.retry_after = retry_after
        wait = f"Retry after {_seconds(retry_after)} s." if retry_after is not None else "Retry in a minute."
        said = f" Gemini said: {detail}" if detail else ""
        super().__init__(f"Gemini rate limit or quota exceeded. {wait}{said}")


class StreamFailedError(UpstreamError):
    """Gemini reported an error inside the stream (an SSE ``error`` event)."""


class StructuredOutputError(UpstreamError):
    """Gemini's answer to a response_schema turn was not valid JSON, or did not match the schema."""


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


class SpendRefusedError(GeminiMcpError):
    """A spend limit refused the call before any request left the server."""


class BudgetExceededError(SpendRefusedError):
    """The owner's daily budget has no room for this call."""


class ResearchCapError(SpendRefusedError):
    """The owner has the maximum number of research runs running."""


class ConfirmationRequiredError(SpendRefusedError):
    """Research needs the user's confirmation, and this client cannot ask for it."""


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


class DemoFailure(GeminiMcpError):
    """A step of the `gemini-mcp demo` tour did not do what it should; the message says which and why."""
