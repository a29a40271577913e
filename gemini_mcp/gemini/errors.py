"""SDK exceptions to project errors: the one place google-genai / httpx failures are translated."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from gemini_mcp import errors
from gemini_mcp.gemini.jsonwalk import as_dict, as_list

_DELAY = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)s\s*$")


@dataclass(frozen=True)
class SdkErrorTypes:
    """The SDK's exception classes (passed in by `genai.py`, the module that imports the SDK)."""

    timeout: type[BaseException]
    connection: type[BaseException]
    status: type[BaseException]
    api: type[BaseException]


def translate_error(
    exc: BaseException, sdk: SdkErrorTypes, timeout: float | None = None
) -> errors.GeminiMcpError | None:
    """Map a google-genai / httpx / client-side exception to the project's error tree (None: not ours)."""
    if isinstance(exc, errors.GeminiMcpError):
        return exc
    if isinstance(exc, sdk.timeout):
        within = f" within {timeout:g} s" if timeout else ""
        return errors.UpstreamError(f"Gemini did not answer{within}. Try again, or raise GEMINI_MCP_REQUEST_TIMEOUT.")
    if isinstance(exc, sdk.connection):
        return errors.UpstreamError(f"Could not reach Gemini ({_upstream_message(exc)}). Check the network and retry.")
    if isinstance(exc, sdk.status):
        return _status_error(int(getattr(exc, "status_code", 0) or 0), exc)
    if isinstance(exc, sdk.api):
        return errors.UpstreamError(f"Gemini returned an unexpected response: {_upstream_message(exc)}")
    if isinstance(exc, (ValueError, TypeError)):
        return errors.InvalidRequestError(f"Invalid request for Gemini: {exc}")
    return None


def _status_error(status: int, exc: BaseException) -> errors.GeminiMcpError:
    message = _upstream_message(exc)
    if status == 429:
        return errors.RateLimitedError(_retry_after_seconds(exc), message)
    if status in (401, 403) or (status == 400 and "api key" in message.lower()):
        return errors.AccessDeniedError(
            f"Gemini rejected the API key (HTTP {status}: {message}). Check GEMINI_API_KEY in the `env` "
            "block of this server's MCP client config."
        )
    if status == 404:
        return errors.NotFoundError(message)
    if 400 <= status < 500:
        return errors.InvalidRequestError(f"Gemini rejected the request (HTTP {status}): {message}")
    return errors.UpstreamError(f"Gemini is unavailable (HTTP {status}: {message}). Try again shortly.")


def _retry_after_seconds(exc: BaseException) -> float | None:
    """Seconds to wait: the Retry-After header, else the body's google.rpc.RetryInfo.retryDelay."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is not None:
        value = headers.get("retry-after")
        if value:
            try:
                return max(float(value), 0.0)
            except ValueError:
                pass
    for detail in map(as_dict, as_list(_error_body(exc).get("details"))):
        if str(detail.get("@type", "")).endswith("google.rpc.RetryInfo"):
            match = _DELAY.match(str(detail.get("retryDelay", "")))
            if match:
                return float(match.group(1))
    return None


def _error_body(exc: Any) -> dict[str, Any]:
    return as_dict(as_dict(getattr(exc, "body", None)).get("error"))


def _upstream_message(exc: Any) -> str:
    message = _error_body(exc).get("message")
    if isinstance(message, str) and message:
        return message
    return str(getattr(exc, "message", "") or exc)


def model_list_error(code: int | None, detail: str) -> errors.GeminiMcpError:
    """`models.list` fails through the SDK's own client (google.genai.errors / httpx), not the interactions one."""
    if code in (401, 403) or "api key" in detail.lower():
        return errors.AccessDeniedError(f"Gemini refused the model list ({detail}).")
    if code:
        return errors.UpstreamError(f"Gemini's model list is unavailable (HTTP {detail}).")
    return errors.UpstreamError(f"Gemini's model list could not be fetched ({detail}).")
