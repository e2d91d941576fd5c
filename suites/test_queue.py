"""Deferred work and the queued status (revision 2026-11: QUEUE-DEFERRED,
STATUS-QUEUED-TRANSITIONS). Skipped under revisions whose catalogue lacks these rules."""

from __future__ import annotations

import time
from typing import Any

import pytest

from interactions_conformance import ConformanceFailure
from interactions_conformance import _probes as probes
from interactions_conformance._assertions import expect_ok, require
from interactions_conformance._suite import interaction_id, wait_until_done
from interactions_conformance.checks import (
    check_deferred_start,
    check_status_sequence,
    parse_sse,
)


def _raise(violations: list[Any], exchange: Any, what: str) -> None:
    if violations:
        raise ConformanceFailure(
            [v.with_context(reproduce=exchange.reproduce) for v in violations], context=what
        )


def _deferred(model: str, small: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "model": model,
        "input": probes.ARITHMETIC_PROMPT,
        "background": True,
        "service_tier": "deferred",
        "generation_config": small,
        **extra,
    }


@pytest.mark.rule("QUEUE-DEFERRED", "STATUS-QUEUED-TRANSITIONS")
@pytest.mark.feature("background")
def test_a_deferred_request_is_queued_then_runs(
    api: Any, model: str, small: dict[str, Any], conformance: Any
) -> None:
    exchange = api.create(_deferred(model, small))
    started = expect_ok("QUEUE-DEFERRED", exchange, what="a deferred background request")
    _raise(check_deferred_start(started), exchange, "the create response of a deferred request")
    ident = interaction_id("QUEUE-DEFERRED", started, exchange)
    polls = [started]
    deadline = time.monotonic() + 600
    while polls[-1].get("status") in ("queued", "in_progress") and time.monotonic() < deadline:
        time.sleep(0.1)
        polled = api.get(ident)
        polls.append(expect_ok("STATUS-QUEUED-TRANSITIONS", polled, what="polling"))
    done = polls[-1] if polls[-1].get("status") not in ("queued", "in_progress") else None
    if done is None:
        done = wait_until_done(api, ident)
        polls.append(done)
    _raise(
        check_status_sequence(polls, revision=conformance.revision.name),
        exchange,
        f"the statuses of {len(polls)} polls of {ident}",
    )


@pytest.mark.rule("STATUS-QUEUED-TRANSITIONS")
@pytest.mark.feature("background", "streaming")
def test_a_streamed_deferred_request_shows_queued_first(
    api: Any, model: str, small: dict[str, Any]
) -> None:
    # The automatic stream checks hold the transitions (check_queued_transitions); this test
    # makes the stream and says which statuses it saw.
    exchange = api.create(_deferred(model, small, stream=True))
    require(
        "STATUS-QUEUED-TRANSITIONS",
        exchange.response.status == 200,
        "a streamed deferred request was not accepted",
        expected="HTTP 200",
        actual=f"HTTP {exchange.response.status}",
        exchange=exchange,
    )
    events = parse_sse(exchange.response.chunks or exchange.response.body).payloads
    statuses = [e.get("status") for e in events if isinstance(e, dict) and "status" in e]
    assert statuses, f"the stream reported no status: {events[:3]}"
