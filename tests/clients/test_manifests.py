"""The files in manifests/ stay true to the package: commands, env names, versions, tools, validators."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

import gemini_mcp
from gemini_mcp.cli.doctor import env_names
from gemini_mcp.config import Settings
from gemini_mcp.server.app import build_server

from .helpers import REPO, NodeTools, pyproject

MANIFESTS = REPO / "manifests"
CLIENT_CONFIGS = {
    "claude-desktop.json": "mcpServers",
    "claude-code.mcp.json": "mcpServers",
    "cursor.mcp.json": "mcpServers",
    "vscode.mcp.json": "servers",
}
KEY_VALUE_SHAPES = {  # how each client refers to the key without putting a real one in the file
    "claude-desktop.json": r"paste-your-gemini-api-key-here",
    "claude-code.mcp.json": r"\$\{GEMINI_API_KEY\}",
    "cursor.mcp.json": r"\$\{env:GEMINI_API_KEY\}",
    "vscode.mcp.json": r"\$\{input:gemini-api-key\}",
}
MCPB_VALIDATOR = ("@anthropic-ai/mcpb", "mcpb")


def load(name: str) -> Any:
    return json.loads((MANIFESTS / name).read_text(encoding="utf-8"))


def known_env_names() -> set[str]:
    return {name for field, info in Settings.model_fields.items() for name in env_names(field, info)}


def project_name() -> str:
    return str(pyproject()["project"]["name"])


def project_version() -> str:
    return str(pyproject()["project"]["version"])


def console_scripts() -> dict[str, str]:
    return dict(pyproject()["project"]["scripts"])


def console_script() -> str:
    """The command the client configs and docs run (an installed script, by its short name)."""
    assert "gemini-mcp" in console_scripts()
    return "gemini-mcp"


async def server_tool_names(tmp_path: Path) -> list[str]:
    async with Client(build_server(Settings(data_dir=tmp_path)), mode="legacy") as client:
        return [tool.name for tool in (await client.list_tools()).tools]


def test_every_manifest_file_is_valid_json() -> None:
    files = sorted(MANIFESTS.rglob("*.json"))
    assert len(files) >= 6
    for path in files:
        json.loads(path.read_text(encoding="utf-8"))


def test_the_console_scripts_are_the_short_name_and_the_distribution_name_on_one_entry_point() -> None:
    # PyPI's `gemini-mcp` is another project: the distribution is `gemini-interactions-mcp`. Registry clients
    # run `uvx <identifier>`, which starts the script named like the distribution; the docs run `gemini-mcp`.
    assert project_name() == gemini_mcp.DISTRIBUTION == "gemini-interactions-mcp"
    scripts = console_scripts()
    assert set(scripts) == {"gemini-mcp", project_name()}
    assert len(set(scripts.values())) == 1, scripts
    module, _, attr = scripts[console_script()].partition(":")
    imported = __import__(module, fromlist=[attr])
    assert callable(getattr(imported, attr))


def test_the_package_reports_the_version_of_its_distribution() -> None:
    # importlib.metadata looks the version up by distribution name: a stale name would report 0.0.0.
    assert gemini_mcp.__version__ == project_version(), (
        "gemini_mcp.__version__ does not match pyproject.toml; if the venv predates the rename to "
        "gemini-interactions-mcp, run `pip uninstall -y gemini-mcp && pip install -e .`"
    )


@pytest.mark.parametrize("filename", sorted(CLIENT_CONFIGS))
def test_client_config_launches_the_package_with_real_env_names(filename: str) -> None:
    config = load(filename)
    root_key = CLIENT_CONFIGS[filename]
    other_key = "servers" if root_key == "mcpServers" else "mcpServers"
    assert other_key not in config, f"{filename} uses `{root_key}` at the top level, not `{other_key}`"
    entry = config[root_key]["gemini"]
    # The installed console script by its absolute path (desktop apps do not see the shell's PATH).
    assert entry["command"] == console_script()
    assert entry["args"] == []
    assert entry.get("type", "stdio") == "stdio"
    env: dict[str, str] = entry["env"]
    assert set(env) <= known_env_names(), f"unknown env names in {filename}: {set(env) - known_env_names()}"
    assert re.fullmatch(KEY_VALUE_SHAPES[filename], env["GEMINI_API_KEY"])
    assert "AIza" not in json.dumps(config)  # never a real-looking Google key


def test_vscode_config_asks_for_the_key_as_a_password_input() -> None:
    config = load("vscode.mcp.json")
    inputs = {item["id"]: item for item in config["inputs"]}
    assert inputs["gemini-api-key"]["type"] == "promptString"
    assert inputs["gemini-api-key"]["password"] is True


def claude_code_commands(text: str) -> list[list[str]]:
    return [shlex.split(line) for line in text.splitlines() if line.startswith("claude mcp add ")]


def test_claude_code_add_lines_use_the_console_script_and_real_env_names() -> None:
    commands = claude_code_commands((MANIFESTS / "claude-code.md").read_text(encoding="utf-8"))
    assert len(commands) == 3
    stdio = [c for c in commands if "--" in c]
    assert len(stdio) == 2
    for command in stdio:
        launched = command[command.index("--") + 1 :]
        assert launched[0] == f"$(command -v {console_script()})"  # the absolute path, expanded by the shell
        assert set(launched[1:]) <= {"--emulator"}
        options = command[3 : command.index("--")]
        envs = [options[i + 1] for i, opt in enumerate(options) if opt in {"--env", "-e"}]
        assert {item.partition("=")[0] for item in envs} <= known_env_names()
    keyed = stdio[0]
    assert "GEMINI_API_KEY=paste-your-gemini-api-key-here" in keyed
    (http,) = [c for c in commands if "--transport" in c]
    assert http[http.index("--transport") + 1] == "http"
    default_port = Settings.model_fields["port"].default
    assert http[-1] == f"http://127.0.0.1:{default_port}/mcp"


def test_mcpb_manifest_matches_the_package() -> None:
    manifest = load("mcpb/manifest.json")
    assert manifest["name"] == project_name()
    assert manifest["version"] == project_version()
    server = manifest["server"]
    assert server["type"] == "uv"  # the host installs pyproject.toml's dependencies itself
    assert (REPO / server["entry_point"]).is_file()
    assert server["mcp_config"]["args"][-1] in console_scripts()
    env: dict[str, str] = server["mcp_config"]["env"]
    assert set(env) <= known_env_names()
    user_config: dict[str, dict[str, Any]] = manifest["user_config"]
    for value in env.values():
        for key in re.findall(r"\$\{user_config\.([a-z_]+)\}", value):
            assert key in user_config, f"env refers to undefined user_config.{key}"
    api_key = user_config["gemini_api_key"]
    assert api_key["sensitive"] is True and api_key["required"] is True
    assert env["GEMINI_API_KEY"] == "${user_config.gemini_api_key}"
    assert user_config["default_model"]["default"] == Settings.model_fields["default_model"].default
    assert "https://policies.google.com/privacy" in manifest["privacy_policies"]
    python_floor = pyproject()["project"]["requires-python"]
    assert manifest["compatibility"]["runtimes"]["python"] == python_floor


async def test_mcpb_manifest_lists_exactly_the_servers_tools(tmp_path: Path) -> None:
    listed = [tool["name"] for tool in load("mcpb/manifest.json")["tools"]]
    assert listed == await server_tool_names(tmp_path)


def test_registry_server_json_matches_the_package_and_the_readme() -> None:
    server = load("server.json")
    assert re.fullmatch(r"io\.github\.[a-zA-Z0-9-]+/[a-zA-Z0-9._-]+", server["name"])
    assert 1 <= len(server["description"]) <= 100  # the registry schema's limit
    assert server["version"] == project_version()
    assert server["$schema"].startswith("https://static.modelcontextprotocol.io/schemas/")
    (package,) = server["packages"]
    assert package["registryType"] == "pypi"
    assert package["identifier"] == project_name()
    assert package["identifier"] in console_scripts()  # `uvx <identifier>` runs the script of that name
    assert server["name"].rpartition("/")[2] == project_name()
    assert package["version"] == project_version()
    assert package["runtimeHint"] == "uvx"
    assert package["transport"] == {"type": "stdio"}
    variables = {item["name"]: item for item in package["environmentVariables"]}
    assert set(variables) <= known_env_names()
    assert variables["GEMINI_API_KEY"]["isSecret"] is True
    assert variables["GEMINI_API_KEY"]["isRequired"] is True
    for name, item in variables.items():
        if "default" in item:
            field = next(f for f, info in Settings.model_fields.items() if name in env_names(f, info))
            assert item["default"] == str(Settings.model_fields[field].default)
    # PyPI ownership proof for the registry: the README (the package's long description) names the server.
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert re.findall(r"<!--\s*mcp-name:\s*(\S+)\s*-->", readme) == [server["name"]]


def test_mcpb_validator_accepts_the_manifest_and_rejects_a_broken_copy(node_tools: NodeTools, tmp_path: Path) -> None:
    ok = node_tools.run(*MCPB_VALIDATOR, ["validate", str(MANIFESTS / "mcpb" / "manifest.json")], timeout=120)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Manifest schema validation passes" in ok.stdout
    # The validator is live: the same manifest without its author and with a non-boolean flag fails.
    broken = load("mcpb/manifest.json")
    del broken["author"]
    broken["user_config"]["gemini_api_key"]["sensitive"] = "yes"
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(broken), encoding="utf-8")
    bad = node_tools.run(*MCPB_VALIDATOR, ["validate", str(path)], timeout=120)
    assert bad.returncode != 0
    assert "author" in bad.stdout + bad.stderr


def test_mcpb_pack_script_builds_a_bundle_with_the_package_inside(node_tools: NodeTools, tmp_path: Path) -> None:
    output = tmp_path / "gemini-interactions-mcp.mcpb"
    packer = f"{node_tools.node} {node_tools.script(*MCPB_VALIDATOR)}"
    env = {**os.environ, "MCPB": packer}
    done = subprocess.run(
        ["bash", str(MANIFESTS / "mcpb" / "pack.sh"), str(output)],
        capture_output=True, text=True, encoding="utf-8", timeout=300, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Manifest schema validation passes" in done.stdout
    with zipfile.ZipFile(output) as bundle:
        names = set(bundle.namelist())
        inside = json.loads(bundle.read("manifest.json"))
    assert {"manifest.json", "pyproject.toml", "README.md", "gemini_mcp/__main__.py", "gemini_mcp/cli/main.py"} <= names
    assert "gemini_mcp/emulator/__init__.py" in names
    assert not any("__pycache__" in name for name in names)
    assert inside == load("mcpb/manifest.json")
