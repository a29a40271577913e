"""Shared pieces: run sizes, MCP clients for spawned servers, the direct-SDK baseline client."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcp import Client, StdioServerParameters
from mcp.types import CallToolResult

from bench.procs import API_KEY, REPO, gemini_mcp_command, server_env


@dataclass(frozen=True)
class Sizes:
    """How much work each figure does; ``quick`` is for the smoke test and a fast look."""

    cold_starts: int = 10
    calls: int = 200
    warmup: int = 10
    block: int = 25
    ttft_calls: int = 40
    http_clients: int = 50
    http_calls_per_client: int = 6
    http_model_latency: float = 0.2
    research_jobs: int = 200
    research_window: float = 60.0
    research_settle: float = 3.0
    store_small: int = 10
    store_large: int = 10_000
    store_calls: int = 40
    replica_clients: int = 100
    replica_calls: int = 3
    scale_runs: int = 2000
    scale_window: float = 30.0

    @staticmethod
    def quick() -> Sizes:
        return Sizes(
            cold_starts=1,
            calls=6,
            warmup=1,
            block=3,
            ttft_calls=2,
            http_clients=3,
            http_calls_per_client=2,
            http_model_latency=0.05,
            research_jobs=3,
            research_window=1.0,
            research_settle=0.5,
            store_small=2,
            store_large=20,
            store_calls=2,
            replica_clients=3,
            replica_calls=1,
            scale_runs=10,
            scale_window=1.0,
        )


def stdio_params(data_dir: Path, base_url: str, **env: str) -> StdioServerParameters:
    """Spawn parameters for ``gemini-mcp`` over stdio, pointed at the emulator."""
    command, *args = gemini_mcp_command()
    return StdioServerParameters(command=command, args=args, env=server_env(base_url, data_dir, **env), cwd=REPO)


def stdio_client(params: StdioServerParameters, **kwargs: Any) -> Client:
    # The handshake era (initialize) is what desktop clients speak today.
    return Client(params, mode="legacy", raise_exceptions=True, **kwargs)


def tool_payload(result: CallToolResult) -> dict[str, Any]:
    """The structured result of a tool call; raises with the server's text when the call failed."""
    if result.is_error:
        texts = [getattr(block, "text", "") for block in result.content]
        raise RuntimeError(f"tool call failed: {' '.join(texts)[:500]}")
    if isinstance(result.structured_content, dict):
        return result.structured_content
    for block in result.content:
        text = getattr(block, "text", None)
        if text:
            try:
                value = json.loads(text)
            except ValueError:
                continue
            if isinstance(value, dict):
                return value  # pyright: ignore[reportUnknownVariableType]
    return {}


def sdk_client(base_url: str) -> Any:
    """The direct-SDK baseline: google-genai's async Interactions client against the emulator."""
    from google import genai
    from google.genai import types

    # The SDK's default retries (as a user gets them): a keep-alive connection closed by the server
    # between calls is retried, as it is in gemini-mcp's own client.
    client = genai.Client(api_key=API_KEY, http_options=types.HttpOptions(base_url=base_url))
    return client.aio


def speedups_module() -> Any:
    """gemini_mcp.gemini.speedups, toggled in this process for the "SDK + speedups" baselines."""
    from gemini_mcp.gemini import speedups as sdk_speedups

    return sdk_speedups
