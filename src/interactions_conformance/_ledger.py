"""The retention ledger: live retention checked across runs.

Retention is days long (free tier 1 day, paid 55 days: G21), longer than any
run. So each run appends the interactions it stored (and deleted, and created
with ``store=false``) to a ledger file, and re-checks what earlier runs left:
younger than the window, still retrievable; older than the window plus a
grace period, gone; deleted or never stored, never retrievable. Keys are not
written: entries carry a fingerprint so that a run only checks its own key's.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

__all__ = [
    "GRACE_SECONDS",
    "RETENTION_SECONDS",
    "Entry",
    "Expectation",
    "expectation",
    "fingerprint",
    "load",
    "save",
]

DAY = 86_400
RETENTION_SECONDS = {"free": 1 * DAY, "paid": 55 * DAY}
GRACE_SECONDS = 6 * 3600  # deletion is a background job: allow it some hours


@dataclasses.dataclass(frozen=True)
class Entry:
    id: str
    created: float  # seconds since the epoch, when the run created it
    tier: str  # free | paid
    kind: str  # stored | deleted | store_false
    target: str  # base URL
    key: str  # fingerprint of the key that created it

    def as_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)


@dataclasses.dataclass(frozen=True)
class Expectation:
    retrievable: bool | None  # None: inside the grace period, either answer is right
    rule: str
    why: str


def fingerprint(api_key: str | None) -> str:
    return hashlib.sha256((api_key or "").encode()).hexdigest()[:12]


def expectation(entry: Entry, now: float) -> Expectation:
    """What GET of this entry must answer at ``now``."""
    rule = "RETENTION-PAID" if entry.tier == "paid" else "RETENTION-FREE"
    if entry.kind == "deleted":
        return Expectation(False, "DELETE-REMOVES", "it was deleted")
    if entry.kind == "store_false":
        return Expectation(False, "STORE-FALSE-GET", "it was created with store=false")
    age = now - entry.created
    window = RETENTION_SECONDS.get(entry.tier, RETENTION_SECONDS["free"])
    days = window / DAY
    if age < window:
        return Expectation(
            True, rule, f"it is {age / 3600:.1f} h old, inside the {days:g}-day window"
        )
    if age > window + GRACE_SECONDS:
        return Expectation(
            False, rule, f"it is {age / 3600:.1f} h old, past the {days:g}-day window and the grace"
        )
    return Expectation(None, rule, "it is inside the grace period after the window")


def load(path: Path) -> list[Entry]:
    if not path.is_file():
        return []
    entries = []
    for line in path.read_text("utf-8").splitlines():
        if line.strip():
            entries.append(Entry(**json.loads(line)))
    return entries


def save(path: Path, entries: Iterable[Entry]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{e.as_json()}\n" for e in entries), "utf-8")
