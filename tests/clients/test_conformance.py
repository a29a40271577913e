"""The official MCP conformance suite's server scenarios against `gemini-mcp --transport http --emulator`.

Only scenarios that apply to a server with our tools run here. The rest of the active suite (30 scenarios
in 0.1.16) calls the suite's own fixtures (`test_simple_text`, `test://static-text`, `test_simple_prompt`,
...), which this server does not have by design, or needs features it does not offer: completions,
resource subscriptions, `logging/setLevel` (deprecated in 2026-07-28), sampling and elicitation requests.
`tools-call-simple-text` and `tools-call-error` "pass" against any server (an unknown tool is an error
result), so they prove nothing and are left out.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.harness.processes import HttpServer

from .helpers import NodeTools

CONFORMANCE = ("@modelcontextprotocol/conformance", "conformance")
SCENARIOS = [
    "server-initialize",
    "ping",
    "tools-list",
    "resources-list",
    "prompts-list",
    "dns-rebinding-protection",
    "server-sse-multiple-streams",
]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_conformance_scenario_passes(
    scenario: str, node_tools: NodeTools, shared_http_server: HttpServer, tmp_path: Path
) -> None:
    server = shared_http_server
    out = tmp_path / "results"
    done = node_tools.run(
        *CONFORMANCE, ["server", "--url", server.url, "--scenario", scenario, "-o", str(out)], timeout=150
    )
    report = done.stdout + done.stderr
    (checks_file,) = out.rglob("checks.json")
    checks: list[dict[str, Any]] = json.loads(checks_file.read_text(encoding="utf-8"))
    assert checks, f"{scenario}: the suite recorded no checks\n{report}"
    failed = [check for check in checks if check["status"] not in {"SUCCESS", "INFO"}]
    assert not failed, f"{scenario}: {json.dumps(failed, indent=2)}\n{report}"
    assert done.returncode == 0, report
    assert any(check["status"] == "SUCCESS" for check in checks)
