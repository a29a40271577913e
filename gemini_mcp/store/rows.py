"""Row codecs: stored rows back to records, and the spend ledger's SQL (portable: PostgreSQL runs it too)."""

from __future__ import annotations

import json
import sqlite3

from gemini_mcp.store.port import Charge, Conversation, InteractionRecord

COLUMNS = (
    "interaction_id, owner, kind, conversation_id, model, agent, input_tokens, output_tokens, thought_tokens,"
    " cached_tokens, cost_usd, charged_at"
)
# One row per interaction: a second write (a replay after a restart, a cancel then the final state) updates the
# tokens and cost in place and keeps the first `charged_at`, so a charge is never counted twice.
SAVE = (
    f"INSERT INTO ledger ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT(interaction_id) DO UPDATE SET conversation_id = excluded.conversation_id,"
    " input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens,"
    " thought_tokens = excluded.thought_tokens, cached_tokens = excluded.cached_tokens, cost_usd = excluded.cost_usd"
)
SELECT_SINCE = f"SELECT {COLUMNS} FROM ledger WHERE owner = ? AND charged_at >= ? ORDER BY charged_at"


def save_charge(db: sqlite3.Connection, c: Charge) -> None:
    row = (c.interaction_id, c.owner, c.kind, c.conversation_id, c.model, c.agent)
    counts = (c.input_tokens, c.output_tokens, c.thought_tokens, c.cached_tokens)
    db.execute(SAVE, (*row, *counts, c.cost_usd, c.charged_at))


def charges(db: sqlite3.Connection, owner: str, since: float) -> list[Charge]:
    return [Charge(**dict(row)) for row in db.execute(SELECT_SINCE, (owner, since)).fetchall()]


def conversation(row: sqlite3.Row) -> Conversation:
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


def interaction(row: sqlite3.Row) -> InteractionRecord:
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
    )
