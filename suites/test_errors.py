"""Errors, API keys and isolation: the error body, statuses, authentication, per-key isolation."""

from __future__ import annotations

from typing import Any

import pytest

from interactions_conformance import _probes as probes
from interactions_conformance._assertions import expect_error, expect_ok, require
from interactions_conformance._suite import interaction_id

pytestmark = pytest.mark.errors

# (what, body, the field the message names): each a client mistake that must get a 400.
BAD_REQUESTS: list[tuple[str, dict[str, Any], str]] = [
    ("input missing", {"model": "{model}"}, "input"),
    ("input of the wrong type", {"model": "{model}", "input": 42}, "input"),
    (
        "temperature as a string",
        {"model": "{model}", "input": "hi", "generation_config": {"temperature": "hot"}},
        "temperature",
    ),
    (
        "unknown content type",
        {"model": "{model}", "input": [{"type": "hologram", "data": "AA=="}]},
        "type",
    ),
    ("stream of the wrong type", {"model": "{model}", "input": "hi", "stream": "yes"}, "stream"),
]


def _fill(body: dict[str, Any], model: str) -> dict[str, Any]:
    return {k: (model if v == "{model}" else v) for k, v in body.items()}


@pytest.mark.rule(
    "ERR-BODY", "ERR-STATUS-CODE", "ERR-NOT-5XX", "ERR-MESSAGE-FIELD", "ERR-INPUT-REQUIRED"
)
@pytest.mark.parametrize(("what", "body", "field"), BAD_REQUESTS, ids=[b[0] for b in BAD_REQUESTS])
def test_bad_requests_get_400_naming_the_field(
    api: Any, model: str, what: str, body: dict[str, Any], field: str
) -> None:
    exchange = api.create(_fill(body, model))
    require(
        "ERR-NOT-5XX",
        exchange.response.status < 500,
        f"{what}: a client mistake got a server error",
        expected="HTTP 4xx",
        actual=f"HTTP {exchange.response.status}",
        exchange=exchange,
    )
    error = expect_error(
        "ERR-INPUT-REQUIRED" if what == "input missing" else "ERR-BODY", exchange, 400, what=what
    )
    require(
        "ERR-BODY",
        isinstance(error.get("code"), str) and isinstance(error.get("message"), str),
        "the error body lacks code or message",
        expected='{"error": {"code": "...", "message": "..."}}',
        actual=exchange.response.json(),
        where="/error",
        exchange=exchange,
    )
    require(
        "ERR-MESSAGE-FIELD",
        field in str(error.get("message", "")),
        "the message does not name the field",
        expected=f"a message naming {field!r}",
        actual=error.get("message"),
        where="/error/message",
        exchange=exchange,
    )


@pytest.mark.rule("ERR-MALFORMED-JSON")
def test_malformed_json_is_400(api: Any) -> None:
    exchange = api.request("POST", "interactions", content=b'{"model": "x", "input": ')
    expect_error("ERR-MALFORMED-JSON", exchange, 400, what="a body that is not JSON")


@pytest.mark.rule("ERR-UNKNOWN-FIELD")
@pytest.mark.feature("strict_fields")
def test_unknown_request_field_is_400(api: Any, model: str) -> None:
    exchange = api.create({"model": model, "input": "hi", "temprature": 0.5})
    error = expect_error("ERR-UNKNOWN-FIELD", exchange, 400, what="a request with an unknown field")
    require(
        "ERR-MESSAGE-FIELD",
        "temprature" in str(error.get("message", "")),
        "the message does not name the field",
        expected="a message naming 'temprature'",
        actual=error.get("message"),
        exchange=exchange,
    )


@pytest.mark.rule("AUTH-REQUIRED")
def test_missing_key_is_rejected(api: Any, model: str) -> None:
    exchange = api.create({"model": model, "input": "hi"}, api_key=None)
    expect_error("AUTH-REQUIRED", exchange, (401, 403), what="a request without an API key")


@pytest.mark.rule("AUTH-INVALID")
def test_unknown_key_is_rejected(api: Any, model: str) -> None:
    exchange = api.create({"model": model, "input": "hi"}, api_key="not-a-real-key")
    expect_error(
        "AUTH-INVALID", exchange, (400, 401, 403), what="a request with an unknown API key"
    )


@pytest.mark.rule("AUTH-HEADER")
def test_key_in_header(api: Any, model: str, small: dict[str, Any]) -> None:
    expect_ok(
        "AUTH-HEADER",
        api.create({"model": model, "input": probes.SHORT_PROMPT, "generation_config": small}),
    )


@pytest.mark.rule("AUTH-QUERY")
def test_key_in_query(api: Any, model: str, small: dict[str, Any]) -> None:
    exchange = api.create(
        {"model": model, "input": probes.SHORT_PROMPT, "generation_config": small}, key_in="query"
    )
    expect_ok("AUTH-QUERY", exchange, what="a request with the key as ?key=")


@pytest.mark.rule("AUTH-ISOLATION")
@pytest.mark.feature("second_key")
def test_other_keys_cannot_see_an_interaction(
    api: Any, api2: Any, model: str, small: dict[str, Any]
) -> None:
    secret = "isolation-canary-Q9"
    created = api.create(
        {"model": model, "input": f"Remember {secret}. Reply OK.", "generation_config": small}
    )
    ident = interaction_id("AUTH-ISOLATION", expect_ok("AUTH-ISOLATION", created), created)
    for name, exchange in (
        ("GET", api2.get(ident)),
        (
            "continue",
            api2.create({"model": model, "input": "hi", "previous_interaction_id": ident}),
        ),
        ("DELETE", api2.delete(ident)),
    ):
        require(
            "AUTH-ISOLATION",
            exchange.response.status in (403, 404),
            f"another key's {name} was not refused",
            expected="HTTP 404 (or 403)",
            actual=f"HTTP {exchange.response.status}",
            exchange=exchange,
        )
        require(
            "AUTH-ISOLATION",
            secret.encode() not in exchange.response.body,
            f"another key's {name} saw the interaction's data",
            expected="none of the interaction's data",
            actual="the response contains the canary",
            exchange=exchange,
        )
    expect_ok("AUTH-ISOLATION", api.get(ident), what="the owner's GET after the other key's DELETE")
