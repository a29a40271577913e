"""The server suite's names for the shared harness (tests/harness): settings, clients, readers, server processes."""

from __future__ import annotations

from tests.harness.clients import creates, data, error_text, open_client, text
from tests.harness.processes import ServerProcess, http_server_process, stdio_params
from tests.harness.settings import make_settings, server_env

__all__ = [
    "ServerProcess",
    "creates",
    "data",
    "error_text",
    "http_server_process",
    "make_settings",
    "open_client",
    "server_env",
    "stdio_params",
    "text",
]
