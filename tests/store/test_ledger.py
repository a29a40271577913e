"""The spend ledger, through the `Store` contract (SQLite and PostgreSQL): one row per interaction, written with
the turn (all or none)."""

from __future__ import annotations

from typing import cast

import pytest

from gemini_mcp.errors import StoreError
from gemini_mcp.store.port import Charge, Conversation, InteractionRecord, Store


def turn(iid: str, owner: str = "alice") -> tuple[InteractionRecord, Conversation]:
    record = InteractionRecord(id=iid, owner=owner, kind="model", status="completed", conversation_id="c1")
    return record, Conversation(id="c1", owner=owner, title="t", last_interaction_id=iid, turns=1)


def charge(iid: str, cost: float | None, at: float, owner: str = "alice", **fields: object) -> Charge:
    return Charge(interaction_id=iid, owner=owner, kind="model", charged_at=at, cost_usd=cost, **fields)  # type: ignore[arg-type]


async def test_a_turn_records_its_charge_with_it(store: Store) -> None:
    await store.record_turn(*turn("v1_a"), charge("v1_a", 0.25, 100.0, model="m", input_tokens=7, conversation_id="c1"))
    [row] = await store.charges("alice", since=0)
    assert (row.interaction_id, row.cost_usd, row.model, row.input_tokens, row.conversation_id) == (
        "v1_a",
        0.25,
        "m",
        7,
        "c1",
    )


async def test_charging_an_interaction_again_updates_its_one_row_and_keeps_its_time(store: Store) -> None:
    record, conversation = turn("v1_a")
    await store.record_turn(record, conversation, charge("v1_a", 0.10, 100.0))
    await store.save_interaction(record, charge("v1_a", 0.30, 500.0, output_tokens=9))
    await store.record_turn(record, conversation, charge("v1_a", 0.30, 900.0, output_tokens=9))  # a replay
    [row] = await store.charges("alice", since=0)
    assert (row.cost_usd, row.output_tokens, row.charged_at) == (0.30, 9, 100.0)


async def test_charges_are_the_owners_own_since_a_time_oldest_first(store: Store) -> None:
    for iid, owner, at in [("v1_c", "alice", 300.0), ("v1_a", "alice", 100.0), ("v1_b", "bob", 200.0)]:
        await store.save_interaction(turn(iid, owner)[0], charge(iid, 1.0, at, owner=owner))
    assert [c.interaction_id for c in await store.charges("alice", since=0)] == ["v1_a", "v1_c"]
    assert [c.interaction_id for c in await store.charges("alice", since=150.0)] == ["v1_c"]
    assert [c.interaction_id for c in await store.charges("bob", since=0)] == ["v1_b"]


async def test_an_unknown_cost_is_kept_as_null(store: Store) -> None:
    await store.save_interaction(turn("v1_a")[0], charge("v1_a", None, 1.0))
    [row] = await store.charges("alice", since=0)
    assert row.cost_usd is None


async def test_a_turn_whose_conversation_cannot_be_saved_records_no_charge(store: Store) -> None:
    record, conversation = turn("v1_a")
    conversation.title = cast(str, None)  # violates NOT NULL: the turn's second write fails
    with pytest.raises(StoreError):
        await store.record_turn(record, conversation, charge("v1_a", 1.0, 1.0))
    assert await store.charges("alice", since=0) == []
    assert await store.get_interaction("alice", "v1_a") is None
