"""Hostile tool arguments (hypothesis) over a real in-memory MCP client: no crash, errors name the field.

The strategies are built from the live ``tools/list`` schemas, so new parameters are fuzzed automatically;
known fields get extra hostile values (path traversal in ``files``, broken JSON Schemas in
``response_schema``, unknown ids). A *crash* is any call that raises instead of returning a result, or an
``is_error`` result without a message (the SDK's text for an unexpected exception), or an ERROR log with a
traceback. Each tool gets ``EXAMPLES`` hypothesis examples of ``BATCH`` argument sets each (sent concurrently),
so 7 tools get > 5,000 hostile argument sets. Values come mostly from a seeded corpus of hostile values
(cheap to draw) and partly from hypothesis's own recursive strategies; a valid call per tool is always among
the examples, so every tool is seen succeeding as well as refusing.
"""

from __future__ import annotations

import logging
import math
import random
from collections import Counter
from collections.abc import AsyncGenerator, Generator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from mcp import Client
from mcp.types import CallToolResult, TextContent, Tool
from pydantic import SecretStr

from gemini_mcp.config import Settings
from gemini_mcp.emulator import EmulatorConfig, running_emulator
from gemini_mcp.server.app import build_server
from tests.harness.clients import TOOL_NAMES

EXAMPLES = 125  # hypothesis examples per tool ...
BATCH = 6  # ... of this many argument sets each: 7 tools x 750 = 5,250 hostile argument sets
MIN_CALLS_PER_TOOL = EXAMPLES * BATCH
CALL_BOUND = 30.0
#: Refusals that are about the state of the server, not one argument (each says what to do instead).
DOMAIN_PHRASES = (
    "was not found",
    "not available on gemini",
    "is not allowed",
    "no longer exists",
    "files:",
    "is still running",  # the previous turn of the conversation is pending: chain after it
    "deep research run(s) running",  # the running-research cap
    "daily budget",  # the spend budget
)

TRAVERSAL = [
    "../../../../etc/passwd",
    "/etc/shadow",
    "~/.ssh/id_rsa",
    "..\\..\\windows\\system32\\config\\sam",
    "C:\\Windows\\win.ini",
    "\\\\evil\\share\\x",
    "file:///etc/passwd",
    "file://evil.example/etc/passwd",
    "docs/\x00.png",
    "/proc/self/environ",
    "/dev/zero",
    "a" * 5000,
]
BAD_SCHEMAS: list[Any] = [
    {"type": "objekt"},
    {"$ref": "#/definitions/nowhere"},
    {"type": "object", "properties": {"a": {"$ref": "#"}}},
    {"type": 5},
    {"properties": []},
    {"anyOf": "x"},
    "not a schema",
    [],
    {"type": "object", "required": [1, 2]},
    {"type": "array", "items": {"type": "array", "items": {"type": "array", "items": {"type": "array"}}}},
]
IDS = ["v1_0000", "conv_ffff", "", " ", "../x", "v1_" + "a" * 4000, "'; DROP TABLE conversations; --", "%00", "☃"]

HUGE = ["x" * 100_000, "é" * 50_000, "\U0001f600" * 20_000, "\n" * 10_000]
PIECES = ["", " ", "\x00", "\n", "\r\n", "é", "\U0001f600", "☃", "\u202e", "\ufeff", "'", '"', "\\", "/", "..", "%s",
          "${x}", "{{x}}", "<b>", "a", "Z", "0", "-", "_", "\t", "\x1b[2J", "NaN", "null", "💥"]  # fmt: skip


def _corpus(seed: int = 17, size: int = 600) -> tuple[list[str], list[Any]]:
    """Seeded hostile texts and values (nested lists/dicts, huge strings, extreme numbers): cheap to draw."""
    rng = random.Random(seed)

    def text() -> str:
        return "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 14)))

    def scalar() -> Any:
        extremes = [math.nan, math.inf, -math.inf, -0.0, 1e308, 2**70, -(2**70), 2**31, -1]
        kinds = [None, True, False, rng.choice(extremes), rng.randint(-10**6, 10**6), text(), text(),
                 rng.choice(TRAVERSAL + IDS), rng.choice(HUGE)]  # fmt: skip
        return rng.choice(kinds)

    def value(depth: int = 0) -> Any:
        roll = rng.random()
        if depth > 2 or roll < 0.6:
            return scalar()
        if roll < 0.8:
            return [value(depth + 1) for _ in range(rng.randint(0, 4))]
        return {text(): value(depth + 1) for _ in range(rng.randint(0, 4))}

    return [text() for _ in range(size)], [value() for _ in range(size)]


TEXTS, VALUES = _corpus()
generated_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60)
weird_text = st.one_of(st.sampled_from(TEXTS), st.sampled_from(TEXTS), st.sampled_from(TEXTS), generated_text)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    generated_text,
    st.sampled_from(HUGE + TRAVERSAL + IDS),
)
generated = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(generated_text, inner, max_size=3),
    max_leaves=6,
)
corpus = st.sampled_from(VALUES)
hostile = st.one_of(corpus, corpus, corpus, generated)


def from_schema(schema: dict[str, Any], name: str, ids: list[str]) -> st.SearchStrategy[Any]:
    """A value valid for a (simple) JSON schema; good enough to get past validation into the tool body."""
    if name == "wait_seconds":
        return st.floats(min_value=0, max_value=0.05)
    if name == "files":
        return st.lists(st.sampled_from(TRAVERSAL), min_size=1, max_size=3)
    if name == "response_schema":
        return st.sampled_from(BAD_SCHEMAS)
    if name.endswith("_id"):
        return st.sampled_from(IDS + ids) | weird_text
    if "anyOf" in schema:
        return st.one_of(*[from_schema(s, name, ids) for s in schema["anyOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "string":
        return st.text(min_size=schema.get("minLength", 0), max_size=50) | weird_text
    if kind == "integer":
        return st.integers(min_value=schema.get("minimum", -100), max_value=schema.get("maximum", 10_000))
    if kind == "number":
        return st.floats(min_value=schema.get("minimum", -100), max_value=schema.get("maximum", 100))
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if kind == "array":
        return st.lists(from_schema(schema.get("items", {}), name, ids), max_size=3)
    return hostile


def arguments(tool: Tool, ids: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    props: dict[str, Any] = tool.input_schema.get("properties", {})
    per_field = {name: from_schema(schema, name, ids) | hostile for name, schema in props.items()}
    chosen = st.fixed_dictionaries({}, optional=per_field)
    extra = st.dictionaries(weird_text, hostile, max_size=2)
    return st.builds(lambda a, b: {**b, **a}, chosen, extra)


def text_of(result: CallToolResult) -> str:
    return "\n".join(c.text for c in result.content if isinstance(c, TextContent))


Session = tuple[BlockingPortal, Client, dict[str, Tool], list[str]]


@asynccontextmanager
async def fuzz_session(data_dir: Path) -> AsyncGenerator[tuple[Client, list[Tool], list[str]]]:
    async with running_emulator(EmulatorConfig(research_seconds=0.2, research_steps=2)) as emu:
        settings_ = Settings.model_validate(
            {
                "api_key": SecretStr("fuzz-key"),
                "base_url": emu.base_url,
                "data_dir": data_dir,
                "file_roots": [data_dir],
                "max_retries": 0,
                "request_timeout": 10.0,
            }
        )
        async with Client(build_server(settings_), raise_exceptions=True) as client:
            tools = (await client.list_tools()).tools
            ids: list[str] = []
            for _ in range(3):  # real ids, so calls with a valid id reach the tool bodies too
                chat = (await client.call_tool("ask_gemini", {"prompt": "seed"})).structured_content or {}
                job = (await client.call_tool("start_deep_research", {"query": "seed"})).structured_content or {}
                ids += [chat["conversation_id"], chat["interaction_id"], job["conversation_id"], job["interaction_id"]]
            yield client, tools, ids


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Generator[Session]:
    data_dir = tmp_path_factory.mktemp("fuzz")
    (data_dir / "ok.txt").write_text("a readable file inside the root", encoding="utf-8")
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(fuzz_session(data_dir)) as (client, tools, ids),
    ):
        yield portal, client, {t.name: t for t in tools}, ids
    print(f"\nfuzzed tool calls: {sum(OUTCOMES.values())} {dict(sorted(OUTCOMES.items()))}")  # shown with -s


OUTCOMES: Counter[str] = Counter()


def call(portal: BlockingPortal, client: Client, name: str, args: dict[str, Any]) -> CallToolResult:
    return call_batch(portal, client, name, [args])[0]


def call_batch(portal: BlockingPortal, client: Client, name: str, batch: list[dict[str, Any]]) -> list[CallToolResult]:
    """The argument sets of one example, sent concurrently (as a busy client would), results in order."""

    async def go() -> list[CallToolResult]:
        results: list[CallToolResult | None] = [None] * len(batch)

        async def one(i: int) -> None:
            results[i] = await client.call_tool(name, batch[i])

        with anyio.fail_after(CALL_BOUND):
            async with anyio.create_task_group() as tg:
                for i in range(len(batch)):
                    tg.start_soon(one, i)
        return [r for r in results if r is not None]

    return portal.call(go)


VALID: dict[str, Any] = {  # one valid call per tool (ids index: 0 conversation, 1 its interaction, 3 a research job)
    "ask_gemini": lambda ids: {"prompt": "a valid question"},
    "start_deep_research": lambda ids: {"query": "a valid topic"},
    "get_interaction": lambda ids: {"interaction_id": ids[1]},
    "cancel_interaction": lambda ids: {"interaction_id": ids[3]},
    "list_interactions": lambda ids: {"limit": 5},
    "list_conversations": lambda ids: {"limit": 5},
    "delete_conversation": lambda ids: {"conversation_id": ids[4]},
}


def check(name: str, tool: Tool, args: dict[str, Any], result: CallToolResult) -> None:
    message = text_of(result)
    if not result.is_error:
        OUTCOMES[f"{name}: ok"] += 1
        assert result.structured_content is not None
        return
    OUTCOMES[f"{name}: error"] += 1
    generic = f"Error executing tool {name}"
    assert message.strip() != generic, f"crash (unexpected exception) for {name}({_short(args)})"
    fields = set(tool.input_schema.get("properties", {})) | set(args)
    lowered = message.lower()
    named = any(f and f.lower() in lowered for f in fields) or any(p in lowered for p in DOMAIN_PHRASES)
    assert named, f"{name}: error does not name the field: {message[:300]!r} for {_short(args)}"


def _short(args: dict[str, Any]) -> str:
    return repr({k: (v[:40] if isinstance(v, str) else v) for k, v in args.items()})[:400]


@pytest.mark.slow
@pytest.mark.parametrize("name", TOOL_NAMES)
def test_hostile_arguments_never_crash_a_tool(session: Session, name: str, caplog: pytest.LogCaptureFixture) -> None:
    portal, client, tools, ids = session
    tool = tools[name]

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )
    @given(batch=st.lists(arguments(tool, ids), min_size=BATCH, max_size=BATCH))
    @example(batch=[VALID[name](ids)] * 2)
    def run(batch: list[dict[str, Any]]) -> None:
        for args, result in zip(batch, call_batch(portal, client, name, batch), strict=True):
            check(name, tool, args, result)

    with caplog.at_level(logging.ERROR):
        run()
    crashes = [r for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]
    assert not crashes, [r.getMessage() for r in crashes[:3]]
    # The barrage reached the tool bodies (some calls succeeded) and was refused where it should be.
    assert OUTCOMES[f"{name}: ok"] > 0 and OUTCOMES[f"{name}: error"] > 0, dict(OUTCOMES)
    assert OUTCOMES[f"{name}: ok"] + OUTCOMES[f"{name}: error"] >= MIN_CALLS_PER_TOOL, dict(OUTCOMES)

    # Still serving: a plain valid call works after the barrage.
    alive = call(portal, client, "ask_gemini", {"prompt": "still there?"})
    assert not alive.is_error, text_of(alive)
    assert "still there?" in str((alive.structured_content or {}).get("text"))


def test_unknown_tool_and_hostile_resource_uris_are_refused_cleanly(
    session: Session,
) -> None:
    portal, client, _, _ = session
    result = call(portal, client, "no_such_tool", {"x": 1})
    assert result.is_error and "no_such_tool" in text_of(result)
    for uri in [
        "gemini://interactions/../../etc/passwd",
        "gemini://interactions/v1_unknown",
        "gemini://interactions/v1_unknown/report",
        "gemini://conversations/conv_unknown",
        "gemini://conversations/%2e%2e%2f",
        "file:///etc/passwd",
        "gemini://" + "a" * 10_000,
    ]:

        async def read(uri: str = uri) -> str:
            try:
                with anyio.fail_after(CALL_BOUND):
                    await client.read_resource(uri)
            except Exception as exc:  # the SDK raises MCPError for unreadable resources
                return type(exc).__name__ + ": " + str(exc)
            return "read"

        outcome = portal.call(read)
        assert outcome.startswith("MCPError"), (uri, outcome)
        assert "Traceback" not in outcome
