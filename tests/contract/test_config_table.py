"""docs/configuration.md's table of settings is generated from `Settings` and asserted current.

Regenerate after changing a setting: `UPDATE_SNAPSHOT=1 python -m pytest tests/contract`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import AliasChoices
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from gemini_mcp.config import Settings

DOC = Path(__file__).parent.parent.parent / "docs" / "configuration.md"
START = "<!-- config-table:start (generated from Settings by tests/contract; do not edit) -->"
END = "<!-- config-table:end -->"
UPDATE = os.environ.get("UPDATE_SNAPSHOT") == "1"
PREFIX = str(Settings.model_config.get("env_prefix", ""))


def env_names(name: str, field: FieldInfo) -> list[str]:
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        # The SDK's own variables first, as users know them; the field name itself is not an env name.
        names = [str(choice) for choice in alias.choices if str(choice).isupper()]
        return sorted(names, key=lambda env: (env.startswith(PREFIX), env))
    return [f"{PREFIX}{name}".upper()]


def shown_default(field: FieldInfo) -> str:
    extra = field.json_schema_extra
    if isinstance(extra, dict) and "readme_default" in extra:
        return str(extra["readme_default"])
    default: Any = field.default
    if default is PydanticUndefined or default is None:
        return "unset"
    return f"`{default}`"


def config_table() -> str:
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        names = " / ".join(f"`{env}`" for env in env_names(name, field))
        assert field.description, f"Settings.{name} needs a description for docs/configuration.md"
        rows.append(f"| {names} | {shown_default(field)} | {field.description} |")
    return "\n".join(rows)


def test_every_setting_is_documented_in_the_configuration_table() -> None:
    text = DOC.read_text(encoding="utf-8")
    start = text.index(START) + len(START)
    end = text.index(END)
    expected = text[:start] + "\n" + config_table() + "\n" + text[end:]
    if UPDATE and expected != text:
        DOC.write_text(expected, encoding="utf-8")
        text = expected
    assert text == expected, (
        "docs/configuration.md's settings table is stale: UPDATE_SNAPSHOT=1 python -m pytest tests/contract"
    )


def test_the_table_names_the_sdk_key_variables_and_every_prefixed_setting() -> None:
    table = config_table()
    for env in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GEMINI_MCP_DEFAULT_MODEL", "GEMINI_MCP_HTTP_TOKENS"):
        assert f"`{env}`" in table
    assert table.count("\n") == len(Settings.model_fields) + 1
