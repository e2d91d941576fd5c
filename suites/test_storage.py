"""Storage: store, delete and retention (G21)."""

from __future__ import annotations

from typing import Any

import pytest

from interactions_conformance import _probes as probes
from interactions_conformance._assertions import body_of, expect_error, expect_ok, require
from interactions_conformance._suite import final_text, interaction_id, outputs_of

pytestmark = pytest.mark.storage

DAY = 86_400.0
GRACE = 3_600.0


def _stored(api: Any, model: str, small: dict[str, Any], rule: str, **extra: Any) -> str:
    exchange = api.create(
        {"model": model, "input": probes.SHORT_PROMPT, "generation_config": small, **extra}
    )
    return interaction_id(rule, expect_ok(rule, exchange), exchange)


@pytest.mark.rule("STORE-DEFAULT")
def test_interactions_are_stored_by_default(api: Any, model: str, small: dict[str, Any]) -> None:
    ident = _stored(api, model, small, "STORE-DEFAULT")
    expect_ok("STORE-DEFAULT", api.get(ident), what="GET of an interaction created without store")


@pytest.mark.rule("STORE-FALSE-GET", "STORE-FALSE-ID", "STORE-FALSE-ACCEPTED")
def test_store_false_is_not_retrievable(api: Any, model: str, small: dict[str, Any]) -> None:
    exchange = api.create(
        {"model": model, "input": probes.SHORT_PROMPT, "store": False, "generation_config": small}
    )
    body = expect_ok("STORE-FALSE-ACCEPTED", exchange)
    require(
        "STORE-FALSE-ACCEPTED",
        final_text(body) != "",
        "a store=false interaction returned no outputs",
        expected="outputs with a final text",
        actual=outputs_of(body) or "<no outputs>",
        exchange=exchange,
    )
    ident = body.get("id")
    require(
        "STORE-FALSE-ID",
        ident is None or isinstance(ident, str),
        "id has the wrong type",
        expected="absent, empty or a string",
        actual=ident,
        where="/id",
        exchange=exchange,
    )
    if ident:
        expect_error(
            "STORE-FALSE-GET", api.get(ident), 404, what="GET of a store=false interaction"
        )


@pytest.mark.rule("STORE-FALSE-PREVIOUS")
def test_store_false_cannot_be_continued(api: Any, model: str, small: dict[str, Any]) -> None:
    body = expect_ok(
        "STORE-FALSE-PREVIOUS",
        api.create(
            {
                "model": model,
                "input": probes.remember_code_word(),
                "store": False,
                "generation_config": small,
            }
        ),
    )
    ident = body.get("id")
    if not ident:
        pytest.skip(
            "the store=false response carries no id, so nothing can refer to it (STORE-FALSE-ID)"
        )
    exchange = api.create(
        {"model": model, "input": probes.ask_code_word(), "previous_interaction_id": ident}
    )
    expect_error(
        "STORE-FALSE-PREVIOUS", exchange, (400, 404), what="continuing a store=false interaction"
    )


@pytest.mark.rule("DELETE-REMOVES", "DELETE-RESPONSE")
def test_delete_removes(api: Any, model: str, small: dict[str, Any]) -> None:
    ident = _stored(api, model, small, "DELETE-REMOVES")
    exchange = api.delete(ident)
    require(
        "DELETE-RESPONSE",
        exchange.response.status == 200,
        "DELETE of a stored interaction failed",
        expected="HTTP 200",
        actual=f"HTTP {exchange.response.status}",
        exchange=exchange,
    )
    body = body_of(exchange)
    require(
        "DELETE-RESPONSE",
        exchange.response.body.strip() == b"" or body == {},
        "DELETE returned a body",
        expected="an empty body or {}",
        actual=exchange.response.body[:200].decode("utf-8", "replace"),
        exchange=exchange,
    )
    expect_error("DELETE-REMOVES", api.get(ident), 404, what="GET after DELETE")


@pytest.mark.rule("DELETE-UNKNOWN")
def test_delete_unknown_is_404(api: Any) -> None:
    expect_error(
        "DELETE-UNKNOWN", api.delete("v1_does-not-exist"), 404, what="DELETE of an unknown id"
    )


@pytest.mark.rule("DELETE-BREAKS-CHAIN")
def test_deleted_interaction_cannot_be_continued(
    api: Any, model: str, small: dict[str, Any]
) -> None:
    ident = _stored(api, model, small, "DELETE-BREAKS-CHAIN")
    deleted = api.delete(ident)
    require(
        "DELETE-BREAKS-CHAIN",
        deleted.response.status == 200,
        "DELETE of a stored interaction failed",
        expected="HTTP 200",
        actual=f"HTTP {deleted.response.status}",
        exchange=deleted,
    )
    exchange = api.create(
        {"model": model, "input": probes.SHORT_PROMPT, "previous_interaction_id": ident}
    )
    expect_error(
        "DELETE-BREAKS-CHAIN", exchange, (400, 404), what="continuing a deleted interaction"
    )


def _retention(
    api: Any, model: str, small: dict[str, Any], clock: Any, rule: str, days: float
) -> None:
    ident = _stored(api, model, small, rule)
    clock(days * DAY - GRACE)
    expect_ok(rule, api.get(ident), what=f"GET {days:g} days less an hour after creation")
    clock(2 * GRACE)
    expect_error(rule, api.get(ident), 404, what=f"GET {days:g} days and an hour after creation")


@pytest.mark.rule("RETENTION-FREE")
@pytest.mark.feature("test_control")
def test_free_tier_retention_is_one_day(
    api: Any, model: str, small: dict[str, Any], clock: Any, tier: Any
) -> None:
    tier("free")
    _retention(api, model, small, clock, "RETENTION-FREE", 1)


@pytest.mark.rule("RETENTION-PAID")
@pytest.mark.feature("test_control")
def test_paid_tier_retention_is_55_days(
    api: Any, model: str, small: dict[str, Any], clock: Any, tier: Any
) -> None:
    tier("paid")
    _retention(api, model, small, clock, "RETENTION-PAID", 55)


@pytest.mark.rule("RETENTION-FREE", "RETENTION-PAID", "DELETE-REMOVES", "STORE-FALSE-GET")
def test_retention_ledger(
    api: Any, model: str, small: dict[str, Any], conformance: Any, request: Any
) -> None:
    """Re-check what earlier runs stored, then record this run's interactions (live retention)."""
    import time
    from pathlib import Path

    from interactions_conformance import _ledger

    option = request.config.getoption("--retention-ledger")
    if not option:
        pytest.skip(
            "unsupported: no --retention-ledger file given (retention on a live target is checked across runs)"
        )
    if conformance.name in ("emulator", "cassettes"):
        pytest.skip(
            "unsupported: the emulator's store is new every session; its retention is checked with the clock"
        )
    path = Path(option)
    key = _ledger.fingerprint(conformance.api_key)
    now = time.time()
    kept = []
    for entry in _ledger.load(path):
        if entry.target != conformance.base_url or entry.key != key:
            kept.append(entry)
            continue
        expected = _ledger.expectation(entry, now)
        exchange = api.get(entry.id)
        if expected.retrievable is True:
            expect_ok(expected.rule, exchange, what=f"GET of {entry.id}: {expected.why}")
        elif expected.retrievable is False:
            expect_error(expected.rule, exchange, 404, what=f"GET of {entry.id}: {expected.why}")
        # Entries past the window that are confirmed gone are done with; the rest stay.
        if not (expected.retrievable is False and entry.kind == "stored"):
            kept.append(entry)
    tier = conformance.profile.tier
    stored = _stored(api, model, small, "RETENTION-FREE" if tier == "free" else "RETENTION-PAID")
    deleted = _stored(api, model, small, "DELETE-REMOVES")
    api.delete(deleted)
    kept += [
        _ledger.Entry(stored, now, tier, "stored", conformance.base_url, key),
        _ledger.Entry(deleted, now, tier, "deleted", conformance.base_url, key),
    ]
    _ledger.save(path, kept)
