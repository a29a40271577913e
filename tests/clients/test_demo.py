"""`gemini-mcp demo`: the scripted tour, run as a person runs it (a subprocess), read from its output."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from gemini_mcp.emulator import EmulatorConfig, EmulatorThread
from tests.harness.ports import free_port
from tests.harness.processes import run_cli

from .helpers import server_env

SECRET_KEY = "sk-demo-SECRET-51c0de"
PROGRESS = re.compile(r"^ {3}\[#+ *\] +\d+\.\d s  (.*)$")


def demo(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli(tmp_path, env or server_env(tmp_path / "data"), "demo", *args, timeout=170)


def steps(output: str) -> dict[str, list[str]]:
    """Step title -> the lines printed under it."""
    found: dict[str, list[str]] = {}
    current: list[str] = []
    for line in output.splitlines():
        if match := re.match(r"^\d+\. (.*)$", line):
            current = found.setdefault(match.group(1), [])
        elif line.startswith("   "):
            current.append(line.strip())
    return found


def step(found: dict[str, list[str]], prefix: str) -> list[str]:
    (title,) = [title for title in found if title.startswith(prefix)]
    return found[title]


def assert_full_tour(out: str, budget: float | None = 10.0, backend: str = "the emulator") -> None:
    found = steps(out)
    (tools_line,) = step(found, "tools/list -> 7 tools")
    tools = tools_line.split(", ")
    assert "ask_gemini" in tools and "delete_conversation" in tools
    for tool in tools:  # every listed tool is driven by a step of its own
        assert any(tool in title for title in found), f"no step calls {tool}:\n{out}"

    hello = step(found, 'ask_gemini "Hi, my name is Phil."')
    name = step(found, 'ask_gemini "What is my name?"')
    conversation = hello[-1].removeprefix("conversation_id=")
    assert conversation.startswith("conv_")
    assert name[0].startswith("Gemini: ") and "Phil" in name[0], out  # remembered through the server's chain
    assert name[-1].startswith(f"conversation_id={conversation} ")
    costs = [
        float(m.group(1))
        for line in (hello[1], name[1])
        if (m := re.match(r"^cost ~\$(\d+\.\d{6}) \(estimate\)$", line))
    ]
    assert len(costs) == 2 and all(cost > 0 for cost in costs), (hello, name)

    progress = [m.group(1) for line in out.splitlines() if (m := PROGRESS.match(line))]
    assert len(progress) >= 2, out
    assert any(not message.startswith("status:") for message in progress), progress  # thought summaries arrived
    (done,) = [line for line in out.splitlines() if line.startswith("   -> completed after ")]
    research_cost = float(re.findall(r"cost ~\$(\d+\.\d{6}) \(estimate\)$", done)[0])
    assert 1.0 < research_cost < 5.0, done  # realistic emulator usage at the shipped prices

    (title,) = [t for t in found if t.startswith("resources/read gemini://usage -> $")]
    spent = float(title.split("$")[1].split()[0])
    usage = found[title]
    assert spent == pytest.approx(research_cost + sum(costs), abs=2e-6)  # the usage resource adds up the tour
    room = f"${budget - spent:.2f} left of the ${budget:.2f} daily budget" if budget else "no daily budget"
    assert usage[-1].startswith(room) and "GEMINI_MCP_DAILY_BUDGET_USD" in usage[-1], usage
    assert f"deep-research-preview-04-2026 ${research_cost:.6f}" in usage

    (research,) = step(found, 'start_deep_research "Why is the sky blue?"')
    run_id = research.split()[0].removeprefix("interaction_id=")
    report = step(found, f"resources/read gemini://interactions/{run_id}/report (first 8 of ")
    assert len(report) == 8 and all(line.startswith("| ") for line in report)
    assert report[0] == "| # Research report: Why is the sky blue"  # the report's own H1, the only one

    assert step(found, "start_deep_research again, then cancel_interaction")[0].endswith("-> cancelled")
    assert len(step(found, "list_interactions -> 4")) == 4
    assert len(step(found, "list_conversations -> 3")) == 3
    assert step(found, f"delete_conversation(delete_remote=true) x3: 4 interaction(s) deleted on {backend} too") == [
        "list_conversations -> 0"
    ]
    assert re.search(r"^OK: the tour drove every tool in \d+\.\d s\.$", out, re.MULTILINE), out


def test_demo_drives_every_tool_on_the_emulator_in_a_throwaway_data_dir(tmp_path: Path) -> None:
    done = demo(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "built-in offline Interactions emulator" in done.stdout
    assert "--emulator on --data-dir " in done.stdout
    assert_full_tour(done.stdout)
    # The person's own data dir (GEMINI_MCP_DATA_DIR) is never touched: the demo works in a temporary one.
    assert not (tmp_path / "data").exists()


def test_demo_live_runs_the_same_tour_against_the_configured_gemini_with_the_key(tmp_path: Path) -> None:
    """--live is the keyed path (here a standalone emulator stands in for Google via GEMINI_MCP_BASE_URL)."""
    with EmulatorThread(EmulatorConfig(api_key=SECRET_KEY)) as emu:
        env = server_env(tmp_path / "data") | {"GEMINI_API_KEY": SECRET_KEY, "GEMINI_MCP_BASE_URL": emu.base_url}
        done = demo(tmp_path, "--live", env=env)
        creates = [r for r in emu.requests if r.method == "POST" and r.path.endswith("/interactions")]
    assert done.returncode == 0, done.stdout + done.stderr
    assert "REAL Gemini (--live)" in done.stdout
    assert "--emulator off" in done.stdout
    assert_full_tour(done.stdout, budget=None, backend="Gemini")  # --live sets no budget of its own
    assert len(creates) == 4  # two chat turns, two research runs: all went to the configured endpoint
    assert all(r.headers.get("x-goog-api-key") == SECRET_KEY for r in creates)
    assert SECRET_KEY not in done.stdout + done.stderr


def test_demo_live_without_a_key_says_how_to_get_one(tmp_path: Path) -> None:
    done = demo(tmp_path, "--live")
    assert done.returncode == 1
    assert "FAIL: --live needs a Gemini API key: set GEMINI_API_KEY" in done.stdout


def test_demo_fails_with_the_servers_stderr_when_the_server_cannot_start(tmp_path: Path) -> None:
    env = server_env(tmp_path / "data") | {"GEMINI_MCP_LOG_LEVEL": "chatty"}
    done = demo(tmp_path, env=env)
    assert done.returncode == 1, done.stdout
    assert "FAIL: could not talk to the server" in done.stdout
    tail = done.stdout.split("last lines the server wrote to stderr:\n", 1)[1]
    assert "  | gemini-mcp: invalid configuration: log_level (GEMINI_MCP_LOG_LEVEL)" in tail


def test_demo_fails_at_the_step_that_failed_when_gemini_is_unreachable(tmp_path: Path) -> None:
    env = server_env(tmp_path / "data") | {
        "GEMINI_API_KEY": SECRET_KEY,
        "GEMINI_MCP_BASE_URL": f"http://127.0.0.1:{free_port()}",  # nothing listens there
        "GEMINI_MCP_MAX_RETRIES": "0",
        "GEMINI_MCP_REQUEST_TIMEOUT": "10",
    }
    done = demo(tmp_path, "--live", env=env)
    assert done.returncode == 1, done.stdout
    assert "1. tools/list -> 7 tools" in done.stdout
    assert "\nFAIL: ask_gemini failed: " in done.stdout
    assert "Could not reach Gemini" in done.stdout
    assert "last lines the server wrote to stderr:" in done.stdout
    assert "OK:" not in done.stdout
    assert SECRET_KEY not in done.stdout + done.stderr
