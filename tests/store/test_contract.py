"""The `Store` contract, run against every implementation: SQLite and PostgreSQL (a throwaway cluster)."""

from __future__ import annotations

from typing import Any, cast

import anyio
import pytest

from gemini_mcp.errors import StoreError
from gemini_mcp.store.port import PROGRESS_KEEP, Conversation, InteractionRecord, Store, now
from gemini_mcp.store.postgres import PostgresStore
from gemini_mcp.store.tasks import TaskRecord


def conversation(cid: str, owner: str = "alice", updated: float = 1.0, **fields: Any) -> Conversation:
    return Conversation(id=cid, owner=owner, title=f"About {cid}", created=1.0, updated=updated, **fields)


def interaction(iid: str, owner: str = "alice", status: str = "completed", **fields: Any) -> InteractionRecord:
    fields.setdefault("updated", 1.0)
    return InteractionRecord(id=iid, owner=owner, kind="model", status=status, created=1.0, **fields)


async def test_records_round_trip_every_field(store: Store) -> None:
    conv = conversation("c1", last_interaction_id="v1_a", turns=2, config={"model": "m", "temperature": 0.5})
    rec = interaction(
        "v1_a",
        conversation_id="c1",
        model="m",
        prompt="Hi",
        progress=["p"],
        event_cursor="e9",
        output_text="Hello",
        usage={"total_tokens": 3},
        error=None,
        steps=[{"type": "model_output", "content": [{"type": "text", "text": "Hello"}]}],
    )
    await store.save_conversation(conv)
    await store.save_interaction(rec)
    assert await store.get_conversation("alice", "c1") == conv
    assert await store.get_interaction("alice", "v1_a") == rec


async def test_saving_again_updates_the_record(store: Store) -> None:
    await store.save_interaction(interaction("v1_a", status="in_progress"))
    await store.save_interaction(interaction("v1_a", status="completed", output_text="done", updated=2.0))
    found = await store.get_interaction("alice", "v1_a")
    assert found is not None and (found.status, found.output_text, found.updated) == ("completed", "done", 2.0)


async def test_only_the_newest_progress_lines_are_kept(store: Store) -> None:
    lines = [f"line {n}" for n in range(PROGRESS_KEEP + 5)]
    await store.save_interaction(interaction("v1_a", progress=lines))
    found = await store.get_interaction("alice", "v1_a")
    assert found is not None and found.progress == lines[-PROGRESS_KEEP:]


async def test_every_read_and_delete_is_scoped_to_the_owner(store: Store) -> None:
    await store.save_conversation(conversation("c1", owner="alice"))
    await store.save_interaction(interaction("v1_a", owner="alice", conversation_id="c1"))
    assert await store.get_conversation("bob", "c1") is None
    assert await store.list_conversations("bob", 10) == []
    assert await store.get_interaction("bob", "v1_a") is None
    assert await store.list_interactions("bob", status=None, limit=10) == []
    assert await store.delete_conversation("bob", "c1") is False
    assert await store.get_conversation("alice", "c1") is not None
    assert await store.get_interaction("alice", "v1_a") is not None


async def test_lists_are_newest_first_limited_and_filtered(store: Store) -> None:
    for n in range(5):
        await store.save_conversation(conversation(f"c{n}", updated=float(n)))
        await store.save_interaction(
            interaction(f"v1_{n}", status="failed" if n % 2 else "completed", conversation_id="c1", updated=float(n))
        )
    assert [c.id for c in await store.list_conversations("alice", 3)] == ["c4", "c3", "c2"]
    assert [r.id for r in await store.list_interactions("alice", status=None, limit=2)] == ["v1_4", "v1_3"]
    assert [r.id for r in await store.list_interactions("alice", status="failed", limit=10)] == ["v1_3", "v1_1"]
    in_c1 = await store.list_interactions("alice", status=None, limit=10, conversation_id="c1")
    assert len(in_c1) == 5
    assert await store.list_interactions("alice", status=None, limit=10, conversation_id="c9") == []


async def test_deleting_a_conversation_forgets_finished_turns_and_detaches_running_ones(store: Store) -> None:
    await store.save_conversation(conversation("c1"))
    await store.save_interaction(interaction("v1_done", conversation_id="c1"))
    await store.save_interaction(interaction("v1_run", status="in_progress", conversation_id="c1"))
    assert await store.delete_conversation("alice", "c1") is True
    assert await store.get_conversation("alice", "c1") is None
    assert await store.get_interaction("alice", "v1_done") is None
    running = await store.get_interaction("alice", "v1_run")
    assert running is not None and running.conversation_id is None
    assert await store.delete_conversation("alice", "c1") is False


async def test_running_interactions_are_every_owners_running_interactions_oldest_first(store: Store) -> None:
    await store.save_interaction(InteractionRecord(id="v1_b", owner="bob", kind="agent", status="queued", created=2))
    await store.save_interaction(
        InteractionRecord(id="v1_a", owner="alice", kind="agent", status="in_progress", created=1)
    )
    await store.save_interaction(InteractionRecord(id="v1_c", owner="alice", kind="agent", status="completed"))
    await store.save_interaction(
        InteractionRecord(id="v1_m", owner="alice", kind="model", status="in_progress", created=3)
    )  # a turn that outlived its call is resumed too
    assert [r.id for r in await store.running_interactions()] == ["v1_a", "v1_b", "v1_m"]


async def test_turn_details_are_kept_and_an_id_is_known_across_owners(store: Store) -> None:
    turn = {"response_schema": {"type": "object"}, "notes": ["n"], "store": False}
    await store.save_interaction(interaction("v1_a", status="in_progress", turn=turn))
    await store.save_interaction(interaction("v1_a", status="completed", output_text="done"))
    saved = await store.get_interaction("alice", "v1_a")
    assert saved is not None and saved.turn == turn and saved.output_text == "done"  # written once, kept
    assert await store.interaction_known("v1_a") is True  # also for bob, who cannot read it
    assert await store.get_interaction("bob", "v1_a") is None
    assert await store.interaction_known("v1_other") is False


async def test_tasks_are_owner_scoped_listed_newest_first_and_purged_after_their_ttl(store: Store) -> None:
    def task(tid: str, owner: str = "alice", created: float = 1.0, ttl_ms: int | None = 60_000) -> TaskRecord:
        return TaskRecord(
            id=tid,
            owner=owner,
            tool="ask_gemini",
            status="working",
            interaction_id="v1_" + tid,
            ttl_ms=ttl_ms,
            poll_ms=2000,
            created=created,
            updated=created,
        )

    for record in (task("t1"), task("t2", created=2.0), task("t3", owner="bob"), task("t4", ttl_ms=None)):
        await store.tasks.save_task(record)
    done = task("t2", created=2.0)
    done.status, done.result, done.status_message, done.updated = "completed", {"content": []}, "ok", 5.0
    await store.tasks.save_task(done)
    assert await store.tasks.get_task("alice", "t2") == done
    assert await store.tasks.get_task("bob", "t2") is None
    assert [t.id for t in await store.tasks.list_tasks("alice", offset=0, limit=10)] == ["t2", "t1", "t4"]
    assert [t.id for t in await store.tasks.list_tasks("alice", offset=1, limit=1)] == ["t1"]
    assert await store.tasks.purge_expired_tasks(now=61.5) == 2  # t1 and t3 (created at 1 s, 60 s TTL)
    assert [t.id for t in await store.tasks.list_tasks("alice", offset=0, limit=10)] == ["t2", "t4"]


async def test_record_turn_saves_the_interaction_and_the_conversation_together(store: Store) -> None:
    await store.record_turn(interaction("v1_a", conversation_id="c1"), conversation("c1", last_interaction_id="v1_a"))
    saved = await store.get_conversation("alice", "c1")
    assert saved is not None and saved.last_interaction_id == "v1_a"
    assert await store.get_interaction("alice", "v1_a") is not None


async def test_record_turn_saves_nothing_when_part_of_it_fails(store: Store) -> None:
    broken = conversation("c1")
    broken.title = cast(str, None)  # violates NOT NULL: the second write of the turn fails
    with pytest.raises(StoreError):
        await store.record_turn(interaction("v1_a", conversation_id="c1"), broken)
    assert await store.get_interaction("alice", "v1_a") is None
    assert await store.get_conversation("alice", "c1") is None


async def test_a_lease_is_exclusive_renewable_released_and_stealable_by_name(store: Store) -> None:
    await store.save_interaction(interaction("v1_a", status="in_progress"))
    assert await store.lease_holder("v1_a") is None
    assert await store.claim("v1_a", "p1", 60)
    assert await store.claim("v1_a", "p1", 60)  # renew
    assert not await store.claim("v1_a", "p2", 60)
    assert await store.lease_holder("v1_a") == "p1"
    await store.release("v1_a", "p2")  # not the holder: no effect
    assert await store.lease_holder("v1_a") == "p1"
    assert await store.claim("v1_a", "p2", 60, steal_from="p1")
    await store.release("v1_a", "p2")
    assert await store.lease_holder("v1_a") is None
    assert await store.claim("v1_a", "p3", 60)


async def test_an_expired_lease_has_no_holder_and_can_be_taken(store: Store) -> None:
    await store.save_interaction(interaction("v1_a", status="in_progress"))
    assert await store.claim("v1_a", "p1", -1)  # already expired
    assert await store.lease_holder("v1_a") is None
    assert await store.claim("v1_a", "p2", 60)
    assert not await store.claim("v1_unknown", "p2", 60)


async def test_a_fresh_store_is_at_the_latest_schema_version(store: Store) -> None:
    from gemini_mcp.store.migrations import SCHEMA_VERSION

    assert await store.schema_version() == SCHEMA_VERSION


async def test_renew_leases_extends_every_lease_of_the_holder(store: Store) -> None:
    for iid in ("v1_a", "v1_b", "v1_c"):
        await store.save_interaction(interaction(iid, status="in_progress"))
    assert await store.claim("v1_a", "p1", -1)  # expired: renewing brings it back
    assert await store.claim("v1_b", "p1", 60)
    assert await store.claim("v1_c", "p2", 60)
    assert await store.renew_leases("p1", 60) == 2
    assert await store.lease_holder("v1_a") == "p1"
    assert not await store.claim("v1_a", "p2", 60)
    assert await store.lease_holder("v1_c") == "p2"


async def test_turns_of_one_conversation_take_the_turn_lock_one_at_a_time(store: Store) -> None:
    order: list[str] = []
    first_inside = anyio.Event()

    async def turn(name: str, conversation_id: str, hold: anyio.Event | None) -> None:
        async with store.conversation_turn_lock("alice", conversation_id):
            order.append(f"{name} in")
            if hold is not None:
                first_inside.set()
                await hold.wait()
            order.append(f"{name} out")

    release = anyio.Event()
    with anyio.fail_after(20):
        async with anyio.create_task_group() as tg:
            tg.start_soon(turn, "first", "c1", release)
            await first_inside.wait()
            tg.start_soon(turn, "second", "c1", None)
            await turn("other", "c2", None)  # another conversation is not held up
            await anyio.sleep(0.2)  # give "second" every chance to (wrongly) enter
            assert order == ["first in", "other in", "other out"]
            release.set()
    assert order[3:] == ["first out", "second in", "second out"]


async def test_waiting_for_a_change_returns_when_another_connection_saves_it(store: Store, second: Store) -> None:
    await store.save_interaction(interaction("v1_a", status="in_progress", updated=1.0))
    assert not await store.wait_interaction_change("v1_a", since=1.0, timeout=0.2)
    assert await store.wait_interaction_change("v1_a", since=0.5, timeout=0.2)  # already newer than `since`
    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            if isinstance(store, PostgresStore):
                await tg.start(store.listen)

            async def save_later() -> None:
                await anyio.sleep(0.3)
                await second.save_interaction(interaction("v1_a", status="in_progress", updated=2.0))

            tg.start_soon(save_later)
            started = anyio.current_time()
            assert await store.wait_interaction_change("v1_a", since=1.0, timeout=8)
            assert anyio.current_time() - started < 4  # woken by the save, not by the timeout
            tg.cancel_scope.cancel()


async def test_claim_unfollowed_leases_running_interactions_without_a_live_lease(store: Store) -> None:
    for n, status in enumerate(("in_progress", "queued", "in_progress", "completed")):
        await store.save_interaction(
            InteractionRecord(id=f"v1_{n}", owner="alice", kind="agent", status=status, created=float(n))
        )
    model_turn = InteractionRecord(id="v1_m", owner="bob", kind="model", status="in_progress", created=9.0)
    await store.save_interaction(model_turn)  # a turn that outlived its call (its replica died) is adopted too
    assert await store.claim("v1_0", "p1", 60)  # live elsewhere: skipped
    assert await store.claim("v1_1", "p1", -1)  # expired: taken
    claimed = await store.claim_unfollowed("p2", 60, limit=10)
    assert [r.id for r in claimed] == ["v1_1", "v1_2", "v1_m"]
    assert [await store.lease_holder(i) for i in ("v1_0", "v1_1", "v1_2", "v1_m")] == ["p1", "p2", "p2", "p2"]
    assert await store.claim_unfollowed("p3", 60, limit=10) == []
    await store.save_interaction(
        InteractionRecord(id="v1_new", owner="bob", kind="agent", status="queued", updated=now())
    )
    assert await store.claim_unfollowed("p3", 60, limit=10) == []  # just saved: its writer takes the lease now
    await store.release("v1_2", "p2")
    assert [r.id for r in await store.claim_unfollowed("p3", 60, limit=1)] == ["v1_2"]


async def test_the_cache_keeps_one_value_per_key_with_its_write_time(store: Store) -> None:
    assert await store.get_cached("models") is None
    await store.put_cached("models", '["a"]')
    await store.put_cached("models", '["a", "b"]')
    found = await store.get_cached("models")
    assert found is not None and found[0] == '["a", "b"]' and found[1] > 0


async def test_an_idempotency_key_is_reserved_once_bound_released_and_replaced_when_stale(store: Store) -> None:
    assert await store.reserve_key("alice", "k1", "fp1", 60) is None  # reserved for this caller
    held = await store.reserve_key("alice", "k1", "fp2", 60)
    assert held is not None and (held.owner, held.key, held.fingerprint, held.interaction_id) == (
        "alice",
        "k1",
        "fp1",
        None,
    )
    assert await store.reserve_key("bob", "k1", "fp1", 60) is None  # keys are per owner
    await store.bind_key("alice", "k1", "v1_a")
    bound = await store.reserve_key("alice", "k1", "fp1", 60)
    assert bound is not None and bound.interaction_id == "v1_a"
    assert await store.reserve_key("alice", "k1", "fp3", -1) is None  # older than the ttl: replaced
    await store.release_key("alice", "k1")
    assert await store.reserve_key("alice", "k1", "fp4", 60) is None


async def test_want_records_until_when_someone_waits_and_never_shortens_it(store: Store) -> None:
    await store.save_interaction(interaction("v1_a", status="in_progress"))
    await store.want("v1_a", 100.0)
    await store.want("v1_a", 50.0)  # an earlier end does not shorten a longer wait
    found = await store.get_interaction("alice", "v1_a")
    assert found is not None and found.wanted_until == 100.0
    await store.save_interaction(interaction("v1_a", status="in_progress", updated=2.0))
    saved = await store.get_interaction("alice", "v1_a")
    assert saved is not None and saved.wanted_until == 100.0  # a save never overwrites it


async def test_wanted_by_lists_the_holders_interactions_someone_still_waits_on(store: Store) -> None:
    for iid in ("v1_a", "v1_b", "v1_c"):
        await store.save_interaction(interaction(iid, status="in_progress"))
    assert await store.claim("v1_a", "p1", 60) and await store.claim("v1_b", "p1", 60)
    assert await store.claim("v1_c", "p2", 60)
    await store.want("v1_a", 100.0)
    await store.want("v1_b", 10.0)  # the wait ended before `at`
    await store.want("v1_c", 100.0)  # another holder's
    assert await store.wanted_by("p1", at=50.0) == {"v1_a": 100.0}
    assert await store.wanted_by("p3", at=0.0) == {}
