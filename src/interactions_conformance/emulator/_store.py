"""SQLite storage: interactions, their event logs, uploaded files.

One connection (a file with ``--db PATH``, else ``:memory:``) guarded by a
lock, so the server's event loop and test threads can share it; every method
is one short transaction. Rows belong to the API key that created them:
every lookup takes the key, and another key's row is simply not found
(AUTH-ISOLATION). JSON columns hold the wire shapes, so a restart with the
same file serves the same interactions and the same event ids. Every JSON column is
written by ``_limits.dumps``, which refuses what could not be rendered back (a lone
surrogate, NaN): a row that is stored can always be answered.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import threading
from typing import Any

from ._limits import dumps

__all__ = ["FileRecord", "InteractionRecord", "Store"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS interactions (
    id TEXT PRIMARY KEY,
    api_key TEXT NOT NULL,
    created REAL NOT NULL,
    previous_id TEXT,
    background INTEGER NOT NULL,
    resource TEXT NOT NULL,
    turns TEXT NOT NULL,
    request TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    interaction_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    event TEXT NOT NULL,
    PRIMARY KEY (interaction_id, seq)
);
CREATE TABLE IF NOT EXISTS files (
    name TEXT PRIMARY KEY,
    api_key TEXT NOT NULL,
    created REAL NOT NULL,
    meta TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS uploads (
    upload_id TEXT PRIMARY KEY,
    api_key TEXT NOT NULL,
    meta TEXT NOT NULL,
    data BLOB NOT NULL
);
"""


@dataclasses.dataclass
class InteractionRecord:
    """One stored interaction: its wire resource plus what the server needs to continue it."""

    id: str
    api_key: str
    created: float  # clock seconds; retention counts from here
    resource: dict[str, Any]
    turns: list[dict[str, Any]]  # this interaction's input turns and its model turn
    request: dict[str, Any]  # the create body (background jobs run from it)
    previous_id: str | None = None
    background: bool = False


@dataclasses.dataclass
class FileRecord:
    name: str  # "files/abc123"
    api_key: str
    created: float
    meta: dict[str, Any]  # the File resource, camelCase as the Files API writes it
    data: bytes


class Store:
    def __init__(self, path: str | None = None) -> None:
        self.path = path or ":memory:"
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        if path:
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __repr__(self) -> str:
        return f"Store({self.path!r})"

    # -- interactions ----------------------------------------------------------

    def put(self, record: InteractionRecord) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO interactions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.id,
                    record.api_key,
                    record.created,
                    record.previous_id,
                    int(record.background),
                    dumps(record.resource),
                    dumps(record.turns),
                    dumps(record.request),
                ),
            )

    def update(
        self,
        interaction_id: str,
        resource: dict[str, Any],
        turns: list[dict[str, Any]] | None = None,
    ) -> None:
        with self._lock:
            if turns is None:
                self._db.execute(
                    "UPDATE interactions SET resource = ? WHERE id = ?",
                    (dumps(resource), interaction_id),
                )
            else:
                self._db.execute(
                    "UPDATE interactions SET resource = ?, turns = ? WHERE id = ?",
                    (dumps(resource), dumps(turns), interaction_id),
                )

    def get(self, interaction_id: str, api_key: str | None) -> InteractionRecord | None:
        """The record, or None when absent or owned by another key (``api_key=None``: any key)."""
        with self._lock:
            row = self._db.execute(
                "SELECT id, api_key, created, previous_id, background, resource, turns, request "
                "FROM interactions WHERE id = ?",
                (interaction_id,),
            ).fetchone()
        if row is None or (api_key is not None and row[1] != api_key):
            return None
        return InteractionRecord(
            id=row[0],
            api_key=row[1],
            created=row[2],
            previous_id=row[3],
            background=bool(row[4]),
            resource=json.loads(row[5]),
            turns=json.loads(row[6]),
            request=json.loads(row[7]),
        )

    def delete(self, interaction_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM interactions WHERE id = ?", (interaction_id,))
            self._db.execute("DELETE FROM events WHERE interaction_id = ?", (interaction_id,))

    def running_background(self) -> list[str]:
        """Ids of background interactions still in progress (to restart their jobs)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, resource FROM interactions WHERE background = 1"
            ).fetchall()
        return [r[0] for r in rows if json.loads(r[1]).get("status") == "in_progress"]

    def owners(self) -> list[tuple[str, str]]:
        """Every stored interaction id with the key that owns it (tests read every row back)."""
        with self._lock:
            rows = self._db.execute("SELECT id, api_key FROM interactions").fetchall()
        return [(str(r[0]), str(r[1])) for r in rows]

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM interactions").fetchone()[0])

    # -- event logs ------------------------------------------------------------

    def append_events(self, interaction_id: str, events: list[dict[str, Any]]) -> None:
        """Append events whose ``event_id`` the caller assigned, in order."""
        with self._lock:
            start = self._db.execute(
                "SELECT COALESCE(MAX(seq), -1) + 1 FROM events WHERE interaction_id = ?",
                (interaction_id,),
            ).fetchone()[0]
            self._db.executemany(
                "INSERT INTO events VALUES (?, ?, ?)",
                [(interaction_id, start + i, dumps(e)) for i, e in enumerate(events)],
            )

    def event_count(self, interaction_id: str) -> int:
        with self._lock:
            return int(
                self._db.execute(
                    "SELECT COUNT(*) FROM events WHERE interaction_id = ?", (interaction_id,)
                ).fetchone()[0]
            )

    def events(self, interaction_id: str, start: int = 0) -> list[dict[str, Any]]:
        """The log from position ``start`` on."""
        with self._lock:
            rows = self._db.execute(
                "SELECT event FROM events WHERE interaction_id = ? AND seq >= ? ORDER BY seq",
                (interaction_id, start),
            ).fetchall()
        return [json.loads(r[0]) for r in rows]

    # -- files -----------------------------------------------------------------

    def put_file(self, record: FileRecord) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?)",
                (record.name, record.api_key, record.created, dumps(record.meta), record.data),
            )

    def get_file(self, name: str, api_key: str | None) -> FileRecord | None:
        with self._lock:
            row = self._db.execute(
                "SELECT name, api_key, created, meta, data FROM files WHERE name = ?", (name,)
            ).fetchone()
        if row is None or (api_key is not None and row[1] != api_key):
            return None
        return FileRecord(row[0], row[1], row[2], json.loads(row[3]), bytes(row[4]))

    def list_files(self, api_key: str) -> list[FileRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT name FROM files WHERE api_key = ? ORDER BY created", (api_key,)
            ).fetchall()
        found = [self.get_file(r[0], api_key) for r in rows]
        return [f for f in found if f is not None]

    def delete_file(self, name: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM files WHERE name = ?", (name,))

    def put_upload(self, upload_id: str, api_key: str, meta: dict[str, Any]) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO uploads VALUES (?, ?, ?, ?)",
                (upload_id, api_key, dumps(meta), b""),
            )

    def get_upload(self, upload_id: str) -> tuple[str, dict[str, Any], bytes] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT api_key, meta, data FROM uploads WHERE upload_id = ?", (upload_id,)
            ).fetchone()
        return None if row is None else (row[0], json.loads(row[1]), bytes(row[2]))

    def append_upload(self, upload_id: str, chunk: bytes) -> int:
        with self._lock:
            row = self._db.execute(
                "SELECT data FROM uploads WHERE upload_id = ?", (upload_id,)
            ).fetchone()
            if row is None:
                return 0
            data = bytes(row[0]) + chunk
            self._db.execute("UPDATE uploads SET data = ? WHERE upload_id = ?", (data, upload_id))
        return len(data)

    def delete_upload(self, upload_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM uploads WHERE upload_id = ?", (upload_id,))
