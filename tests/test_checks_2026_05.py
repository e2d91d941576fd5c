"""The checks under revision 2026-05 (the steps schema), on hand-written steps and step events.

Each check gets a correct payload that passes and a one-mutation payload that fails with the
expected rule id and pointer. The grammar table is tied to the revision's own data (event,
delta and status enums of its schemas, revision.json's terminal statuses), and no check ever
reports a rule the 2026-05 catalogue lacks (`_checked` asserts it on every result here).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interactions_conformance import Exchange, Request, Response, Revision, load_revision
from interactions_conformance._findings import Violation
from interactions_conformance._sources import from_events, from_interaction
from interactions_conformance.checks import (
    CheckResult,
    check_annotation_deltas,
    check_arguments_deltas,
    check_complete_outputs,
    check_exchange,
    check_metadata_usage,
    check_request_fields,
    check_resume,
    check_scenario,
    check_status_events,
    check_step_fields,
    check_stream_equals_resource,
    check_stream_function_calls,
    check_stream_grammar,
    grammar_for,
    reassemble_outputs,
    registered_checks,
    run_interaction_checks,
)

REV = "2026-05"
BASE = "https://example.test/v1beta/interactions"
ID = "v1_steps"
MODEL = "gemini-2.5-flash"


@pytest.fixture(scope="module")
def rev() -> Revision:
    return load_revision(REV)


def _rules(found: Iterable[Violation]) -> set[tuple[str, str]]:
    return {(v.rule, v.where) for v in found}


def _checked(found: CheckResult | list[Violation]) -> set[tuple[str, str]]:
    """(rule, where) of each violation, after asserting every rule is a 2026-05 rule."""
    violations = found.violations if isinstance(found, CheckResult) else found
    catalogue = load_revision(REV).rules
    foreign = sorted({v.rule for v in violations if v.rule not in catalogue})
    assert not foreign, f"rules the 2026-05 catalogue lacks: {foreign}"
    return _rules(violations)


# -- builders: events ----------------------------------------------------------------------


def created(status: str = "in_progress", ident: str = ID) -> dict[str, Any]:
    interaction = {"id": ident, "status": status, "object": "interaction", "model": MODEL}
    return {"event_type": "interaction.created", "interaction": interaction}


def status_update(status: str = "in_progress", ident: str = ID) -> dict[str, Any]:
    return {"event_type": "interaction.status_update", "interaction_id": ident, "status": status}


def sstart(index: int, **step: Any) -> dict[str, Any]:
    return {"event_type": "step.start", "index": index, "step": step}


def sdelta(index: int, **delta: Any) -> dict[str, Any]:
    return {"event_type": "step.delta", "index": index, "delta": delta}


def sstop(index: int) -> dict[str, Any]:
    return {"event_type": "step.stop", "index": index}


USAGE = {
    "total_tokens": 10,
    "total_input_tokens": 4,
    "total_output_tokens": 3,
    "total_thought_tokens": 3,
}


def completed(status: str = "completed", ident: str = ID, **extra: Any) -> dict[str, Any]:
    interaction = {"id": ident, "status": status, "usage": dict(USAGE), "model": MODEL, **extra}
    return {"event_type": "interaction.completed", "interaction": interaction}


CITATION = {"type": "url_citation", "url": "https://a.example", "start_index": 0, "end_index": 5}


def text_stream() -> list[dict[str, Any]]:
    """thought, then a model_output text in two deltas with its annotations after them."""
    return [
        created(),
        status_update(),
        sstart(0, type="thought"),
        sdelta(0, type="thought_signature", signature="c2ln"),
        sstop(0),
        sstart(1, type="model_output"),
        sdelta(1, type="text", text="Hel"),
        sdelta(1, type="text", text="lo"),
        sdelta(1, type="text_annotation_delta", annotations=[CITATION]),
        sstop(1),
        completed(),
    ]


def call_stream() -> list[dict[str, Any]]:
    """A function_call whose arguments arrive as two string fragments (recorded shape)."""
    return [
        created(),
        status_update(),
        sstart(0, type="thought"),
        sdelta(0, type="thought_signature", signature="c2ln"),
        sstop(0),
        sstart(1, id="c1", signature="", type="function_call", name="weather", arguments={}),
        sdelta(1, type="arguments_delta", arguments='{"city": '),
        sdelta(1, type="arguments_delta", arguments='"Paris"}'),
        sstop(1),
        completed("requires_action"),
    ]


def search_stream() -> list[dict[str, Any]]:
    """Text before the google_search steps (TOOL-ORDER), each step partial in its start."""
    return [
        created(),
        status_update(),
        sstart(0, type="model_output"),
        sdelta(0, type="text", text="Found it."),
        sstop(0),
        sstart(1, id="s1", signature="", type="google_search_call"),
        sdelta(1, type="google_search_call", arguments={"queries": ["q"]}),
        sstop(1),
        sstart(2, call_id="s1", signature="", type="google_search_result"),
        sdelta(2, type="google_search_result", result=[{"search_suggestions": "<div/>"}]),
        sstop(2),
        completed(),
    ]


def with_event_ids(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**e, "event_id": f"e{n}"} for n, e in enumerate(events)]


def grammar_found(events: list[Any], **kw: Any) -> set[tuple[str, str]]:
    return _checked(check_stream_grammar(events, revision=REV, **kw))


# -- builders: resources and exchanges -------------------------------------------------------

THOUGHT = {"type": "thought", "signature": "c2ln"}
TEXT_STEP = {
    "type": "model_output",
    "content": [{"type": "text", "text": "Hello", "annotations": [CITATION]}],
}
USER = {"type": "user_input", "content": [{"type": "text", "text": "Hi"}]}
CALL = {"type": "function_call", "id": "c1", "name": "weather", "arguments": {"city": "Paris"}}


def resource(*steps: dict[str, Any], status: str = "completed", **extra: Any) -> dict[str, Any]:
    return {
        "id": ID,
        "object": "interaction",
        "status": status,
        "model": MODEL,
        "created": "2026-05-15T18:51:55Z",
        "updated": "2026-05-15T18:51:56Z",
        "service_tier": "standard",
        "usage": dict(USAGE),
        "steps": copy.deepcopy(list(steps)),
        **extra,
    }


WEATHER_TOOL = {
    "type": "function",
    "name": "weather",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}


def create(body: dict[str, Any], answer: Any, status: int = 200) -> Exchange:
    return Exchange(
        Request("POST", BASE, {"content-type": "application/json"}, json.dumps(body).encode()),
        Response(status, {"content-type": "application/json"}, json.dumps(answer).encode()),
    )


def get(answer: Any) -> Exchange:
    return from_interaction(answer)


def interaction_found(body: Any, request: Any = None) -> set[tuple[str, str]]:
    return _checked(run_interaction_checks(body, request, revision=REV))


# -- the grammar table is the revision's -----------------------------------------------------


def test_the_grammar_names_the_step_events(rev: Revision) -> None:
    grammar = grammar_for(rev)
    assert grammar.start_event == "interaction.created"
    assert grammar.complete_event == "interaction.completed"
    assert (grammar.content_start_event, grammar.content_delta_event) == (
        "step.start",
        "step.delta",
    )
    assert (grammar.block_key, grammar.output_key) == ("step", "steps")
    assert grammar.event_types == set(rev.schemas["sse-event"]["properties"]["event_type"]["enum"])


def test_every_delta_type_extends_some_step_type(rev: Revision) -> None:
    grammar = grammar_for(rev)
    assert grammar.known_delta_types == set(rev.schemas["delta"]["properties"]["type"]["enum"])
    step_types = set(rev.schemas["step"]["properties"]["type"]["enum"])
    assert set(grammar.delta_types) <= step_types
    assert grammar.delta_types["function_call"] == {"arguments_delta"}
    assert grammar.delta_types["thought"] == {"thought_summary", "thought_signature"}
    assert {"text", "image", "text_annotation_delta"} <= grammar.delta_types["model_output"]


def test_the_statuses_are_the_revision_s(rev: Revision) -> None:
    grammar = grammar_for(rev)
    assert grammar.terminal_statuses == set(rev.meta["terminal_statuses"])
    schema_enum = rev.schemas["interaction"]["$defs"]["status"]["enum"]
    assert set(grammar.status_transitions) == set(schema_enum)
    assert {"incomplete", "budget_exceeded"} <= grammar.status_transitions["in_progress"]


def test_the_2025_12_grammar_is_unchanged_in_shape() -> None:
    old = grammar_for("2025-12")
    assert (old.block_key, old.output_key, old.joined_delta_fields) == ("content", "outputs", {})
    assert old.terminal_statuses == set(load_revision("2025-12").meta["terminal_statuses"])


def test_only_checks_of_catalogue_rules_run_under_2026_05(rev: Revision) -> None:
    checks = registered_checks(REV)
    assert {"check_arguments_deltas", "check_status_events", "check_step_fields"} <= set(checks)
    assert all(r in rev.rules for rules in checks.values() for r in rules)
    assert "check_arguments_deltas" not in registered_checks("2025-12")


def test_a_check_of_a_rule_the_revision_lacks_does_not_run(
    rev: Revision, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guard: a check citing only rules outside the catalogue is skipped, so it can never
    report them (whichever rules the catalogue carries over, this holds)."""
    from interactions_conformance.checks import _base

    only_old = sorted(set(load_revision("2025-12").rules) - set(rev.rules))
    assert only_old, "2026-05 now has every 2025-12 rule: pick another rule for this test"
    monkeypatch.setattr(_base, "REGISTRY", dict(_base.REGISTRY))  # dropped after the test

    @_base.registered(only_old[0])
    def check_legacy_only(interaction: Any, request: Any = None, **_: Any) -> list[Violation]:
        return [Violation(only_old[0], "old", expected="-", actual="-", where="/")]

    body = resource(THOUGHT, TEXT_STEP)
    _base.INTERACTION_CHECKS.append(check_legacy_only)
    try:
        assert interaction_found(body) == set()
        assert only_old[0] in {v.rule for v in run_interaction_checks(body, revision="2025-12")}
    finally:
        _base.INTERACTION_CHECKS.remove(check_legacy_only)
    assert "check_legacy_only" not in registered_checks(REV)


# -- correct steps traffic passes ------------------------------------------------------------


@pytest.mark.parametrize("stream", [text_stream, call_stream, search_stream])
def test_a_correct_step_stream_passes(stream: Any) -> None:
    events = stream()
    assert grammar_found(events) == set()
    result = check_exchange(from_events(events), REV)
    assert _checked(result) == set()
    assert result.drift == []


def test_a_correct_steps_resource_passes() -> None:
    body = resource(USER, THOUGHT, TEXT_STEP)
    result = check_exchange(get(body), REV, strict=True)
    assert _checked(result) == set()
    assert result.drift == []


def test_reassembly_builds_steps() -> None:
    assert reassemble_outputs(text_stream(), revision=REV) == [THOUGHT, TEXT_STEP]
    call = reassemble_outputs(call_stream(), revision=REV)[1]
    assert call == {**CALL, "signature": ""}
    search = reassemble_outputs(search_stream(), revision=REV)
    assert [s["type"] for s in search] == [
        "model_output",
        "google_search_call",
        "google_search_result",
    ]
    assert search[1]["arguments"] == {"queries": ["q"]}


# -- the step-event grammar, one mutation each -------------------------------------------------


def test_a_legacy_event_is_rev_steps_schema() -> None:
    events = text_stream()
    events[6] = {"event_type": "content.delta", "index": 1, "delta": {"type": "text", "text": "x"}}
    found = _checked(check_exchange(from_events(events), REV))
    assert ("REV-STEPS-SCHEMA", "event 6 /event_type") in found


def test_the_first_event_is_interaction_created() -> None:
    events = text_stream()
    events[0] = {**events[0], "event_type": "interaction.start"}
    assert grammar_found(events) == {("STREAM-START-FIRST", "event 0 /event_type")}


def test_a_stream_without_interaction_completed() -> None:
    assert grammar_found(text_stream()[:-1]) == {("STREAM-ONE-TERMINAL", "event 9")}


def test_a_step_never_stopped() -> None:
    events = text_stream()
    del events[4]  # the thought's step.stop
    assert grammar_found(events) == {("STREAM-CONTENT-BRACKETS", "event 9")}


def test_step_indices_go_up_by_one() -> None:
    events = [{**e, "index": 2} if e.get("index") == 1 else e for e in text_stream()]
    assert grammar_found(events) == {("STREAM-INDEX-ORDER", "event 5 /index")}


@pytest.mark.parametrize(
    ("position", "delta", "where"),
    [
        (3, {"type": "text", "text": "x"}, "event 3 /delta/type"),  # text on a thought
        (6, {"type": "arguments_delta", "arguments": "{}"}, "event 6 /delta/type"),
        (3, {"type": "text_annotation_delta", "annotations": []}, "event 3 /delta/type"),
    ],
)
def test_a_delta_incompatible_with_its_step(
    position: int, delta: dict[str, Any], where: str
) -> None:
    events = text_stream()
    events[position] = sdelta(events[position]["index"], **delta)
    assert ("STREAM-DELTA-TYPE", where) in grammar_found(events)


def test_an_incomplete_status_is_terminal() -> None:
    events = text_stream()
    events.insert(10, status_update("incomplete"))
    assert grammar_found(events) == {("STREAM-STATUS-TRANSITIONS", "event 11 /interaction/status")}
    events[-1] = completed("incomplete")
    assert grammar_found(events) == set()


def test_budget_exceeded_ends_a_stream() -> None:
    events = text_stream()
    events[-1] = completed("budget_exceeded")
    assert grammar_found(events) == set()


def test_interaction_completed_carries_a_final_status() -> None:
    events = text_stream()
    events[-1] = completed("in_progress")
    assert grammar_found(events) == {("STREAM-COMPLETE-USAGE", "event 10 /interaction/status")}


@pytest.mark.parametrize("later", ["queued", "requires_continuation"])
def test_a_later_status_is_drift_not_a_violation(later: str) -> None:
    """STATUS-OPEN: statuses added after the revision are the schema's drift."""
    events = text_stream()
    events[1] = status_update(later)
    events[-1] = completed(later)
    assert grammar_found(events) == set()
    result = check_exchange(from_events(events), REV)
    assert _checked(result) == set()
    assert {(d.name, d.where) for d in result.drift} == {
        (later, "event 1 /status"),
        (later, "event 10 /interaction/status"),
    }
    interaction = check_exchange(get(resource(THOUGHT, TEXT_STEP, status=later)), REV)
    assert _checked(interaction) == set()
    assert [d.name for d in interaction.drift] == [later]


def test_a_status_update_names_the_stream_s_interaction() -> None:
    events = text_stream()
    events[1] = status_update(ident="v1_other")
    assert grammar_found(events) == {("STREAM-INTERACTION-ID", "event 1 /interaction_id")}


def test_an_error_event_without_code() -> None:
    events = [*text_stream()[:7], {"event_type": "error", "error": {"message": "boom"}}]
    assert grammar_found(events) == {("STREAM-ERROR-EVENT", "event 7 /error/code")}


def test_event_ids_are_asked_for_not_required() -> None:
    assert grammar_found(text_stream(), require_event_ids=True) == {
        ("STREAM-EVENT-ID", "event 0 /event_id")
    }
    assert grammar_found(with_event_ids(text_stream()), require_event_ids=True) == set()


# -- function calls in steps ------------------------------------------------------------------


def test_a_function_call_names_its_id_and_name_in_step_start() -> None:
    events = call_stream()
    del events[5]["step"]["name"]
    found = check_stream_function_calls(events, revision=REV)
    assert _checked(found) == {("STREAM-FUNCTION-CALL", "event 5 /step/name")}
    assert "step.start" in found[0].expected


@pytest.mark.parametrize(
    ("fragments", "problem"),
    [
        (['{"city": ', '"Paris"'], "not JSON"),
        (["[1, ", "2]"], "a JSON array, not an object"),
    ],
)
def test_arguments_fragments_join_into_an_object(fragments: list[str], problem: str) -> None:
    events = call_stream()
    events[6:8] = [sdelta(1, type="arguments_delta", arguments=f) for f in fragments]
    found = check_arguments_deltas(events, revision=REV)
    assert _checked(found) == {("STREAM-ARGUMENTS-DELTA", "event 6 /delta/arguments")}
    assert problem in found[0].message
    # the reassembled call has no arguments object: the interaction checks see it too
    result = check_exchange(from_events(events), REV)
    assert ("FC-CALL-SHAPE", "reassembled /steps/1/arguments") in _checked(result)


def test_arguments_as_an_object_is_the_schema_s_violation() -> None:
    events = call_stream()
    events[6:8] = [sdelta(1, type="arguments_delta", arguments={"city": "Paris"})]
    assert check_arguments_deltas(events, revision=REV) == []  # not fragments: nothing to join
    found = _checked(check_exchange(from_events(events), REV))
    assert found == {("STREAM-ARGUMENTS-DELTA", "event 6 /delta/arguments")}


def test_function_call_step_checks_point_into_steps() -> None:
    no_id = {k: v for k, v in CALL.items() if k != "id"}
    assert ("FC-CALL-SHAPE", "/steps/1/id") in interaction_found(
        resource(THOUGHT, no_id, status="requires_action")
    )
    twice = resource(THOUGHT, CALL, CALL, status="requires_action")
    assert interaction_found(twice) == {("FC-CALL-IDS-UNIQUE", "/steps/2/id")}
    request = {"model": MODEL, "input": "x", "tools": [WEATHER_TOOL]}
    assert interaction_found(resource(THOUGHT, CALL, status="requires_action"), request) == set()
    bad_args = {**CALL, "arguments": {"city": 7}}
    assert interaction_found(resource(bad_args, status="requires_action"), request) == {
        ("FC-ARGS-VALID", "/steps/0/arguments/city")
    }
    unknown = {**CALL, "name": "stocks"}
    assert interaction_found(resource(unknown, status="requires_action"), request) == {
        ("FC-NAME-DECLARED", "/steps/0/name")
    }


def test_requires_action_reads_the_last_step() -> None:
    assert interaction_found(resource(THOUGHT, CALL, status="completed")) == {
        ("FC-REQUIRES-ACTION", "/status"),
        ("BASIC-FINAL-TEXT-LAST", "/steps"),  # and no model_output at all
    }
    assert interaction_found(resource(THOUGHT, TEXT_STEP, status="requires_action")) == {
        ("FC-REQUIRES-ACTION", "/steps/1/content/0/type")
    }


def test_function_result_steps_are_input_not_answers_to_earlier_steps() -> None:
    """A GET of a follow-up holds the client's function_result; its call was in the previous
    interaction (no function pair in the 2026-05 call_result_pairs)."""
    result = {"type": "function_result", "call_id": "c0", "result": "sunny"}
    assert interaction_found(resource(USER, result, TEXT_STEP)) == set()


# -- tools, final text, structured output ---------------------------------------------------

SEARCH_CALL = {"type": "google_search_call", "id": "s1", "arguments": {"queries": ["q"]}}
SEARCH_RESULT = {"type": "google_search_result", "call_id": "s1", "result": []}
SEARCH_REQUEST = {"model": MODEL, "input": "x", "tools": [{"type": "google_search"}]}


def test_text_before_tool_steps_is_allowed() -> None:
    """TOOL-ORDER: BASIC-FINAL-TEXT-LAST reads the last model_output content."""
    body = resource(THOUGHT, TEXT_STEP, SEARCH_CALL, SEARCH_RESULT)
    assert interaction_found(body, SEARCH_REQUEST) == set()


def test_a_tool_result_answers_an_earlier_call() -> None:
    stray = {**SEARCH_RESULT, "call_id": "s9"}
    body = resource(TEXT_STEP, SEARCH_CALL, stray)
    assert interaction_found(body, SEARCH_REQUEST) == {
        ("TOOL-RESULT-MATCHES-CALL", "/steps/2/call_id")
    }


def test_a_built_in_tool_yields_its_steps() -> None:
    assert interaction_found(resource(THOUGHT, TEXT_STEP), SEARCH_REQUEST) == {
        ("TOOL-GOOGLE-SEARCH", "/steps")
    }


def test_the_final_model_output_ends_with_text() -> None:
    image = {"type": "image", "data": "aGk=", "mime_type": "image/png"}
    step = {"type": "model_output", "content": [{"type": "text", "text": "Here"}, image]}
    assert interaction_found(resource(THOUGHT, step)) == {
        ("BASIC-FINAL-TEXT-LAST", "/steps/1/content/1/type")
    }
    image_only = {"model": MODEL, "input": "x", "response_format": {"type": "image"}}
    assert interaction_found(resource(step), image_only) == set()
    assert interaction_found(resource(THOUGHT)) == {("BASIC-FINAL-TEXT-LAST", "/steps")}


JSON_FORMAT = {
    "type": "text",
    "mime_type": "application/json",
    "schema": {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]},
}


def _answer(text: str) -> dict[str, Any]:
    return resource(THOUGHT, {"type": "model_output", "content": [{"type": "text", "text": text}]})


@pytest.mark.parametrize("response_format", [JSON_FORMAT, [{"type": "image"}, JSON_FORMAT]])
def test_structured_output_reads_the_text_format_schema(response_format: Any) -> None:
    request = {"model": MODEL, "input": "x", "response_format": response_format}
    assert interaction_found(_answer('{"n": 1}'), request) == set()
    assert interaction_found(_answer("one"), request) == {
        ("SO-VALID-JSON", "/steps/1/content/0/text")
    }
    assert interaction_found(_answer('{"n": "one"}'), request) == {
        ("SO-VALID-JSON", "/steps/1/content/0/text -> /n")
    }


def test_a_format_without_schema_asks_for_no_json() -> None:
    request = {"model": MODEL, "input": "x", "response_format": {"type": "text"}}
    assert interaction_found(_answer("plain"), request) == set()


# -- usage -------------------------------------------------------------------------------------


def test_the_thought_count_is_total_thought_tokens_only() -> None:
    """USAGE-THOUGHT-NAME: total_reasoning_tokens is not counted (and is drift)."""
    usage = {
        "total_tokens": 10,
        "total_input_tokens": 4,
        "total_output_tokens": 3,
        "total_reasoning_tokens": 3,
    }
    body = resource(THOUGHT, TEXT_STEP, usage=usage)
    result = check_exchange(get(body), REV)
    assert _checked(result) == {("USAGE-TOTAL-SUM", "/usage/total_tokens")}
    assert [d.name for d in result.drift] == ["total_reasoning_tokens"]


def test_cached_tokens_never_exceed_input_tokens() -> None:
    usage = {**USAGE, "total_cached_tokens": 99}
    assert interaction_found(resource(THOUGHT, TEXT_STEP, usage=usage)) == {
        ("USAGE-CACHED-BOUND", "/usage/total_cached_tokens")
    }


def test_interaction_completed_carries_no_steps() -> None:
    """STREAM-COMPLETE-OUTPUTS: not even a copy of the streamed steps (no steps-era source)."""
    events = text_stream()
    events[-1]["interaction"]["steps"] = [THOUGHT, TEXT_STEP]  # exactly what was streamed
    found = check_complete_outputs(events, revision=REV)
    assert _checked(found) == {("STREAM-COMPLETE-OUTPUTS", "event 10 /interaction/steps")}
    events[-1]["interaction"]["steps"] = []
    assert check_complete_outputs(events, revision=REV) == []


def test_the_usage_so_far_never_goes_down() -> None:
    events = text_stream()
    events[0]["metadata"] = {"total_usage": {"total_tokens": 4}}
    events[4]["metadata"] = {"total_usage": {"total_tokens": 7}}
    assert _checked(check_metadata_usage(events, revision=REV)) == set()
    events[9]["metadata"] = {"total_usage": {"total_tokens": 6}}
    assert _checked(check_metadata_usage(events, revision=REV)) == {
        ("STREAM-METADATA-USAGE", "event 9 /metadata/total_usage/total_tokens")
    }
    events[9]["metadata"] = {"total_usage": {"total_tokens": 11}}  # above the final 10
    assert _checked(check_metadata_usage(events, revision=REV)) == {
        ("STREAM-METADATA-USAGE", "event 9 /metadata/total_usage/total_tokens")
    }
    events[9]["metadata"] = {"usage": {"total_tokens": 1}}  # SDK 2.8.0's name: drift only
    result = check_exchange(from_events(events), REV)
    assert _checked(result) == set()
    assert [(d.name, d.where) for d in result.drift] == [("usage", "event 9 /metadata/usage")]


# -- statuses, annotations, partial steps ------------------------------------------------------


def test_a_status_change_outside_status_update() -> None:
    events = call_stream()
    mig = {"event_type": "interaction.requires_action", "status": "requires_action"}
    events.insert(9, mig)
    events[-1] = completed("completed")
    found = check_status_events(events, revision=REV)
    assert _checked(found) == {("STATUS-EVENTS", "event 9 /status")}
    events.insert(9, status_update("requires_action"))  # announced as well: the MIG event is drift
    assert check_status_events(events, revision=REV) == []


def test_annotations_come_after_their_text() -> None:
    events = text_stream()
    events[6], events[8] = events[8], events[6]
    found = check_annotation_deltas(events, revision=REV)
    assert _checked(found) == {("STREAM-ANNOTATION-DELTA", "event 6 /delta/type")}


def test_a_partial_step_gets_the_rest_in_deltas() -> None:
    events = search_stream()
    del events[6]  # the google_search_call's arguments delta
    found = check_step_fields(events, revision=REV)
    assert _checked(found) == {("STREAM-STEP-START-PARTIAL", "event 5 /step/arguments")}
    # a step left open by an error event is not judged
    cut = [
        *search_stream()[:7],
        {"event_type": "error", "error": {"code": "aborted", "message": ""}},
    ]
    assert check_step_fields(cut, revision=REV) == []


def test_a_step_start_names_its_type() -> None:
    events = text_stream()
    events[2] = {"event_type": "step.start", "index": 0, "step": {"signature": "c2ln"}}
    found = _checked(check_exchange(from_events(events), REV))
    assert ("STREAM-STEP-START-PARTIAL", "event 2 /step/type") in found


def test_a_step_with_a_field_of_the_wrong_type_is_schema_step() -> None:
    body = resource({**THOUGHT, "signature": 5}, TEXT_STEP)
    assert _checked(check_exchange(get(body), REV)) == {("SCHEMA-STEP", "/steps/0/signature")}


def test_a_resource_with_outputs_is_rev_steps_schema() -> None:
    body = {**resource(), "outputs": [{"type": "text", "text": "hi"}]}
    del body["steps"]
    assert _checked(check_exchange(get(body), REV)) == {("REV-STEPS-SCHEMA", "/outputs")}


# -- the request of an exchange ----------------------------------------------------------------


def test_an_accepted_create_request_is_checked() -> None:
    answer = resource(THOUGHT, TEXT_STEP)
    good = {"model": MODEL, "input": "x", "response_format": JSON_FORMAT}
    assert _checked(check_exchange(create(good, _answer('{"n": 1}')), REV)) == set()
    legacy = {"model": MODEL, "input": "x", "response_mime_type": "application/json"}
    assert _checked(check_exchange(create(legacy, answer), REV)) == {
        ("REQ-NO-LEGACY-FIELDS", "request /response_mime_type")
    }
    plain = {"model": MODEL, "input": "x", "response_format": {"type": "object"}}
    assert _checked(check_exchange(create(plain, answer), REV)) == {
        ("SO-RESPONSE-FORMAT", "request /response_format/type")
    }


def test_a_rejected_create_request_is_the_server_s_answer_not_a_violation() -> None:
    legacy = {"model": MODEL, "input": [{"role": "user", "content": "hi"}]}
    error = {"error": {"code": "invalid_request", "message": "The legacy schema is gone."}}
    assert _checked(check_exchange(create(legacy, error, status=400), REV)) == set()
    assert _checked(check_request_fields(legacy, REV)) == {("REQ-NO-LEGACY-FIELDS", "/input/0")}


def test_request_fields_are_not_checked_under_2025_12() -> None:
    legacy = {"model": MODEL, "input": "x", "response_mime_type": "application/json"}
    old = {"id": ID, "status": "completed", "outputs": [{"type": "text", "text": "hi"}]}
    found = check_exchange(create(legacy, old), "2025-12")
    assert not {v.rule for v in found.violations} & {"REQ-NO-LEGACY-FIELDS", "SO-RESPONSE-FORMAT"}


def test_error_statuses_follow_the_error_table() -> None:
    error = {"error": {"code": "not_found", "message": "gone"}}
    exchange = Exchange(
        Request("GET", f"{BASE}/{ID}"), Response(400, {}, json.dumps(error).encode())
    )
    assert _checked(check_exchange(exchange, REV)) == {("ERR-STATUS-CODE", "/error/code")}


# -- stream against resource, resume, replay --------------------------------------------------


def test_the_stream_equals_the_get_after_its_input_steps() -> None:
    events = text_stream()
    assert (
        check_stream_equals_resource(events, resource(USER, THOUGHT, TEXT_STEP), revision=REV) == []
    )
    changed = resource(USER, THOUGHT, {**TEXT_STEP, "content": [{"type": "text", "text": "Help"}]})
    found = check_stream_equals_resource(events, changed, revision=REV)
    assert _checked(found) == {("STREAM-EQUALS-RESOURCE", "/steps/2/content/0/annotations")}
    extra = resource(USER, THOUGHT, TEXT_STEP, SEARCH_CALL)
    assert _checked(check_stream_equals_resource(events, extra, revision=REV)) == {
        ("STREAM-EQUALS-RESOURCE", "/steps/3")
    }
    assert _checked(check_stream_equals_resource(events, {"status": "x"}, revision=REV)) == {
        ("STREAM-EQUALS-RESOURCE", "/steps/0")
    }


def test_a_scenario_of_steps_exchanges() -> None:
    events = with_event_ids(text_stream())
    stream = from_events(events, request={"model": MODEL, "input": "Hi"})
    later = resource(USER, THOUGHT, TEXT_STEP)
    assert _checked(check_scenario([stream, get(later)], REV)) == set()
    later["steps"][2]["content"][0]["text"] = "Hi!"
    assert _checked(check_scenario([stream, get(later)], REV)) == {
        ("STREAM-EQUALS-RESOURCE", "exchange 1 /steps/2/content/0/text")
    }


def test_resume_after_an_event_id_of_a_step_stream() -> None:
    full = with_event_ids(call_stream())
    assert check_resume(full, full[6:], "e5") == []
    assert _checked(check_resume(full, full[7:], "e5")) == {("STREAM-RESUME", "event 0 /event_id")}
    resumed = grammar_found(full[6:], resumed=True)
    assert resumed == set()


# -- malformed input never raises ---------------------------------------------------------------

ODD: list[Any] = [
    [],
    [None, 3, "x"],
    [sstart(0, type="model_output"), sdelta(0, type="text_annotation_delta", annotations=5)],
    [sstart(0, type="function_call"), sdelta(0, type="arguments_delta", arguments=None)],
    [sdelta(0, type="arguments_delta", arguments="{"), sdelta(0, type="arguments_delta")],
    [{"event_type": "step.start", "index": 0, "step": "text"}, sstop(0)],
    [{"event_type": "step.delta", "index": 0, "delta": [1]}],
    [sstart(0, type="model_output", content="x"), sdelta(0, type="text", text="y")],
    [created(), {"event_type": "interaction.completed", "interaction": {"status": 5}}],
    [{"event_type": "x", "metadata": {"total_usage": {"total_tokens": "many"}}}],
]


@pytest.mark.parametrize("events", ODD, ids=range(len(ODD)))
def test_odd_streams_give_violations_never_an_exception(events: list[Any]) -> None:
    _checked(check_stream_grammar(events, revision=REV))
    reassemble_outputs(events, revision=REV)
    _checked(check_exchange(from_events(events), REV))


@pytest.mark.parametrize(
    "body",
    [
        {"status": "completed", "steps": "none"},
        {"status": "completed", "steps": [None, {"type": "model_output", "content": "x"}]},
        {"status": "requires_action", "steps": []},
        {"status": "completed", "steps": [{"type": "model_output"}]},
        [],
    ],
    ids=range(5),
)
def test_odd_resources_never_raise(body: Any) -> None:
    request = {"model": MODEL, "input": "x", "response_format": [JSON_FORMAT], "tools": [5]}
    _checked(run_interaction_checks(body, request, revision=REV))
    _checked(check_exchange(get(body), REV))


_STEP_KEYS = [
    "event_type",
    "index",
    "step",
    "delta",
    "type",
    "text",
    "arguments",
    "annotations",
    "content",
    "status",
    "interaction",
    "steps",
    "metadata",
    "total_usage",
    "total_tokens",
]
_STEP_VALUES = st.sampled_from(
    [
        "step.start",
        "step.delta",
        "step.stop",
        "interaction.completed",
        "model_output",
        "function_call",
        "arguments_delta",
        "text_annotation_delta",
        "text",
        '{"a": ',
        "1}",
    ]
)
_STEP_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2, max_value=4) | _STEP_VALUES,
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.sampled_from(_STEP_KEYS), c, max_size=4),
    max_leaves=15,
)


@settings(max_examples=120, deadline=None)
@given(st.lists(_STEP_JSON, max_size=8), _STEP_JSON)
def test_arbitrary_step_traffic_never_raises(stream: list[Any], body: Any) -> None:
    exchange = from_events(stream, request={"model": MODEL, "input": "x"})
    _checked(check_scenario([exchange, get(body)], REV))
    reassemble_outputs(stream, revision=REV)
    _checked(run_interaction_checks(body, {"response_format": body}, revision=REV))
