"""The wire codec (`_wire`): the canonical 2025-12 shape to each revision's spelling and back.

Hand-written cases pin the translations to the recorded payloads (API-SURFACE 8); Hypothesis
checks the round trips on generated requests and resources, and that what the codec writes
validates under revision 2026-05.
"""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _support import REAL_TRAFFIC, load_recording, real_traffic_files, rebuild_steps, revision_meta
from interactions_conformance import load_revision
from interactions_conformance._wire import (
    LEGACY_SCHEMA_MESSAGE,
    event_to_wire,
    events_to_wire,
    interaction_to_wire,
    is_wire_response_format,
    legacy_request_fields,
    output_blocks,
    outputs_of,
    request_from_wire,
    request_to_wire,
    revision_for_header,
    steps_to_turns,
    turns_to_steps,
)
from interactions_conformance.emulator._stream import content_events, head_events, terminal_event
from interactions_conformance.strategies import create_requests

STEPS = "2026-05"
LEGACY = "2025-12"
R2026 = load_revision(STEPS)
FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
needs_recordings = pytest.mark.skipif(
    not REAL_TRAFFIC.is_dir(), reason="../shared/real-traffic is absent (recorded payloads)"
)


def recorded(name: str) -> Any:
    path = REAL_TRAFFIC / f"{name}.json"
    if not path.is_file():
        pytest.skip(f"recorded payload {path.name} is absent from ../shared/real-traffic")
    return load_recording(path)[1]


def no_violations(instance: Any, schema: str) -> None:
    result = R2026.validate(instance, schema, strict=True)
    assert not result.violations, [str(v) for v in result.violations]
    assert not result.drift, result.drift


# -- the Api-Revision header (REV-HEADER) ----------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "the default"),
        ("2026-05-20", STEPS),
        ("2026-06-08", STEPS),
        (" 2027-01-01 ", STEPS),
        ("2026-05-07", LEGACY),
    ],
)
def test_a_header_value_selects_a_revision(value: str | None, expected: str) -> None:
    assert revision_for_header(value, "the default") == expected


@pytest.mark.parametrize(
    "value", ["", "2026-05-06", "2026-05-19", "2026-5-20", "2026-13-01", "latest", "20260520"]
)
def test_any_other_header_value_is_refused_naming_the_header(value: str) -> None:
    with pytest.raises(ValueError, match=r"Api-Revision.*2026-05-20.*2026-05-07"):
        revision_for_header(value, LEGACY)


def test_the_opt_in_value_is_the_one_the_spec_names() -> None:
    header = revision_meta(STEPS)["api_revision_header"]
    assert revision_for_header(header, LEGACY) == STEPS
    earlier = f"{header[:-2]}{int(header[-2:]) - 1:02d}"
    with pytest.raises(ValueError, match="not a supported API revision"):
        revision_for_header(earlier, LEGACY)


def test_an_unknown_revision_is_refused_by_every_translation() -> None:
    for translate in (request_to_wire, request_from_wire, interaction_to_wire, event_to_wire):
        with pytest.raises(ValueError, match="unknown revision '2024-01'"):
            translate({}, "2024-01")


# -- requests --------------------------------------------------------------------------------


def test_the_canonical_revision_gets_a_copy() -> None:
    body = {"model": "m", "input": [{"role": "user", "content": "hi"}], "response_mime_type": "x"}
    for translate in (request_to_wire, request_from_wire, interaction_to_wire):
        out = translate(body, LEGACY)
        assert out == body
        assert out is not body
        assert out["input"] is not body["input"]


def test_turns_become_steps_and_back() -> None:
    turns = [
        {"role": "user", "content": "What is the weather in Paris?"},
        {
            "role": "model",
            "content": [
                {"type": "thought", "signature": "c2ln"},
                {"type": "text", "text": "Let me look."},
                {"type": "image", "mime_type": "image/png", "data": "AAAA"},
                {"type": "function_call", "id": "c1", "name": "get_weather", "arguments": {}},
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "function_result", "call_id": "c1", "result": "sunny"},
                {"type": "text", "text": "And tomorrow?"},
            ],
        },
    ]
    steps = turns_to_steps(turns)
    assert steps == [
        {
            "type": "user_input",
            "content": [{"type": "text", "text": "What is the weather in Paris?"}],
        },
        {"type": "thought", "signature": "c2ln"},
        {"type": "model_output", "content": [{"type": "text", "text": "Let me look."}]},
        {
            "type": "model_output",
            "content": [{"type": "image", "mime_type": "image/png", "data": "AAAA"}],
        },
        {"type": "function_call", "id": "c1", "name": "get_weather", "arguments": {}},
        {"type": "function_result", "call_id": "c1", "result": "sunny"},
        {"type": "user_input", "content": [{"type": "text", "text": "And tomorrow?"}]},
    ]
    back = steps_to_turns(steps)
    assert back[0] == {"role": "user", "content": [{"type": "text", "text": turns[0]["content"]}]}
    assert back[1:] == turns[1:]
    no_violations({"model": "m", "input": steps}, "create-request")


def test_two_user_turns_stay_two_turns() -> None:
    turns = [
        {"role": "user", "content": [{"type": "text", "text": "one"}]},
        {"role": "user", "content": [{"type": "text", "text": "two"}]},
    ]
    assert steps_to_turns(turns_to_steps(turns)) == turns


def test_a_content_list_with_a_function_result_becomes_steps() -> None:
    body = {
        "model": "m",
        "input": [
            {"type": "text", "text": "here"},
            {"type": "function_result", "call_id": "c1", "result": {"ok": True}},
        ],
    }
    wire = request_to_wire(body, STEPS)
    assert wire["input"] == [
        {"type": "user_input", "content": [{"type": "text", "text": "here"}]},
        {"type": "function_result", "call_id": "c1", "result": {"ok": True}},
    ]
    no_violations(wire, "create-request")


@pytest.mark.parametrize(
    "value",
    [
        "hi",
        {"type": "text", "text": "hi"},
        [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}],
    ],
)
def test_inputs_both_revisions_accept_are_left_alone(value: Any) -> None:
    body = {"model": "m", "input": value}
    assert request_to_wire(body, STEPS) == body
    assert request_from_wire(body, STEPS) == body


@needs_recordings
def test_the_legacy_structured_output_request_becomes_the_recorded_steps_request() -> None:
    legacy = recorded("2025-12__request__docs-migration-legacy-structured-output")
    steps = recorded("2026-steps__request__docs-migration-response-format-text-json")
    assert request_to_wire(legacy, STEPS) == steps
    assert request_from_wire(steps, STEPS) == {
        k: v
        for k, v in legacy.items()
        if k != "response_mime_type"  # JSON is implied
    }


@needs_recordings
def test_the_legacy_image_config_becomes_an_image_format() -> None:
    legacy = recorded("2025-12__request__docs-migration-legacy-image-config")
    steps = recorded("2026-steps__request__docs-migration-response-format-image")
    wire = request_to_wire(legacy, STEPS)
    expected = copy.deepcopy(steps)
    del expected["response_format"]["mime_type"]  # the recorded one adds it; legacy never said it
    assert wire == expected
    no_violations(wire, "create-request")
    assert request_from_wire(wire, STEPS) == legacy


def test_a_schema_and_an_image_config_make_a_format_list() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    body = {
        "model": "m",
        "input": "x",
        "response_format": schema,
        "response_mime_type": "application/json",
        "response_modalities": ["TEXT", "IMAGE"],
        "generation_config": {"image_config": {"aspect_ratio": "16:9"}, "temperature": 1.0},
    }
    wire = request_to_wire(body, STEPS)
    assert wire["response_format"] == [
        {"type": "text", "mime_type": "application/json", "schema": schema},
        {"type": "image", "aspect_ratio": "16:9"},
    ]
    assert wire["response_modalities"] == ["text", "image"]
    assert wire["generation_config"] == {"temperature": 1.0}
    assert "response_mime_type" not in wire
    no_violations(wire, "create-request")
    back = request_from_wire(wire, STEPS)
    assert back["response_format"] == schema
    assert back["generation_config"] == body["generation_config"]


def test_a_plain_text_mime_type_alone_becomes_a_text_format() -> None:
    wire = request_to_wire({"model": "m", "input": "x", "response_mime_type": "text/plain"}, STEPS)
    assert wire == {
        "model": "m",
        "input": "x",
        "response_format": {"type": "text", "mime_type": "text/plain"},
    }
    assert request_from_wire(wire, STEPS)["response_mime_type"] == "text/plain"


@pytest.mark.parametrize(
    "body",
    [
        {"model": "m", "input": 42},
        {"model": "m", "input": [{"role": "user", "content": 5}]},
        {"model": "m", "input": [{"role": "system", "content": "x"}]},
        {
            "model": "m",
            "input": "x",
            "response_format": {"type": "object"},
            "response_mime_type": "text/x-enum",
        },
        {"model": "m", "input": "x", "response_mime_type": 7},
        {"model": "m", "input": "x", "generation_config": {"image_config": {"size": "big"}}},
        {"model": "m", "input": "x", "response_modalities": ["SMELL"]},
    ],
)
def test_what_the_codec_does_not_recognise_passes_through(body: dict[str, Any]) -> None:
    wire = request_to_wire(body, STEPS)
    assert wire == body
    assert not R2026.validate(wire, "create-request", strict=True).ok  # still malformed


def test_a_malformed_schema_stays_where_2026_05_holds_the_schema() -> None:
    # Not left as a bare legacy response_format: the target then names the wrong value's field
    # (ERR-MESSAGE-FIELD) instead of refusing a legacy shape.
    wire = request_to_wire({"model": "m", "input": "x", "response_format": "json"}, STEPS)
    assert wire["response_format"] == {
        "type": "text",
        "mime_type": "application/json",
        "schema": "json",
    }
    result = R2026.validate(wire, "create-request", strict=True)
    assert not result.ok
    assert any(v.where.startswith("/response_format") for v in result.violations)


@pytest.mark.parametrize("body", ["not an object", 42, None, ["a"]])
def test_a_body_that_is_not_an_object_is_returned_as_it_is(body: Any) -> None:
    assert request_to_wire(body, STEPS) == body
    assert request_from_wire(body, STEPS) == body
    assert interaction_to_wire(body, STEPS) == body
    assert event_to_wire(body, STEPS) == body


def test_legacy_fields_are_named_by_pointer() -> None:
    body = {
        "model": "m",
        "input": [{"type": "text", "text": "x"}, {"role": "user", "content": "y"}],
        "response_mime_type": "application/json",
        "generation_config": {"image_config": {}},
    }
    assert legacy_request_fields(body) == [
        "/response_mime_type",
        "/input/1/role",
        "/generation_config/image_config",
    ]
    assert legacy_request_fields(request_to_wire({"model": "m", "input": "x"}, STEPS)) == []
    assert "legacy Interactions API schema" in LEGACY_SCHEMA_MESSAGE


def test_audio_and_video_formats_stay_in_the_wire_form() -> None:
    wire = {"model": "m", "input": "x", "response_format": [{"type": "audio"}, {"type": "text"}]}
    assert request_from_wire(wire, STEPS) == wire
    assert is_wire_response_format(wire["response_format"])
    assert not is_wire_response_format({"type": "object"})


def _normalised(body: dict[str, Any]) -> dict[str, Any]:
    """What a canonical body means, in the one spelling the round trip gives back: a string
    turn is one text, JSON beside a schema is implied (SO-WITHOUT-MIME), modalities lower case,
    and google_search_result items lose url/title (2026-05 has no place for them)."""
    out = copy.deepcopy(body)
    if isinstance(out.get("response_modalities"), list):
        out["response_modalities"] = [m.lower() for m in out["response_modalities"]]
    if "response_format" in out and out.get("response_mime_type") == "application/json":
        del out["response_mime_type"]
    for turn in out["input"] if isinstance(out.get("input"), list) else []:
        if "role" not in turn:
            continue
        if isinstance(turn["content"], str):
            turn["content"] = [{"type": "text", "text": turn["content"]}]
        for block in turn["content"]:
            if block.get("type") == "google_search_result":
                block["result"] = [
                    {k: v for k, v in item.items() if k not in ("url", "title")}
                    for item in block["result"]
                ]
    return out


def _file_search_without_call_id(body: dict[str, Any]) -> bool:
    # 2025-12's file_search_result has no call_id; 2026-05 requires one: not translatable.
    return "file_search_result" in json.dumps(body.get("input"))


@FAST
@given(create_requests())
def test_generated_requests_round_trip_and_validate_under_2026_05(body: dict[str, Any]) -> None:
    wire = request_to_wire(body, STEPS)
    assert request_to_wire(wire, STEPS) == wire  # idempotent
    assert request_from_wire(wire, STEPS) == _normalised(body)
    assert legacy_request_fields(wire) == []
    result = R2026.validate(wire, "create-request", strict=True)
    if _file_search_without_call_id(body):
        assert {v.message for v in result.violations} <= {"'call_id' is a required property"}
    else:
        assert result.ok, [str(v) for v in result.violations]
        assert not result.drift, result.drift


# -- the Interaction resource ----------------------------------------------------------------

_TEXTS = st.text(max_size=40)
_IDS = st.from_regex(r"[a-z0-9]{4,10}", fullmatch=True)
_PNG = base64.b64encode(b"\x89PNG\r\n\x1a\nfake").decode()


def _block_strategy() -> st.SearchStrategy[dict[str, Any]]:
    """Output blocks valid in both revisions (google_search_result, renamed, is apart)."""
    thought = st.fixed_dictionaries(
        {"type": st.just("thought")},
        optional={
            "signature": _TEXTS,
            "summary": st.lists(
                st.builds(lambda t: {"type": "text", "text": t}, _TEXTS), min_size=1, max_size=2
            ),
        },
    )
    args = st.dictionaries(
        st.sampled_from(["location", "n", "q"]), st.one_of(_TEXTS, st.integers())
    )
    return st.one_of(
        st.builds(lambda t: {"type": "text", "text": t}, _TEXTS),
        st.just({"type": "image", "mime_type": "image/png", "data": _PNG}),
        thought,
        st.builds(
            lambda i, n, a: {"type": "function_call", "id": i, "name": n, "arguments": a},
            _IDS,
            st.sampled_from(["get_weather", "lookup"]),
            args,
        ),
        st.builds(
            lambda i: {
                "type": "code_execution_call",
                "id": i,
                "arguments": {"language": "python", "code": "print(1)"},
            },
            _IDS,
        ),
        st.builds(
            lambda i, r: {"type": "code_execution_result", "call_id": i, "result": r}, _IDS, _TEXTS
        ),
        st.builds(
            lambda i: {
                "type": "url_context_call",
                "id": i,
                "arguments": {"urls": ["https://a.example/"]},
            },
            _IDS,
        ),
        st.builds(
            lambda i: {
                "type": "url_context_result",
                "call_id": i,
                "result": [{"url": "https://a.example/", "status": "success"}],
            },
            _IDS,
        ),
        st.builds(
            lambda i, q: {"type": "google_search_call", "id": i, "arguments": {"queries": [q]}},
            _IDS,
            _TEXTS,
        ),
        st.builds(
            lambda i: {
                "type": "mcp_server_tool_call",
                "id": i,
                "name": "query",
                "server_name": "docs",
                "arguments": {"q": "tea"},
            },
            _IDS,
        ),
        st.builds(
            lambda i: {
                "type": "mcp_server_tool_result",
                "call_id": i,
                "name": "query",
                "server_name": "docs",
                "result": [{"type": "text", "text": "ok"}],
            },
            _IDS,
        ),
    )


@st.composite
def resources(draw: st.DrawFn) -> dict[str, Any]:
    outputs = draw(st.lists(_block_strategy(), max_size=5))
    return {
        "id": "v1_" + draw(_IDS),
        "status": draw(st.sampled_from(["completed", "requires_action", "incomplete"])),
        "outputs": outputs,
        "usage": {"total_tokens": 3, "total_input_tokens": 1, "total_output_tokens": 2},
        "role": "model",
        "created": "2026-05-15T18:51:55Z",
        "updated": "2026-05-15T18:51:55Z",
        "service_tier": draw(st.sampled_from(["flex", "standard", "priority"])),
        "object": "interaction",
        "model": "gemini-2.5-flash",
    }


def _resolve(body: Any, pointer: str) -> Any:
    for token in pointer.split("/")[1:]:
        body = body[int(token)] if isinstance(body, list) else body[token]
    return body


@FAST
@given(resources())
def test_outputs_become_one_step_each_and_read_back(resource: dict[str, Any]) -> None:
    wire = interaction_to_wire(resource, STEPS)
    assert "outputs" not in wire
    assert "role" not in wire  # no steps-era recording has it (BASIC-ROLE: MAY)
    assert wire["service_tier"] == resource["service_tier"]
    assert len(wire["steps"]) == len(resource["outputs"])  # stream index = output index
    assert outputs_of(wire) == resource["outputs"]
    for pointer, block in output_blocks(wire):
        assert _resolve(wire, pointer) is block
    no_violations(wire, "interaction")
    assert interaction_to_wire(resource, LEGACY) == _in_2025_12(resource)


def _in_2025_12(item: Any) -> Any:
    """The canonical shape as 2025-12 spells it: the same, but incomplete (unknown there) is failed."""
    out = copy.deepcopy(item)
    for holder in (out, out.get("interaction") if isinstance(out, dict) else None):
        if isinstance(holder, dict) and holder.get("status") == "incomplete":
            holder["status"] = "failed"
    return out


def test_incomplete_is_failed_in_2025_12_and_incomplete_in_2026_05() -> None:
    # STATUS-INCOMPLETE (2026-05); 2025-12 has no such status and never claims a cut answer completed.
    resource = {"id": "v1_x", "status": "incomplete", "outputs": [{"type": "text", "text": "{"}]}
    assert interaction_to_wire(resource, LEGACY)["status"] == "failed"
    assert interaction_to_wire(resource, STEPS)["status"] == "incomplete"
    update = {
        "event_type": "interaction.status_update",
        "interaction_id": "v1_x",
        "status": "incomplete",
    }
    assert event_to_wire(update, LEGACY)["status"] == "failed"
    assert event_to_wire(update, STEPS)["status"] == "incomplete"


def test_input_steps_come_first_and_a_resource_without_outputs_gets_no_steps() -> None:
    resource = {
        "id": "v1_x",
        "status": "completed",
        "role": "model",
        "outputs": [{"type": "text", "text": "hi"}],
    }
    user = [{"type": "user_input", "content": [{"type": "text", "text": "hello"}]}]
    wire = interaction_to_wire(resource, STEPS, input_steps=user)
    assert [s["type"] for s in wire["steps"]] == ["user_input", "model_output"]
    assert outputs_of(wire) == resource["outputs"]  # input steps are not outputs
    assert interaction_to_wire({"id": "v1_x", "status": "in_progress"}, STEPS) == {
        "id": "v1_x",
        "status": "in_progress",
    }
    assert interaction_to_wire({"status": "in_progress"}, STEPS, input_steps=user)["steps"] == user


def test_a_search_result_keeps_its_suggestions_under_the_new_name() -> None:
    block = {
        "type": "google_search_result",
        "call_id": "c1",
        "result": [{"url": "https://a.example/", "title": "A", "rendered_content": "<div/>"}],
    }
    wire = interaction_to_wire({"status": "completed", "outputs": [block]}, STEPS)
    assert wire["steps"] == [
        {
            "type": "google_search_result",
            "call_id": "c1",
            "result": [{"search_suggestions": "<div/>"}],
        }
    ]
    no_violations(wire, "interaction")
    history = steps_to_turns(wire["steps"])
    assert history[0]["content"][0]["result"] == [{"rendered_content": "<div/>"}]


def test_text_annotations_become_url_citations_and_back() -> None:
    text = {
        "type": "text",
        "text": "x",
        "annotations": [{"source": "https://a.example/", "start_index": 0, "end_index": 1}],
    }
    wire = interaction_to_wire({"status": "completed", "outputs": [text]}, STEPS)
    assert wire["steps"][0]["content"][0]["annotations"] == [
        {"type": "url_citation", "url": "https://a.example/", "start_index": 0, "end_index": 1}
    ]
    no_violations(wire, "interaction")
    assert steps_to_turns(wire["steps"]) == [{"role": "model", "content": [text]}]


@needs_recordings
def test_recorded_steps_read_as_output_blocks() -> None:
    basic = recorded("2026-steps__interaction__vercel-basic-text")
    assert [(p, b["type"]) for p, b in output_blocks(basic)] == [
        ("/steps/0", "thought"),
        ("/steps/1/content/0", "text"),
    ]
    assert outputs_of(basic)[1] == {
        "text": "Hello! I'm doing well, thank you for asking.\n\nHow are you today?",
        "type": "text",
    }
    call = recorded("2026-steps__interaction__vercel-function-call-requires-action")
    assert outputs_of(call)[1] == {
        "id": "zggxzq8r",
        "type": "function_call",
        "name": "getWeather",
        "arguments": {"location": "San Francisco"},
    }
    with_input = recorded("2026-steps__interaction__docs-migration-get-with-user-input")
    assert outputs_of(with_input) == [
        {"type": "text", "text": "Why did the chicken cross the road?"}
    ]  # the user_input step is input, not output


@needs_recordings
@pytest.mark.parametrize(
    "path", real_traffic_files("2025-12__interaction__"), ids=lambda p: p.stem.split("__")[-1]
)
def test_recorded_legacy_resources_translate_to_valid_steps(path: Any) -> None:
    _, payload = load_recording(path)
    wire = interaction_to_wire(payload, STEPS)
    renamed = "google_search_result"  # its items change (test above)
    assert [b for b in outputs_of(wire) if b.get("type") != renamed] == [
        b for b in outputs_of(payload) if b.get("type") != renamed
    ]
    result = R2026.validate(wire, "interaction")
    if path.stem.endswith("docs-dec2025-function-call-nested"):
        # API-SURFACE 9.3: that doc example nests the call and has no id; it breaks either revision
        assert {v.where for v in result.violations} == {
            "/steps/0/id",
            "/steps/0/name",
            "/steps/0/arguments",
        }
    else:
        assert result.ok, [str(v) for v in result.violations]


# -- stream events ---------------------------------------------------------------------------


@FAST
@given(resources())
def test_a_translated_stream_is_valid_and_rebuilds_the_steps(resource: dict[str, Any]) -> None:
    canonical = [
        *head_events(resource),
        *content_events(resource["outputs"]),
        terminal_event(resource),
    ]
    for n, event in enumerate(canonical):
        event["event_id"] = f"evt_{n:04d}"
    wire = events_to_wire(canonical, STEPS)
    assert len(wire) == len(canonical)
    assert [e["event_id"] for e in wire] == [e["event_id"] for e in canonical]
    for event in wire:
        no_violations(event, "sse-event")
    kinds = [e["event_type"] for e in wire]
    assert kinds[:2] == ["interaction.created", "interaction.status_update"]
    assert kinds[-1] == "interaction.completed"
    assert set(kinds[2:-1]) <= {"step.start", "step.delta", "step.stop"}
    assert "steps" not in wire[-1]["interaction"]  # completed carries no steps (recorded)
    assert rebuild_steps(wire) == interaction_to_wire(resource, STEPS)["steps"]
    assert events_to_wire(canonical, LEGACY) == [_in_2025_12(e) for e in canonical]


def test_a_function_call_starts_partial_and_streams_its_arguments_as_a_string() -> None:
    call = {
        "type": "function_call",
        "id": "c1",
        "name": "getWeather",
        "arguments": {"location": "San Francisco"},
    }
    wire = events_to_wire(content_events([call]), STEPS)
    assert wire == [
        {
            "event_type": "step.start",
            "index": 0,
            "step": {"id": "c1", "type": "function_call", "name": "getWeather", "arguments": {}},
        },
        {
            "event_type": "step.delta",
            "index": 0,
            "delta": {"type": "arguments_delta", "arguments": '{"location":"San Francisco"}'},
        },
        {"event_type": "step.stop", "index": 0},
    ]


def test_a_tool_step_starts_with_its_ids_and_the_delta_carries_the_rest() -> None:
    blocks = [
        {"type": "google_search_call", "id": "g1", "arguments": {"queries": ["tea"]}},
        {"type": "google_search_result", "call_id": "g1", "result": [{"rendered_content": "<p/>"}]},
    ]
    wire = events_to_wire(content_events(blocks), STEPS)
    assert wire[0]["step"] == {"id": "g1", "type": "google_search_call"}
    assert wire[1]["delta"] == {"type": "google_search_call", "arguments": {"queries": ["tea"]}}
    assert wire[3]["step"] == {"call_id": "g1", "type": "google_search_result"}
    assert wire[4]["delta"] == {
        "type": "google_search_result",
        "result": [{"search_suggestions": "<p/>"}],
    }
    for event in wire:
        no_violations(event, "sse-event")


def test_events_the_codec_does_not_know_pass_through() -> None:
    for event in (
        {"event_type": "interaction.status_update", "interaction_id": "x", "status": "in_progress"},
        {"event_type": "error", "error": {"code": "api_error", "message": "m"}},
        {"event_type": "interaction.in_progress"},
        {"no_type": True},
    ):
        assert event_to_wire(event, STEPS) == event


@needs_recordings
@pytest.mark.parametrize(
    "path", real_traffic_files("2025-12__stream__"), ids=lambda p: p.stem.split("__")[-1]
)
def test_recorded_legacy_streams_translate_to_valid_step_events(path: Any) -> None:
    _, events = load_recording(path)
    wire = events_to_wire(events, STEPS)
    assert len(wire) == len(events)
    for n, event in enumerate(wire):
        result = R2026.validate(event, "sse-event", at=f"event {n}")
        assert result.ok, [str(v) for v in result.violations]
        assert not str(event.get("event_type", "")).startswith(("content.", "interaction.start"))


@needs_recordings
def test_the_translated_function_call_stream_has_the_recorded_shape() -> None:
    legacy = recorded("2025-12__stream__vercel-function-call-requires-action")
    steps = recorded("2026-steps__stream__vercel-function-call-requires-action")

    def shape(events: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        return [
            (
                e["event_type"],
                sorted(set(e.get("step", {})) - {"signature"}),
                e.get("delta", {}).get("type"),
            )
            for e in events
        ]

    assert shape(events_to_wire(legacy, STEPS)) == shape(steps)
