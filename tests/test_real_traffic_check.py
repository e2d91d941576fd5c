"""Every recorded payload in ../shared/real-traffic, through `_sources` and the checks.

The 2025-12 recordings under revision 2025-12 first; then the 2026-steps recordings under
revision 2026-05 (with their own tables of decided findings), and the 2025-12 recordings under
2026-05, which must never pass silently.

Payloads are read at test time and never copied into the repository. An Interaction becomes
the answer to a GET, a list of SSE events the streamed answer to a create (with the create
request its ``_meta`` implies), a request body is validated against ``create-request``.
What the live API did that the guide did not say is asserted here, file by file: as drift
(``service_tier``, the search fields, the ``text_annotation`` delta) or as a decided
deviation (no ``event_id``; empty ids with ``store=false``; the docs' own inconsistencies).
Nothing may crash and nothing may pass silently: the findings must equal these tables.
Skipped, with the reason, when ../shared is absent.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from _support import REAL_TRAFFIC, load_recording, real_traffic_files
from interactions_conformance import Revision, load_revision
from interactions_conformance._sources import from_events, from_interaction
from interactions_conformance._traffic import Exchange, Request, Response
from interactions_conformance.checks import check_exchange, check_request_fields

FILES = real_traffic_files("2025-12__")
if not FILES:
    pytestmark = pytest.mark.skip(
        reason=f"no recorded traffic at {REAL_TRAFFIC} (../shared/real-traffic is absent)"
    )

# The create request each recording implies (its _meta describes the request).
CONTEXT: dict[str, dict[str, Any]] = {
    "vercel-stateless-store-false-turn1": {"store": False},
    "vercel-stateless-store-false-turn2": {"store": False},
    "vercel-image-output": {"response_modalities": ["IMAGE"]},
    "vercel-image-output-modify": {"response_modalities": ["IMAGE"]},
}

_TIER = ("property", "service_tier", "/service_tier")
_PAGE_ORDER = {  # the reference page lists one example per event type, not one stream
    ("STREAM-ONE-TERMINAL", "event 2 /event_type"),
    ("STREAM-ONE-TERMINAL", "event 6 /event_type"),
    ("STREAM-INDEX-ORDER", "event 3 /index"),
    ("STREAM-STATUS-TRANSITIONS", "event 2 /status"),
}
# Decided deviations: (rule, where) each file is known to break, with why.
VIOLATIONS: dict[str, set[tuple[str, str]]] = {
    # The Dec 2025 page nests the call and gives it no id (API-SURFACE contradiction 3), and
    # leaves total_tool_use_tokens out of total_tokens.
    "interaction__docs-dec2025-function-call-nested": {
        ("FC-CALL-SHAPE", "/outputs/0/id"),
        ("FC-CALL-SHAPE", "/outputs/0/name"),
        ("FC-CALL-SHAPE", "/outputs/0/arguments"),
        ("USAGE-TOTAL-SUM", "/usage/total_tokens"),
    },
    "interaction__docs-2026q1-function-call-requires-action": {
        ("USAGE-TOTAL-SUM", "/usage/total_tokens")
    },
    "stream__docs-2026q1-event-examples": _PAGE_ORDER,
    "stream__docs-dec2025-event-examples": _PAGE_ORDER
    | {("STREAM-COMPLETE-OUTPUTS", "event 1 /interaction/outputs")},
}
# Drift: what the live API sent that revision 2025-12 does not know.
DRIFT: dict[str, set[tuple[str, str, str]]] = {
    "interaction__docs-dec2025-function-call-nested": {
        ("property", "function_call", "/outputs/0/function_call")
    },
    "interaction__vercel-google-search": {
        _TIER,
        ("property", "search_type", "/outputs/1/search_type"),
        ("property", "search_suggestions", "/outputs/2/result/2/search_suggestions"),
        ("property", "title", "/outputs/3/annotations/0/title"),
        ("property", "type", "/outputs/3/annotations/0/type"),
        ("property", "url", "/outputs/3/annotations/0/url"),
    },
    "stream__vercel-google-search": {
        ("delta type", "text_annotation", "event 10 /delta/type"),
        ("property", "search_suggestions", "event 6 /content/result/2/search_suggestions"),
        ("property", "service_tier", "event 12 /interaction/service_tier"),
    },
    "request__docs-migration-legacy-image-config": {
        ("property", "image_config", "/generation_config/image_config")
    },
}
# Every other vercel (live) recording carries service_tier: on the resource, or on the final
# event of the stream (its index below).
for _name in (
    "basic-text",
    "function-call-requires-action",
    "function-result-followup",
    "image-output",
    "image-output-modify",
    "stateful-turn1",
    "stateful-turn2",
    "stateless-store-false-turn1",
    "stateless-store-false-turn2",
    "structured-output",
):
    DRIFT[f"interaction__vercel-{_name}"] = {_TIER}
for _name, _last in {
    "basic-text": 9,
    "function-call-requires-action": 8,
    "function-result-followup": 9,
    "image-output": 8,
    "image-output-modify": 8,
    "stateful-turn1": 9,
    "stateful-turn2": 9,
    "stateless-store-false-turn1": 9,
    "stateless-store-false-turn2": 8,
}.items():
    DRIFT[f"stream__vercel-{_name}"] = {
        ("property", "service_tier", f"event {_last} /interaction/service_tier")
    }


def _key(path: Path) -> str:
    return path.stem.split("__", 1)[1]


def _exchange(path: Path) -> tuple[str, Any, Exchange | None]:
    meta, payload = load_recording(path)
    kind, name = _key(path).split("__", 1)
    assert meta.get("era") == "2025-12", path
    if kind == "interaction":
        return kind, payload, from_interaction(payload, label=path.name)
    if kind == "stream":
        return kind, payload, from_events(payload, request=CONTEXT.get(name), label=path.name)
    return kind, payload, None


@pytest.mark.parametrize("path", FILES, ids=_key)
def test_recorded_payload_gives_exactly_the_decided_findings(
    path: Path, revision: Revision
) -> None:
    kind, payload, exchange = _exchange(path)
    name = _key(path).split("__", 1)[1]
    if exchange is None:
        assert kind == "request", path
        result = revision.validate(payload, "create-request")
    else:
        result = check_exchange(
            exchange, revision, request=CONTEXT.get(name) if kind == "interaction" else None
        )
    violations = {(v.rule, v.where) for v in result.violations}
    drift = {(d.what, d.name, d.where) for d in result.drift}
    assert violations == VIOLATIONS.get(_key(path), set()), [v.render() for v in result.violations]
    assert drift == DRIFT.get(_key(path), set())


def test_every_table_entry_names_a_file() -> None:
    keys = {_key(p) for p in FILES}
    assert set(VIOLATIONS) <= keys
    assert set(DRIFT) <= keys


def test_recorded_streams_carry_no_event_id_a_decided_deviation(revision: Revision) -> None:
    """Live streams have no event_id (no resume): STREAM-EVENT-ID applies only to a target that
    claims resume (require_event_ids, the `resume` feature), so by default it is not a failure;
    asked for, it is one on every recorded live stream."""
    streams = [p for p in FILES if _key(p).startswith("stream__vercel-")]
    assert streams
    for path in streams:
        _, payload, exchange = _exchange(path)
        assert exchange is not None
        assert not any("event_id" in event for event in payload), path
        strict = check_exchange(exchange, revision, require_event_ids=True)
        assert ("STREAM-EVENT-ID", "event 0 /event_id") in {
            (v.rule, v.where) for v in strict.violations
        }, path
        assert "STREAM-EVENT-ID" not in check_exchange(exchange, revision).rules


def test_store_false_empty_ids_are_a_violation_without_the_request(revision: Revision) -> None:
    """store=false answers carry id "": accepted only knowing the request said store=false."""
    for name in ("stateless-store-false-turn1", "stateless-store-false-turn2"):
        path = REAL_TRAFFIC / f"2025-12__stream__vercel-{name}.json"
        _, payload, _ = _exchange(path)
        assert payload[0]["interaction"]["id"] == ""
        bare = check_exchange(from_events(payload), revision)
        assert "BASIC-ID" in bare.rules


def test_thought_token_names_of_both_doc_eras_are_accepted(revision: Revision) -> None:
    """usage.total_thought_tokens (live, 2026 docs) and total_reasoning_tokens (Dec 2025 docs)
    are both known to the revision: neither is drift."""
    seen = set()
    for path in FILES:
        kind, payload, exchange = _exchange(path)
        if kind != "interaction" or exchange is None:
            continue
        usage = payload.get("usage") or {}
        for field in ("total_thought_tokens", "total_reasoning_tokens"):
            if field in usage:
                seen.add(field)
                drift = check_exchange(exchange, revision).drift
                assert not [d for d in drift if d.name == field], path
    assert seen == {"total_thought_tokens", "total_reasoning_tokens"}


# -- the steps era under revision 2026-05 -------------------------------------------------------

STEPS = "2026-05"
STEPS_FILES = real_traffic_files("2026-steps__")
LEGACY_UNDER_STEPS = [p for p in FILES if not _key(p).startswith("request__")]

# The create request each steps recording implies (its _meta describes the request).
STEPS_CONTEXT: dict[str, dict[str, Any]] = {
    "vercel-stateless-store-false-turn1": {"store": False},
    "vercel-stateless-store-false-turn2": {"store": False},
}
# Decided deviations under 2026-05: (rule, where) each steps file is known to break, with why.
STEPS_VIOLATIONS: dict[str, set[tuple[str, str]]] = {
    # Decision SCHEMA-INTERACTION: MIG's illustrative GET is docs shorthand without a status.
    "interaction__docs-migration-get-with-user-input": {("SCHEMA-INTERACTION", "/status")},
    "stream__selected-events-function-call-metadata": {
        # Decision STREAM-ARGUMENTS-DELTA: these notes have an object where MIG, SDK250 and the
        # vercel recording have a partial-JSON string; the documented string wins.
        ("STREAM-ARGUMENTS-DELTA", "event 5 /delta/arguments"),
        # The notes are SELECTED, not contiguous events (its _meta): the function_call's
        # step.start was left out, so its delta comes unopened and the rebuilt step is untyped.
        ("STREAM-CONTENT-BRACKETS", "event 5 /index"),
        ("FC-REQUIRES-ACTION", "reassembled /steps/1/type"),
    },
}
# Drift under 2026-05: what the recordings sent that the revision leaves out.
STEPS_DRIFT: dict[str, set[tuple[str, str, str]]] = {
    # Decision USAGE-RAW-PROMPT (usage.json): on the wire 2026-08-13, in no SDK.
    "stream__trace-google-search-gemini-3-6": {
        ("property", "raw_prompt_token", "event 35 /interaction/usage/raw_prompt_token")
    },
}


def _steps_result(path: Path, context: dict[str, Any] | None) -> tuple[str, Any]:
    """(kind, CheckResult or list of violations) of one steps recording under 2026-05."""
    meta, payload = load_recording(path)
    assert meta.get("era") == "2026-steps", path
    kind = _key(path).split("__", 1)[0]
    if kind == "interaction":
        return kind, check_exchange(
            from_interaction(payload, label=path.name), STEPS, request=context
        )
    if kind == "stream":
        exchange = from_events(payload, request=context, label=path.name, done=True)
        return kind, check_exchange(exchange, STEPS)
    if kind == "error":
        request = Request("POST", "https://example.test/v1beta/interactions", {}, b"{}")
        response = Response(meta["http_status"], {}, json.dumps(payload).encode())
        return kind, check_exchange(Exchange(request, response), STEPS)
    assert kind == "request", path
    return kind, check_request_fields(payload, STEPS)


def _catalogue_rules_only(violations: list[Any]) -> None:
    catalogue = load_revision(STEPS).rules
    foreign = sorted({v.rule for v in violations if v.rule not in catalogue})
    assert not foreign, f"violations of rules the {STEPS} catalogue lacks: {foreign}"


@pytest.mark.skipif(not STEPS_FILES, reason=f"no steps-era recordings at {REAL_TRAFFIC}")
@pytest.mark.parametrize("path", STEPS_FILES, ids=_key)
def test_steps_recording_gives_exactly_the_decided_findings(path: Path) -> None:
    name = _key(path).split("__", 1)[1]
    _, result = _steps_result(path, STEPS_CONTEXT.get(name))
    violations = result if isinstance(result, list) else result.violations
    _catalogue_rules_only(violations)
    assert {(v.rule, v.where) for v in violations} == STEPS_VIOLATIONS.get(_key(path), set()), [
        v.render() for v in violations
    ]
    if not isinstance(result, list):
        drift = {(d.what, d.name, d.where) for d in result.drift}
        assert drift == STEPS_DRIFT.get(_key(path), set())


def test_every_steps_table_entry_names_a_file() -> None:
    keys = {_key(p) for p in STEPS_FILES}
    assert set(STEPS_VIOLATIONS) | set(STEPS_DRIFT) <= keys
    assert {f"{k}__{n}" for n in STEPS_CONTEXT for k in ("interaction", "stream")} <= keys


def test_steps_store_false_ids_are_accepted_only_with_the_request() -> None:
    """STORE-FALSE-ID: the store false recordings have no id (resource) or "" (stream)."""
    for kind in ("interaction", "stream"):
        path = REAL_TRAFFIC / f"2026-steps__{kind}__vercel-stateless-store-false-turn1.json"
        _, bare = _steps_result(path, None)
        assert "BASIC-ID" in bare.rules, path
        _, told = _steps_result(path, {"store": False})
        assert "BASIC-ID" not in told.rules, path


def test_steps_streams_carry_no_event_id() -> None:
    streams = [p for p in STEPS_FILES if _key(p).startswith("stream__")]
    assert len(streams) >= 8
    for path in streams:
        _, payload = load_recording(path)
        assert not any("event_id" in event for event in payload), path
        exchange = from_events(payload, request=STEPS_CONTEXT.get(_key(path).split("__")[1]))
        asked = check_exchange(exchange, STEPS, require_event_ids=True)
        assert ("STREAM-EVENT-ID", "event 0 /event_id") in {
            (v.rule, v.where) for v in asked.violations
        }


@pytest.mark.parametrize("path", LEGACY_UNDER_STEPS, ids=_key)
def test_a_2025_12_recording_under_2026_05_is_never_silently_valid(path: Path) -> None:
    kind, payload, exchange = _exchange(path)
    assert exchange is not None
    result = check_exchange(exchange, STEPS)  # never raises
    _catalogue_rules_only(result.violations)
    if kind == "stream" or "outputs" in payload:
        assert "REV-STEPS-SCHEMA" in result.rules, [v.render() for v in result.violations]
    else:  # running or cancelled, no outputs: a shape the steps schema did not change
        assert result.violations == [], path
        assert result.drift == [], path


def test_2025_12_requests_under_2026_05_name_the_removed_fields() -> None:
    found = {}
    for path in FILES:
        if _key(path).startswith("request__"):
            _, payload = load_recording(path)
            violations = check_request_fields(payload, STEPS)
            _catalogue_rules_only(violations)
            found[_key(path)] = {(v.rule, v.where) for v in violations}
    assert found["request__docs-migration-legacy-structured-output"] == {
        ("SO-RESPONSE-FORMAT", "/response_format/type"),
        ("REQ-NO-LEGACY-FIELDS", "/response_mime_type"),
    }
    assert found["request__docs-migration-legacy-image-config"] == {
        ("REQ-NO-LEGACY-FIELDS", "/generation_config/image_config")
    }
    assert ("REQ-NO-LEGACY-FIELDS", "/input/0") in found["request__docs-multi-turn-turns"]
    assert found["request__docs-simple"] == set()
