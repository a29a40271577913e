"""SQLite persistence (stdlib sqlite3, WAL): a restarted emulator keeps interactions, chains and jobs.

Only what defines an interaction is stored (request, input, creation time, event plan); its events,
steps and status are re-derived from the plan and the wall clock when it is loaded.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

from .state import Interaction

SCHEMA = """
CREATE TABLE IF NOT EXISTS interactions (
    id TEXT PRIMARY KEY,
    created REAL NOT NULL,
    data TEXT NOT NULL
)
"""


class SqlitePersistence:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path).expanduser()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.execute(SCHEMA)

    def save(self, inter: Interaction) -> None:
        data = json.dumps(inter.to_json(), separators=(",", ":"))
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO interactions (id, created, data) VALUES (?, ?, ?)",
                (inter.id, inter.created, data),
            )

    def delete(self, interaction_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM interactions WHERE id = ?", (interaction_id,))

    def load_all(self) -> list[Interaction]:
        with self._lock:
            rows = self._db.execute("SELECT data FROM interactions ORDER BY created").fetchall()
        return [Interaction.from_json(json.loads(str(row[0]))) for row in rows]

    def clear(self) -> None:
        with self._lock:
            self._db.execute("DELETE FROM interactions")

    def close(self) -> None:
        with self._lock:
            self._db.close()
