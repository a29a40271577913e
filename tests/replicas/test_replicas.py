"""Replicas share everything: 2-3 real server processes on one PostgreSQL database and one emulator.

A conversation hops replicas; concurrent turns on two replicas chain; a research run followed by a replica
that is SIGKILLed is taken over by another within the lease TTL, one open stream at a time, and runs nobody
waits on are polled by one replica at a time; a rolling restart during 50 running runs and a stream of chat
turns loses nothing. Each replica sends its own API key, so the emulator's log says who asked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest

from gemini_mcp.emulator import EmulatorConfig, running_emulator
from gemini_mcp.emulator.server import Emulator
from tests.harness.clients import creates
from tests.harness.replicas import Replicas, key_of, running_replicas

pytestmark = pytest.mark.slow

LEASE_TTL = 3.0


def streams_of(emulator: Emulator, interaction_id: str) -> list[dict[str, str]]:
    """The query of every event stream a replica opened for the interaction, in order."""
    return [
        r.query
        for r in emulator.requests
        if r.method == "GET" and r.path.endswith(f"/interactions/{interaction_id}") and r.query.get("stream") == "true"
    ]


async def test_a_conversation_started_on_one_replica_continues_on_another(tmp_path: Path, postgres_url: str) -> None:
    async with (
        running_emulator(EmulatorConfig()) as emu,
        running_replicas(tmp_path, emu.base_url, postgres_url, 2) as replicas,
    ):
        a, b = replicas.members
        first = await replicas.ok("ask_gemini", {"prompt": "Hi, my name is Phil."}, on=a)
        second = await replicas.ok(
            "ask_gemini", {"prompt": "What is my name?", "conversation_id": first["conversation_id"]}, on=b
        )
        listed = await replicas.ok("list_conversations", {}, on=a)
        seen_on_a = await replicas.ok("get_interaction", {"interaction_id": second["interaction_id"]}, on=a)
    bodies = creates(emu)
    assert "previous_interaction_id" not in bodies[0]
    assert bodies[1]["previous_interaction_id"] == first["interaction_id"]
    assert "Phil" in second["text"]
    (conversation,) = listed["conversations"]
    assert (conversation["conversation_id"], conversation["turns"]) == (first["conversation_id"], 2)
    assert conversation["last_interaction_id"] == second["interaction_id"]
    assert seen_on_a["status"] == "completed"


async def test_a_replica_stopped_with_sigterm_finishes_the_call_in_flight(tmp_path: Path, postgres_url: str) -> None:
    async with (
        running_emulator(EmulatorConfig(model_latency=3.0)) as emu,
        running_replicas(tmp_path, emu.base_url, postgres_url, 2) as replicas,
    ):
        a, _b = replicas.members  # the client's next request (it lists tools to check the answer) goes to B
        assert a.server is not None
        answers: list[dict[str, Any]] = []

        async def ask() -> None:
            # legacy: the era desktop clients speak, whose answer streams as SSE on the POST's response
            answers.append(await replicas.ok("ask_gemini", {"prompt": "Hi, my name is Phil."}, on=a, mode="legacy"))

        with anyio.fail_after(30):
            async with anyio.create_task_group() as tg:
                tg.start_soon(ask)
                while not creates(emu):  # the turn reached Gemini: it is in flight on the replica
                    await anyio.sleep(0.02)
                a.server.process.terminate()  # a rolling restart's SIGTERM, 3 s before the answer
        await replicas.stop(a)
    (answer,) = answers  # the call got its answer (a cut stream would have raised, and a client would retry)
    assert "Phil" in answer["text"]
    assert len(creates(emu)) == 1


async def test_turns_sent_to_two_replicas_at_once_chain_instead_of_forking(tmp_path: Path, postgres_url: str) -> None:
    async with (
        running_emulator(EmulatorConfig(model_latency=1.0)) as emu,
        running_replicas(tmp_path, emu.base_url, postgres_url, 2) as replicas,
    ):
        a, b = replicas.members
        first = await replicas.ok("ask_gemini", {"prompt": "Start counting."}, on=a)
        cid = first["conversation_id"]
        answers: list[dict[str, Any]] = []

        async def turn(prompt: str, on: Any) -> None:
            answers.append(await replicas.ok("ask_gemini", {"prompt": prompt, "conversation_id": cid}, on=on))

        async with anyio.create_task_group() as tg:
            tg.start_soon(turn, "One more on A.", a)
            tg.start_soon(turn, "One more on B.", b)
        listed = await replicas.ok("list_conversations", {}, on=b)
    later = creates(emu)[1:]
    assert len(later) == 2 and len(answers) == 2
    by_id = {answer["interaction_id"]: answer for answer in answers}
    parents = [body["previous_interaction_id"] for body in later]
    # One of the two chained onto the first turn, the other onto that one: never both onto the first.
    assert parents[0] == first["interaction_id"]
    assert parents[1] in by_id and parents[1] != first["interaction_id"]
    (conversation,) = listed["conversations"]
    assert conversation["turns"] == 3
    assert conversation["last_interaction_id"] in by_id and conversation["last_interaction_id"] != parents[1]


async def test_a_run_followed_by_a_killed_replica_is_taken_over_within_the_lease_ttl(
    tmp_path: Path, postgres_url: str
) -> None:
    async with (
        running_emulator(EmulatorConfig(research_seconds=10.0, research_steps=10)) as emu,
        running_replicas(tmp_path, emu.base_url, postgres_url, 2, GEMINI_MCP_LEASE_TTL=str(LEASE_TTL)) as replicas,
    ):
        a, b = replicas.members
        started = await replicas.ok("start_deep_research", {"query": "Moons of Jupiter"}, on=a)
        iid = started["interaction_id"]
        finals: list[dict[str, Any]] = []
        taken_over_after = float("inf")

        async def wait_on_b() -> None:  # a client waiting on B makes the follower (A, then B) stream it
            final = await replicas.ok("get_interaction", {"interaction_id": iid, "wait_seconds": 5}, on=b)
            while not final["done"]:
                final = await replicas.ok("get_interaction", {"interaction_id": iid, "wait_seconds": 5}, on=b)
            finals.append(final)

        with anyio.fail_after(60):
            async with anyio.create_task_group() as tg:
                tg.start_soon(wait_on_b)
                while not streams_of(emu, iid):  # A streams it: B's waiter reached it through the database
                    await anyio.sleep(0.05)
                while not (await replicas.ok("get_interaction", {"interaction_id": iid}, on=b))["progress"]:
                    await anyio.sleep(0.1)  # A stored progress (and its event cursor) that B reads
                await replicas.kill(a)
                killed_at = anyio.current_time()
                while len(streams_of(emu, iid)) < 2:  # B takes over once A's lease has expired
                    await anyio.sleep(0.05)
                taken_over_after = anyio.current_time() - killed_at
    resumed = streams_of(emu, iid)[1]
    assert resumed.get("last_event_id"), "B resumes from the stored cursor, not from the start"
    assert taken_over_after <= LEASE_TTL + 3.0  # expiry, then B's next try (+ a loaded machine)
    assert emu.streams_peak()[iid] == 1  # never two followers at once
    (final,) = finals
    assert final["status"] == "completed" and final["text"]
    assert len(final["progress"]) >= 2


def pollers_of(emulator: Emulator, interaction_id: str) -> list[str]:
    """Which replica (by its API key) sent each plain `get` (a poll) of the interaction, in order."""
    return [
        r.headers.get("x-goog-api-key", "?")
        for r in emulator.requests
        if r.method == "GET" and r.path.endswith(f"/interactions/{interaction_id}") and r.query.get("stream") != "true"
    ]


async def test_runs_nobody_waits_on_are_polled_by_one_replica_at_a_time_and_taken_over_after_a_kill(
    tmp_path: Path, postgres_url: str
) -> None:
    config = EmulatorConfig(research_seconds=12.0, research_steps=6)
    polling = {"GEMINI_MCP_LEASE_TTL": str(LEASE_TTL), "GEMINI_MCP_POLL_SECONDS": "0.5"}
    async with (
        running_emulator(config) as emu,
        running_replicas(tmp_path, emu.base_url, postgres_url, 3, **polling) as replicas,
    ):
        a = replicas.members[0]
        runs = [
            (await replicas.ok("start_deep_research", {"query": f"Topic {n}"}, on=a))["interaction_id"]
            for n in range(4)
        ]
        with anyio.fail_after(90):
            while not all(pollers_of(emu, iid) for iid in runs):  # A follows them: it polls each one
                await anyio.sleep(0.1)
            await replicas.kill(a)
            finals = [await done_without_waiting(replicas, iid) for iid in runs]
    assert [f["status"] for f in finals] == ["completed"] * 4, replicas.log()
    takers: set[str] = set()
    for iid in runs:
        assert not streams_of(emu, iid)  # nobody waited: no replica held a stream, only polls
        keys = pollers_of(emu, iid)
        turns = [key for n, key in enumerate(keys) if n == 0 or keys[n - 1] != key]
        # one poller at a time: A until it died, then one other replica to the end (never back and forth)
        assert len(turns) == 2 and turns[0] == key_of(a) and turns[1] != key_of(a), keys
        takers.add(turns[1])
    assert takers <= {key_of(r) for r in replicas.members[1:]}


async def done_without_waiting(replicas: Replicas, iid: str) -> dict[str, Any]:
    """Read the run (wait_seconds=0: a waiting caller would make its follower stream it) until it is done."""
    while not (final := await replicas.ok("get_interaction", {"interaction_id": iid}))["done"]:
        await anyio.sleep(0.3)
    return final


async def test_a_rolling_restart_during_50_runs_and_chat_turns_loses_nothing(tmp_path: Path, postgres_url: str) -> None:
    config = EmulatorConfig(research_seconds=20.0, research_steps=4, model_latency=0.2)
    async with (
        running_emulator(config) as emu,
        running_replicas(tmp_path, emu.base_url, postgres_url, 3, GEMINI_MCP_LEASE_TTL=str(LEASE_TTL)) as replicas,
    ):
        runs = await start_runs(replicas, 50)
        chat = await replicas.ok("ask_gemini", {"prompt": "Turn 0"})
        turn_ids = [chat["interaction_id"]]
        restarted = anyio.Event()

        async def chat_turns() -> None:
            n = 1
            while not restarted.is_set() or n < 10:
                args = {"prompt": f"Turn {n}", "conversation_id": chat["conversation_id"]}
                turn_ids.append((await replicas.ok("ask_gemini", args))["interaction_id"])
                n += 1

        with anyio.fail_after(120):
            async with anyio.create_task_group() as tg:
                tg.start_soon(chat_turns)
                for replica in replicas.members:  # one at a time, as a rolling restart does
                    await replicas.stop(replica)
                    await replicas.start(replica)
                restarted.set()
            finals = await wait_all_done(replicas, runs)
        conversations = await replicas.ok("list_conversations", {"limit": 100})
    assert [f["status"] for f in finals] == ["completed"] * 50, replicas.log()
    for replica in replicas.members:  # each stopped cleanly: leases released, store closed, no traceback
        assert all("Traceback" not in log and "shutdown failed" not in log for log in replica.stopped_logs)
    assert all(f["text"] for f in finals)
    peaks = emu.streams_peak()
    assert all(peaks.get(iid, 0) <= 1 for iid in runs), {iid: peaks.get(iid, 0) for iid in runs}  # one at a time
    chained = [b["previous_interaction_id"] for b in creates(emu) if b.get("previous_interaction_id") in turn_ids]
    assert chained == turn_ids[:-1]  # every turn chained onto the one before: none lost, none forked
    (summary,) = [c for c in conversations["conversations"] if c["conversation_id"] == chat["conversation_id"]]
    assert (summary["turns"], summary["last_interaction_id"]) == (len(turn_ids), turn_ids[-1])


async def start_runs(replicas: Replicas, count: int) -> list[str]:
    ids: list[str] = []
    limiter = anyio.CapacityLimiter(8)

    async def one(n: int) -> None:
        async with limiter:
            ids.append((await replicas.ok("start_deep_research", {"query": f"Topic {n}"}))["interaction_id"])

    async with anyio.create_task_group() as tg:
        for n in range(count):
            tg.start_soon(one, n)
    return ids


async def wait_all_done(replicas: Replicas, runs: list[str]) -> list[dict[str, Any]]:
    finals: list[dict[str, Any]] = []
    for iid in runs:
        final = await replicas.ok("get_interaction", {"interaction_id": iid, "wait_seconds": 30})
        while not final["done"]:
            final = await replicas.ok("get_interaction", {"interaction_id": iid, "wait_seconds": 30})
        finals.append(final)
    return finals
