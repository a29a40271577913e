"""Settings: one pydantic-settings object, env-first, secrets as SecretStr.

Precedence: CLI flag (passed as init kwargs) > environment > `.env` file > defaults.
The project's own variables use the `GEMINI_MCP_` prefix. The API key also comes from the
google-genai SDK's own variables (`GOOGLE_API_KEY` wins over `GEMINI_API_KEY`, as in the SDK),
and the SDK's `GOOGLE_GEMINI_BASE_URL` keeps working because `base_url` is only passed to the
SDK when `GEMINI_MCP_BASE_URL` is set.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

import platformdirs
from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_MODEL = "gemini-3-flash-preview"
DEFAULT_AGENT = "deep-research-preview-04-2026"

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
EmulatorMode = Literal["off", "on", "auto"]
ConfirmMode = Literal["auto", "always", "never"]


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("gemini-mcp", appauthor=False))


_PLACEHOLDERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^paste", re.IGNORECASE), "it starts with 'paste'"),
    (re.compile(r"^your.*key", re.IGNORECASE), "it reads 'your...key'"),
    (re.compile(r"^<.*>$"), "it is a <...> placeholder"),
    (re.compile(r"\$\{"), "it is an unexpanded ${...} variable"),
    (re.compile(r"\$\("), "it is an unexpanded $(...) command"),
    (re.compile(r"^x{3}", re.IGNORECASE), "it starts with 'xxx'"),
    (re.compile(r"\s"), "it contains whitespace"),
)


def placeholder_reason(key: str) -> str:
    """Why `key` looks like a placeholder from a config template rather than a real key ("" when it does not)."""
    return next((why for pattern, why in _PLACEHOLDERS if pattern.search(key)), "")


def _split_list(value: Any) -> Any:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class Settings(BaseSettings):
    """Everything the server can be configured with (docs/configuration.md has the generated table)."""

    model_config = SettingsConfigDict(
        env_prefix="GEMINI_MCP_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("api_key", "GEMINI_MCP_API_KEY", "GOOGLE_API_KEY", "GEMINI_API_KEY"),
        description="Gemini API key (GOOGLE_API_KEY wins over GEMINI_API_KEY, as in google-genai).",
    )
    base_url: str | None = Field(
        default=None,
        description="Gemini API base URL, applied only when set; unset = the SDK's own `GOOGLE_GEMINI_BASE_URL` "
        "or Google's default.",
    )
    default_model: str = Field(default=DEFAULT_MODEL, description="Model used when `model` is omitted.")
    allowed_models: Annotated[list[str], NoDecode] = Field(
        default_factory=list[str],
        description="Comma list of models callers may choose; others are refused with the list. Empty = any.",
        json_schema_extra={"readme_default": "any"},
    )
    default_agent: str = Field(default=DEFAULT_AGENT, description="Deep Research agent used when `agent` is omitted.")
    models_file: Path | None = Field(
        default=None,
        description="JSON catalog used instead of the shipped one when Gemini's model list cannot be fetched "
        "(docs/models.md).",
    )
    retirements_file: Path | None = Field(
        default=None,
        description="JSON retirement table laid over the shipped one (retired id -> successor; docs/models.md).",
    )
    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Where the SQLite store of conversations and interactions lives.",
        json_schema_extra={"readme_default": "platform user data dir (`~/.local/share/gemini-mcp` on Linux)"},
    )
    database_url: SecretStr | None = Field(
        default=None,
        description="`postgresql://user:password@host/db`: keep conversations and interactions in PostgreSQL, shared "
        "by every replica (see docs/replicas.md). Unset = SQLite in the data dir. The password is never shown.",
        json_schema_extra={"readme_default": "unset (SQLite)"},
    )
    lease_ttl: float = Field(
        default=30.0,
        ge=2,
        le=300,
        description="Seconds a replica's claim on following a running interaction lasts without renewal; a "
        "killed replica's runs are taken over after at most this long.",
    )
    poll_seconds: float = Field(
        default=10.0,
        ge=0.1,
        le=600,
        description="Seconds before a running interaction nobody waits on is first polled (one `get`; no stream is "
        "held); each next poll comes 1.5x later, up to 6x this. A waiting caller makes it stream at once.",
    )
    polls_per_second: float = Field(
        default=3.0,
        gt=0,
        le=100,
        description="Most such polls per second per process, however many runs are followed (Gemini's rate limits).",
    )
    request_timeout: float = Field(default=120.0, gt=0, description="Seconds per Gemini HTTP request.")
    max_wait_seconds: float = Field(
        default=45.0,
        gt=0,
        le=3600,
        description="Longest a tool call waits for Gemini; a turn still running then returns `in_progress` and "
        "its handle (keep it below the client's timeout, e.g. Claude Code's 60 s).",
    )
    max_retries: int = Field(
        default=2,
        ge=0,
        le=10,
        description="Retries of transient Gemini errors (408, 5xx, network; 429 only when the delay is short).",
    )
    transport: Literal["stdio", "http"] = Field(default="stdio", description="`stdio` or `http` (Streamable HTTP).")
    http_stateless: bool | None = Field(
        default=None,
        description="Stateless Streamable HTTP (no session id, so any replica serves any request behind a load "
        "balancer without sticky sessions). Unset = on with `database_url`, off otherwise.",
        json_schema_extra={"readme_default": "on with PostgreSQL"},
    )
    host: str = Field(
        default="127.0.0.1", description="HTTP bind address; off loopback, tokens and hosts are required."
    )
    port: int = Field(default=8000, ge=0, le=65535, description="HTTP port (`/mcp`).")
    http_tokens: SecretStr | None = Field(
        default=None, description="`principal:token,...` bearer tokens for HTTP (required off loopback)."
    )
    http_tokens_file: Path | None = Field(
        default=None, description="File with one `principal:token` per line, instead of or besides the variable."
    )
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list[str],
        description="Extra Host header values accepted over HTTP (DNS-rebinding protection).",
        json_schema_extra={"readme_default": "loopback"},
    )
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list[str],
        description="Extra Origin values accepted over HTTP.",
        json_schema_extra={"readme_default": "loopback"},
    )
    http_max_sessions: int = Field(
        default=1000, ge=1, description="Open Streamable HTTP sessions at most, over all principals."
    )
    http_sessions_per_principal: int = Field(
        default=32,
        ge=1,
        description="Open HTTP sessions per principal; one more closes that principal's oldest idle session.",
    )
    http_session_idle_seconds: float = Field(
        default=600.0, gt=0, description="An HTTP session with no request for this long is closed."
    )
    file_roots: Annotated[list[Path], NoDecode] = Field(
        default_factory=list[Path],
        description="Comma list of directories `files` may read from (resolved before the check); a ceiling on the "
        "client's roots. Unset: the client's roots, else the working directory unless that is `/`, the home "
        "directory or a system directory.",
        json_schema_extra={"readme_default": "the client's roots, else the working directory"},
    )
    log_level: LogLevel = Field(default="INFO", description="Log level; logs go to stderr.")
    emulator: EmulatorMode = Field(
        default="off", description="`on`: serve on the embedded emulator; `auto`: only when no key is set; `off`."
    )
    daily_budget_usd: float | None = Field(
        default=None,
        ge=0,
        description="USD each owner may spend over a rolling 24 h (estimated from the price table); over it, calls "
        "that bill Gemini are refused before anything is sent. Unset = no cap. Per principal: the tokens file.",
        json_schema_extra={"readme_default": "no cap"},
    )
    max_running_research: int = Field(
        default=3, ge=1, description="Deep Research runs one owner may have running at once."
    )
    confirm_research: ConfirmMode = Field(
        default="auto",
        description="Ask the user before a research run: `auto` when the client supports elicitation, `always` "
        "(refuse without it), `never`.",
    )
    prices_file: Path | None = Field(
        default=None,
        description="JSON or TOML price table replacing the shipped one (docs/spend.md).",
        json_schema_extra={"readme_default": "shipped table"},
    )

    @field_validator("api_key", "database_url", mode="before")
    @classmethod
    def _empty_key_is_unset(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("allowed_models", "allowed_hosts", "allowed_origins", "file_roots", mode="before")
    @classmethod
    def _comma_list(cls, value: Any) -> Any:
        return _split_list(value)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @property
    def db_path(self) -> Path:
        return self.data_dir / "gemini-mcp.sqlite3"

    @property
    def key_placeholder(self) -> str:
        """Why the configured key looks like a placeholder ("" for a plausible key or none)."""
        return placeholder_reason(self.api_key.get_secret_value()) if self.api_key is not None else ""

    @property
    def database_url_text(self) -> str | None:
        """The PostgreSQL URL, password included: for the store only, never for display (`store.urls.mask_url`)."""
        return self.database_url.get_secret_value() if self.database_url is not None else None

    @property
    def stateless_http(self) -> bool:
        return self.http_stateless if self.http_stateless is not None else self.database_url is not None

    @property
    def has_api_key(self) -> bool:
        return self.api_key is not None and bool(self.api_key.get_secret_value())
