"""The schema as ordered, forward-only migrations in SQL that SQLite and PostgreSQL both run."""

from __future__ import annotations

from typing import NamedTuple


class Migration(NamedTuple):
    version: int
    statements: tuple[str, ...]  # one statement each, no trailing semicolon, no backend-specific syntax


# Portable on purpose: TEXT (JSON kept as text), INTEGER, DOUBLE PRECISION (SQLite gives it REAL affinity;
# PostgreSQL's REAL would be float4 and cut timestamps), plain indexes. Never edit a released migration:
# append a new one.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        (
            """CREATE TABLE conversations (
                id TEXT PRIMARY KEY,
                owner TEXT NOT NULL,
                title TEXT NOT NULL,
                last_interaction_id TEXT,
                turns INTEGER NOT NULL DEFAULT 0,
                config TEXT NOT NULL DEFAULT '{}',
                created DOUBLE PRECISION NOT NULL,
                updated DOUBLE PRECISION NOT NULL
            )""",
            "CREATE INDEX conversations_owner_updated ON conversations(owner, updated DESC)",
            """CREATE TABLE interactions (
                id TEXT PRIMARY KEY,
                owner TEXT NOT NULL,
                kind TEXT NOT NULL,
                status TEXT NOT NULL,
                conversation_id TEXT,
                model TEXT,
                agent TEXT,
                prompt TEXT NOT NULL DEFAULT '',
                progress TEXT NOT NULL DEFAULT '[]',
                event_cursor TEXT,
                output_text TEXT NOT NULL DEFAULT '',
                usage TEXT,
                error TEXT,
                steps TEXT NOT NULL DEFAULT '[]',
                lease_owner TEXT,
                lease_expires DOUBLE PRECISION,
                created DOUBLE PRECISION NOT NULL,
                updated DOUBLE PRECISION NOT NULL
            )""",
            "CREATE INDEX interactions_owner_updated ON interactions(owner, updated DESC)",
            "CREATE INDEX interactions_status ON interactions(status)",
            "CREATE INDEX interactions_conversation ON interactions(conversation_id)",
        ),
    ),
    Migration(
        2,
        (
            # small JSON values with their write time (the live model list, cached for a day)
            """CREATE TABLE cache (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL,
                updated DOUBLE PRECISION NOT NULL
            )""",
            # idempotency keys (and recent-request fingerprints) of started interactions, per owner
            """CREATE TABLE idempotency_keys (
                owner TEXT NOT NULL,
                key TEXT NOT NULL,
                fingerprint TEXT NOT NULL,
                interaction_id TEXT,
                created DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (owner, key)
            )""",
            "CREATE INDEX idempotency_keys_created ON idempotency_keys(created)",
        ),
    ),
    Migration(
        3,
        (
            """CREATE TABLE ledger (
                interaction_id TEXT PRIMARY KEY,
                owner TEXT NOT NULL,
                kind TEXT NOT NULL,
                conversation_id TEXT,
                model TEXT,
                agent TEXT,
                input_tokens INTEGER NOT NULL DEFAULT 0,
                output_tokens INTEGER NOT NULL DEFAULT 0,
                thought_tokens INTEGER NOT NULL DEFAULT 0,
                cached_tokens INTEGER NOT NULL DEFAULT 0,
                cost_usd DOUBLE PRECISION,
                charged_at DOUBLE PRECISION NOT NULL
            )""",
            "CREATE INDEX ledger_owner_charged ON ledger(owner, charged_at)",
        ),
    ),
    Migration(
        4,
        (
            # What a model turn needs to be answered after its call returned (response_schema, notes, store).
            "ALTER TABLE interactions ADD COLUMN turn TEXT NOT NULL DEFAULT '{}'",
            """CREATE TABLE tasks (
                id TEXT PRIMARY KEY,
                owner TEXT NOT NULL,
                tool TEXT NOT NULL,
                status TEXT NOT NULL,
                interaction_id TEXT,
                conversation_id TEXT,
                status_message TEXT,
                result TEXT,
                ttl_ms INTEGER,
                poll_ms INTEGER,
                created DOUBLE PRECISION NOT NULL,
                updated DOUBLE PRECISION NOT NULL
            )""",
            "CREATE INDEX tasks_owner_created ON tasks(owner, created DESC)",
        ),
    ),
    Migration(
        5,
        (
            # until when (wall clock) a caller on some replica waits on a running interaction: its follower streams
            "ALTER TABLE interactions ADD COLUMN wanted_until DOUBLE PRECISION",
        ),
    ),
)

SCHEMA_VERSION = MIGRATIONS[-1].version


def pending(current: int) -> list[Migration]:
    """The migrations a database at schema version `current` still needs, in order."""
    return [m for m in MIGRATIONS if m.version > current]
