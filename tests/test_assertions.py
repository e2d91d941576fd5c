"""Suite assertions: failures carry the rule; a target's own "unsupported" is a skip, not a failure."""

from __future__ import annotations

import json

import pytest

from interactions_conformance import Exchange, Request, Response, Violation
from interactions_conformance._assertions import expect_error, expect_ok, unsupported_reason


def _exchange(status: int, body: object) -> Exchange:
    return Exchange(
        Request("POST", "http://t/v1beta/interactions", {}, b'{"model": "m"}'),
        Response(status, {"content-type": "application/json"}, json.dumps(body).encode()),
    )


def test_expect_ok_returns_the_body_or_fails_with_the_rule() -> None:
    assert expect_ok("BASIC-CREATE", _exchange(200, {"id": "x"})) == {"id": "x"}
    with pytest.raises(Violation) as caught:
        expect_ok(
            "BASIC-CREATE",
            _exchange(400, {"error": {"code": "invalid_request", "message": "bad input"}}),
        )
    assert caught.value.rule == "BASIC-CREATE"
    assert caught.value.expected == "HTTP 200"
    assert "curl -sS -X POST" in caught.value.reproduce


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (501, {"code": "unimplemented", "message": "Background mode is not implemented."}),
        (400, {"code": "invalid_request", "message": "Gemini 3 does not support remote mcp."}),
        (
            400,
            {"code": "invalid_request", "message": "Image output is not supported for this model."},
        ),
    ],
)
def test_the_targets_own_unsupported_is_a_skip(status: int, error: dict[str, str]) -> None:
    exchange = _exchange(status, {"error": error})
    assert unsupported_reason(exchange)
    with pytest.raises(pytest.skip.Exception, match="unsupported: the target says"):
        expect_ok("GEN-IMAGE-OUTPUT", exchange, what="image output")


def test_an_ordinary_400_is_not_unsupported() -> None:
    exchange = _exchange(
        400, {"error": {"code": "invalid_request", "message": "Invalid value at 'input'"}}
    )
    assert unsupported_reason(exchange) is None
    with pytest.raises(Violation):
        expect_ok("BASIC-CREATE", exchange)


def test_expect_error_returns_the_error_object() -> None:
    error = {"code": "not_found", "message": "gone"}
    assert expect_error("CONV-GET-UNKNOWN", _exchange(404, {"error": error}), 404) == error
    with pytest.raises(Violation, match="HTTP 404"):
        expect_error("CONV-GET-UNKNOWN", _exchange(200, {}), 404)


def test_expect_error_says_when_the_request_was_accepted() -> None:
    with pytest.raises(Violation, match=r"^\[TOOL-COMBINATION\] three tools was accepted\n"):
        expect_error("TOOL-COMBINATION", _exchange(200, {}), 400, what="three tools")
    with pytest.raises(Violation, match=r"three tools was not rejected as documented"):
        expect_error("TOOL-COMBINATION", _exchange(500, {}), 400, what="three tools")
