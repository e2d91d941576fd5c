"""Assertions for suite tests that fail the way checks do: with a rule id.

A suite test states what a rule demands of one exchange; when it does not
hold, the test fails with a `Violation` that carries the rule, what was
expected, what came, where, and the ``curl`` line of the exchange.
"""

from __future__ import annotations

from typing import Any

from ._findings import Violation, excerpt
from ._spec import load_revision
from ._traffic import Exchange

__all__ = ["body_of", "expect_error", "expect_ok", "require"]


def _statement(rule: str) -> str:
    try:
        return load_revision().statement(rule)
    except Exception:  # the statement is decoration; never let it hide the failure
        return ""


def require(
    rule: str,
    condition: object,
    message: str,
    *,
    expected: Any,
    actual: Any,
    where: str = "",
    exchange: Exchange | None = None,
) -> None:
    """Fail with a `Violation` of ``rule`` unless ``condition`` holds."""
    if condition:
        return
    raise Violation(
        rule,
        message,
        expected=expected if isinstance(expected, str) else excerpt(expected),
        actual=actual if isinstance(actual, str) else excerpt(actual),
        where=where or (exchange.label if exchange else ""),
        reproduce=exchange.reproduce if exchange else "",
        statement=_statement(rule),
    )


def body_of(exchange: Exchange) -> Any:
    """The JSON body of a response (None when it is not JSON)."""
    return exchange.response.json()


def expect_ok(rule: str, exchange: Exchange, what: str = "the request") -> dict[str, Any]:
    """The response is 200 with a JSON object body; returns the body."""
    status = exchange.response.status
    body = body_of(exchange)
    require(
        rule,
        status == 200,
        f"{what} was not accepted",
        expected="HTTP 200",
        actual=f"HTTP {status}: {excerpt(body if body is not None else exchange.response.body[:200].decode('utf-8', 'replace'))}",
        exchange=exchange,
    )
    require(
        rule,
        isinstance(body, dict),
        f"{what} did not return a JSON object",
        expected="a JSON object",
        actual=exchange.response.body[:200].decode("utf-8", "replace"),
        exchange=exchange,
    )
    return body  # type: ignore[no-any-return]


def expect_error(
    rule: str,
    exchange: Exchange,
    statuses: tuple[int, ...] | int = (400,),
    what: str = "the request",
) -> dict[str, Any]:
    """The response is one of ``statuses`` (a 4xx); returns the error object."""
    allowed = (statuses,) if isinstance(statuses, int) else statuses
    status = exchange.response.status
    body = body_of(exchange)
    require(
        rule,
        status in allowed,
        f"{what} was not rejected as documented",
        expected="HTTP " + " or ".join(str(s) for s in allowed),
        actual=f"HTTP {status}: {excerpt(body)}",
        exchange=exchange,
    )
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}
