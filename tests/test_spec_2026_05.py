"""The 2026-05 JSON Schemas (the steps schema): true to the recordings and to MIG.

The structure every revision shares (metadata, draft 2020-12, ``$ref``, ``x-rule``, closed
objects, no ``oneOf``, open enums) is checked in tests/test_spec_structure.py. Here:

* revision.json is the steps schema's (its Api-Revision header, ``step`` in, ``turn`` out),
  and the step, delta and event unions dispatch every type they list;
* every ``2026-steps__*`` recording validates under 2026-05, except the decided
  deviations of ``EXPECTED_2026_05``, which must fail exactly as listed;
* every ``2025-12__*`` recording checked under 2026-05 never raises, and yields a
  finding unless its shape is unchanged by the steps schema (``UNCHANGED_2025_12``);
* small hand-made negatives each fail with the exact rule and pointer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from _support import load_recording, pairs, real_traffic_files, revision_meta, validate_recording
from interactions_conformance import Revision, load_revision

REVISION = "2026-05"


@pytest.fixture(scope="module")
def rev() -> Revision:
    return load_revision(REVISION)


# -- the revision's own metadata and unions -----------------------------------------------


def test_revision_metadata_is_the_steps_schema() -> None:
    meta = revision_meta(REVISION)
    assert meta["api_revision_header"] == "2026-05-20"
    assert "step" in meta["schemas"]
    assert "turn" not in meta["schemas"]  # turns are gone: history is sent as steps (MIG)


def test_step_and_delta_unions_dispatch_every_type(rev: Revision) -> None:
    for name, key in (("step", "type"), ("delta", "type"), ("sse-event", "event_type")):
        schema = rev.schemas[name]
        enum = schema["properties"][key]["enum"]
        dispatched = {
            branch["if"]["properties"][key]["const"]
            for branch in schema["allOf"]
            if "const" in branch["if"]["properties"][key]
        }
        assert dispatched == set(enum), name
    assert len(rev.schemas["step"]["properties"]["type"]["enum"]) == 17
    assert "arguments_delta" in rev.schemas["delta"]["properties"]["type"]["enum"]
    assert "text_annotation_delta" in rev.schemas["delta"]["properties"]["type"]["enum"]


# -- the recorded steps-era traffic ------------------------------------------------------

# Steps-era recordings that deviate from the decided catalogue: each must produce exactly
# these violations (rule, where), for the reason given. Everything else must have none.
EXPECTED_2026_05: dict[str, tuple[str, set[tuple[str, str]]]] = {
    "2026-steps__interaction__docs-migration-get-with-user-input.json": (
        "Docs shorthand, not a resource: MIG's illustrative GET has a placeholder id and no "
        "status. SDK250 and every recorded resource have status, so SCHEMA-INTERACTION keeps "
        "it required and the shorthand fails.",
        {("SCHEMA-INTERACTION", "/status")},
    ),
    "2026-steps__stream__selected-events-function-call-metadata.json": (
        "arguments_delta.arguments is an object in these third-party notes of parsed events; "
        "MIG, SDK250, SDK330 and the 2026-05-15 vercel recording have a partial-JSON string. "
        "Decision STREAM-ARGUMENTS-DELTA: the documented string wins.",
        {("STREAM-ARGUMENTS-DELTA", "event 5 /delta/arguments")},
    ),
}

# Drift the steps-era recordings may show: names this revision deliberately leaves out.
KNOWN_2026_05_DRIFT = {
    "raw_prompt_token": "usage.raw_prompt_token, on the wire 2026-08-13, in no SDK (SCHEMA-USAGE)",
}

STEPS_FILES = real_traffic_files("2026-steps__")
LEGACY_FILES = real_traffic_files("2025-12__")


def test_the_corpus_is_there(shared_dir: Path) -> None:
    assert len(STEPS_FILES) >= 24
    assert len(LEGACY_FILES) >= 40
    assert set(EXPECTED_2026_05) <= {p.name for p in STEPS_FILES}


@pytest.mark.parametrize("path", STEPS_FILES, ids=lambda p: p.name)
def test_steps_recording_validates(rev: Revision, shared_dir: Path, path: Path) -> None:
    violations, drift = validate_recording(rev, path)
    expected = EXPECTED_2026_05.get(path.name, ("", set()))[1]
    assert pairs(violations) == expected, [str(v) for v in violations]
    assert {d.name for d in drift} <= set(KNOWN_2026_05_DRIFT), drift


def test_stream_events_are_checked_event_by_event(rev: Revision, shared_dir: Path) -> None:
    path = next(
        p
        for p in STEPS_FILES
        if p.name.endswith("vercel-function-call-requires-action.json") and "stream" in p.name
    )
    _, events = load_recording(path)
    types = [e["event_type"] for e in events]
    assert types[0] == "interaction.created"
    assert types[-1] == "interaction.completed"
    for n, event in enumerate(events):
        assert rev.validate(event, "sse-event", at=f"event {n}").ok, n


def test_raw_prompt_token_is_drift_lenient_and_a_violation_strict(rev: Revision) -> None:
    usage = {"total_tokens": 10, "raw_prompt_token": 7000}
    lenient = rev.validate(usage, "usage")
    assert lenient.ok
    assert [d.name for d in lenient.drift] == ["raw_prompt_token"]
    strict = rev.validate(usage, "usage", strict=True)
    assert pairs(strict.violations) == {("SCHEMA-STRICT", "/raw_prompt_token")}


@pytest.mark.parametrize("status", ["queued", "requires_continuation"])
def test_later_statuses_are_drift_not_part_of_the_revision(rev: Revision, status: str) -> None:
    lenient = rev.validate({"status": status}, "interaction")
    assert lenient.ok
    assert [d.name for d in lenient.drift] == [status]
    strict = rev.validate({"status": status}, "interaction", strict=True)
    assert pairs(strict.violations) == {("SCHEMA-STRICT", "/status")}


@pytest.mark.parametrize("status", ["incomplete", "budget_exceeded"])
def test_revision_statuses_are_known(rev: Revision, status: str) -> None:
    found = rev.validate({"status": status}, "interaction", strict=True)
    assert found.ok
    assert not found.drift


# -- the 2025-12 traffic under 2026-05 ----------------------------------------------------

# 2025-12 recordings whose shape the steps schema did not change, so they pass 2026-05
# without any finding. Every other 2025-12 recording must yield drift or a violation.
UNCHANGED_2025_12 = {
    "2025-12__interaction__delphi-deep-research-in-progress.json": "running: no outputs yet",
    "2025-12__interaction__docs-2026q1-cancelled.json": "cancelled: no outputs, no usage",
    "2025-12__interaction__docs-dec2025-cancelled.json": "cancelled: no outputs, no usage",
    "2025-12__request__docs-deep-research-background.json": "agent + string input, unchanged",
    "2025-12__request__docs-file-search-tool.json": "string input + file_search tool, unchanged",
    "2025-12__request__docs-function-tool.json": "string input + function tool, unchanged",
    "2025-12__request__docs-google-search-tool.json": "string input + google_search, unchanged",
    "2025-12__request__docs-image-input.json": "a content list, unchanged",
    "2025-12__request__docs-mcp-server-tool.json": "string input + mcp_server tool, unchanged",
    "2025-12__request__docs-simple.json": "model + string input, unchanged",
}


@pytest.mark.parametrize("path", LEGACY_FILES, ids=lambda p: p.name)
def test_legacy_recording_under_2026_05(rev: Revision, shared_dir: Path, path: Path) -> None:
    violations, drift = validate_recording(rev, path)  # never raises
    if path.name in UNCHANGED_2025_12:
        assert not violations, [str(v) for v in violations]
        assert not drift, [str(d) for d in drift]
    else:
        assert violations or drift, f"{path.name} is silently valid under 2026-05"


LEGACY_WITH_OUTPUTS = [
    p for p in LEGACY_FILES if "__interaction__" in p.name and "outputs" in load_recording(p)[1]
]
LEGACY_STREAMS = [p for p in LEGACY_FILES if "__stream__" in p.name]


def test_legacy_selections_are_not_empty(shared_dir: Path) -> None:
    assert len(LEGACY_WITH_OUTPUTS) >= 15
    assert len(LEGACY_STREAMS) >= 10


@pytest.mark.parametrize("path", LEGACY_WITH_OUTPUTS, ids=lambda p: p.name)
def test_legacy_interaction_with_outputs_is_a_violation(
    rev: Revision, shared_dir: Path, path: Path
) -> None:
    violations, _ = validate_recording(rev, path)
    assert ("REV-STEPS-SCHEMA", "/outputs") in pairs(violations)


@pytest.mark.parametrize("path", LEGACY_STREAMS, ids=lambda p: p.name)
def test_legacy_stream_events_are_violations(rev: Revision, shared_dir: Path, path: Path) -> None:
    violations, _ = validate_recording(rev, path)
    assert any(v.rule == "REV-STEPS-SCHEMA" for v in violations)


# -- hand-made payloads -------------------------------------------------------------------

STATUS_OK = {"status": "completed"}
COMPLETED_USAGE = {"total_tokens": 5}

# (name, schema, instance, the exact violations (rule, pointer))
NEGATIVES: list[tuple[str, str, Any, set[tuple[str, str]]]] = [
    ("no status", "interaction", {"id": "x", "steps": []}, {("SCHEMA-INTERACTION", "/status")}),
    (
        "outputs next to steps",
        "interaction",
        {**STATUS_OK, "steps": [], "outputs": [{"type": "text", "text": "hi"}]},
        {("REV-STEPS-SCHEMA", "/outputs")},
    ),
    (
        "function_call step without id",
        "interaction",
        {**STATUS_OK, "steps": [{"type": "function_call", "name": "f", "arguments": {}}]},
        {("FC-CALL-SHAPE", "/steps/0/id")},
    ),
    (
        "timestamp with a space",
        "interaction",
        {**STATUS_OK, "created": "2026-05-15 18:51:55"},
        {("BASIC-TIMESTAMPS", "/created")},
    ),
    (
        "negative token count",
        "usage",
        {"total_tokens": -1},
        {("SCHEMA-USAGE", "/total_tokens")},
    ),
    (
        "grounding_tool_count not a list",
        "usage",
        {"grounding_tool_count": {"google_search": 1}},
        {("USAGE-GROUNDING-COUNT", "/grounding_tool_count")},
    ),
    (
        "arguments_delta with an object",
        "sse-event",
        {
            "event_type": "step.delta",
            "index": 1,
            "delta": {"type": "arguments_delta", "arguments": {"a": 1}},
        },
        {("STREAM-ARGUMENTS-DELTA", "/delta/arguments")},
    ),
    (
        "legacy content.delta event",
        "sse-event",
        {"event_type": "content.delta", "index": 0, "delta": {"type": "text", "text": "x"}},
        {("REV-STEPS-SCHEMA", "/event_type")},
    ),
    (
        "interaction.completed without usage",
        "sse-event",
        {"event_type": "interaction.completed", "interaction": STATUS_OK},
        {("STREAM-COMPLETE-USAGE", "/interaction/usage")},
    ),
    (
        "interaction.completed without total_tokens",
        "sse-event",
        {"event_type": "interaction.completed", "interaction": {**STATUS_OK, "usage": {}}},
        {("STREAM-COMPLETE-USAGE", "/interaction/usage/total_tokens")},
    ),
    (
        "negative step index",
        "sse-event",
        {"event_type": "step.stop", "index": -1},
        {("STREAM-INDEX-FIELD", "/index")},
    ),
    (
        "step index as a string",
        "sse-event",
        {"event_type": "step.delta", "index": "0", "delta": {"type": "text", "text": "a"}},
        {("STREAM-INDEX-FIELD", "/index")},
    ),
    (
        "status_update without interaction_id",
        "sse-event",
        {"event_type": "interaction.status_update", "status": "in_progress"},
        {("STATUS-EVENTS", "/interaction_id")},  # decision STATUS-EVENTS: the event's fields
    ),
    (
        "error event without message",
        "sse-event",
        {"event_type": "error", "error": {"code": "not_found"}},
        {("ERR-BODY", "/error/message")},
    ),
    (
        "text delta without text",
        "delta",
        {"type": "text"},
        {("SCHEMA-EVENT", "/text")},
    ),
    (
        "google.rpc error envelope",
        "error",
        {"error": {"code": 400, "message": "bad", "status": "INVALID_ARGUMENT"}},
        {("ERR-BODY", "/error/code")},
    ),
    (
        "error code not snake_case",
        "error",
        {"error": {"code": "InvalidRequest", "message": "bad"}},
        {("ERR-BODY", "/error/code")},
    ),
    (
        "plain JSON schema as response_format (2025-12 form)",
        "create-request",
        {"model": "m", "input": "x", "response_format": {"type": "object"}},
        {("SO-RESPONSE-FORMAT", "/response_format/type")},
    ),
    (
        "empty response_format list",
        "create-request",
        {"model": "m", "input": "x", "response_format": []},
        {("SO-RESPONSE-FORMAT", "/response_format")},
    ),
    (
        "image format with an unknown aspect ratio",
        "create-request",
        {"model": "m", "input": "x", "response_format": {"type": "image", "aspect_ratio": "7:3"}},
        {("SO-RESPONSE-FORMAT", "/response_format/aspect_ratio")},
    ),
    (
        "response_mime_type",
        "create-request",
        {"model": "m", "input": "x", "response_mime_type": "application/json"},
        {("REQ-NO-LEGACY-FIELDS", "/response_mime_type")},
    ),
    (
        "2025-12 turns as input",
        "create-request",
        {"model": "m", "input": [{"role": "user", "content": "hi"}]},
        {("REQ-NO-LEGACY-FIELDS", "/input/0")},
    ),
    (
        "generation_config.image_config",
        "create-request",
        {"model": "m", "input": "x", "generation_config": {"image_config": {"image_size": "1K"}}},
        {("REQ-NO-LEGACY-FIELDS", "/generation_config/image_config")},
    ),
    (
        "unknown service tier",
        "create-request",
        {"model": "m", "input": "x", "service_tier": "gold"},
        {("SERVICE-TIER", "/service_tier")},
    ),
    (
        "a tool type of a later revision",
        "create-request",
        {"model": "m", "input": "x", "tools": [{"type": "bash"}]},
        {("TOOL-UNKNOWN-TYPE", "/tools/0/type")},
    ),
    (
        "function_result step without call_id",
        "create-request",
        {"model": "m", "input": [{"type": "function_result", "result": "ok"}]},
        {("SCHEMA-STEP", "/input/0/call_id")},
    ),
    (
        "image input without data or uri",
        "create-request",
        {"model": "m", "input": [{"type": "image", "mime_type": "image/png"}]},
        {("MM-DATA-OR-URI", "/input/0")},
    ),
    (
        "thinking_level outside the four",
        "create-request",
        {"model": "m", "input": "x", "generation_config": {"thinking_level": "max"}},
        {("GEN-THINKING-LEVEL", "/generation_config/thinking_level")},
    ),
    (
        "no input",
        "create-request",
        {"model": "m"},
        {("ERR-INPUT-REQUIRED", "/input")},
    ),
    (
        "last_event_id without stream",
        "get-params",
        {"last_event_id": "e1"},
        {("STREAM-RESUME", "/stream")},
    ),
]


@pytest.mark.parametrize(
    ("schema", "instance", "expected"),
    [pytest.param(s, i, e, id=n) for n, s, i, e in NEGATIVES],
)
def test_negative_payload(
    rev: Revision, schema: str, instance: Any, expected: set[tuple[str, str]]
) -> None:
    found = rev.validate(instance, schema)
    assert pairs(found.violations) == expected, [str(v) for v in found.violations]
    for violation in found.violations:
        assert rev.statement(violation.rule), f"{violation.rule} has no catalogue statement"


EVERY_STEP = [
    {"type": "user_input", "content": [{"type": "text", "text": "hi"}]},
    {"type": "thought", "signature": "c2ln", "summary": [{"type": "text", "text": "thinking"}]},
    {"type": "function_call", "id": "c1", "name": "f", "arguments": {"a": 1}, "signature": ""},
    {"type": "function_result", "call_id": "c1", "result": [{"type": "text", "text": "ok"}]},
    {"type": "code_execution_call", "id": "c2", "arguments": {"language": "python", "code": "1"}},
    {"type": "code_execution_result", "call_id": "c2", "result": "1", "is_error": False},
    {"type": "url_context_call", "id": "c3", "arguments": {"urls": ["https://a.example"]}},
    {
        "type": "url_context_result",
        "call_id": "c3",
        "result": [{"url": "https://a.example", "status": "success"}],
    },
    {
        "type": "google_search_call",
        "id": "c4",
        "arguments": {"queries": ["q"]},
        "search_type": "web_search",
    },
    {"type": "google_search_result", "call_id": "c4", "result": [{"search_suggestions": "<div/>"}]},
    {"type": "mcp_server_tool_call", "id": "c5", "name": "t", "server_name": "s", "arguments": {}},
    {"type": "mcp_server_tool_result", "call_id": "c5", "result": "done"},
    {"type": "file_search_call", "id": "c6"},
    {"type": "file_search_result", "call_id": "c6", "result": [{"text": "x"}]},
    {"type": "google_maps_call", "id": "c7", "arguments": {"queries": ["cafe"]}},
    {
        "type": "google_maps_result",
        "call_id": "c7",
        "result": [{"places": [{"name": "Cafe", "place_id": "places/1"}]}],
    },
    {
        "type": "model_output",
        "content": [
            {
                "type": "text",
                "text": "answer",
                "annotations": [
                    {
                        "type": "url_citation",
                        "url": "https://a.example",
                        "start_index": 0,
                        "end_index": 6,
                    }
                ],
            },
            {"type": "image", "data": "aGk=", "mime_type": "image/jpeg"},
        ],
    },
]


def test_every_step_type_is_accepted(rev: Revision) -> None:
    assert {s["type"] for s in EVERY_STEP} == set(rev.schemas["step"]["properties"]["type"]["enum"])
    resource = {
        "id": "v1_x",
        "object": "interaction",
        "status": "completed",
        "model": "gemini-2.5-flash",
        "created": "2026-05-15T18:51:55Z",
        "updated": "2026-05-15T18:51:55Z",
        "service_tier": "standard",
        "steps": EVERY_STEP,
        "usage": {
            "total_tokens": 3,
            "grounding_tool_count": [{"type": "google_search", "count": 1}],
        },
    }
    found = rev.validate(resource, "interaction", strict=True)
    assert found.ok, [str(v) for v in found.violations]
    assert not found.drift, found.drift


def test_steps_are_accepted_back_as_input(rev: Revision) -> None:
    request = {
        "model": "m",
        "input": [s for s in EVERY_STEP if s["type"] != "user_input"] + [EVERY_STEP[0]],
    }
    found = rev.validate(request, "create-request", strict=True)
    assert found.ok, [str(v) for v in found.violations]
    assert not found.drift, found.drift


def test_polymorphic_response_format_is_accepted(rev: Revision) -> None:
    request = {
        "model": "m",
        "input": "x",
        "service_tier": "flex",
        "response_format": [
            {"type": "text", "mime_type": "application/json", "schema": {"type": "object"}},
            {
                "type": "image",
                "mime_type": "image/jpeg",
                "aspect_ratio": "16:9",
                "image_size": "2K",
            },
            {"type": "audio", "mime_type": "audio/wav"},
            {"type": "video", "aspect_ratio": "9:16"},
        ],
    }
    found = rev.validate(request, "create-request", strict=True)
    assert found.ok, [str(v) for v in found.violations]
    assert not found.drift, found.drift


def test_every_delta_type_with_metadata_is_accepted(rev: Revision) -> None:
    deltas = [
        {"type": "text", "text": "a"},
        {"type": "image", "data": "aGk=", "mime_type": "image/png"},
        {"type": "audio", "data": "aGk=", "mime_type": "audio/wav"},
        {"type": "document", "uri": "files/1", "mime_type": "application/pdf"},
        {"type": "video", "uri": "files/2", "mime_type": "video/mp4"},
        {"type": "thought_summary", "content": {"type": "text", "text": "t"}},
        {"type": "thought_signature", "signature": ""},
        {"type": "text_annotation_delta", "annotations": [{"type": "url_citation", "url": "u"}]},
        {"type": "arguments_delta", "arguments": '{"loc'},
        {"type": "code_execution_call", "arguments": {"code": "1"}},
        {"type": "url_context_call", "arguments": {"urls": []}},
        {"type": "google_search_call", "arguments": {"queries": ["q"]}, "signature": "s"},
        {"type": "mcp_server_tool_call", "name": "t", "server_name": "s", "arguments": {}},
        {"type": "file_search_call"},
        {"type": "google_maps_call", "arguments": {"queries": ["q"]}},
        {"type": "code_execution_result", "result": "1"},
        {"type": "url_context_result", "result": [{"url": "u", "status": "paywall"}]},
        {
            "type": "google_search_result",
            "result": [{"search_suggestions": "s"}],
            "is_error": False,
        },
        {"type": "mcp_server_tool_result", "result": {"k": "v"}},
        {"type": "file_search_result", "result": [{}]},
        {"type": "google_maps_result", "result": [{"widget_context_token": "w"}]},
        {"type": "function_result", "call_id": "c", "result": "r"},
    ]
    assert {d["type"] for d in deltas} == set(rev.schemas["delta"]["properties"]["type"]["enum"])
    for n, delta in enumerate(deltas):
        event = {
            "event_type": "step.delta",
            "index": 0,
            "delta": delta,
            "event_id": f"e{n}",
            "metadata": {"total_usage": {"total_tokens": n}},
        }
        found = rev.validate(event, "sse-event", strict=True)
        assert found.ok, (delta["type"], [str(v) for v in found.violations])
        assert not found.drift, found.drift


def test_mig_status_event_names_are_drift(rev: Revision) -> None:
    # Decision STATUS-EVENTS: interaction.status_update is the status event; MIG's names are unknown.
    found = rev.validate({"event_type": "interaction.requires_action"}, "sse-event")
    assert found.ok
    assert [d.name for d in found.drift] == ["interaction.requires_action"]


def test_delete_response_is_empty(rev: Revision) -> None:
    assert rev.validate({}, "delete-response").ok
    assert not rev.is_valid({"deleted": True}, "delete-response")
