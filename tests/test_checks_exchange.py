"""check_exchange and check_scenario: dispatch, error bodies, multi-exchange rules, failure text.

Most tests run against a stand-in revision ``2025-12`` whose schemas accept
any object (built in a temporary folder), so that dispatch and the non-schema
rules are tested whatever state spec/2025-12/schemas is in; the tests of real
schema conformance use the real revision and skip while its schemas are absent.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interactions_conformance import Exchange, Request, Response, Revision, load_revision
from interactions_conformance._spec import spec_root
from interactions_conformance.checks import (
    check_client_error,
    check_error_body,
    check_error_status,
    check_event_schemas,
    check_exchange,
    check_interaction_schema,
    check_scenario,
    classify,
)

BASE = "https://generativelanguage.googleapis.com/v1beta/interactions"
SCHEMA_BASE = "https://interactions-conformance.example/spec/2025-12/"

# -- a stand-in revision -----------------------------------------------------------------

STATEMENTS = {
    "STREAM-DELTA-TYPE": "Every delta's type is compatible with the type of the content it extends.",
    "USAGE-TOTAL-SUM": "total_tokens equals input + output + thought (reasoning) + tool-use tokens.",
    "ERR-STATUS-CODE": "The HTTP status matches the error code's documented status.",
}


def _schema(stem: str, rule: str, **extra: Any) -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{SCHEMA_BASE}{stem}.json",
        "x-rule": rule,
        "type": "object",
        **extra,
    }


@pytest.fixture(scope="module")
def standin(tmp_path_factory: pytest.TempPathFactory) -> Revision:
    folder = tmp_path_factory.mktemp("spec") / "2025-12"
    (folder / "schemas").mkdir(parents=True)
    (folder / "revision.json").write_text(json.dumps({"revision": "2025-12"}))
    schemas = {
        "interaction": _schema("interaction", "SCHEMA-INTERACTION"),
        "sse-event": _schema(
            "sse-event",
            "SCHEMA-EVENT",
            required=["event_type"],
            properties={"event_type": {"type": "string"}},
        ),
        "error": _schema("error", "SCHEMA-ERROR", required=["error"]),
    }
    for stem, schema in schemas.items():
        (folder / "schemas" / f"{stem}.json").write_text(json.dumps(schema))
    rules = [
        {"id": rid, "area": "test", "level": "MUST", "statement": text, "sources": []}
        for rid, text in STATEMENTS.items()
    ]
    (folder / "rules.yaml").write_text(json.dumps({"rules": rules}))
    return Revision("2025-12", folder)


def _real_schemas_present(*stems: str) -> bool:
    folder = spec_root() / "2025-12" / "schemas"
    return all((folder / f"{stem}.json").is_file() for stem in stems)


def needs_schemas(*stems: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(
        not _real_schemas_present(*stems),
        reason=f"spec/2025-12/schemas lacks one of {', '.join(stems)} (being written)",
    )


# -- builders ----------------------------------------------------------------------------

HEADERS = {"content-type": "application/json", "x-goog-api-key": "AIzaNOTAREALKEY"}


def create(body: dict[str, Any] | None = None, **fields: Any) -> Request:
    payload = body if body is not None else {"model": "gemini-2.5-flash", "input": "hi", **fields}
    return Request("POST", BASE, HEADERS, json.dumps(payload).encode())


def get(ident: str, query: str = "") -> Request:
    return Request("GET", f"{BASE}/{ident}{'?' + query if query else ''}", HEADERS)


def delete(ident: str) -> Request:
    return Request("DELETE", f"{BASE}/{ident}", HEADERS)


def json_response(body: Any, status: int = 200) -> Response:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Response(status, {"content-type": "application/json"}, raw)


def sse_bytes(events: list[dict[str, Any]], done: bool = True) -> bytes:
    out = b"".join(
        f"event: {e.get('event_type')}\ndata: {json.dumps(e)}\n\n".encode() for e in events
    )
    return out + (b"data: [DONE]\n\n" if done else b"")


def sse_response(
    events: list[dict[str, Any]] | bytes, content_type: str = "text/event-stream"
) -> Response:
    body = events if isinstance(events, bytes) else sse_bytes(events)
    chunks = tuple(body[i : i + 50] for i in range(0, len(body), 50))
    return Response(200, {"content-type": content_type}, body, chunks)


def resource(ident: str = "v1_a", text: str = "Hello", **fields: Any) -> dict[str, Any]:
    return {
        "id": ident,
        "object": "interaction",
        "model": "gemini-2.5-flash",
        "status": "completed",
        "created": "2025-12-11T10:00:00Z",
        "updated": "2025-12-11T10:00:00Z",
        "outputs": [{"type": "thought", "signature": "s"}, {"type": "text", "text": text}],
        "usage": {"total_input_tokens": 2, "total_output_tokens": 3, "total_tokens": 5},
        **fields,
    }


def events(ident: str = "v1_a", ids: bool = False) -> list[dict[str, Any]]:
    done = {k: v for k, v in resource(ident).items() if k != "outputs"}
    out = [
        {
            "event_type": "interaction.start",
            "interaction": {"id": ident, "status": "in_progress", "model": "gemini-2.5-flash"},
        },
        {
            "event_type": "interaction.status_update",
            "interaction_id": ident,
            "status": "in_progress",
        },
        {"event_type": "content.start", "index": 0, "content": {"type": "thought"}},
        {
            "event_type": "content.delta",
            "index": 0,
            "delta": {"type": "thought_signature", "signature": "s"},
        },
        {"event_type": "content.stop", "index": 0},
        {"event_type": "content.start", "index": 1, "content": {"type": "text"}},
        {"event_type": "content.delta", "index": 1, "delta": {"type": "text", "text": "Hel"}},
        {"event_type": "content.delta", "index": 1, "delta": {"type": "text", "text": "lo"}},
        {"event_type": "content.stop", "index": 1},
        {"event_type": "interaction.complete", "interaction": done},
    ]
    if ids:
        return [{**e, "event_id": f"e{n}"} for n, e in enumerate(out)]
    return out


def rules_where(result: Any) -> list[tuple[str, str]]:
    return [(v.rule, v.where) for v in result.violations]


# -- dispatch ----------------------------------------------------------------------------


def test_classify() -> None:
    assert classify(Exchange(create(), json_response({}))).kind == "create"
    assert classify(Exchange(create(stream=True), json_response({}))).stream
    op = classify(Exchange(get("v1_a", "stream=true&last_event_id=e3"), json_response({})))
    assert (op.kind, op.interaction_id, op.stream, op.last_event_id) == ("get", "v1_a", True, "e3")
    assert classify(Exchange(delete("v1_a"), json_response({}))).kind == "delete"
    cancel = Request("POST", f"{BASE}/v1_a/cancel", HEADERS)
    assert classify(Exchange(cancel, json_response({}))).interaction_id == "v1_a"
    assert classify(Exchange(Request("GET", "https://x/other"), json_response({}))).kind == "other"


def test_a_good_create_passes(standin: Revision) -> None:
    result = check_exchange(Exchange(create(), json_response(resource())), standin)
    assert result.ok, result.violations


def test_a_good_stream_passes(standin: Revision) -> None:
    result = check_exchange(Exchange(create(stream=True), sse_response(events())), standin)
    assert result.ok, result.violations


def test_violations_carry_the_curl_line_and_the_statement(standin: Revision) -> None:
    body = resource(usage={"total_input_tokens": 2, "total_tokens": 9})
    exchange = Exchange(create(), json_response(body))
    [v] = check_exchange(exchange, standin).violations
    assert v.rule == "USAGE-TOTAL-SUM"
    assert v.reproduce == exchange.reproduce
    assert "AIza" not in v.reproduce
    assert v.statement == STATEMENTS["USAGE-TOTAL-SUM"]


def test_stream_checks_run_on_the_events_and_on_the_reassembled_outputs(standin: Revision) -> None:
    stream = events()
    stream[7]["delta"] = {"type": "thought_signature", "signature": "x"}
    stream[9]["interaction"]["usage"]["total_tokens"] = 6
    result = check_exchange(Exchange(create(stream=True), sse_response(stream)), standin)
    assert rules_where(result) == [
        ("STREAM-DELTA-TYPE", "event 7 /delta/type"),
        ("USAGE-TOTAL-SUM", "event 9 /interaction/usage/total_tokens"),
    ]


def test_reassembled_outputs_get_the_output_checks(standin: Revision) -> None:
    req = create(
        tools=[{"type": "function", "name": "f", "parameters": {"type": "object"}}], stream=True
    )
    stream = events()
    stream[5]["content"] = {"type": "function_call", "id": "c1"}
    stream[6]["delta"] = {"type": "function_call", "name": "g", "arguments": {}}
    del stream[7]
    result = check_exchange(Exchange(req, sse_response(stream)), standin)
    assert rules_where(result) == [
        ("FC-NAME-DECLARED", "reassembled /outputs/1/name"),
        ("FC-REQUIRES-ACTION", "reassembled /status"),
        ("BASIC-FINAL-TEXT-LAST", "reassembled /outputs/1/type"),
    ]


def test_event_ids_are_checked_when_asked(standin: Revision) -> None:
    exchange = Exchange(create(stream=True), sse_response(events()))
    assert check_exchange(exchange, standin).ok
    result = check_exchange(exchange, standin, require_event_ids=True)
    assert rules_where(result) == [("STREAM-EVENT-ID", "event 0 /event_id")]


def test_store_false_stream_with_empty_ids(standin: Revision) -> None:
    exchange = Exchange(create(store=False, stream=True), sse_response(events(ident="")))
    assert check_exchange(exchange, standin).ok
    no_context = Exchange(get("x", "stream=true"), sse_response(events(ident="")))
    assert "BASIC-ID" in check_exchange(no_context, standin).rules


# -- malformed traffic: violations, never exceptions -------------------------------------


def test_truncated_stream(standin: Revision) -> None:
    body = sse_bytes(events(), done=False)[:-30]
    result = check_exchange(Exchange(create(stream=True), sse_response(body)), standin)
    assert ("SSE-FRAMING", "event 9") in rules_where(result)
    assert ("STREAM-ONE-TERMINAL", "event 8") in rules_where(result)


def test_bad_json_in_data(standin: Revision) -> None:
    body = sse_bytes(events()).replace(
        b'"content.stop", "index": 0}', b'"content.stop", "index": 0', 1
    )
    result = check_exchange(Exchange(create(stream=True), sse_response(body)), standin)
    # the lost content.stop leaves index 0 open
    assert rules_where(result) == [
        ("SSE-FRAMING", "event 4"),
        ("STREAM-CONTENT-BRACKETS", "event 9"),
    ]


def test_wrong_content_type(standin: Revision) -> None:
    exchange = Exchange(create(stream=True), sse_response(events(), content_type="text/plain"))
    assert rules_where(check_exchange(exchange, standin)) == [("SSE-CONTENT-TYPE", "/")]
    as_json = Exchange(create(stream=True), json_response(resource()))
    assert rules_where(check_exchange(as_json, standin)) == [("SSE-CONTENT-TYPE", "/")]


def test_non_json_body_with_200(standin: Revision) -> None:
    exchange = Exchange(
        create(), Response(200, {"content-type": "text/html"}, b"<html>oops</html>")
    )
    [v] = check_exchange(exchange, standin).violations
    assert (v.rule, v.where) == ("SCHEMA-INTERACTION", "/")
    assert v.actual == "<html>oops</html> (content type text/html)"


def test_a_list_where_an_object_is_expected_deep_inside(standin: Revision) -> None:
    body = resource(usage=[], outputs=[[], {"type": "function_call", "arguments": []}])
    result = check_exchange(Exchange(create(), json_response(body)), standin)
    assert {"SCHEMA-USAGE", "FC-CALL-SHAPE"} <= result.rules
    stream = events()
    stream[6]["delta"] = []
    stream[9]["interaction"] = {"usage": {"total_tokens": [1]}}
    result = check_exchange(Exchange(create(stream=True), sse_response(stream)), standin)
    assert ("STREAM-COMPLETE-USAGE", "event 9 /interaction/status") in rules_where(result)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=4),
    lambda c: (
        st.lists(c, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "event_type",
                    "index",
                    "delta",
                    "content",
                    "interaction",
                    "type",
                    "text",
                    "status",
                    "id",
                    "outputs",
                    "usage",
                    "error",
                    "code",
                ]
            ),
            c,
            max_size=4,
        )
    ),
    max_leaves=15,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=300), st.integers(min_value=100, max_value=599), st.booleans())
def test_arbitrary_bytes_never_raise(
    standin: Revision, body: bytes, status: int, stream: bool
) -> None:
    response = Response(
        status, {"content-type": "text/event-stream" if stream else "application/json"}, body
    )
    check_exchange(Exchange(create(stream=stream), response), standin)
    check_exchange(Exchange(get("x", "stream=true&last_event_id=1"), response), standin)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(_JSON, max_size=8), _JSON)
def test_arbitrary_json_never_raises(standin: Revision, stream: list[Any], body: Any) -> None:
    data = b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in stream)
    check_exchange(Exchange(create(stream=True), sse_response(data)), standin)
    check_exchange(Exchange(create(), json_response(body)), standin)
    check_exchange(Exchange(create(), json_response(body, status=400)), standin)
    check_scenario(
        [
            Exchange(create(stream=True), sse_response(data)),
            Exchange(get("v1_a"), json_response(body)),
        ],
        standin,
    )


# -- errors ------------------------------------------------------------------------------


def test_a_good_error_passes(standin: Revision) -> None:
    body = {"error": {"code": "not_found", "message": "Interaction not found."}}
    assert check_exchange(Exchange(get("v1_x"), json_response(body, 404)), standin).ok


def test_error_status_code(standin: Revision) -> None:
    body = {"error": {"code": "not_found", "message": "gone"}}
    [v] = check_exchange(Exchange(get("v1_x"), json_response(body, 400)), standin).violations
    assert (v.rule, v.where, v.expected, v.actual) == (
        "ERR-STATUS-CODE",
        "/error/code",
        "HTTP 404 for not_found",
        "HTTP 400",
    )
    assert check_error_status(418, body) != []
    assert check_error_status(404, body) == []
    assert check_error_status(400, {"error": {"code": "made_up"}}) == []


def test_error_body(standin: Revision) -> None:
    rpc = {"error": {"code": 400, "message": "bad", "status": "INVALID_ARGUMENT"}}
    assert rules_where(check_error_body(json.dumps(rpc).encode(), standin)) == [
        ("ERR-BODY", "/error/code")
    ]
    assert rules_where(check_error_body(b"<html>502</html>", standin)) == [("ERR-BODY", "/")]
    assert rules_where(check_error_body(b"", standin)) == [("ERR-BODY", "/")]
    assert rules_where(check_error_body(b'{"message": "x"}', standin)) == [
        ("ERR-BODY", "/error"),
        ("SCHEMA-ERROR", "/error"),
    ]
    assert rules_where(
        check_error_body({"error": {"code": "NotFound", "message": 1}}, standin)
    ) == [
        ("ERR-BODY", "/error/code"),
        ("ERR-BODY", "/error/message"),
    ]


def test_client_error_expectation() -> None:
    body = b'{"error": {"code": "invalid_request", "message": "x"}}'
    assert check_client_error(Exchange(create(), Response(400, {}, body))) == []
    [v] = check_client_error(Exchange(create(), Response(500, {}, b"boom")))
    assert (v.rule, v.actual) == ("ERR-NOT-5XX", 'HTTP 500: "boom"')
    assert v.reproduce.startswith("curl -sS -X POST ")
    assert [v.rule for v in check_client_error(Exchange(create(), Response(200, {}, b"{}")))] == [
        "ERR-NOT-5XX"
    ]


def test_delete_response(standin: Revision) -> None:
    assert check_exchange(Exchange(delete("v1_a"), Response(200, {}, b"")), standin).ok
    assert check_exchange(Exchange(delete("v1_a"), json_response({})), standin).ok
    result = check_exchange(Exchange(delete("v1_a"), json_response({"deleted": True})), standin)
    assert rules_where(result) == [("DELETE-RESPONSE", "/")]


# -- scenarios ---------------------------------------------------------------------------


def test_stream_then_get_with_the_same_outputs(standin: Revision) -> None:
    scenario = [
        Exchange(create(stream=True), sse_response(events())),
        Exchange(get("v1_a"), json_response(resource())),
    ]
    assert check_scenario(scenario, standin).ok


def test_stream_then_get_with_other_outputs(standin: Revision) -> None:
    scenario = [
        Exchange(create(stream=True), sse_response(events())),
        Exchange(get("v1_a"), json_response(resource(text="Help"))),
    ]
    [v] = check_scenario(scenario, standin).violations
    assert (v.rule, v.where) == ("STREAM-EQUALS-RESOURCE", "exchange 1 /outputs/1/text")
    assert v.reproduce == scenario[1].reproduce


def test_get_uses_the_create_request_as_context(standin: Revision) -> None:
    scenario = [
        Exchange(create(model="gemini-2.5-pro"), json_response(resource())),
        Exchange(get("v1_a"), json_response(resource())),
    ]
    assert rules_where(check_scenario(scenario, standin)) == [
        ("BASIC-MODEL-ECHO", "exchange 0 /model"),
        ("BASIC-MODEL-ECHO", "exchange 1 /model"),
    ]


def test_store_false_get(standin: Revision) -> None:
    not_found = json_response({"error": {"code": "not_found", "message": "x"}}, 404)
    good = [
        Exchange(create(store=False), json_response(resource())),
        Exchange(get("v1_a"), not_found),
    ]
    assert check_scenario(good, standin).ok
    bad = [good[0], Exchange(get("v1_a"), json_response(resource()))]
    [v] = check_scenario(bad, standin).violations
    assert (v.rule, v.where, v.expected) == (
        "STORE-FALSE-GET",
        "exchange 1 /",
        "HTTP 404 (created with store false in exchange 0)",
    )


def test_delete_removes(standin: Revision) -> None:
    not_found = json_response({"error": {"code": "not_found", "message": "x"}}, 404)
    good = [
        Exchange(create(), json_response(resource())),
        Exchange(delete("v1_a"), json_response({})),
        Exchange(get("v1_a"), not_found),
    ]
    assert check_scenario(good, standin).ok
    bad = [*good[:2], Exchange(get("v1_a"), json_response(resource()))]
    assert rules_where(check_scenario(bad, standin)) == [("DELETE-REMOVES", "exchange 2 /")]


def test_resume_and_replay(standin: Revision) -> None:
    full = events(ids=True)
    first = Exchange(create(stream=True), sse_response(full))
    resume = Exchange(get("v1_a", "stream=true&last_event_id=e5"), sse_response(full[6:]))
    replay = Exchange(get("v1_a", "stream=true"), sse_response(full))
    assert check_scenario([first, resume, replay], standin, require_event_ids=True).ok
    gap = Exchange(get("v1_a", "stream=true&last_event_id=e5"), sse_response(full[7:]))
    late = Exchange(get("v1_a", "stream=true"), sse_response(full[1:]))
    assert rules_where(check_scenario([first, gap, late], standin)) == [
        ("STREAM-RESUME", "exchange 1 event 0 /event_id"),
        ("STREAM-START-FIRST", "exchange 2 event 0 /event_type"),
        ("STREAM-REPLAY", "exchange 2 event 0 /event_id"),
    ]


# -- the failure text is the product -----------------------------------------------------


def test_failure_text_of_a_stream_violation(standin: Revision) -> None:
    stream = events()
    stream[7]["delta"] = {"type": "thought_signature", "signature": "x"}
    exchange = Exchange(create(stream=True), sse_response(stream))
    [v] = check_exchange(exchange, standin).violations
    assert str(v) == (
        "[STREAM-DELTA-TYPE] a thought_signature delta extends a text content\n"
        "  rule:      Every delta's type is compatible with the type of the content it extends.\n"
        "  expected:  a delta of type text (content index 1 is text)\n"
        '  actual:    "thought_signature"\n'
        "  where:     event 7 /delta/type\n"
        "  reproduce: curl -sS -N -X POST https://generativelanguage.googleapis.com/v1beta/interactions"
        " -H 'content-type: application/json' -H \"x-goog-api-key: $GEMINI_API_KEY\""
        ' -d \'{"model": "gemini-2.5-flash", "input": "hi", "stream": true}\''
    )


def test_failure_text_of_a_usage_violation(standin: Revision) -> None:
    body = resource(
        usage={
            "total_input_tokens": 2,
            "total_output_tokens": 3,
            "total_thought_tokens": 4,
            "total_tokens": 5,
        }
    )
    [v] = check_exchange(Exchange(create(), json_response(body)), standin).violations
    assert str(v) == (
        "[USAGE-TOTAL-SUM] total_tokens is not the sum of its parts\n"
        "  rule:      total_tokens equals input + output + thought (reasoning) + tool-use tokens.\n"
        "  expected:  9 = total_input_tokens 2 + total_output_tokens 3 + total_thought_tokens 4"
        " + total_tool_use_tokens 0\n"
        "  actual:    5\n"
        "  where:     /usage/total_tokens\n"
        "  reproduce: curl -sS -X POST https://generativelanguage.googleapis.com/v1beta/interactions"
        " -H 'content-type: application/json' -H \"x-goog-api-key: $GEMINI_API_KEY\""
        ' -d \'{"model": "gemini-2.5-flash", "input": "hi"}\''
    )


def test_failure_text_of_a_structured_output_violation() -> None:
    from interactions_conformance.checks import check_structured_output

    schema = {"type": "object", "properties": {"age": {"type": "integer"}}}
    body = resource(text='{"age": "thirty"}')
    [v] = check_structured_output(body, {"response_format": schema}, revision="2025-12")
    assert str(v) == (
        '[SO-VALID-JSON] the final text\'s JSON fails response_format: "thirty" is not of type "integer"\n'
        '  expected:  type: "integer"\n'
        '  actual:    "thirty" (string) at /age\n'
        "  where:     /outputs/1/text -> /age"
    )


# -- real schemas (skipped until spec/2025-12/schemas has them) --------------------------


@needs_schemas("interaction", "content", "usage")
def test_interaction_schema_with_the_real_revision() -> None:
    revision = load_revision("2025-12")
    assert check_interaction_schema(resource(), revision).ok
    result = check_interaction_schema({**resource(), "status": 7}, revision)
    assert [v.where for v in result.violations] == ["/status"]
    extra = {**resource(), "brand_new_field": 1}
    assert check_interaction_schema(extra, revision).ok
    assert [d.name for d in check_interaction_schema(extra, revision).drift] == ["brand_new_field"]
    strict = check_interaction_schema(extra, revision, strict=True)
    assert [(v.rule, v.where) for v in strict.violations] == [("SCHEMA-STRICT", "/brand_new_field")]


@needs_schemas("sse-event", "interaction", "content", "usage", "delta")
def test_event_schemas_with_the_real_revision() -> None:
    revision = load_revision("2025-12")
    assert check_event_schemas(events(), revision).ok
    bad = events()
    bad[4]["index"] = "zero"
    result = check_event_schemas(bad, revision)
    assert [v.where for v in result.violations] == ["event 4 /index"]
    assert {v.rule for v in result.violations} <= {"SCHEMA-EVENT", "SCHEMA-VALID"}


@needs_schemas("interaction", "content", "usage", "sse-event", "delta", "error")
def test_check_exchange_with_the_real_revision() -> None:
    revision = load_revision("2025-12")
    assert check_exchange(Exchange(create(), json_response(resource())), revision).ok, "create"
    assert check_exchange(Exchange(create(stream=True), sse_response(events())), revision).ok
    body = {"error": {"code": "not_found", "message": "x"}}
    assert check_exchange(Exchange(get("v1_a"), json_response(body, 404)), revision).ok
    assert check_exchange(Exchange(create(), json_response(resource())), "2025-12").ok
    # strict mode passes through to the schemas: unknown fields are drift, or violations
    extra = Exchange(create(), json_response(resource(service_tier="standard")))
    lenient = check_exchange(extra, revision)
    assert lenient.ok
    assert [d.name for d in lenient.drift] == ["service_tier"]
    strict = check_exchange(extra, revision, strict=True)
    assert [(v.rule, v.where) for v in strict.violations] == [("SCHEMA-STRICT", "/service_tier")]
    assert strict.violations[0].reproduce.startswith("curl ")
    stream = events()
    stream[3]["delta"]["novel"] = 1
    strict_stream = check_exchange(
        Exchange(create(stream=True), sse_response(stream)), revision, strict=True
    )
    assert [(v.rule, v.where) for v in strict_stream.violations] == [
        ("SCHEMA-STRICT", "event 3 /delta/novel")
    ]


def test_every_registered_check_cites_rules_and_is_public() -> None:
    import interactions_conformance.checks as checks

    registry = checks.registered_checks()
    assert all(registry.values())
    assert set(registry) <= set(checks.__all__)
    for name in checks.__all__:
        value = getattr(checks, name)
        assert not callable(value) or value.__doc__, f"{name} has no docstring"
