"""Stream checks: the 2025-12 event grammar, reassembly, resume and replay, on hand-made events."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from _support import pinned
from interactions_conformance.checks import (
    check_complete_usage,
    check_content_brackets,
    check_delta_types,
    check_error_events,
    check_event_ids,
    check_index_order,
    check_interaction_ids,
    check_replay,
    check_resume,
    check_status_transitions,
    check_stream_equals_resource,
    check_stream_function_calls,
    check_stream_grammar,
    check_stream_start,
    check_stream_terminal,
    first_difference,
    grammar_for,
    reassemble_outputs,
)

# The events and resources below are hand-made in the 2025-12 shape, and the checks default to
# the newest revision (DEFAULT_REVISION): the checks taking revision= are pinned to 2025-12 here
# (test_checks_2026_05.py covers the steps wire).
(
    check_complete_usage,
    check_content_brackets,
    check_delta_types,
    check_error_events,
    check_event_ids,
    check_index_order,
    check_interaction_ids,
    check_status_transitions,
    check_stream_equals_resource,
    check_stream_function_calls,
    check_stream_grammar,
    check_stream_start,
    check_stream_terminal,
    reassemble_outputs,
) = pinned(
    "2025-12",
    check_complete_usage,
    check_content_brackets,
    check_delta_types,
    check_error_events,
    check_event_ids,
    check_index_order,
    check_interaction_ids,
    check_status_transitions,
    check_stream_equals_resource,
    check_stream_function_calls,
    check_stream_grammar,
    check_stream_start,
    check_stream_terminal,
    reassemble_outputs,
)

# -- builders ----------------------------------------------------------------------------

ID = "v1_test"


def start(status: str = "in_progress", ident: str = ID) -> dict[str, Any]:
    return {"event_type": "interaction.start", "interaction": {"id": ident, "status": status}}


def status_update(status: str = "in_progress", ident: str = ID) -> dict[str, Any]:
    return {"event_type": "interaction.status_update", "interaction_id": ident, "status": status}


def cstart(index: int, content: dict[str, Any]) -> dict[str, Any]:
    return {"event_type": "content.start", "index": index, "content": content}


def delta(index: int, **fields: Any) -> dict[str, Any]:
    return {"event_type": "content.delta", "index": index, "delta": fields}


def cstop(index: int) -> dict[str, Any]:
    return {"event_type": "content.stop", "index": index}


def complete(status: str = "completed", ident: str = ID, **extra: Any) -> dict[str, Any]:
    interaction = {"id": ident, "status": status, "usage": {"total_tokens": 3}, **extra}
    return {"event_type": "interaction.complete", "interaction": interaction}


def error_event(code: Any = "not_found", message: Any = "gone") -> dict[str, Any]:
    return {"event_type": "error", "error": {"code": code, "message": message}}


def text_stream() -> list[dict[str, Any]]:
    return [
        start(),
        status_update(),
        cstart(0, {"type": "thought"}),
        delta(0, type="thought_signature", signature="sig"),
        cstop(0),
        cstart(1, {"type": "text"}),
        delta(1, type="text", text="Hel"),
        delta(1, type="text", text="lo"),
        cstop(1),
        complete(),
    ]


def call_stream() -> list[dict[str, Any]]:
    return [
        start(),
        cstart(0, {"type": "function_call", "id": "c1"}),
        delta(0, type="function_call", id="c1", name="get_weather", arguments={"city": "Paris"}),
        cstop(0),
        complete("requires_action"),
    ]


def with_ids(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**e, "event_id": f"e{n}"} for n, e in enumerate(events)]


def rules_where(found: list[Any]) -> list[tuple[str, str]]:
    return [(v.rule, v.where) for v in found]


# -- the whole grammar -------------------------------------------------------------------


@pytest.mark.parametrize("events", [text_stream(), call_stream(), [start(), error_event()]])
def test_good_streams_pass_the_grammar(events: list[dict[str, Any]]) -> None:
    assert check_stream_grammar(events) == []


def test_event_ids_are_only_required_on_request() -> None:
    assert check_stream_grammar(text_stream()) == []
    found = check_stream_grammar(text_stream(), require_event_ids=True)
    assert rules_where(found) == [("STREAM-EVENT-ID", "event 0 /event_id")]
    assert found[0].message == "10 of 10 events have no event_id"
    assert check_stream_grammar(with_ids(text_stream()), require_event_ids=True) == []


def test_resumed_stream_skips_the_checks_that_need_the_beginning() -> None:
    tail = text_stream()[6:]
    assert check_stream_grammar(tail, resumed=True) == []
    assert "STREAM-START-FIRST" in {v.rule for v in check_stream_grammar(tail)}


def test_items_that_are_not_objects_are_skipped() -> None:
    events: list[Any] = [start(), None, [1], "x", 3, *text_stream()[1:]]
    assert check_stream_grammar(events) == []


# -- one check at a time: a good input passes, a bad one is caught with rule and place ----


def test_start_first() -> None:
    assert check_stream_start(text_stream()) == []
    events = text_stream()
    events[0], events[1] = events[1], events[0]
    [v] = check_stream_start(events)
    assert (v.rule, v.where) == ("STREAM-START-FIRST", "event 0 /event_type")
    [v] = check_stream_start([])
    assert (v.rule, v.actual) == ("STREAM-START-FIRST", "<no event>")
    assert rules_where(check_stream_start([start(), start()])) == [
        ("STREAM-START-FIRST", "event 1 /event_type")
    ]


def test_one_terminal() -> None:
    assert check_stream_terminal(text_stream()) == []
    [v] = check_stream_terminal(text_stream()[:-1])
    assert (v.rule, v.where) == ("STREAM-ONE-TERMINAL", "event 8")
    assert rules_where(check_stream_terminal([*text_stream(), error_event()])) == [
        ("STREAM-ONE-TERMINAL", "event 10 /event_type")
    ]
    assert rules_where(check_stream_terminal([*text_stream(), cstop(1)])) == [
        ("STREAM-ONE-TERMINAL", "event 10 /event_type")
    ]


def test_content_brackets() -> None:
    assert check_content_brackets(text_stream()) == []
    events = text_stream()
    del events[5]  # the content.start of index 1
    found = check_content_brackets(events)
    assert rules_where(found) == [
        ("STREAM-CONTENT-BRACKETS", "event 5 /index"),
        ("STREAM-CONTENT-BRACKETS", "event 6 /index"),
        ("STREAM-CONTENT-BRACKETS", "event 7 /index"),
    ]
    assert found[0].message == "a delta for index 1 before its content.start"


def test_content_never_stopped_is_caught_unless_an_error_ended_the_stream() -> None:
    events = text_stream()
    del events[8]  # the content.stop of index 1
    [v] = check_content_brackets(events)
    assert (v.rule, v.where, v.message) == (
        "STREAM-CONTENT-BRACKETS",
        "event 8",
        "content never stopped: index 1",
    )
    assert check_content_brackets([*events[:-1], error_event()]) == []


def test_content_brackets_second_start_and_delta_after_stop() -> None:
    events = [start(), cstart(0, {"type": "text"}), cstart(0, {"type": "text"}), cstop(0)]
    events += [delta(0, type="text", text="late"), cstop(0), complete()]
    assert rules_where(check_content_brackets(events)) == [
        ("STREAM-CONTENT-BRACKETS", "event 2 /index"),
        ("STREAM-CONTENT-BRACKETS", "event 4 /index"),
        ("STREAM-CONTENT-BRACKETS", "event 5 /index"),
    ]


def test_index_order() -> None:
    assert check_index_order(text_stream()) == []
    skipped = [start(), cstart(1, {"type": "text"}), cstop(1), complete()]
    [v] = check_index_order(skipped)
    assert (v.rule, v.where, v.expected, v.actual) == (
        "STREAM-INDEX-ORDER",
        "event 1 /index",
        "0",
        "1",
    )
    reopened = [*text_stream()[:9], cstart(0, {"type": "text"}), cstop(0), complete()]
    [v] = check_index_order(reopened)
    assert (v.rule, v.where) == ("STREAM-INDEX-ORDER", "event 9 /index")
    assert v.message == "index 0 starts again after its content.stop"


@pytest.mark.parametrize(
    ("content", "delta_type"),
    [
        ("text", "text"),
        ("thought", "thought_signature"),
        ("thought", "thought_summary"),
        ("thought", "thought"),  # the guide's form (NOTES contradiction 1)
        ("function_call", "function_call"),
        ("image", "image"),
        ("google_search_call", "google_search_call"),
        ("mcp_server_tool_result", "mcp_server_tool_result"),
    ],
)
def test_compatible_delta_types(content: str, delta_type: str) -> None:
    events = [
        start(),
        cstart(0, {"type": content}),
        delta(0, type=delta_type),
        cstop(0),
        complete(),
    ]
    assert check_delta_types(events) == []


@pytest.mark.parametrize(
    ("content", "delta_type"),
    [
        ("text", "thought_signature"),
        ("thought", "text"),
        ("image", "audio"),
        ("google_search_call", "google_search_result"),
    ],
)
def test_incompatible_delta_types(content: str, delta_type: str) -> None:
    events = [
        start(),
        cstart(0, {"type": content}),
        delta(0, type=delta_type),
        cstop(0),
        complete(),
    ]
    [v] = check_delta_types(events)
    assert (v.rule, v.where, v.actual) == (
        "STREAM-DELTA-TYPE",
        "event 2 /delta/type",
        f'"{delta_type}"',
    )


def test_unknown_delta_types_are_left_to_the_schema_as_drift() -> None:
    events = [
        start(),
        cstart(0, {"type": "text"}),
        delta(0, type="text_annotation"),
        cstop(0),
        complete(),
    ]
    assert check_delta_types(events) == []


def test_status_transitions() -> None:
    assert check_status_transitions(text_stream()) == []
    assert check_status_transitions(call_stream()) == []
    events = [start(), status_update("completed"), status_update("in_progress"), complete()]
    [v] = check_status_transitions(events)
    assert (v.rule, v.where) == ("STREAM-STATUS-TRANSITIONS", "event 2 /status")
    assert v.expected == "completed (event 1) is terminal: no change"
    events = [start(), status_update("requires_action"), complete("completed")]
    [v] = check_status_transitions(events)
    assert v.where == "event 2 /interaction/status"


def test_interaction_ids() -> None:
    assert check_interaction_ids(text_stream()) == []
    events = text_stream()
    events[1] = status_update(ident="other")
    [v] = check_interaction_ids(events)
    assert (v.rule, v.where) == ("STREAM-INTERACTION-ID", "event 1 /interaction_id")
    events = text_stream()
    events[-1] = complete(ident="other")
    assert rules_where(check_interaction_ids(events)) == [
        ("STREAM-INTERACTION-ID", "event 9 /interaction/id")
    ]


def test_store_false_streams_have_empty_ids_everywhere() -> None:
    events = [start(ident=""), status_update(ident=""), complete(ident="")]
    assert check_interaction_ids(events) == []


def test_event_ids() -> None:
    assert check_event_ids(with_ids(text_stream())) == []
    events = with_ids(text_stream())
    events[3]["event_id"] = "e2"
    [v] = check_event_ids(events)
    assert (v.rule, v.where, v.expected) == (
        "STREAM-EVENT-ID",
        "event 3 /event_id",
        "an event_id other than that of event 2",
    )


def test_complete_usage() -> None:
    assert check_complete_usage(text_stream()) == []
    events = [
        start(),
        {"event_type": "interaction.complete", "interaction": {"id": ID, "status": "in_progress"}},
    ]
    assert rules_where(check_complete_usage(events)) == [
        ("STREAM-COMPLETE-USAGE", "event 1 /interaction/status"),
        ("STREAM-COMPLETE-USAGE", "event 1 /interaction/usage"),
    ]
    events = [start(), {"event_type": "interaction.complete", "interaction": [1]}]
    assert rules_where(check_complete_usage(events)) == [
        ("STREAM-COMPLETE-USAGE", "event 1 /interaction")
    ]


def test_stream_function_calls() -> None:
    assert check_stream_function_calls(call_stream()) == []
    events = call_stream()
    events[2] = delta(0, type="function_call", name="get_weather")
    [v] = check_stream_function_calls(events)
    assert (v.rule, v.where, v.message) == (
        "STREAM-FUNCTION-CALL",
        "event 1 /content/arguments",
        "the function_call at index 0 never gets its arguments",
    )


def test_error_events() -> None:
    assert check_error_events([start(), error_event()]) == []
    [v] = check_error_events([start(), error_event(code=400)])
    assert (v.rule, v.where) == ("STREAM-ERROR-EVENT", "event 1 /error/code")
    [v] = check_error_events([start(), {"event_type": "error"}])
    assert (v.rule, v.where, v.actual) == ("STREAM-ERROR-EVENT", "event 1 /error", "<absent>")


# -- reassembly --------------------------------------------------------------------------


def test_reassembly_concatenates_and_merges() -> None:
    events = [
        start(),
        cstart(0, {"type": "thought"}),
        delta(0, type="thought_summary", content={"type": "text", "text": "Think"}),
        delta(0, type="thought_summary", content={"type": "text", "text": "ing"}),
        delta(0, type="thought_signature", signature="sig"),
        cstop(0),
        cstart(1, {"type": "function_call", "id": "c1"}),
        delta(1, type="function_call", name="f", arguments={"a": 1}),
        delta(1, type="function_call", arguments={"b": 2}),
        cstop(1),
        cstart(2, {"type": "image"}),
        delta(2, type="image", mime_type="image/png", data="AAA"),
        delta(2, type="image", data="BBB"),
        cstop(2),
        cstart(3, {"type": "google_search_result", "call_id": "g1"}),
        delta(3, type="google_search_result", result=[{"url": "u1"}]),
        delta(3, type="google_search_result", result=[{"url": "u2"}]),
        cstop(3),
        cstart(4, {"type": "text"}),
        delta(4, type="text", text="Hel"),
        delta(4, type="text", text="lo", annotations=[{"start_index": 0}]),
        cstop(4),
        complete(),
    ]
    assert reassemble_outputs(events) == [
        {"type": "thought", "summary": [{"type": "text", "text": "Thinking"}], "signature": "sig"},
        {"type": "function_call", "id": "c1", "name": "f", "arguments": {"a": 1, "b": 2}},
        {"type": "image", "mime_type": "image/png", "data": "AAABBB"},
        {"type": "google_search_result", "call_id": "g1", "result": [{"url": "u1"}, {"url": "u2"}]},
        {"type": "text", "text": "Hello", "annotations": [{"start_index": 0}]},
    ]


def test_reassembly_accepts_the_guides_thought_delta_and_does_not_touch_its_input() -> None:
    events = [
        start(),
        cstart(0, {"type": "thought"}),
        delta(0, type="thought", thought="hmm"),
        cstop(0),
    ]
    before = copy.deepcopy(events)
    assert reassemble_outputs(events) == [
        {"type": "thought", "summary": [{"type": "text", "text": "hmm"}]}
    ]
    assert events == before


def test_stream_equals_resource() -> None:
    resource = {"id": ID, "status": "completed", "outputs": reassemble_outputs(text_stream())}
    assert check_stream_equals_resource(text_stream(), resource) == []
    changed = copy.deepcopy(resource)
    changed["outputs"][1]["text"] = "Help"
    [v] = check_stream_equals_resource(text_stream(), changed)
    assert (v.rule, v.where) == ("STREAM-EQUALS-RESOURCE", "/outputs/1/text")
    assert (v.expected, v.actual) == ('"Hello" (reassembled from the stream)', '"Help"')
    shorter = {**resource, "outputs": resource["outputs"][:1]}
    [v] = check_stream_equals_resource(text_stream(), shorter)
    assert (v.where, v.actual) == ("/outputs/1", "<absent>")
    [v] = check_stream_equals_resource(text_stream(), {"outputs": {"a": 1}})
    assert (v.rule, v.where) == ("STREAM-EQUALS-RESOURCE", "/outputs")


def test_first_difference() -> None:
    assert first_difference({"a": [1, {"b": 2}]}, {"a": [1, {"b": 2}]}) is None
    assert first_difference({"a": [1, {"b": 2}]}, {"a": [1, {"b": 3}]}) == "/a/1/b"
    assert first_difference({"a/b": 1}, {}) == "/a~1b"
    assert first_difference(1, True) == "/"  # a bool is not a number in JSON
    assert first_difference([1], [1, 2]) == "/1"


# -- resume and replay -------------------------------------------------------------------


def test_resume_gives_exactly_the_events_after_the_id() -> None:
    full = with_ids(text_stream())
    assert check_resume(full, full[4:], "e3") == []
    assert check_resume(full, [], "e9") == []


def test_resume_with_a_gap() -> None:
    full = with_ids(text_stream())
    [v] = check_resume(full, full[5:], "e3")
    assert (v.rule, v.where, v.message) == (
        "STREAM-RESUME",
        "event 0 /event_id",
        "events are skipped (gap of 1)",
    )
    assert (v.expected, v.actual) == ('event_id "e4"', '"e5", skipping "e4"')


def test_resume_with_a_duplicate() -> None:
    full = with_ids(text_stream())
    [v] = check_resume(full, full[3:], "e3")
    assert (v.rule, v.where, v.message) == (
        "STREAM-RESUME",
        "event 0 /event_id",
        "an event is sent again (duplicate)",
    )
    [v] = check_resume(full, [full[4], full[5], full[5]], "e3")
    assert (v.where, v.message) == ("event 2 /event_id", "an event is sent again (duplicate)")


def test_resume_that_ends_early_or_changes_an_event() -> None:
    full = with_ids(text_stream())
    [v] = check_resume(full, full[4:8], "e3")
    assert (v.rule, v.where) == ("STREAM-RESUME", "event 4")
    assert v.message == "the stream ends 2 events early"
    changed = copy.deepcopy(full[4:])
    changed[2]["delta"]["text"] = "Help"
    [v] = check_resume(full, changed, "e3")
    assert (v.where, v.expected, v.actual) == ("event 2 /delta/text", '"Hel"', '"Help"')


def test_resume_after_an_id_the_stream_never_had() -> None:
    [v] = check_resume(text_stream(), [], "e3")
    assert (v.rule, v.expected) == ("STREAM-RESUME", "one of <no event_ids>")


def test_replay_from_the_beginning() -> None:
    full = with_ids(text_stream())
    assert check_replay(full, copy.deepcopy(full)) == []
    [v] = check_replay(full, full[4:])
    assert (v.rule, v.where, v.message) == (
        "STREAM-REPLAY",
        "event 0 /event_id",
        "events are skipped (gap of 4)",
    )
    assert check_replay(text_stream(), text_stream()) == []  # without ids: by position


def test_the_grammar_is_a_table_per_revision() -> None:
    grammar = grammar_for("2025-12")
    assert grammar.delta_types["thought"] == {"thought_summary", "thought_signature", "thought"}
    assert grammar.terminal_statuses == {"requires_action", "completed", "failed", "cancelled"}
    with pytest.raises(KeyError, match="no stream grammar for revision '1999-01'"):
        grammar_for("1999-01")


def test_resumed_after_the_terminal_event_an_empty_remainder_is_right() -> None:
    from interactions_conformance.checks import check_stream_grammar

    assert check_stream_grammar([], resumed=True) == []
    # ... but a non-empty remainder still needs its terminal event.
    found = check_stream_grammar([{"event_type": "content.stop", "index": 0}], resumed=True)
    assert [v.rule for v in found] == ["STREAM-ONE-TERMINAL"]


def _complete_with(outputs: object) -> list[dict[str, object]]:
    return [
        {"event_type": "interaction.start", "interaction": {"id": "i", "status": "in_progress"}},
        {"event_type": "content.start", "index": 0, "content": {"type": "text"}},
        {"event_type": "content.delta", "index": 0, "delta": {"type": "text", "text": "Hello "}},
        {"event_type": "content.delta", "index": 0, "delta": {"type": "text", "text": "there"}},
        {"event_type": "content.stop", "index": 0},
        {
            "event_type": "interaction.complete",
            "interaction": {
                "id": "i",
                "status": "completed",
                "outputs": outputs,
                "usage": {"total_tokens": 3},
            },
        },
    ]


def test_complete_outputs_absent_or_equal_to_the_stream() -> None:
    from interactions_conformance.checks import check_complete_outputs

    (check_complete_outputs,) = pinned("2025-12", check_complete_outputs)  # a 2025-12 rule
    assert check_complete_outputs(_complete_with(None)) == []
    assert check_complete_outputs(_complete_with([])) == []
    # REF-Dec25's example splits the text into one block per chunk: the same content.
    split = [{"type": "text", "text": "Hello "}, {"type": "text", "text": "there"}]
    assert check_complete_outputs(_complete_with(split)) == []
    [v] = check_complete_outputs(_complete_with([{"type": "text", "text": "Goodbye"}]))
    assert (v.rule, v.where) == ("STREAM-COMPLETE-OUTPUTS", "event 5 /interaction/outputs")
