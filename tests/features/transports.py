"""The production HTTP app in the test's event loop: the shared harness's `serve_http` (tests/harness/servers.py)."""

from __future__ import annotations

from tests.harness.servers import serve_http

__all__ = ["serve_http"]
