"""The model-facing contract: the full tools/list is pinned in a committed snapshot, and the README's
tools table is generated from it.

Regenerate both after an intended change: `UPDATE_SNAPSHOT=1 python -m pytest tests/contract`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from mcp.client import Client

from gemini_mcp.config import Settings
from gemini_mcp.server.app import build_server

HERE = Path(__file__).parent
SNAPSHOT = HERE / "tools_snapshot.json"
README = HERE.parent.parent / "README.md"
TABLE_START = "<!-- tools-table:start (generated from tools/list by tests/contract; do not edit) -->"
TABLE_END = "<!-- tools-table:end -->"
UPDATE = os.environ.get("UPDATE_SNAPSHOT") == "1"


async def list_tools(tmp_path: Path) -> list[dict[str, Any]]:
    settings = Settings.model_validate({"api_key": None, "data_dir": tmp_path})
    async with Client(build_server(settings)) as client:
        result = await client.list_tools()
    return [tool.model_dump(mode="json", by_alias=True, exclude_none=True) for tool in result.tools]


def _hints(annotations: dict[str, Any]) -> str:
    names = {
        "readOnlyHint": "read-only",
        "destructiveHint": "destructive",
        "idempotentHint": "idempotent",
        "openWorldHint": "calls Gemini",
    }
    return ", ".join(label for key, label in names.items() if annotations.get(key)) or "—"


def _arguments(schema: dict[str, Any]) -> str:
    required = set(schema.get("required", []))
    names = [f"`{name}`" + ("" if name in required else "?") for name in schema.get("properties", {})]
    return ", ".join(names)


def tools_table(tools: list[dict[str, Any]]) -> str:
    rows = ["| tool | arguments (`?` = optional) | what it does | hints |", "|---|---|---|---|"]
    for tool in tools:
        summary = tool["description"].strip().splitlines()[0]
        hints = _hints(tool.get("annotations", {}))
        rows.append(f"| `{tool['name']}` | {_arguments(tool['inputSchema'])} | {summary} | {hints} |")
    return "\n".join(rows)


def readme_with_table(readme: str, table: str) -> str:
    start = readme.index(TABLE_START) + len(TABLE_START)
    end = readme.index(TABLE_END)
    return readme[:start] + "\n" + table + "\n" + readme[end:]


async def test_tools_list_matches_the_committed_snapshot(tmp_path: Path) -> None:
    tools = await list_tools(tmp_path)
    if UPDATE:
        SNAPSHOT.write_text(json.dumps(tools, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    snapshot = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert tools == snapshot, "tools/list changed: review the diff, then run with UPDATE_SNAPSHOT=1"


async def test_every_tool_has_a_title_annotations_and_an_output_schema(tmp_path: Path) -> None:
    for tool in await list_tools(tmp_path):
        assert tool.get("title"), tool["name"]
        assert set(tool["annotations"]) >= {"readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"}
        assert tool["outputSchema"]["type"] == "object", tool["name"]


async def test_readme_tools_table_is_generated_from_tools_list(tmp_path: Path) -> None:
    readme = README.read_text(encoding="utf-8")
    expected = readme_with_table(readme, tools_table(await list_tools(tmp_path)))
    if UPDATE and expected != readme:
        README.write_text(expected, encoding="utf-8")
        readme = expected
    assert readme == expected, "README tools table is stale: run UPDATE_SNAPSHOT=1 python -m pytest tests/contract"
