"""The retention ledger's expectations at each boundary."""

from __future__ import annotations

from pathlib import Path

import pytest

from interactions_conformance._ledger import (
    DAY,
    GRACE_SECONDS,
    Entry,
    expectation,
    fingerprint,
    load,
    save,
)


def _entry(kind: str = "stored", tier: str = "free") -> Entry:
    return Entry("v1_x", 1_000_000.0, tier, kind, "https://t", fingerprint("k"))


@pytest.mark.parametrize(
    ("tier", "age", "retrievable", "rule"),
    [
        ("free", DAY - 1, True, "RETENTION-FREE"),
        ("free", DAY + GRACE_SECONDS / 2, None, "RETENTION-FREE"),
        ("free", DAY + GRACE_SECONDS + 1, False, "RETENTION-FREE"),
        ("paid", 54 * DAY, True, "RETENTION-PAID"),
        ("paid", 2 * DAY, True, "RETENTION-PAID"),
        ("paid", 55 * DAY + GRACE_SECONDS + 1, False, "RETENTION-PAID"),
    ],
)
def test_expectation_by_age(tier: str, age: float, retrievable: bool | None, rule: str) -> None:
    entry = _entry(tier=tier)
    found = expectation(entry, entry.created + age)
    assert (found.retrievable, found.rule) == (retrievable, rule)


def test_deleted_and_store_false_are_never_retrievable() -> None:
    assert expectation(_entry("deleted"), 1_000_001.0).retrievable is False
    assert expectation(_entry("store_false"), 1_000_001.0).rule == "STORE-FALSE-GET"


def test_round_trip_writes_no_key(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    save(path, [_entry()])
    assert load(path) == [_entry()]
    assert '"k"' not in path.read_text()
