"""A real third-party client, the MCP Inspector CLI, against `gemini-mcp --emulator` over stdio and HTTP."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from tests.harness.clients import TOOL_NAMES

from .helpers import NodeTools, server_env

INSPECTOR = ("@modelcontextprotocol/inspector", "mcp-inspector")
TOOLS = set(TOOL_NAMES)


def inspector(node_tools: NodeTools, env: dict[str, str], *args: str) -> dict[str, Any]:
    done = node_tools.run(*INSPECTOR, ["--cli", *args], timeout=120, env=env)
    assert done.returncode == 0, f"inspector failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return json.loads(done.stdout)


def stdio_target(data_dir: Path) -> list[str]:
    # -e hands the server its environment the way a client config's `env` block does.
    return ["-e", f"GEMINI_MCP_DATA_DIR={data_dir}", sys.executable, "-m", "gemini_mcp", "--emulator"]


def test_inspector_lists_tools_and_chains_a_conversation_over_stdio(node_tools: NodeTools, tmp_path: Path) -> None:
    env = server_env(tmp_path / "unused")
    target = stdio_target(tmp_path / "data")

    listed = inspector(node_tools, env, *target, "--method", "tools/list")
    assert {tool["name"] for tool in listed["tools"]} == TOOLS
    ask = next(tool for tool in listed["tools"] if tool["name"] == "ask_gemini")
    assert "prompt" in ask["inputSchema"]["properties"]  # optional since function_results may answer alone
    assert ask["annotations"]["openWorldHint"] is True

    first = inspector(
        node_tools, env, *target, "--method", "tools/call", "--tool-name", "ask_gemini",
        "--tool-arg", "prompt=Hi, my name is Phil.",
    )  # fmt: skip
    assert first["isError"] is False, first
    conversation = first["structuredContent"]["conversation_id"]
    assert first["content"][0]["type"] == "text"

    # A second Inspector process = a restarted client: the server-kept chain still remembers the name.
    second = inspector(
        node_tools, env, *target, "--method", "tools/call", "--tool-name", "ask_gemini",
        "--tool-arg", "prompt=What is my name?", f"conversation_id={conversation}",
    )  # fmt: skip
    assert second["isError"] is False, second
    assert second["structuredContent"]["conversation_id"] == conversation
    assert "Phil" in second["structuredContent"]["text"]


def test_inspector_strict_lists_the_tools_without_a_schema_warning(node_tools: NodeTools, tmp_path: Path) -> None:
    env = server_env(tmp_path / "unused")
    done = node_tools.run(
        *INSPECTOR,
        ["--cli", "--strict", *stdio_target(tmp_path / "data"), "--method", "tools/list"],
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert {tool["name"] for tool in json.loads(done.stdout)["tools"]} == TOOLS
    assert "Warning" not in done.stderr and "warning" not in done.stderr.lower(), done.stderr


def test_inspector_sees_prompts_and_resources_over_stdio(node_tools: NodeTools, tmp_path: Path) -> None:
    env = server_env(tmp_path / "unused")
    target = stdio_target(tmp_path / "data")
    prompts = inspector(node_tools, env, *target, "--method", "prompts/list")
    assert "research_brief" in {prompt["name"] for prompt in prompts["prompts"]}
    brief = inspector(
        node_tools, env, *target, "--method", "prompts/get", "--prompt-name", "research_brief",
        "--prompt-args", "topic=solid-state batteries",
    )  # fmt: skip
    assert "solid-state batteries" in brief["messages"][0]["content"]["text"]
    resources = inspector(node_tools, env, *target, "--method", "resources/list")
    assert "gemini://models" in {resource["uri"] for resource in resources["resources"]}


def test_inspector_calls_ask_gemini_over_streamable_http(
    node_tools: NodeTools, start_http_server: Any, tmp_path: Path
) -> None:
    server = start_http_server()
    env = server_env(tmp_path / "unused")
    listed = inspector(node_tools, env, server.url, "--transport", "http", "--method", "tools/list")
    assert {tool["name"] for tool in listed["tools"]} == TOOLS
    answer = inspector(
        node_tools, env, server.url, "--transport", "http", "--method", "tools/call",
        "--tool-name", "ask_gemini", "--tool-arg", "prompt=Hello from the Inspector",
    )  # fmt: skip
    assert answer["isError"] is False, answer
    assert "Hello from the Inspector" in answer["structuredContent"]["text"]
    assert answer["structuredContent"]["conversation_id"]


def test_inspector_gets_a_clear_error_for_a_bad_argument_and_the_server_keeps_serving(
    node_tools: NodeTools, start_http_server: Any, tmp_path: Path
) -> None:
    server = start_http_server()
    env = server_env(tmp_path / "unused")
    done = node_tools.run(
        *INSPECTOR,
        ["--cli", server.url, "--transport", "http", "--method", "tools/call", "--tool-name", "get_interaction",
         "--tool-arg", "interaction_id=v1_does_not_exist"],
        timeout=120,
        env=env,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert "v1_does_not_exist" in output or "not found" in output.lower(), output
    again = inspector(node_tools, env, server.url, "--transport", "http", "--method", "tools/list")
    assert {tool["name"] for tool in again["tools"]} == TOOLS


def test_inspector_with_a_bearer_token_as_the_readme_says(
    node_tools: NodeTools, start_http_server: Any, tmp_path: Path
) -> None:
    """HTTP mode for a team: the client sends `Authorization: Bearer <token>` (docs/configuration.md, "HTTP mode")."""
    token = "tok-alice-5d1e8f0a"
    server_environment = server_env(tmp_path / "data") | {"GEMINI_MCP_HTTP_TOKENS": f"alice:{token}"}
    server = start_http_server(env=server_environment)
    env = server_env(tmp_path / "unused")
    call = ["--transport", "http", "--method", "tools/call", "--tool-name", "ask_gemini", "--tool-arg", "prompt=Hi"]

    refused = node_tools.run(*INSPECTOR, ["--cli", server.url, *call], timeout=120, env=env)
    assert refused.returncode != 0
    # Without the header the server answers 401 and the Inspector reports that it needs authorization.
    assert "auth_required" in refused.stdout + refused.stderr

    header = ["--header", f"Authorization: Bearer {token}"]
    answer = inspector(node_tools, env, server.url, *call, *header)
    assert answer["isError"] is False, answer
    mine = inspector(
        node_tools, env, server.url, "--transport", "http", "--method", "tools/call",
        "--tool-name", "list_conversations", *header,
    )  # fmt: skip
    ids = [item["conversation_id"] for item in mine["structuredContent"]["conversations"]]
    assert ids == [answer["structuredContent"]["conversation_id"]]
