"""Bad tool arguments get errors a model can act on, for every constrained argument of every tool.

The invalid values are derived from the schemas the server advertises in tools/list, so an argument added
later is covered without touching this file. Each call carries one bad argument (the others valid).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mcp import Client

from gemini_mcp.emulator.server import Emulator
from tests.harness.clients import error_text, open_client
from tests.harness.settings import make_settings

VALID = {"prompt": "Hi", "query": "A topic", "interaction_id": "v1_x", "conversation_id": "c_x"}
FORBIDDEN = ("pydantic", "Arguments", "validation error", "input_value", "type=", "https://errors")


def resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """The non-null branch of an optional, with $ref followed."""
    if "$ref" in schema:
        return resolve(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    branches = [b for b in schema.get("anyOf", []) if b.get("type") != "null"]
    return resolve({**schema, **branches[0], "anyOf": []}, defs) if len(branches) == 1 else schema


def invalid_values(schema: dict[str, Any], defs: dict[str, Any]) -> list[Any]:
    """At least one value breaking each constraint of `schema` (its type, enum, bounds, length, items)."""
    node = resolve(schema, defs)
    kind = node.get("type")
    values: list[Any] = []
    if "enum" in node:
        values.append("not-one-of-them")
    for bound, beyond in (("minimum", -1), ("exclusiveMinimum", 0), ("maximum", 1), ("exclusiveMaximum", 0)):
        if bound in node:
            values.append(node[bound] + beyond)
    if node.get("minLength"):
        values.append("")
    if kind == "array":
        values.append({"not": "a list"})
        items = resolve(node.get("items", {}), defs)
        if items.get("type") == "object" and items.get("required"):
            values.append([{}])  # an item missing its required fields
        elif items:
            values.append([(invalid_values(items, defs) or [12345])[0]])
    elif kind == "object":
        values.append(["not", "an", "object"])
    elif kind in ("integer", "number"):
        values.append("many")
    elif kind == "boolean":
        values.append("perhaps")
    elif kind == "string":
        values.append(["not a string"])
    elif "anyOf" in node and not values:  # a union of several shapes: a number is none of ours
        values.append(12345)
    return values


async def call(client: Client, tool: dict[str, Any], name: str, value: Any) -> str:
    required = tool["inputSchema"].get("required", [])
    arguments = {key: VALID[key] for key in required if key != name} | {name: value}
    return error_text(await client.call_tool(tool["name"], arguments))


def check_message(message: str, tool: str, argument: str) -> None:
    header, *problems = message.splitlines()
    assert header == f"Invalid arguments for {tool}:", message
    assert problems and all(line.split(":", 1)[0].split("[", 1)[0].split(".")[0] == argument for line in problems)
    for word in FORBIDDEN:
        assert word not in message, f"{tool}.{argument}: {word!r} in {message!r}"


async def test_every_constrained_argument_of_every_tool_gets_an_actionable_error(
    tmp_path: Path, emulator: Emulator
) -> None:
    async with open_client(make_settings(tmp_path / "data", emulator.base_url)) as client:
        tools = [tool.model_dump(by_alias=True) for tool in (await client.list_tools()).tools]
        checked = 0
        for tool in tools:
            schema = tool["inputSchema"]
            defs = schema.get("$defs", {})
            for name, prop in schema["properties"].items():
                for value in invalid_values(prop, defs):
                    check_message(await call(client, tool, name, value), tool["name"], name)
                    checked += 1
            for name in schema.get("required", []):
                arguments = {key: VALID[key] for key in schema["required"] if key != name}
                message = error_text(await client.call_tool(tool["name"], arguments))
                check_message(message, tool["name"], name)
                assert f"{name}: required, but missing" in message
    assert len(tools) == 7
    assert checked >= 60


async def test_the_messages_say_what_is_allowed(tmp_path: Path, emulator: Emulator) -> None:
    async with open_client(make_settings(tmp_path / "data", emulator.base_url)) as client:
        thinking = error_text(await client.call_tool("ask_gemini", {"prompt": "Hi", "thinking_level": "extreme"}))
        empty = error_text(await client.call_tool("ask_gemini", {"prompt": ""}))
        wait = error_text(await client.call_tool("get_interaction", {"interaction_id": "x", "wait_seconds": 5000}))
        status = error_text(await client.call_tool("list_interactions", {"status": "running"}))
        several = error_text(await client.call_tool("ask_gemini", {"prompt": "", "temperature": 3, "tools": ["x"]}))
        deleted = error_text(await client.call_tool("delete_conversation", {"conversation_id": "c_unknown"}))
        alive = await client.call_tool("list_conversations", {})
    assert "thinking_level: 'extreme' is not one of minimal, low, medium, high" in thinking
    assert "prompt: must not be empty" in empty
    assert "wait_seconds: 5000 is out of range; allowed: 0 to 3600" in wait
    assert "status: 'running' is not one of in_progress, queued, requires_action, completed" in status
    assert several.splitlines()[1:] == [
        "prompt: must not be empty",
        "temperature: 3 is out of range; allowed: 0.0 to 2.0",
        "tools[0]: 'x' is not allowed; allowed: one of google_search, code_execution, url_context or an object "
        "(GoogleSearchTool)",
    ]
    assert "was not found" in deleted and "Call without conversation_id" not in deleted
    assert "Nothing was deleted" in deleted
    assert not alive.is_error  # the server keeps serving
