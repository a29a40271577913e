"""Rows to records and back, the same for every backend: the portable upserts (`?` placeholders; PostgreSQL
swaps in `%s`), the values they take, and the decoders of rows read by column name (JSON fields are text)."""

from __future__ import annotations

import json
from typing import Any, Protocol

from gemini_mcp.store.port import PROGRESS_KEEP, Charge, Conversation, InteractionRecord
from gemini_mcp.store.tasks import TaskRecord

# A save keeps an interaction's kind, owner, prompt and `turn` (written once, with the first save).
SAVE_CONVERSATION = (
    "INSERT INTO conversations (id, owner, title, last_interaction_id, turns, config, created, updated)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET title = excluded.title,"
    " last_interaction_id = excluded.last_interaction_id, turns = excluded.turns,"
    " config = excluded.config, updated = excluded.updated"
)
SAVE_INTERACTION = (
    "INSERT INTO interactions (id, owner, kind, status, conversation_id, model, agent, prompt, progress,"
    " event_cursor, output_text, usage, error, steps, created, updated, turn)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET"
    " status = excluded.status, conversation_id = excluded.conversation_id, progress = excluded.progress,"
    " event_cursor = excluded.event_cursor, output_text = excluded.output_text, usage = excluded.usage,"
    " error = excluded.error, steps = excluded.steps, updated = excluded.updated"
)
_LEDGER_COLUMNS = (
    "interaction_id, owner, kind, conversation_id, model, agent, input_tokens, output_tokens, thought_tokens,"
    " cached_tokens, cost_usd, charged_at"
)
# One row per interaction: a second write (a replay after a restart, a cancel then the final state) updates the
# tokens and cost in place and keeps the first `charged_at`, so a charge is never counted twice.
SAVE_CHARGE = (
    f"INSERT INTO ledger ({_LEDGER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT(interaction_id) DO UPDATE SET conversation_id = excluded.conversation_id,"
    " input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens,"
    " thought_tokens = excluded.thought_tokens, cached_tokens = excluded.cached_tokens, cost_usd = excluded.cost_usd"
)
SELECT_CHARGES = f"SELECT {_LEDGER_COLUMNS} FROM ledger WHERE owner = ? AND charged_at >= ? ORDER BY charged_at"


class Row(Protocol):
    """A result row read by column name (`sqlite3.Row`, psycopg's dict rows)."""

    def __getitem__(self, key: str, /) -> Any: ...


def select_interactions(
    owner: str, status: str | None, conversation_id: str | None, limit: int
) -> tuple[str, list[Any]]:
    """The owner's interactions, newest first, optionally of one status and one conversation: (sql, args)."""
    sql = "SELECT * FROM interactions WHERE owner = ?"
    args: list[Any] = [owner]
    if status is not None:
        sql += " AND status = ?"
        args.append(status)
    if conversation_id is not None:
        sql += " AND conversation_id = ?"
        args.append(conversation_id)
    return f"{sql} ORDER BY updated DESC LIMIT ?", [*args, limit]


def conversation_values(c: Conversation) -> tuple[Any, ...]:
    return (c.id, c.owner, c.title, c.last_interaction_id, c.turns, json.dumps(c.config), c.created, c.updated)


def interaction_values(r: InteractionRecord) -> tuple[Any, ...]:
    return (
        r.id,
        r.owner,
        r.kind,
        r.status,
        r.conversation_id,
        r.model,
        r.agent,
        r.prompt,
        json.dumps(r.progress[-PROGRESS_KEEP:]),
        r.event_cursor,
        r.output_text,
        json.dumps(r.usage) if r.usage is not None else None,
        r.error,
        json.dumps(r.steps),
        r.created,
        r.updated,
        json.dumps(r.turn),
    )


def charge_values(c: Charge) -> tuple[Any, ...]:
    row = (c.interaction_id, c.owner, c.kind, c.conversation_id, c.model, c.agent)
    return (*row, c.input_tokens, c.output_tokens, c.thought_tokens, c.cached_tokens, c.cost_usd, c.charged_at)


def charge(row: Row) -> Charge:
    return Charge(**{name.strip(): row[name.strip()] for name in _LEDGER_COLUMNS.split(",")})


def conversation(row: Row) -> Conversation:
    return Conversation(
        id=row["id"],
        owner=row["owner"],
        title=row["title"],
        last_interaction_id=row["last_interaction_id"],
        turns=row["turns"],
        config=json.loads(row["config"]),
        created=row["created"],
        updated=row["updated"],
    )


def interaction(row: Row) -> InteractionRecord:
    return InteractionRecord(
        id=row["id"],
        owner=row["owner"],
        kind=row["kind"],
        status=row["status"],
        conversation_id=row["conversation_id"],
        model=row["model"],
        agent=row["agent"],
        prompt=row["prompt"],
        progress=json.loads(row["progress"]),
        event_cursor=row["event_cursor"],
        output_text=row["output_text"],
        usage=json.loads(row["usage"]) if row["usage"] else None,
        error=row["error"],
        steps=json.loads(row["steps"]),
        created=row["created"],
        updated=row["updated"],
        turn=json.loads(row["turn"]),
        wanted_until=row["wanted_until"] or 0.0,
    )


SAVE_TASK = (
    "INSERT INTO tasks (id, owner, tool, status, interaction_id, conversation_id, status_message, result, ttl_ms,"
    " poll_ms, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET"
    " status = excluded.status, status_message = excluded.status_message, result = excluded.result,"
    " updated = excluded.updated"
)


def task_values(t: TaskRecord) -> tuple[Any, ...]:
    result = json.dumps(t.result) if t.result is not None else None
    row = (t.id, t.owner, t.tool, t.status, t.interaction_id, t.conversation_id, t.status_message, result)
    return (*row, t.ttl_ms, t.poll_ms, t.created, t.updated)


def task(row: Row) -> TaskRecord:
    return TaskRecord(
        id=row["id"],
        owner=row["owner"],
        tool=row["tool"],
        status=row["status"],
        interaction_id=row["interaction_id"],
        conversation_id=row["conversation_id"],
        status_message=row["status_message"],
        result=json.loads(row["result"]) if row["result"] else None,
        ttl_ms=row["ttl_ms"],
        poll_ms=row["poll_ms"],
        created=row["created"],
        updated=row["updated"],
    )
