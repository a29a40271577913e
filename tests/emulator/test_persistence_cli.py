# pyright: reportAttributeAccessIssue=false, reportArgumentType=false, reportOptionalMemberAccess=false, reportOptionalSubscript=false, reportIndexIssue=false, reportCallIssue=false, reportOptionalOperand=false, reportGeneralTypeIssues=false, reportOperatorIssue=false
"""state_path persistence across restarts, and the `gemini-mcp emulator` command line."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
from pathlib import Path

import anyio
import pytest
from google.genai import _interactions as gi

from gemini_mcp.cli.main import main as cli_main
from gemini_mcp.emulator import EmulatorClient, EmulatorConfig, EmulatorThread, Fault, running_emulator

from .helpers import AGENT, MODEL, make_client

RESEARCH = {"type": "deep-research", "thinking_summaries": "auto"}


async def test_restart_keeps_chains_and_running_jobs(tmp_path: Path) -> None:
    state = tmp_path / "emulator.sqlite3"
    config = EmulatorConfig(research_seconds=1.0, research_steps=3, state_path=state)
    async with running_emulator(config) as emu:
        client = make_client(emu.base_url)
        aio = client.aio.interactions
        first = await aio.create(model=MODEL, input="Hi, my name is Phil.")
        job = await aio.create(agent=AGENT, input="Research owls.", background=True, agent_config=RESEARCH)
        gone = await aio.create(model=MODEL, input="delete me")
        await aio.delete(gone.id)
        await client.aio.aclose()
    async with running_emulator(config) as emu:
        client = make_client(emu.base_url)
        aio = client.aio.interactions
        try:
            second = await aio.create(model=MODEL, input="What is my name?", previous_interaction_id=first.id)
            assert "Your name is Phil." in second.output_text and "(turn 2," in second.output_text
            with pytest.raises(gi.NotFoundError):
                await aio.get(gone.id)
            with anyio.fail_after(15):
                events = [e async for e in await aio.get(job.id, stream=True)]
            assert [e.event_id for e in events] == [f"evt_{i}" for i in range(1, len(events) + 1)]
            assert events[-1].event_type == "interaction.completed"
            final = await aio.get(job.id)
            assert final.status == "completed" and final.output_text.startswith("# Research report: owls")
        finally:
            await client.aio.aclose()
    assert state.exists()


async def test_restart_mid_job_continues_on_wall_clock(tmp_path: Path) -> None:
    config = EmulatorConfig(research_seconds=1.5, research_steps=3, state_path=tmp_path / "s.db")
    async with running_emulator(config) as emu:
        client = make_client(emu.base_url)
        job = await client.aio.interactions.create(agent=AGENT, input="Research moss.", background=True)
        await client.aio.aclose()
    async with running_emulator(config) as emu:
        client = make_client(emu.base_url)
        try:
            got = await client.aio.interactions.get(job.id)
            assert got.status == "in_progress"  # 1.5 s job, restarted at once: still running
            cancelled = await client.aio.interactions.cancel(job.id)
            assert cancelled.status == "cancelled"
        finally:
            await client.aio.aclose()
    async with running_emulator(config) as emu:
        client = make_client(emu.base_url)
        try:
            assert (await client.aio.interactions.get(job.id)).status == "cancelled"
        finally:
            await client.aio.aclose()


def _start_cli(*args: str) -> tuple[subprocess.Popen[str], str, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "gemini_mcp", "emulator", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    if not sel.select(timeout=60):
        proc.kill()
        raise AssertionError(f"emulator CLI printed nothing: {proc.communicate()[1]}")
    line = proc.stdout.readline().strip()
    assert line.startswith("GOOGLE_GEMINI_BASE_URL=http://127.0.0.1:"), line
    secret = proc.stdout.readline().strip()
    assert secret.startswith("EMULATOR_CONTROL_SECRET="), secret
    return proc, line.split("=", 1)[1], secret.split("=", 1)[1]


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        raise AssertionError(f"emulator CLI did not stop on SIGINT: {err}") from None
    return err


def test_cli_runs_standalone_with_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state = tmp_path / "cli.sqlite3"
    proc, base_url, secret = _start_cli("--research-seconds", "0.3", "--api-key", "secret", "--state-path", str(state))
    try:
        monkeypatch.setenv("GOOGLE_GEMINI_BASE_URL", base_url)
        monkeypatch.setenv("GEMINI_API_KEY", "secret")
        monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
        client = make_client(None, api_key=None)
        first = client.interactions.create(model=MODEL, input="Hi, my name is Phil.")
        with EmulatorClient(base_url) as stranger, pytest.raises(RuntimeError, match="403"):
            stranger.add_fault(Fault(kind="status", status=503))  # the control API wants the printed secret
        with EmulatorClient(base_url, secret=secret) as control:
            control.add_fault(Fault(kind="status", status=503))
        with pytest.raises(gi.InternalServerError):
            client.interactions.get(first.id)
        wrong = make_client(base_url, api_key="wrong")  # keep a reference: a dropped Client closes its pool
        with pytest.raises(gi.BadRequestError):
            wrong.interactions.get(first.id)
        wrong.close()
        client.close()
    finally:
        err = _stop(proc)
    assert "Traceback" not in err, err
    # the state file the CLI wrote is read by a library-started emulator (one subprocess keeps this test quick)
    with EmulatorThread(EmulatorConfig(state_path=state)) as emu:
        client = make_client(emu.base_url)
        second = client.interactions.create(model=MODEL, input="What is my name?", previous_interaction_id=first.id)
        assert "Your name is Phil." in second.output_text
        client.close()


def test_cli_rejects_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli_main(["emulator", "--port", "70000"])
    assert info.value.code == 2
    out, err = capsys.readouterr()
    assert "--port must be between 0 and 65535" in err
    assert out == ""


def test_importing_the_emulator_does_not_import_google_genai() -> None:
    code = "import sys, gemini_mcp.emulator; print('google.genai' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
