"""`gemini-mcp demo`: watch every tool work through a real MCP client, with no key.

Starts `python -m gemini_mcp --emulator` over stdio in a throwaway data dir (never your real conversations),
connects an MCP client and drives every tool in a short scripted tour printed to stdout. `--live` runs the same
tour on real Gemini (GEMINI_API_KEY; billed calls, and Deep Research takes minutes). Exit code 0 = the whole tour
worked; 1 = a step failed (the output says which, with the last lines the server wrote to stderr).
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from typing import Any, TextIO

import anyio
from mcp import Client, stdio_client
from pydantic import ValidationError

from gemini_mcp.cli.launch import OneLineParser, server_params, text_of, write_log_tail
from gemini_mcp.config import Settings
from gemini_mcp.errors import DemoFailure

QUERY = "Why is the sky blue?"
BUDGET_ENV = "GEMINI_MCP_DAILY_BUDGET_USD"
EMULATOR_BUDGET = "10"  # on the emulator (no real money), a daily budget so the tour can show what is left
REPORT_LINES = 8
EMULATOR_BANNER = (
    "gemini-mcp demo on the built-in offline Interactions emulator: no key needed, nothing reaches Google,\n"
    "answers are canned. `gemini-mcp demo --live` runs the same tour on real Gemini (needs GEMINI_API_KEY).\n"
)
LIVE_BANNER = "gemini-mcp demo on REAL Gemini (--live): these are billed calls, and Deep Research takes minutes.\n"


def _cost(result: dict[str, Any]) -> str:
    usage: dict[str, Any] = result.get("usage") or {}
    cost = usage.get("cost_usd")
    if isinstance(cost, int | float):
        return f"cost ~${cost:.6f} (estimate)"
    return "cost unknown (the model is not in the price table)"


def _short(text: str, width: int = 70) -> str:
    flat = " ".join(text.replace("**", "").split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."


class ProgressLine:
    """Prints progress notifications: one line redrawn in place on a terminal, one line each otherwise."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.tty = out.isatty()
        self.count = 0

    async def __call__(self, progress: float, total: float | None, message: str | None) -> None:
        self.count += 1
        text = (message or "").split(" s waited: ", 1)[-1]  # the seconds are shown already
        line = f"   [{'#' * min(self.count, 20):<20}] {progress:5.1f} s  {_short(text)}"
        if self.tty:  # redraw in place, never wider than the terminal (a wrapped line cannot be redrawn)
            width = shutil.get_terminal_size().columns - 1
            line = f"\r{line[:width]:<{width}}"
        self.out.write(line if self.tty else f"{line}\n")
        self.out.flush()

    def end(self) -> None:
        if self.tty and self.count:
            self.out.write("\n")


class Tour:
    """The scripted tour: each step calls the server through the MCP client and prints what came back."""

    def __init__(self, client: Client, out: TextIO, deadline: float, backend: str = "the emulator") -> None:
        self.client, self.out, self.deadline, self.backend = client, out, deadline, backend
        self.step = 0

    def say(self, title: str, *lines: str) -> None:
        self.step += 1
        self.out.write(f"\n{self.step}. {title}\n" + "".join(f"   {line}\n" for line in lines))
        self.out.flush()

    async def call(self, name: str, args: dict[str, Any], progress: ProgressLine | None = None) -> dict[str, Any]:
        result = await self.client.call_tool(name, args, progress_callback=progress)
        if progress is not None:
            progress.end()
        if result.is_error or result.structured_content is None:
            raise DemoFailure(f"{name} failed: {text_of(result)}")
        return dict(result.structured_content)

    async def run(self) -> None:
        tools = [tool.name for tool in (await self.client.list_tools()).tools]
        self.say(f"tools/list -> {len(tools)} tools", ", ".join(tools))
        await self.chat()
        await self.research()
        await self.usage()
        await self.tidy()

    async def chat(self) -> None:
        first = await self.call("ask_gemini", {"prompt": "Hi, my name is Phil."})
        chat = str(first["conversation_id"])
        self.say(
            'ask_gemini "Hi, my name is Phil."',
            f"Gemini: {_short(first['text'], 100)}",
            _cost(first),
            f"conversation_id={chat}",
        )
        second = await self.call("ask_gemini", {"prompt": "What is my name?", "conversation_id": chat})
        kept = f"conversation_id={second['conversation_id']} (the server kept the chain)"
        self.say(
            f'ask_gemini "What is my name?" (conversation_id={chat})',
            f"Gemini: {_short(second['text'], 100)}",
            _cost(second),
            kept,
        )
        if "phil" not in str(second["text"]).lower():
            raise DemoFailure(f"Gemini did not remember the name on the same conversation: {second['text']!r}")

    async def research(self) -> None:
        started = await self.call("start_deep_research", {"query": QUERY})
        run_id = str(started["interaction_id"])
        self.say(
            f'start_deep_research "{QUERY}"', f"interaction_id={run_id} status={started['status']} (in the background)"
        )
        self.say("get_interaction(wait_seconds=...) while the server sends progress notifications:")
        status: dict[str, Any] = {"done": False}
        while not status["done"]:
            left = self.deadline - time.monotonic() - 5
            if left <= 1:
                cancelled = await self.call("cancel_interaction", {"interaction_id": run_id})
                raise DemoFailure(f"the research did not finish in time; cancel_interaction -> {cancelled['status']}")
            args = {"interaction_id": run_id, "wait_seconds": min(50.0, left)}
            status = await self.call("get_interaction", args, ProgressLine(self.out))
        self.out.write(
            f"   -> {status['status']} after {status['elapsed_seconds']} s: {status['total_chars']} characters, "
            f"{len(status['citations'])} sources, {_cost(status)}\n"
        )
        if status["status"] != "completed":
            raise DemoFailure(f"the research run ended {status['status']}: {status.get('error') or 'no error given'}")
        uri = str(status["report_uri"])
        contents = (await self.client.read_resource(uri)).contents
        report = "\n".join(getattr(part, "text", "") for part in contents).strip().splitlines()
        shown = [f"| {_short(line, 100)}" for line in report if line.strip()][:REPORT_LINES]
        self.say(f"resources/read {uri} (first {len(shown)} of {len(report)} lines)", *shown)
        if not shown:
            raise DemoFailure(f"the report resource {uri} was empty")
        extra = str((await self.call("start_deep_research", {"query": "A second run, to cancel."}))["interaction_id"])
        cancelled = await self.call("cancel_interaction", {"interaction_id": extra})
        self.say("start_deep_research again, then cancel_interaction", f"{extra} -> {cancelled['status']}")

    async def usage(self) -> None:
        contents = (await self.client.read_resource("gemini://usage")).contents
        report = json.loads("".join(getattr(part, "text", "") for part in contents))
        day = report["last_24h"]
        spent = [f"{name} ${cost:.6f}" for name, cost in {**day["by_model"], **day["by_agent"]}.items()]
        budget, left = report["daily_budget_usd"], report["remaining_usd"]
        room = (
            f"${left:.2f} left of the ${budget:.2f} daily budget ({BUDGET_ENV})"
            if budget is not None
            else f"no daily budget ({BUDGET_ENV} unset)"
        )
        self.say(f"resources/read gemini://usage -> ${day['cost_usd']:.6f} spent in the last 24 h", *spent, room)

    async def tidy(self) -> None:
        runs = (await self.call("list_interactions", {"limit": 10}))["interactions"]
        rows = [f"{r['interaction_id']}  {r['status']:<10} {r['kind']:<5} {_short(r['prompt'], 40)}" for r in runs]
        self.say(f"list_interactions -> {len(runs)}", *rows)
        conversations = (await self.call("list_conversations", {}))["conversations"]
        rows = [f"{c['conversation_id']}  {c['turns']} turn(s)  {_short(c['title'], 40)}" for c in conversations]
        self.say(f"list_conversations -> {len(conversations)}", *rows)
        remote, errors = 0, list[str]()
        for conversation in conversations:
            args = {"conversation_id": conversation["conversation_id"], "delete_remote": True}
            deleted = await self.call("delete_conversation", args)
            remote, errors = remote + len(deleted["remote_deleted"]), [*errors, *deleted["remote_errors"]]
        left = len((await self.call("list_conversations", {}))["conversations"])
        gone = f"{remote} interaction(s) deleted on {self.backend} too" + "".join(f"; {_short(e)}" for e in errors)
        self.say(
            f"delete_conversation(delete_remote=true) x{len(conversations)}: {gone}", f"list_conversations -> {left}"
        )


def _has_key() -> bool:
    try:
        return Settings().has_api_key
    except ValidationError:
        return True  # the server will say what is wrong with the configuration


def _failure(exc: BaseException, timeout: float) -> str:
    inner: tuple[BaseException, ...] = getattr(exc, "exceptions", ())  # task groups wrap what went wrong
    if len(inner) == 1:
        return _failure(inner[0], timeout)
    if isinstance(exc, DemoFailure):
        return str(exc)
    if isinstance(exc, TimeoutError):
        return f"the tour did not finish within {timeout:.0f} s (--timeout)"
    return f"could not talk to the server: {type(exc).__name__}: {exc}"


async def _drive(
    server_args: list[str], out: TextIO, errlog: TextIO, timeout: float, defaults: dict[str, str], backend: str
) -> None:
    deadline = time.monotonic() + timeout
    with anyio.fail_after(timeout):
        params = server_params(server_args)
        params = params.model_copy(update={"env": {**defaults, **(params.env or {})}})  # the user's settings win
        async with Client(stdio_client(params, errlog=errlog), mode="legacy") as client:
            await Tour(client, out, deadline, backend).run()


def run_demo(argv: Sequence[str], out: TextIO) -> int:
    parser = OneLineParser(prog="gemini-mcp demo", description="Watch every tool work through an MCP client.")
    parser.add_argument("--live", action="store_true", help="real Gemini (needs GEMINI_API_KEY), not the emulator")
    parser.add_argument("--timeout", type=float, default=None, help="seconds for the tour (default 120; --live 1800)")
    parser.add_argument("--log-level", default=None, help="the server's log level (its lines show on failure)")
    ns = parser.parse_args(list(argv))
    timeout = ns.timeout or (1800.0 if ns.live else 120.0)
    if ns.live and not _has_key():
        out.write("FAIL: --live needs a Gemini API key: set GEMINI_API_KEY, or run `gemini-mcp demo` without --live.\n")
        return 1
    out.write(LIVE_BANNER if ns.live else EMULATOR_BANNER)
    began = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="gemini-mcp-demo-", ignore_cleanup_errors=True) as data_dir,
        tempfile.TemporaryFile("w+", encoding="utf-8") as errlog,
    ):
        server_args = ["--emulator", "off" if ns.live else "on", "--data-dir", data_dir]
        server_args += ["--log-level", ns.log_level] if ns.log_level else []
        out.write(f"server: `{sys.executable} -m gemini_mcp {' '.join(server_args)}` over stdio (throwaway data dir)\n")
        out.flush()
        failure = ""
        try:
            defaults = {} if ns.live else {BUDGET_ENV: EMULATOR_BUDGET}
            backend = "Gemini" if ns.live else "the emulator"
            anyio.run(lambda: _drive(server_args, out, errlog, timeout, defaults, backend))
        except Exception as exc:  # a failed step, a timeout, or a server that did not start or died
            failure = _failure(exc, timeout)
        errlog.seek(0)
        server_log = errlog.read().strip().splitlines()
    if failure:
        out.write(f"\nFAIL: {failure}\n")
        write_log_tail(out.write, server_log)
        return 1
    out.write(f"\nOK: the tour drove every tool in {time.monotonic() - began:.1f} s.\n")
    return 0


def main(argv: Sequence[str] | None = None) -> None:
    raise SystemExit(run_demo(sys.argv[1:] if argv is None else argv, sys.stdout))
