"""The checks of behaviour new in 2026-11 (checks/_behaviour.py), each on a payload that keeps
its rule and on one that breaks it; the grammar's statuses; the checks run only under 2026-11."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from interactions_conformance.checks import (
    check_continuation_token,
    check_continued_answer,
    check_deferred_start,
    check_deprecated_accepted,
    check_errors_items,
    check_initial_input,
    check_queued_transitions,
    check_safety_rejection,
    check_status_sequence,
    check_step_usage,
    check_stream_grammar,
    grammar_for,
    registered_checks,
    run_interaction_checks,
)

R = "2026-11"
SPEC = Path(__file__).resolve().parents[1] / "spec" / R


def _rules(found: list[Any]) -> list[str]:
    return [v.rule for v in found]


# -- grammar -------------------------------------------------------------------------------


def test_the_grammar_knows_queued_and_requires_continuation() -> None:
    grammar = grammar_for(R)
    assert grammar.status_transitions["queued"] == {"in_progress", "cancelled", "failed"}
    assert "requires_continuation" in grammar.status_transitions["in_progress"]
    assert "queued" not in grammar.status_transitions["in_progress"]


def test_the_terminal_statuses_are_revision_json_s_and_requires_continuation() -> None:
    listed = set(json.loads((SPEC / "revision.json").read_text("utf-8"))["terminal_statuses"])
    assert grammar_for(R).terminal_statuses - {"requires_continuation"} == listed - {
        "requires_continuation"
    }


def test_the_checks_run_only_under_2026_11() -> None:
    mine = {
        "check_continuation_token",
        "check_continued_answer",
        "check_deferred_start",
        "check_deprecated_accepted",
        "check_errors_items",
        "check_initial_input",
        "check_queued_transitions",
        "check_safety_rejection",
        "check_status_sequence",
        "check_step_usage",
    }
    assert mine <= set(registered_checks(R))
    for older in ("2025-12", "2026-05"):
        assert not mine & set(registered_checks(older)), older


# -- queued --------------------------------------------------------------------------------


def _events(*statuses: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        {"event_type": "interaction.created", "interaction": {"id": "i", "status": statuses[0]}}
    ]
    out += [
        {"event_type": "interaction.status_update", "interaction_id": "i", "status": s}
        for s in statuses[1:-1]
    ]
    out.append(
        {"event_type": "interaction.completed", "interaction": {"id": "i", "status": statuses[-1]}}
    )
    return out


def test_queued_then_in_progress_then_completed_passes() -> None:
    assert (
        check_queued_transitions(
            _events("queued", "queued", "in_progress", "completed"), revision=R
        )
        == []
    )


def test_going_back_to_queued_fails() -> None:
    found = check_queued_transitions(
        _events("queued", "in_progress", "queued", "completed"), revision=R
    )
    assert _rules(found) == ["STATUS-QUEUED-TRANSITIONS"]
    assert found[0].where == "event 2 /status"


def test_queued_straight_to_completed_fails() -> None:
    found = check_queued_transitions(_events("queued", "completed"), revision=R)
    assert _rules(found) == ["STATUS-QUEUED-TRANSITIONS"]
    assert "in_progress" in found[0].expected


def test_the_grammar_runs_the_queued_check_on_streams() -> None:
    rules = _rules(
        check_stream_grammar(_events("queued", "in_progress", "queued", "completed"), revision=R)
    )
    assert "STATUS-QUEUED-TRANSITIONS" in rules
    assert "STATUS-QUEUED-TRANSITIONS" not in _rules(
        check_stream_grammar(_events("in_progress", "completed"), revision="2026-05")
    )


def test_a_poll_sequence_is_checked_like_a_stream() -> None:
    good = [{"status": "queued"}, {"status": "in_progress"}, {"status": "completed"}]
    assert check_status_sequence(good, revision=R) == []
    bad = [{"status": "in_progress"}, {"status": "queued"}]
    found = check_status_sequence(bad, revision=R)
    assert _rules(found) == ["STATUS-QUEUED-TRANSITIONS"]
    assert found[0].where == "poll 1 /status"


def test_a_deferred_create_starts_queued() -> None:
    assert check_deferred_start({"status": "queued", "service_tier": "deferred"}) == []
    assert _rules(check_deferred_start({"status": "in_progress", "service_tier": "deferred"})) == [
        "QUEUE-DEFERRED"
    ]
    assert _rules(check_deferred_start({"status": "queued", "service_tier": "standard"})) == [
        "QUEUE-DEFERRED"
    ]


# -- continuation --------------------------------------------------------------------------


def test_requires_continuation_needs_a_token() -> None:
    assert (
        check_continuation_token(
            {"status": "requires_continuation", "continuation_token": "t"}, revision=R
        )
        == []
    )
    assert check_continuation_token({"status": "completed"}, revision=R) == []
    for bad in (
        {"status": "requires_continuation"},
        {"status": "requires_continuation", "continuation_token": ""},
    ):
        assert _rules(check_continuation_token(bad, revision=R)) == ["CONT-TOKEN-WITH-STATUS"]


def test_a_hop_does_not_hand_back_its_token() -> None:
    body = {"status": "requires_continuation", "continuation_token": "t1"}
    assert check_continuation_token(body, {"continuation_token": "t0"}, revision=R) == []
    found = check_continuation_token(
        body, {"continuation_token": "t1"}, revision=R, where="event 9 /interaction"
    )
    assert _rules(found) == ["CONT-TOKEN-ADVANCES"]
    assert found[0].where == "event 9 /interaction/continuation_token"


def test_the_interaction_checks_include_the_token_check_under_2026_11_only() -> None:
    body = {"status": "requires_continuation", "steps": []}
    assert "CONT-TOKEN-WITH-STATUS" in _rules(run_interaction_checks(body, revision=R))
    assert "CONT-TOKEN-WITH-STATUS" not in _rules(run_interaction_checks(body, revision="2026-05"))


def _hop(ident: str, status: str, text: str) -> dict[str, Any]:
    return {
        "id": ident,
        "status": status,
        "steps": [{"type": "model_output", "content": [{"type": "text", "text": text}]}],
    }


def test_hops_joined_are_the_answer() -> None:
    hops = [_hop("a", "requires_continuation", "1 2 "), _hop("b", "completed", "3 4")]
    assert check_continued_answer(hops, "1 2 3 4") == []


def test_a_hop_that_restarts_fails() -> None:
    hops = [_hop("a", "requires_continuation", "1 2 "), _hop("b", "completed", "1 2 ")]
    found = check_continued_answer(hops, "1 2 3 4")
    assert _rules(found) == ["CONT-RESUME"]
    assert "character 4" in found[0].message


def test_a_hop_that_is_the_same_interaction_or_ends_early_fails() -> None:
    hops = [_hop("a", "completed", "1 2 "), _hop("a", "completed", "3 4")]
    assert _rules(check_continued_answer(hops, "1 2 3 4")) == ["CONT-RESUME", "CONT-RESUME"]


# -- errors, usage, safety -----------------------------------------------------------------


def test_errors_items_have_a_snake_case_code_and_a_message() -> None:
    good = {"status": "failed", "errors": [{"code": "api_error", "message": "it failed"}]}
    assert check_errors_items(good, revision=R) == []
    assert check_errors_items({"status": "completed"}, revision=R) == []
    bad = {"status": "failed", "errors": [{"code": 13}, {"code": "Internal Error", "message": 1}]}
    found = check_errors_items(bad, revision=R)
    assert [v.where for v in found] == [
        "/errors/0/code",
        "/errors/0/message",
        "/errors/1/code",
        "/errors/1/message",
    ]
    assert _rules(check_errors_items({"errors": {"code": "x"}}, revision=R)) == ["ERRORS-ITEM"]


def test_initial_input_tokens_within_the_total() -> None:
    assert (
        check_initial_input(
            {"usage": {"initial_input_tokens": 5, "total_input_tokens": 5}}, revision=R
        )
        == []
    )
    assert check_initial_input({"usage": {"total_input_tokens": 5}}, revision=R) == []
    found = check_initial_input(
        {"usage": {"initial_input_tokens": 6, "total_input_tokens": 5}}, revision=R
    )
    assert _rules(found) == ["USAGE-INITIAL-INPUT"]


def _stops(*pairs: tuple[int, int], final: int) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for i, (own, cumulative) in enumerate(pairs):
        events.append(
            {
                "event_type": "step.stop",
                "index": i,
                "step_usage": {"total_tokens": own},
                "usage": {"total_tokens": cumulative},
            }
        )
    events.append(
        {
            "event_type": "interaction.completed",
            "interaction": {"status": "completed", "usage": {"total_tokens": final}},
        }
    )
    return events


def test_step_usage_cumulative_and_within() -> None:
    assert check_step_usage(_stops((10, 10), (5, 15), final=15), revision=R) == []
    assert _rules(check_step_usage(_stops((10, 20), (5, 15), final=15), revision=R)) == [
        "USAGE-STEP-CUMULATIVE",
        "USAGE-STEP-CUMULATIVE",
    ]  # falls at event 1, and event 0 exceeds the total
    assert _rules(check_step_usage(_stops((11, 10), final=10), revision=R)) == ["USAGE-STEP-WITHIN"]
    assert check_step_usage([{"event_type": "step.stop", "index": 0}], revision=R) == []


@pytest.mark.parametrize(
    ("status", "message", "ok"),
    [
        (400, "Invalid value at 'safety_settings[0].threshold': no", True),
        (400, "bad value at safety_settings.0.threshold", True),
        (400, "Invalid value", False),
        (200, None, False),
    ],
)
def test_a_safety_rejection_names_the_field(status: int, message: str | None, ok: bool) -> None:
    body = {"error": {"code": "invalid_request", "message": message}} if message else {}
    found = check_safety_rejection(status, body, "safety_settings[0].threshold")
    assert (found == []) is ok
    assert all(v.rule == "SAFETY-ENUMS" for v in found)


def test_a_deprecated_field_is_accepted() -> None:
    assert check_deprecated_accepted(200, {}, "generation_config.top_p") == []
    body = {"error": {"code": "invalid_request", "message": "top_p is deprecated"}}
    found = check_deprecated_accepted(400, body, "generation_config.top_p")
    assert _rules(found) == ["DEPRECATED-ACCEPTED"]
    assert "top_p is deprecated" in found[0].actual


def _exchange(method: str, path: str, body: dict[str, Any], request: Any = None) -> Any:
    from interactions_conformance._traffic import Exchange, Request, Response

    raw = json.dumps(request).encode() if request is not None else b""
    return Exchange(
        Request(method, f"http://x/v1beta/{path}", {"content-type": "application/json"}, raw),
        Response(200, {"content-type": "application/json"}, json.dumps(body).encode()),
    )


def test_a_scenario_of_polls_is_checked_for_queued_regressions() -> None:
    from interactions_conformance.checks import check_scenario

    create = {"model": "gemini-2.5-flash-lite", "input": "hi", "background": True}
    base = {"id": "abc", "model": "gemini-2.5-flash-lite", "object": "interaction"}
    exchanges = [
        _exchange("POST", "interactions", base | {"status": "queued"}, create),
        _exchange("GET", "interactions/abc", base | {"status": "in_progress"}),
        _exchange("GET", "interactions/abc", base | {"status": "queued"}),
    ]
    found = [v for v in check_scenario(exchanges, R).violations if v.rule.startswith("STATUS-Q")]
    assert [(v.rule, v.where) for v in found] == [
        ("STATUS-QUEUED-TRANSITIONS", "exchange 2 /status")
    ]
    older = check_scenario(exchanges, "2026-05")  # a rule 2026-05 lacks: not checked there
    assert not [v for v in older.violations if v.rule.startswith("STATUS-Q")]
    exchanges[2] = _exchange("GET", "interactions/abc", base | {"status": "completed"})
    assert not [v for v in check_scenario(exchanges, R).violations if v.rule.startswith("STATUS-Q")]


def test_the_server_sends_no_continuation_ids() -> None:
    body = {"status": "requires_continuation", "continuation_token": "t", "continuation_ids": ["a"]}
    assert _rules(check_continuation_token(body, revision=R)) == ["CONT-IDS-SDK-ONLY"]
    del body["continuation_ids"]
    assert check_continuation_token(body, revision=R) == []


def _parsed(payloads: list[dict[str, Any]]) -> list[Any]:
    """The same events as an SSE parse gives them (SSEEvent, not the payload)."""
    from interactions_conformance.checks import parse_sse

    text = "".join(f"event: {p['event_type']}\ndata: {json.dumps(p)}\n\n" for p in payloads)
    return list(parse_sse([text.encode()]).events)


def test_the_stream_behaviour_checks_read_parsed_events_as_payloads() -> None:
    # They once read an SSEEvent's data (a string) and so found nothing in a parsed stream.
    back_to_queued = _events("queued", "in_progress", "queued", "completed")
    assert _rules(check_queued_transitions(_parsed(back_to_queued), revision=R)) == [
        "STATUS-QUEUED-TRANSITIONS"
    ]
    falling = _stops((10, 20), (5, 15), final=15)
    assert _rules(check_step_usage(_parsed(falling), revision=R)) == _rules(
        check_step_usage(falling, revision=R)
    )
    assert check_step_usage(_parsed(falling), revision=R)
