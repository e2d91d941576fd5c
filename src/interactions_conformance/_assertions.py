"""Assertions for suite tests that fail the way checks do: with a rule id.

A suite test states what a rule demands of one exchange; when it does not
hold, the test fails with a `Violation` that carries the rule, what was
expected, what came, where, and the ``curl`` line of the exchange.
"""

from __future__ import annotations

import re
from typing import Any

from ._findings import Violation, excerpt
from ._spec import load_revision
from ._traffic import Exchange

__all__ = ["body_of", "expect_error", "expect_ok", "require", "unsupported_reason"]


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


_UNSUPPORTED = re.compile(r"\b(not (yet )?supported|unsupported|does not support)\b", re.IGNORECASE)


def unsupported_reason(exchange: Exchange) -> str | None:
    """The target's own word that it does not support a feature: a 501 or ``unimplemented``,
    or a 4xx whose message says "not supported". None otherwise."""
    status = exchange.response.status
    body = body_of(exchange)
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    message = str(error.get("message", "")) if isinstance(error, dict) else ""
    if (
        status == 501
        or code == "unimplemented"
        or (400 <= status < 500 and _UNSUPPORTED.search(message))
    ):
        return f"HTTP {status} {code or ''}: {message[:200]}".replace("  ", " ")
    return None


def expect_ok(rule: str, exchange: Exchange, what: str = "the request") -> dict[str, Any]:
    """The response is 200 with a JSON object body; returns the body.

    When the target itself answers that the feature is unsupported, the test is skipped with
    the target's words (a profile should declare it), instead of failing.
    """
    status = exchange.response.status
    body = body_of(exchange)
    unsupported = unsupported_reason(exchange) if status != 200 else None
    if unsupported:
        import pytest  # only the suites call this; the core never imports pytest

        pytest.skip(f"unsupported: the target says it does not support {what}: {unsupported}")
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
    """The response is one of ``statuses`` (a 4xx); returns the error object.

    When the target accepts what it must reject, this raises first, under ``rule``: the
    violations the automatic checks find in the accepted answer are collected by the plugin
    and listed after it, under their own rules (`_verdicts.judge_test`), never instead of it.
    """
    allowed = (statuses,) if isinstance(statuses, int) else statuses
    status = exchange.response.status
    body = body_of(exchange)
    accepted = 200 <= status < 300
    require(
        rule,
        status in allowed,
        f"{what} was accepted" if accepted else f"{what} was not rejected as documented",
        expected="HTTP " + " or ".join(str(s) for s in allowed),
        actual=f"HTTP {status}: {excerpt(body)}",
        exchange=exchange,
    )
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}
