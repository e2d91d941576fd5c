"""Hand-made payloads against the 2025-12 schemas: one mutation each, one expected failure.

Each valid base below passes with neither violation nor drift. Each case changes one
thing and must be rejected with exactly the listed (rule, JSON pointer) violations.
Lenient vs strict: unknown properties and unknown values of open enums are drift in
lenient mode and SCHEMA-STRICT violations in strict mode; closed enums fail in both.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from interactions_conformance import Revision

_DELETE = object()


def mutate(base: Any, pointer: str, value: Any = _DELETE) -> Any:
    """A deep copy of ``base`` with the value at ``pointer`` replaced (or deleted)."""
    data = copy.deepcopy(base)
    *parents, last = pointer.lstrip("/").split("/")
    node = data
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    key_: Any = int(last) if isinstance(node, list) else last
    if value is _DELETE:
        del node[key_]
    else:
        node[key_] = value
    return data


INTERACTION = {
    "id": "v1_ChdhYmM",
    "object": "interaction",
    "status": "requires_action",
    "model": "gemini-2.5-flash",
    "role": "model",
    "created": "2025-12-29T11:06:25Z",
    "updated": "2025-12-29T11:06:25Z",
    "outputs": [
        {"type": "thought", "signature": "c2lnbmF0dXJl"},
        {
            "type": "function_call",
            "id": "call-1",
            "name": "get_weather",
            "arguments": {"location": "Paris"},
        },
        {"type": "image", "mime_type": "image/png", "data": "iVBORw0KGgo="},
        {"type": "text", "text": "Checking the weather."},
    ],
    "usage": {
        "total_input_tokens": 10,
        "input_tokens_by_modality": [{"modality": "text", "tokens": 10}],
        "total_output_tokens": 5,
        "total_thought_tokens": 3,
        "total_tokens": 18,
    },
}

REQUEST = {
    "model": "gemini-2.5-flash",
    "input": [
        {"type": "text", "text": "What is in this picture?"},
        {"type": "image", "data": "iVBORw0KGgo=", "mime_type": "image/png"},
    ],
    "tools": [
        {"type": "function", "name": "get_weather", "parameters": {"type": "object"}},
        {"type": "mcp_server", "name": "weather_service", "url": "https://example.com/mcp"},
    ],
    "generation_config": {"temperature": 0.7, "max_output_tokens": 500, "thinking_level": "low"},
    "response_format": {"type": "object", "properties": {"answer": {"type": "string"}}},
    "store": True,
}

TURNS_REQUEST = {
    "model": "gemini-2.5-flash",
    "input": [
        {"role": "user", "content": "What are the three largest cities in Spain?"},
        {"role": "model", "content": [{"type": "text", "text": "Madrid, Barcelona and Valencia."}]},
        {"role": "user", "content": "And the second one?"},
    ],
}

AGENT_REQUEST = {
    "agent": "deep-research-pro-preview-12-2025",
    "input": "Research the history of TPUs.",
    "background": True,
    "agent_config": {"type": "deep-research", "thinking_summaries": "auto"},
}

EVENTS = {
    "start": {
        "event_type": "interaction.start",
        "interaction": {
            "id": "v1_x",
            "status": "in_progress",
            "object": "interaction",
            "model": "gemini-2.5-flash",
        },
    },
    "status": {
        "event_type": "interaction.status_update",
        "interaction_id": "v1_x",
        "status": "in_progress",
    },
    "content_start": {
        "event_type": "content.start",
        "index": 0,
        "content": {"type": "function_call", "id": "c1"},
    },
    "delta": {"event_type": "content.delta", "index": 0, "delta": {"type": "text", "text": "Hi"}},
    "stop": {"event_type": "content.stop", "index": 0},
    "complete": {
        "event_type": "interaction.complete",
        "interaction": {"id": "v1_x", "status": "completed", "usage": {"total_tokens": 12}},
    },
    "error": {
        "event_type": "error",
        "error": {"code": "not_found", "message": "Result not found."},
    },
}

ERROR = {
    "error": {
        "code": "invalid_request",
        "message": "The value 'x' is not supported for 'type' at 'tools[0]'.",
    }
}
GET_PARAMS = {"stream": "true", "last_event_id": "evt-3", "alt": "sse"}
FILE = {
    "name": "files/abc-123",
    "mimeType": "image/jpeg",
    "sizeBytes": "1024",
    "createTime": "2025-12-10T10:00:00.123456Z",
    "uri": "https://generativelanguage.googleapis.com/v1beta/files/abc-123",
    "state": "ACTIVE",
    "source": "UPLOADED",
}

BASES: list[tuple[str, str, Any]] = [
    ("interaction", "interaction", INTERACTION),
    ("request", "create-request", REQUEST),
    ("turns-request", "create-request", TURNS_REQUEST),
    ("agent-request", "create-request", AGENT_REQUEST),
    *((f"event-{k}", "sse-event", v) for k, v in EVENTS.items()),
    ("error", "error", ERROR),
    ("get-params", "get-params", GET_PARAMS),
    ("file", "file", FILE),
    ("delete", "delete-response", {}),
]


@pytest.mark.parametrize(
    ("schema", "instance"), [(s, i) for _, s, i in BASES], ids=[n for n, _, _ in BASES]
)
def test_bases_are_valid_in_strict_mode(revision: Revision, schema: str, instance: Any) -> None:
    found = revision.validate(instance, schema, strict=True)
    assert not found.violations, "\n\n".join(v.render() for v in found.violations)
    assert not found.drift


# (id, schema, base, pointer, new value or _DELETE, expected {(rule, where)})
# fmt: off
CASES: list[tuple[str, str, Any, str, Any, set[tuple[str, str]]]] = [
    # -- interaction
    ("status-missing", "interaction", INTERACTION, "/status", _DELETE, {("SCHEMA-INTERACTION", "/status")}),
    ("status-not-string", "interaction", INTERACTION, "/status", 3, {("SCHEMA-INTERACTION", "/status")}),
    ("id-not-string", "interaction", INTERACTION, "/id", 7, {("SCHEMA-INTERACTION", "/id")}),
    ("object-other", "interaction", INTERACTION, "/object", "response", {("BASIC-OBJECT", "/object")}),
    ("created-not-iso", "interaction", INTERACTION, "/created", "yesterday", {("BASIC-TIMESTAMPS", "/created")}),
    ("outputs-not-array", "interaction", INTERACTION, "/outputs", {}, {("SCHEMA-INTERACTION", "/outputs")}),
    ("content-type-missing", "interaction", INTERACTION, "/outputs/3/type", _DELETE, {("SCHEMA-CONTENT", "/outputs/3/type")}),
    ("text-not-string", "interaction", INTERACTION, "/outputs/3/text", 5, {("SCHEMA-CONTENT", "/outputs/3/text")}),
    ("fc-id-missing", "interaction", INTERACTION, "/outputs/1/id", _DELETE, {("FC-CALL-SHAPE", "/outputs/1/id")}),
    ("fc-id-empty", "interaction", INTERACTION, "/outputs/1/id", "", {("FC-CALL-SHAPE", "/outputs/1/id")}),
    ("fc-name-missing", "interaction", INTERACTION, "/outputs/1/name", _DELETE, {("FC-CALL-SHAPE", "/outputs/1/name")}),
    ("fc-args-string", "interaction", INTERACTION, "/outputs/1/arguments", "{}", {("FC-CALL-SHAPE", "/outputs/1/arguments")}),
    ("image-data-not-base64", "interaction", INTERACTION, "/outputs/2/data", "not base64!", {("MM-BASE64", "/outputs/2/data")}),
    ("image-mime-not-string", "interaction", INTERACTION, "/outputs/2/mime_type", 1, {("MM-MIME-TYPE", "/outputs/2/mime_type")}),
    ("usage-negative", "interaction", INTERACTION, "/usage/total_tokens", -1, {("SCHEMA-USAGE", "/usage/total_tokens")}),
    ("usage-float", "interaction", INTERACTION, "/usage/total_thought_tokens", 1.5, {("SCHEMA-USAGE", "/usage/total_thought_tokens")}),
    ("usage-modality-tokens", "interaction", INTERACTION, "/usage/input_tokens_by_modality/0/tokens", "10", {("SCHEMA-USAGE", "/usage/input_tokens_by_modality/0/tokens")}),
    # -- create request
    ("input-missing", "create-request", REQUEST, "/input", _DELETE, {("ERR-INPUT-REQUIRED", "/input")}),
    ("input-number", "create-request", REQUEST, "/input", 42, {("SCHEMA-REQUEST", "/input")}),
    ("model-and-agent", "create-request", REQUEST, "/agent", "deep-research-pro-preview-12-2025", {("BASIC-MODEL-XOR-AGENT", "/")}),
    ("neither-model-nor-agent", "create-request", REQUEST, "/model", _DELETE, {("BASIC-MODEL-XOR-AGENT", "/agent")}),
    ("request-content-type-unknown", "create-request", REQUEST, "/input/0/type", "hologram", {("SCHEMA-CONTENT", "/input/0/type")}),
    ("request-image-mime-closed", "create-request", REQUEST, "/input/1/mime_type", "image/gif", {("MM-MIME-TYPE", "/input/1/mime_type")}),
    ("request-image-no-data-no-uri", "create-request", REQUEST, "/input/1/data", _DELETE, {("MM-DATA-OR-URI", "/input/1")}),
    ("request-image-bad-base64", "create-request", REQUEST, "/input/1/data", "%%%", {("MM-BASE64", "/input/1/data")}),
    ("tool-type-unknown", "create-request", REQUEST, "/tools/0/type", "invalid_tool_type_xyz", {("TOOL-UNKNOWN-TYPE", "/tools/0/type")}),
    ("function-tool-no-name", "create-request", REQUEST, "/tools/0/name", _DELETE, {("FC-TOOL-SHAPE", "/tools/0/name")}),
    ("mcp-name-with-dash", "create-request", REQUEST, "/tools/1/name", "weather-service", {("TOOL-MCP-NAME", "/tools/1/name")}),
    ("temperature-too-high", "create-request", REQUEST, "/generation_config/temperature", 2.5, {("GEN-TEMPERATURE-RANGE", "/generation_config/temperature")}),
    ("temperature-negative", "create-request", REQUEST, "/generation_config/temperature", -0.1, {("GEN-TEMPERATURE-RANGE", "/generation_config/temperature")}),
    ("thinking-level-unknown", "create-request", REQUEST, "/generation_config/thinking_level", "extreme", {("GEN-THINKING-LEVEL", "/generation_config/thinking_level")}),
    ("max-output-tokens-string", "create-request", REQUEST, "/generation_config/max_output_tokens", "500", {("GEN-CONFIG-TYPES", "/generation_config/max_output_tokens")}),
    ("response-format-string", "create-request", REQUEST, "/response_format", "json", {("SO-SCHEMA-TYPE", "/response_format")}),
    ("response-format-steps-shape", "create-request", REQUEST, "/response_format/type", "text", {("SO-SCHEMA-TYPE", "/response_format/type")}),
    ("modality-unknown", "create-request", REQUEST, "/response_modalities", ["video"], {("GEN-MODALITIES-ENUM", "/response_modalities/0")}),
    ("store-string", "create-request", REQUEST, "/store", "false", {("SCHEMA-REQUEST", "/store")}),
    ("turn-role-system", "create-request", TURNS_REQUEST, "/input/0/role", "system", {("CONV-TURN-ROLE", "/input/0/role")}),
    ("turn-role-missing", "create-request", TURNS_REQUEST, "/input/2/role", _DELETE, {("CONV-TURN-ROLE", "/input/2/role")}),
    ("turn-content-missing", "create-request", TURNS_REQUEST, "/input/0/content", _DELETE, {("SCHEMA-REQUEST", "/input/0/content")}),
    ("turn-content-type-unknown", "create-request", TURNS_REQUEST, "/input/1/content/0/type", "hologram", {("SCHEMA-CONTENT", "/input/1/content/0/type")}),
    ("agent-config-type-unknown", "create-request", AGENT_REQUEST, "/agent_config/type", "planner", {("SCHEMA-REQUEST", "/agent_config/type")}),
    ("agent-thinking-summaries", "create-request", AGENT_REQUEST, "/agent_config/thinking_summaries", "always", {("SCHEMA-REQUEST", "/agent_config/thinking_summaries")}),
    # -- events
    ("event-type-missing", "sse-event", EVENTS["delta"], "/event_type", _DELETE, {("SCHEMA-EVENT", "/event_type")}),
    ("delta-index-missing", "sse-event", EVENTS["delta"], "/index", _DELETE, {("SCHEMA-EVENT", "/index")}),
    ("delta-index-negative", "sse-event", EVENTS["delta"], "/index", -1, {("SCHEMA-EVENT", "/index")}),
    ("delta-type-missing", "sse-event", EVENTS["delta"], "/delta/type", _DELETE, {("SCHEMA-EVENT", "/delta/type")}),
    ("delta-text-not-string", "sse-event", EVENTS["delta"], "/delta/text", ["Hi"], {("SCHEMA-EVENT", "/delta/text")}),
    ("status-update-no-status", "sse-event", EVENTS["status"], "/status", _DELETE, {("STREAM-STATUS-EVENT", "/status")}),
    ("start-no-interaction", "sse-event", EVENTS["start"], "/interaction", _DELETE, {("SCHEMA-EVENT", "/interaction")}),
    ("start-interaction-no-status", "sse-event", EVENTS["start"], "/interaction/status", _DELETE, {("SCHEMA-INTERACTION", "/interaction/status")}),
    ("content-start-fc-id-empty", "sse-event", EVENTS["content_start"], "/content/id", "", {("FC-CALL-SHAPE", "/content/id")}),
    ("complete-no-usage", "sse-event", EVENTS["complete"], "/interaction/usage", _DELETE, {("STREAM-COMPLETE-USAGE", "/interaction/usage")}),
    ("complete-no-total", "sse-event", EVENTS["complete"], "/interaction/usage/total_tokens", _DELETE, {("STREAM-COMPLETE-USAGE", "/interaction/usage/total_tokens")}),
    ("error-event-no-message", "sse-event", EVENTS["error"], "/error/message", _DELETE, {("STREAM-ERROR-EVENT", "/error/message")}),
    ("error-event-code-int", "sse-event", EVENTS["error"], "/error/code", 404, {("STREAM-ERROR-EVENT", "/error/code")}),
    # -- error body, get params, files
    ("error-code-int", "error", ERROR, "/error/code", 400, {("SCHEMA-ERROR", "/error/code")}),
    ("error-no-message", "error", ERROR, "/error/message", _DELETE, {("SCHEMA-ERROR", "/error/message")}),
    ("error-no-error", "error", ERROR, "/error", _DELETE, {("SCHEMA-ERROR", "/error")}),
    ("resume-without-stream", "get-params", GET_PARAMS, "/stream", _DELETE, {("STREAM-RESUME", "/stream")}),
    ("resume-with-stream-false", "get-params", GET_PARAMS, "/stream", "false", {("STREAM-RESUME", "/stream")}),
    ("file-state-missing", "file", FILE, "/state", _DELETE, {("SCHEMA-VALID", "/state")}),
    ("file-name-no-prefix", "file", FILE, "/name", "abc-123", {("SCHEMA-VALID", "/name")}),
    ("file-size-negative", "file", FILE, "/sizeBytes", "-5", {("SCHEMA-VALID", "/sizeBytes")}),
]
# fmt: on


@pytest.mark.parametrize(
    ("schema", "base", "pointer", "value", "expected"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
def test_mutation_is_rejected(
    revision: Revision,
    schema: str,
    base: Any,
    pointer: str,
    value: Any,
    expected: set[tuple[str, str]],
    strict: bool,
) -> None:
    found = revision.validate(mutate(base, pointer, value), schema, strict=strict)
    got = {(v.rule, v.where) for v in found.violations if v.rule != "SCHEMA-STRICT"}
    assert got == expected, "\n\n".join(v.render() for v in found.violations)


def test_every_rule_of_the_cases_is_in_the_catalogue(revision: Revision) -> None:
    from test_schemas import _rule_ids

    assert {rule for *_, expected in CASES for rule, _ in expected} <= _rule_ids()


# -- lenient vs strict ------------------------------------------------------------------

# (id, schema, base, pointer, value, drift what, drift where)
# fmt: off
OPEN_CASES = [
    ("unknown-property", "interaction", INTERACTION, "/service_tier", "standard", "property", "/service_tier"),
    ("unknown-nested-property", "interaction", INTERACTION, "/outputs/3/citations", [], "property", "/outputs/3/citations"),
    ("unknown-content-type", "interaction", INTERACTION, "/outputs/3/type", "file_search_call", "content type", "/outputs/3/type"),
    ("unknown-status", "interaction", INTERACTION, "/status", "incomplete", "status", "/status"),
    ("unknown-event-type", "sse-event", EVENTS["stop"], "/event_type", "interaction.paused", "event type", "/event_type"),
    ("unknown-delta-type", "sse-event", EVENTS["delta"], "/delta/type", "text_annotation", "delta type", "/delta/type"),
    ("unknown-start-content-type", "sse-event", EVENTS["content_start"], "/content/type", "google_maps_call", "content type", "/content/type"),
    ("unknown-status-update", "sse-event", EVENTS["status"], "/status", "queued", "status", "/status"),
    ("unknown-image-mime-in-output", "interaction", INTERACTION, "/outputs/2/mime_type", "image/gif", "image mime type", "/outputs/2/mime_type"),
    ("unknown-request-field", "create-request", REQUEST, "/service_tier", "flex", "property", "/service_tier"),
    ("agent-config-on-model", "create-request", REQUEST, "/agent_config", {"type": "dynamic"}, "property", "/agent_config"),
    ("rpc-error-status", "error", ERROR, "/error/status", "INVALID_ARGUMENT", "property", "/error/status"),
    ("delete-with-body", "delete-response", {}, "/deleted", True, "property", "/deleted"),
    ("file-snake-case", "file", FILE, "/mime_type", "image/jpeg", "property", "/mime_type"),
]
# fmt: on


@pytest.mark.parametrize(
    ("schema", "base", "pointer", "value", "what", "where"),
    [c[1:] for c in OPEN_CASES],
    ids=[c[0] for c in OPEN_CASES],
)
def test_unknown_is_drift_when_lenient_and_a_violation_when_strict(
    revision: Revision, schema: str, base: Any, pointer: str, value: Any, what: str, where: str
) -> None:
    instance = mutate(base, pointer, value)
    lenient = revision.validate(instance, schema)
    assert not lenient.violations, "\n\n".join(v.render() for v in lenient.violations)
    assert [(d.what, d.where) for d in lenient.drift] == [(what, where)]
    strict = revision.validate(instance, schema, strict=True)
    assert [(v.rule, v.where) for v in strict.violations] == [("SCHEMA-STRICT", where)]
    assert not strict.drift


def test_closed_request_enums_fail_even_when_lenient(revision: Revision) -> None:
    tool = revision.validate(mutate(REQUEST, "/tools/0/type", "google_maps"), "create-request")
    assert [(v.rule, v.where) for v in tool.violations] == [("TOOL-UNKNOWN-TYPE", "/tools/0/type")]
    assert not tool.drift
    content = revision.validate(
        mutate(REQUEST, "/input/0/type", "file_search_call"), "create-request"
    )
    assert [(v.rule, v.where) for v in content.violations] == [("SCHEMA-CONTENT", "/input/0/type")]
    # A closed media mime type in a request is a violation; the open response enum adds drift.
    mime = revision.validate(mutate(REQUEST, "/input/1/mime_type", "image/gif"), "create-request")
    assert [(v.rule, v.where) for v in mime.violations] == [("MM-MIME-TYPE", "/input/1/mime_type")]
    assert [(d.what, d.where) for d in mime.drift] == [("image mime type", "/input/1/mime_type")]


# -- decisions that accept more than one source ------------------------------------------

# fmt: off
ACCEPTED: list[tuple[str, str, Any]] = [
    # USAGE-THOUGHT-NAME: SDK155 / REF-Dec25 name
    ("usage-total-reasoning-tokens", "usage", {"total_reasoning_tokens": 22, "total_tokens": 49}),
    # store=false: no id at all (non-streaming) or "" (streams); BASIC-ID is a check
    ("interaction-without-id", "interaction", mutate(INTERACTION, "/id")),
    ("interaction-empty-id", "interaction", mutate(INTERACTION, "/id", "")),
    ("interaction-without-object", "interaction", mutate(INTERACTION, "/object")),
    ("interaction-without-outputs", "interaction", mutate(INTERACTION, "/outputs")),
    ("interaction-role-agent", "interaction", mutate(INTERACTION, "/role", "agent")),
    # GEN-THINKING-LEVEL: the docs' minimal and medium besides SDK155's low and high
    ("thinking-level-minimal", "create-request", mutate(REQUEST, "/generation_config/thinking_level", "minimal")),
    ("thinking-level-medium", "create-request", mutate(REQUEST, "/generation_config/thinking_level", "medium")),
    # STREAM-THOUGHT-DELTA: the guide's thought delta and the SDK's two
    ("guide-thought-delta", "sse-event", mutate(EVENTS["delta"], "/delta", {"type": "thought", "thought": "Hmm"})),
    ("thought-summary-delta", "sse-event", mutate(EVENTS["delta"], "/delta", {"type": "thought_summary", "content": {"type": "text", "text": "Plan"}})),
    ("thought-signature-delta", "sse-event", mutate(EVENTS["delta"], "/delta", {"type": "thought_signature", "signature": "c2ln"})),
    ("function-call-delta", "sse-event", mutate(EVENTS["delta"], "/delta", {"type": "function_call", "id": "c1", "name": "f", "arguments": {}})),
    # content.start content may be just {type} (recorded)
    ("content-start-type-only", "sse-event", mutate(EVENTS["content_start"], "/content", {"type": "text"})),
    # interaction.complete with outputs (REF-Dec25) and event_id (SDK155)
    ("complete-with-outputs", "sse-event", mutate(EVENTS["complete"], "/interaction/outputs", [{"type": "text", "text": "Hi"}])),
    ("event-with-event-id", "sse-event", mutate(EVENTS["stop"], "/event_id", "evt-1")),
    # SO-WITHOUT-MIME and SO-WITH-MIME
    ("response-format-with-mime", "create-request", mutate(REQUEST, "/response_mime_type", "application/json")),
    # G7 spells the modality in upper case
    ("modality-upper-case", "create-request", mutate(REQUEST, "/response_modalities", ["IMAGE"])),
    # BASIC-INPUT-SINGLE-CONTENT and BASIC-INPUT-STRING
    ("input-single-content", "create-request", mutate(REQUEST, "/input", {"type": "text", "text": "Hi"})),
    ("input-string", "create-request", mutate(REQUEST, "/input", "Hi")),
    # G17: uri instead of data; FC-RESULT-NAME-OPTIONAL
    ("image-uri", "create-request", mutate(REQUEST, "/input/1", {"type": "image", "uri": "files/abc"})),
    ("function-result-without-name", "create-request", mutate(REQUEST, "/input", [{"type": "function_result", "call_id": "c1", "result": {"temp": 16}}])),
    ("tool-choice-config", "create-request", mutate(REQUEST, "/generation_config/tool_choice", {"allowed_tools": {"mode": "any", "tools": ["get_weather"]}})),
    ("tool-choice-string", "create-request", mutate(REQUEST, "/generation_config/tool_choice", "validated")),
    ("computer-use-camel-case", "create-request", mutate(REQUEST, "/tools/1", {"type": "computer_use", "environment": "browser", "excludedPredefinedFunctions": ["open_tab"]})),
    ("get-without-stream", "get-params", {}),
    ("file-size-integer", "file", mutate(FILE, "/sizeBytes", 1024)),
]
# fmt: on


@pytest.mark.parametrize(
    ("schema", "instance"), [c[1:] for c in ACCEPTED], ids=[c[0] for c in ACCEPTED]
)
def test_documented_alternatives_are_accepted(
    revision: Revision, schema: str, instance: Any
) -> None:
    found = revision.validate(instance, schema, strict=True)
    assert not found.violations, "\n\n".join(v.render() for v in found.violations)


def test_content_start_shape_is_not_a_full_output(revision: Revision) -> None:
    """The partial {id, type} function_call of a content.start fails as a finished output."""
    partial = {"type": "function_call", "id": "c1"}
    assert revision.validate(EVENTS["content_start"], "sse-event", strict=True).ok
    found = revision.validate(mutate(INTERACTION, "/outputs/1", partial), "interaction")
    assert {(v.rule, v.where) for v in found.violations} == {
        ("FC-CALL-SHAPE", "/outputs/1/name"),
        ("FC-CALL-SHAPE", "/outputs/1/arguments"),
    }


@pytest.mark.parametrize(
    ("name", "instance"),
    [
        ("content#/$defs/content-start", {"type": "function_call", "id": "c1"}),
        ("file#/$defs/upload-response", {"file": FILE}),
    ],
)
def test_fragments_with_internal_refs_validate(
    revision: Revision, name: str, instance: Any
) -> None:
    found = revision.validate(instance, name, strict=True)
    assert found.ok
    assert not found.drift


def test_nested_function_call_is_rejected(revision: Revision) -> None:
    """API-SURFACE 9 contradiction 3: the REF-Dec25 nested shape is not a function_call."""
    nested = {"type": "function_call", "function_call": {"name": "get_weather", "arguments": {}}}
    found = revision.validate(mutate(INTERACTION, "/outputs/1", nested), "interaction")
    assert {(v.rule, v.where) for v in found.violations} == {
        ("FC-CALL-SHAPE", "/outputs/1/id"),
        ("FC-CALL-SHAPE", "/outputs/1/name"),
        ("FC-CALL-SHAPE", "/outputs/1/arguments"),
    }
    assert [(d.what, d.where) for d in found.drift] == [("property", "/outputs/1/function_call")]


def test_mixed_turns_and_contents_are_rejected(revision: Revision) -> None:
    mixed = mutate(TURNS_REQUEST, "/input/1", {"type": "text", "text": "loose content"})
    found = revision.validate(mixed, "create-request")
    assert ("CONV-TURN-ROLE", "/input/1/role") in {(v.rule, v.where) for v in found.violations}


def test_steps_era_shapes_are_violations_not_drift(revision: Revision) -> None:
    """SCHEMA-OUTPUTS-ERA: a steps-schema event or field in 2025-12 traffic is the wrong revision."""
    found = revision.validate({"event_type": "step.stop", "index": 0}, "sse-event")
    assert ("SCHEMA-OUTPUTS-ERA", "/") in {(v.rule, v.where) for v in found.violations}
    found = revision.validate({"status": "completed", "steps": []}, "interaction")
    assert {(v.rule, v.where) for v in found.violations} == {("SCHEMA-OUTPUTS-ERA", "/steps")}


def test_content_index_is_the_guide_tables_name_not_the_wires(revision: Revision) -> None:
    found = revision.validate({"event_type": "content.stop", "content_index": 0}, "sse-event")
    assert ("STREAM-INDEX-FIELD", "/content_index") in {(v.rule, v.where) for v in found.violations}
