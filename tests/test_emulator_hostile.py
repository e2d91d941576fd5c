"""The emulator under hostile input (issue 16): each defect pinned by its smallest reproducer.

Every answer here is < 500 and every error is the documented body (both revisions'
``error.json``); after each hostile create, every stored interaction still reads back. The
limits are documented in ``emulator/_limits.py`` and the README.
"""

from __future__ import annotations

import json
import math
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from emulator_helpers import TestClient
from interactions_conformance import load_revision
from interactions_conformance.emulator import (
    Clock,
    EmulatorConfig,
    Limits,
    create_app,
    running_emulator,
)
from interactions_conformance.emulator._limits import Rejected
from interactions_conformance.emulator._store import InteractionRecord, Store

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")

KEY = "emulator-key"
MODEL = "gemini-2.5-flash"
HEADERS = {"x-goog-api-key": KEY, "content-type": "application/json"}
STEPS = {**HEADERS, "api-revision": "2026-05-20"}
REVISIONS = [load_revision("2025-12"), load_revision("2026-05")]


def client_for(**fields: Any) -> TestClient:
    # HEADERS carry no Api-Revision and these bodies are 2025-12's: pinned, now that a
    # header-less request gets the newest revision by default.
    fields.setdefault("revision", "2025-12")
    config = EmulatorConfig(test_control=True, background_seconds=0.0, **fields)
    return TestClient(create_app(config), raise_server_exceptions=False)


@pytest.fixture
def client() -> Iterator[TestClient]:
    with client_for() as test_client:
        yield test_client


def with_model(template: str) -> str:
    """A raw JSON body (escapes kept as written) with the model put in place of ``@``."""
    return template.replace('"@"', f'"{MODEL}"', 1)


def error_of(response: Any, status: int = 400) -> str:
    """The message of a documented error body with ``status``; fails naming what came."""
    assert response.status_code == status, (response.status_code, response.text[:300])
    body = response.json()
    for revision in REVISIONS:
        result = revision.validate(body, "error", strict=True)
        assert result.ok, (revision.name, body, [str(v) for v in result.violations])
    if status == 400:
        assert body["error"]["code"] == "invalid_request", body
    message: str = body["error"]["message"]
    return message


def all_rows_read_back(client: TestClient) -> int:
    """GET every stored interaction (JSON and stream, both revisions): none answers >= 500."""
    store = client.app.state.emulator.store  # type: ignore[attr-defined]
    rows = store.owners()
    for interaction_id, key in rows:
        for headers in (
            {"x-goog-api-key": key},
            {"x-goog-api-key": key, "api-revision": "2026-05-20"},
        ):
            for params in ({}, {"stream": "true"}):
                got = client.get(
                    f"/v1beta/interactions/{interaction_id}", headers=headers, params=params
                )
                assert got.status_code == 200, (interaction_id, params, got.text[:300])
    return len(rows)


# -- deep nesting -------------------------------------------------------------------------


def nested(depth: int, leaf: str = "1") -> str:
    return '{"a":' * depth + leaf + "}" * depth


@pytest.mark.parametrize("headers", [HEADERS, STEPS], ids=["2025-12", "2026-05"])
@pytest.mark.parametrize(
    "body",
    [
        "[" * 5000 + "]" * 5000,  # RecursionError in json.loads
        with_model('{"model": "@", "input": ')
        + "[" * 900
        + "]" * 900
        + "}",  # in schema validation
        with_model('{"model": "@", "input": "hi", "response_format": ') + nested(2000, "{}") + "}",
    ],
    ids=["bare-array", "input", "response_format"],
)
def test_deep_nesting_is_a_400_not_a_recursion_error(
    client: TestClient, body: str, headers: dict[str, str]
) -> None:
    message = error_of(client.post("/v1beta/interactions", content=body, headers=headers))
    assert "deeper than 100 levels" in message
    assert all_rows_read_back(client) == 0


def test_the_depth_limit_names_the_field_and_leaves_room_below_it(client: TestClient) -> None:
    def tool(depth: int) -> dict[str, Any]:
        body = {"model": MODEL, "input": "call f", "tools": [{"type": "function", "name": "f"}]}
        text = json.dumps(body).replace(
            '"name": "f"', '"name": "f", "parameters": ' + nested(depth, "{}")
        )
        return {"content": text, "headers": HEADERS}

    # the body's levels: {} -> tools[] -> tool{} -> parameters -> a... : 3 + depth
    assert client.post("/v1beta/interactions", **tool(96)).status_code == 200
    message = error_of(client.post("/v1beta/interactions", **tool(98)))
    assert "'tools[0].parameters.a.a." in message
    assert "deeper than 100 levels" in message


def test_deep_nesting_in_the_upload_start_body_is_a_400(client: TestClient) -> None:
    headers = {
        "x-goog-api-key": KEY,
        "x-goog-upload-protocol": "resumable",
        "x-goog-upload-command": "start",
    }
    response = client.post("/upload/v1beta/files", content="[" * 5000, headers=headers)
    assert "deeper than 100 levels" in error_of(response)


# -- lone surrogates ----------------------------------------------------------------------


SURROGATE_BODIES = [
    ("model", '{"model": "\\ud800", "input": "hi"}', "'model'"),
    ("input", with_model('{"model": "@", "input": "a\\ud800b"}'), "'input'"),
    ("input-low", with_model('{"model": "@", "input": "\\udfff"}'), "'input'"),
    (
        "previous_interaction_id",
        with_model('{"model": "@", "input": "hi", "previous_interaction_id": "v1_\\ud800"}'),
        "'previous_interaction_id'",
    ),
    (
        "content-text",
        with_model('{"model": "@", "input": [{"type": "text", "text": "\\udc00"}]}'),
        "'input[0].text'",
    ),
    ("member-name", with_model('{"model": "@", "input": "hi", "\\ud800": 1}'), "a member name"),
    (
        "streamed",
        with_model('{"model": "@", "input": "\\ud800", "stream": true}'),
        "'input'",
    ),
]


@pytest.mark.parametrize("headers", [HEADERS, STEPS], ids=["2025-12", "2026-05"])
@pytest.mark.parametrize(
    ("body", "field"),
    [(b, f) for _, b, f in SURROGATE_BODIES],
    ids=[n for n, _, _ in SURROGATE_BODIES],
)
def test_a_lone_surrogate_is_a_400_naming_the_field_and_stores_nothing(
    client: TestClient, body: str, field: str, headers: dict[str, str]
) -> None:
    """It used to be a 500 (sqlite, UTF-8 encoding) or, streamed, a 200 cut after one delta
    that left a row answering 500 on every GET."""
    response = client.post("/v1beta/interactions", content=body, headers=headers)
    assert "text/event-stream" not in response.headers.get("content-type", "")
    message = error_of(response)
    assert field in message
    assert "lone UTF-16 surrogate" in message
    assert all_rows_read_back(client) == 0


def test_a_surrogate_pair_is_text_and_reads_back(client: TestClient) -> None:
    """Only lone halves are refused: an escaped pair is one character (U+1F600)."""
    body = with_model('{"model": "@", "input": "smile \\ud83d\\ude00", "stream": true}')
    streamed = client.post("/v1beta/interactions", content=body, headers=HEADERS)
    assert streamed.status_code == 200
    assert streamed.text.rstrip().endswith("data: [DONE]")
    plain = client.post(
        "/v1beta/interactions", content=body.replace("true", "false"), headers=HEADERS
    )
    assert plain.status_code == 200, plain.text
    assert "\U0001f600" in plain.text.encode().decode("utf-8")
    assert all_rows_read_back(client) == 2


def test_a_surrogate_in_the_upload_metadata_is_a_400(client: TestClient) -> None:
    headers = {
        "x-goog-api-key": KEY,
        "x-goog-upload-protocol": "resumable",
        "x-goog-upload-command": "start",
    }
    response = client.post(
        "/upload/v1beta/files", content='{"file": {"displayName": "\\ud800"}}', headers=headers
    )
    assert "'file.displayName'" in error_of(response)


def test_the_store_refuses_what_it_could_not_render_back() -> None:
    """Defence in depth: whatever gets past the request checks, a row is stored only when
    a GET can answer it."""
    store = Store()
    for poison in ("\ud800", math.nan, math.inf):
        record = InteractionRecord(
            id="v1_x", api_key=KEY, created=0.0, resource={"v": poison}, turns=[], request={}
        )
        with pytest.raises(Rejected, match="cannot be stored"):
            store.put(record)
        with pytest.raises(Rejected):
            store.append_events("v1_x", [{"event_type": "x", "v": poison}])
    assert store.count() == 0
    assert store.event_count("v1_x") == 0
    store.close()


# -- numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["NaN", "Infinity", "-Infinity", "1e400", "9" * 400], ids=lambda v: v[:10]
)
def test_a_non_finite_number_is_a_400(client: TestClient, value: str) -> None:
    body = with_model('{"model": "@", "input": "hi", "generation_config": {"temperature": ')
    message = error_of(
        client.post("/v1beta/interactions", content=body + value + "}}", headers=HEADERS)
    )
    assert "'generation_config.temperature'" in message
    assert "not a finite number" in message or "digits is out of range" in message
    assert all_rows_read_back(client) == 0


def test_a_5000_digit_number_is_a_400(client: TestClient) -> None:
    """json.loads refuses 4300+ digits with a ValueError that is no syntax error."""
    body = with_model('{"model": "@", "input": "hi", "generation_config": {"seed": ')
    response = client.post(
        "/v1beta/interactions", content=body + "9" * 5000 + "}}", headers=HEADERS
    )
    assert "4300 digits or more is out of range" in error_of(response)


def test_a_prompt_with_a_5000_digit_number_is_answered(client: TestClient) -> None:
    """The probe model's int() refused 4300+ digits: 500 on 'the 999...9th Fibonacci number'."""
    for prompt in (
        "the " + "9" * 5000 + "th fibonacci number",
        "what is " + "9" * 5000 + " times 2",
    ):
        response = client.post(
            "/v1beta/interactions", json={"model": MODEL, "input": prompt}, headers=HEADERS
        )
        assert response.status_code == 200, response.text[:300]
    assert (
        "too large"
        in client.post(
            "/v1beta/interactions",
            json={"model": MODEL, "input": "the " + "9" * 5000 + "th fibonacci number"},
            headers=HEADERS,
        ).text
    )


# -- body size and read time --------------------------------------------------------------


def test_a_body_over_the_documented_20_mib_is_a_400_before_it_is_parsed(client: TestClient) -> None:
    big = with_model('{"model": "@", "input": "').encode() + b"a" * (20 * 1024 * 1024) + b'"}'
    response = client.post("/v1beta/interactions", content=big, headers=HEADERS)
    assert "larger than 20971520 bytes" in error_of(response)
    assert response.headers["connection"] == "close"


def test_a_chunked_body_is_counted_as_it_arrives() -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: httpx sends it chunked
        yield with_model('{"model": "@", "input": "').encode()
        for _ in range(20):
            yield b"a" * 100
        yield b'"}'

    with client_for(limits=Limits(max_body_bytes=1000)) as small:
        response = small.post("/v1beta/interactions", content=chunks(), headers=HEADERS)
        assert "larger than 1000 bytes" in error_of(response)
        ok = small.post(
            "/v1beta/interactions", json={"model": MODEL, "input": "hi"}, headers=HEADERS
        )
        assert ok.status_code == 200, ok.text


def test_an_upload_over_its_limit_is_a_400() -> None:
    with client_for(limits=Limits(max_upload_bytes=10)) as small:
        start = small.post(
            "/upload/v1beta/files",
            json={"file": {"displayName": "x"}},
            headers={
                "x-goog-api-key": KEY,
                "x-goog-upload-protocol": "resumable",
                "x-goog-upload-command": "start",
            },
        )
        url = start.headers["x-goog-upload-url"].split("testserver", 1)[1]
        first = small.post(url, content=b"12345", headers={"x-goog-upload-command": "upload"})
        assert first.status_code == 200, first.text
        more = small.post(url, content=b"678901", headers={"x-goog-upload-command": "upload"})
        assert "at most 10 bytes" in error_of(more)


def _raw_exchange(base_url: str, data: bytes, wait: float) -> tuple[float, bytes]:
    host, port = base_url.split("//", 1)[1].split(":")
    with socket.create_connection((host, int(port))) as sock:
        sock.settimeout(wait)
        sock.sendall(data)
        began, got = time.monotonic(), b""
        while True:  # until the server closes the connection
            chunk = sock.recv(65536)
            if not chunk:
                return time.monotonic() - began, got
            got += chunk


def test_a_body_that_never_arrives_is_answered_and_the_connection_closed() -> None:
    """Content-Length 1000, one byte sent: it used to hold the connection forever."""
    with running_emulator(limits=Limits(body_timeout=0.5)) as base_url:
        request = (
            b"POST /v1beta/interactions HTTP/1.1\r\nHost: x\r\nx-goog-api-key: emulator-key\r\n"
            b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
        )
        took, answer = _raw_exchange(base_url, request, wait=10)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400"), answer
    assert b"connection: close" in head.lower()
    assert "did not arrive within 0.5 s" in json.loads(body)["error"]["message"]
    assert 0.4 < took < 5, took


# -- routes, methods, trailing slashes ----------------------------------------------------


def test_a_trailing_slash_is_a_404_in_the_error_body_not_a_redirect(client: TestClient) -> None:
    created = client.post(
        "/v1beta/interactions", json={"model": MODEL, "input": "hi"}, headers=HEADERS
    )
    interaction_id = created.json()["id"]
    for method, path in [
        ("POST", "/v1beta/interactions/"),
        ("GET", f"/v1beta/interactions/{interaction_id}/"),
        ("POST", f"/v1beta/interactions/{interaction_id}/cancel/"),
        ("GET", "/v1beta/files/"),
    ]:
        response = client.request(
            method,
            path,
            json={"model": MODEL, "input": "hi"},
            headers=HEADERS,
            follow_redirects=False,
        )
        assert "No route for" in error_of(response, 404), (method, path)


def test_head_and_unknown_methods_answer_in_the_error_body(client: TestClient) -> None:
    created = client.post(
        "/v1beta/interactions", json={"model": MODEL, "input": "hi"}, headers=HEADERS
    )
    head = client.head(f"/v1beta/interactions/{created.json()['id']}", headers=HEADERS)
    assert head.status_code == 200
    assert head.content == b""
    assert client.head("/v1beta/interactions", headers=HEADERS).status_code == 400
    for method in ("PUT", "PATCH", "OPTIONS", "FOO"):
        response = client.request(method, "/v1beta/interactions", headers=HEADERS)
        assert f"Method {method} is not allowed" in error_of(response), method
    assert "No route for" in error_of(client.get("/v1beta/nothing", headers=HEADERS), 404)


# -- test control -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        '{"advance_seconds": NaN}',
        '{"advance_seconds": "nan"}',
        '{"advance_seconds": 1e308}',
        '{"advance_seconds": ' + "9" * 400 + "}",
        '{"advance_seconds": -1}',
        '{"advance_seconds": []}',
        '{"advance_seconds": true}',
        "[]",
        "{}",
    ],
    ids=[
        "NaN",
        "nan-string",
        "1e308",
        "400-digits",
        "negative",
        "list",
        "bool",
        "array",
        "missing",
    ],
)
def test_a_bad_clock_advance_is_a_400_and_every_create_still_works(
    client: TestClient, body: str
) -> None:
    """advance_seconds NaN made every later create a 500 (the clock was NaN)."""
    response = client.post("/__emulator/clock", content=body)
    assert "advance_seconds" in error_of(response)
    now = client.get("/__emulator/clock").json()["epoch_seconds"]
    assert math.isfinite(now)
    assert abs(now - time.time()) < 60
    created = client.post(
        "/v1beta/interactions", json={"model": MODEL, "input": "hi"}, headers=HEADERS
    )
    assert created.status_code == 200, created.text
    assert all_rows_read_back(client) == 1


def test_the_clock_stops_before_timestamps_run_out_of_digits(client: TestClient) -> None:
    assert client.post("/__emulator/clock", json={"advance_seconds": 1e11}).status_code == 200
    response = client.post("/__emulator/clock", json={"advance_seconds": 2e11})
    assert "past 9999" in error_of(response)
    created = client.post(
        "/v1beta/interactions", json={"model": MODEL, "input": "hi"}, headers=HEADERS
    )
    assert created.status_code == 200
    assert created.json()["created"][:2] == "51"
    with pytest.raises(ValueError, match="finite"):
        Clock().advance(math.nan)


@pytest.mark.parametrize("body", ['{"tier": []}', '{"tier": {}}', '{"tier": 1}', "[]", '"paid"'])
def test_a_bad_tier_is_a_400(client: TestClient, body: str) -> None:
    assert "'tier'" in error_of(client.post("/__emulator/tier", content=body))
    assert client.post("/__emulator/tier", json={"tier": "paid"}).json()["tier"] == "paid"


def test_limits_are_validated_eagerly() -> None:
    for bad in (
        {"max_depth": 0},
        {"max_body_bytes": -1},
        {"body_timeout": 0},
        {"max_upload_bytes": True},
    ):
        with pytest.raises(ValueError, match=next(iter(bad))):
            Limits(**bad)


@pytest.mark.parametrize(
    "sent",
    [b"", b"POST /v1beta/interactions HTTP/1.1\r\nHost: x\r\n"],
    ids=["nothing", "half-a-head"],
)
def test_a_request_head_that_never_completes_is_closed(sent: bytes) -> None:
    """uvicorn's keep-alive timer stops at the first byte: both held the connection forever."""
    with running_emulator(limits=Limits(header_timeout=0.5)) as base_url:
        took, answer = _raw_exchange(base_url, sent, wait=10)
        assert answer == b""
        assert 0.4 < took < 5, took
        # a request on a kept-alive connection, then silence: closed after its answer too
        get = b"GET /v1beta/files HTTP/1.1\r\nHost: x\r\nx-goog-api-key: emulator-key\r\n\r\n"
        took, answer = _raw_exchange(base_url, get, wait=10)
        assert answer.startswith(b"HTTP/1.1 200"), answer
        assert took < 5, took


# -- generated instances ------------------------------------------------------------------

FAN_OUT = {  # a $ref to the root from ten properties: 10**12 values at depth 12
    "type": "object",
    "properties": {f"p{i}": {"$ref": "#"} for i in range(10)},
}
SCHEMA_BOMBS = [
    ("minItems", {"type": "array", "minItems": 10**9}),
    ("minLength", {"type": "string", "minLength": 10**9}),
    (
        "nested-minItems",
        {"type": "array", "minItems": 200, "items": {"type": "array", "minItems": 200}},
    ),
    ("ref-fan-out", FAN_OUT),
]


def _format_for(revision: str, schema: Any) -> Any:
    return (
        schema
        if revision == "2025-12"
        else {"type": "text", "mime_type": "application/json", "schema": schema}
    )


@pytest.mark.parametrize("headers", [HEADERS, STEPS], ids=["2025-12", "2026-05"])
@pytest.mark.parametrize("schema", [s for _, s in SCHEMA_BOMBS], ids=[n for n, _ in SCHEMA_BOMBS])
def test_a_response_format_that_asks_for_a_huge_instance_is_a_400(
    client: TestClient, schema: Any, headers: dict[str, str]
) -> None:
    """minItems 10**9 took all memory; 3,000,000 took 14 s and answered 36 MB."""
    revision = "2026-05" if "api-revision" in headers else "2025-12"
    body = {"model": MODEL, "input": "hi", "response_format": _format_for(revision, schema)}
    began = time.monotonic()
    message = error_of(client.post("/v1beta/interactions", json=body, headers=headers))
    assert time.monotonic() - began < 10
    assert "'response_format'" in message
    assert "too many states" in message
    assert all_rows_read_back(client) == 0


def test_a_function_schema_that_asks_for_a_huge_instance_is_a_400(client: TestClient) -> None:
    tool = {
        "type": "function",
        "name": "f",
        "parameters": {"type": "object", "properties": {"x": {"type": "array", "minItems": 10**9}}},
    }
    body = {"model": MODEL, "input": "call f", "tools": [tool]}
    message = error_of(client.post("/v1beta/interactions", json=body, headers=HEADERS))
    assert "'tools.f.parameters'" in message


def test_a_malformed_min_items_is_read_as_one(client: TestClient) -> None:
    """minItems "x" or [1] raised ValueError / TypeError (500) in the probe model."""
    for wanted in ("x", [1], -5):
        body = {
            "model": MODEL,
            "input": "hi",
            "response_format": {"type": "array", "minItems": wanted},
        }
        response = client.post("/v1beta/interactions", json=body, headers=HEADERS)
        assert response.status_code == 200, response.text
        assert response.json()["outputs"][-1]["text"] == '["example"]'


@pytest.mark.parametrize("last", ["evt_-1", "evt_ 1", "evt_0_1", "evt_\u0661", "evt_" + "9" * 5000])
def test_a_last_event_id_that_is_not_ours_is_a_400(client: TestClient, last: str) -> None:
    """int() read "evt_-1" as -1: a resume from before the first event, answered 200."""
    created = client.post(
        "/v1beta/interactions", json={"model": MODEL, "input": "hi"}, headers=HEADERS
    )
    response = client.get(
        f"/v1beta/interactions/{created.json()['id']}",
        params={"stream": "true", "last_event_id": last},
        headers=HEADERS,
    )
    assert "'last_event_id'" in error_of(response)


def test_a_client_gone_mid_body_is_no_server_error(caplog: pytest.LogCaptureFixture) -> None:
    """Starlette's ClientDisconnect reached the last-resort handler: a 500 and a traceback."""
    with running_emulator() as base_url:
        host, port = base_url.split("//", 1)[1].split(":")
        with socket.create_connection((host, int(port))) as sock:
            sock.sendall(
                b"POST /v1beta/interactions HTTP/1.1\r\nHost: x\r\nx-goog-api-key: emulator-key\r\n"
                b"Content-Length: 1000\r\n\r\n{"
            )
            time.sleep(0.3)
        time.sleep(0.5)  # the server notices the close
        health = httpx.get(f"{base_url}/v1beta/files", headers={"x-goog-api-key": KEY})
        assert health.status_code == 200
    assert not [r for r in caplog.records if "unexpected error" in r.getMessage()]
