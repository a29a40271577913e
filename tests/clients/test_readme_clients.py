"""The README's and docs' client-facing text stays true: snippets equal the tested manifests, messages exist."""

from __future__ import annotations

import json
import re
from typing import Any

from gemini_mcp.config import Settings

from .helpers import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
DOCS = REPO / "docs"
MANIFESTS = REPO / "manifests"


def section(title: str, text: str = README) -> str:
    """The `## title` section of `text` (the README unless given), up to the next `## ` heading."""
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def doc(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def json_blocks(text: str) -> list[Any]:
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)```", text, flags=re.DOTALL)]


def test_every_client_config_in_the_readme_is_the_tested_manifest() -> None:
    blocks = json_blocks(section("Connect a client"))
    files = ["claude-desktop.json", "claude-code.mcp.json", "vscode.mcp.json", "cursor.mcp.json"]
    manifests = [json.loads((MANIFESTS / name).read_text(encoding="utf-8")) for name in files]
    assert blocks == manifests  # same four configs, same order, nothing else


def test_the_readme_claude_code_line_is_the_tested_one() -> None:
    tested = (MANIFESTS / "claude-code.md").read_text(encoding="utf-8").splitlines()
    readme_lines = [line for line in section("Connect a client").splitlines() if line.startswith("claude mcp add ")]
    assert readme_lines
    assert set(readme_lines) <= set(tested)


def test_http_mode_snippets_parse_and_use_the_served_url() -> None:
    text = section("HTTP mode", doc("configuration.md"))
    url = f"http://127.0.0.1:{Settings.model_fields['port'].default}/mcp"
    inline_json = [json.loads(snippet) for snippet in re.findall(r"`(\{.*?\})`", text)]
    assert len(inline_json) == 2
    for config in inline_json:
        (entry,) = (config.get("servers") or config["mcpServers"]).values()
        assert entry["url"] == url
    assert f"--transport http gemini {url}" in text


def test_troubleshooting_quotes_messages_the_server_really_sends() -> None:
    source = " ".join(path.read_text(encoding="utf-8") for path in (REPO / "gemini_mcp").rglob("*.py"))
    rows = [line for line in doc("troubleshooting.md").splitlines() if line.startswith("| ") and "---" not in line]
    # A row whose first cell starts with a quoted fragment quotes the server; other rows describe symptoms.
    first_cells = [row.split(" | ")[0].removeprefix("| ") for row in rows[1:]]
    messages = [found for cell in first_cells if cell.startswith("`") for found in re.findall(r"`([^`]+)`", cell)]
    assert len(messages) >= 8
    for message in messages:
        assert message in source, f"troubleshooting.md quotes {message!r}, which no module of gemini_mcp says any more"


def test_readme_and_docs_name_each_env_variable_they_mention_correctly() -> None:
    text = README + "".join(path.read_text(encoding="utf-8") for path in sorted(DOCS.glob("*.md")))
    names = set(re.findall(r"\b(GEMINI_MCP_[A-Z_]+|GEMINI_API_KEY|GOOGLE_API_KEY)\b", text))
    known = {"GEMINI_API_KEY", "GOOGLE_API_KEY", "GEMINI_MCP_API_KEY", "GEMINI_MCP_SDK_SPEEDUPS"}
    known |= {f"GEMINI_MCP_{field.upper()}" for field in Settings.model_fields}
    assert names <= known, names - known
