"""Schema conformance of response bodies and events, and the error body rules.

The JSON Schemas of the revision (spec/<revision>/schemas) do the shape
work; these functions pick the schema, place the result in the traffic
(``event 3 /delta``) and add the error rules a schema cannot say (the HTTP
status of an error code).
"""

from __future__ import annotations

import re
from typing import Any

from .._findings import Violation, excerpt
from .._spec import DEFAULT_REVISION, Revision, load_revision
from .._sse import SSEEvent
from .._traffic import Exchange, loads_json
from ._base import CheckResult, as_dict, at, json_type, registered, violation
from ._grammar import grammar_for

__all__ = [
    "check_client_error",
    "check_error_body",
    "check_error_status",
    "check_event_schemas",
    "check_interaction_schema",
    "check_request_fields",
    "resolve_revision",
]

_SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


def resolve_revision(revision: Revision | str) -> Revision:
    return load_revision(revision) if isinstance(revision, str) else revision


@registered("SCHEMA-INTERACTION", "SCHEMA-CONTENT", "SCHEMA-USAGE", "SCHEMA-STRICT")
def check_interaction_schema(
    instance: Any,
    revision: Revision | str = DEFAULT_REVISION,
    *,
    strict: bool = False,
    where: str = "",
) -> CheckResult:
    """SCHEMA-INTERACTION (and the rules its subschemas name): a create, get or cancel
    response is an Interaction. Unknown fields and enum values are drift, or
    SCHEMA-STRICT violations when ``strict``."""
    result = resolve_revision(revision).validate(instance, "interaction", strict=strict, at=where)
    return CheckResult(result.violations, result.drift)


@registered("SCHEMA-EVENT", "SCHEMA-CONTENT", "SCHEMA-STRICT")
def check_event_schemas(
    events: list[Any], revision: Revision | str = DEFAULT_REVISION, *, strict: bool = False
) -> CheckResult:
    """SCHEMA-EVENT (and the rules its subschemas name): every event is one of the revision's
    event types with its fields. Events whose data is not a JSON object are SSE-FRAMING's."""
    rev = resolve_revision(revision)
    result = CheckResult()
    is_valid = rev.is_valid
    for n, item in enumerate(events):
        payload = item.payload if isinstance(item, SSEEvent) else item
        if isinstance(payload, dict) and not is_valid(payload, "sse-event"):
            # explained (and its location built) only when it is not plainly valid
            found = rev.validate(payload, "sse-event", strict=strict, at=f"event {n}")
            result.violations.extend(found.violations)
            result.drift.extend(found.drift)
    return result


# The request rules a revision decided and its create-request schema names (x-rule).
_REQUEST_RULES = ("SO-RESPONSE-FORMAT", "REQ-NO-LEGACY-FIELDS")


@registered(*_REQUEST_RULES)
def check_request_fields(
    request: Any, revision: Revision | str = DEFAULT_REVISION, *, where: str = ""
) -> list[Violation]:
    """SO-RESPONSE-FORMAT, REQ-NO-LEGACY-FIELDS: a create request's response_format is a typed
    format (or a list of them), and it carries none of the removed 2025-12 fields (turns,
    response_mime_type, generation_config.image_config).

    The create-request schema says both (its ``x-rule``s); this keeps only those rules, so a
    request that is otherwise incomplete (a recording without its input) reports nothing else.
    """
    rev = resolve_revision(revision)
    if not isinstance(request, dict) or "create-request" not in rev.schemas:
        return []
    found = rev.validate(request, "create-request", at=where)
    return [v for v in found.violations if v.rule in _REQUEST_RULES]


def _body_text(body: bytes) -> str:
    return body.decode("utf-8", "replace")


@registered("ERR-BODY", "SCHEMA-ERROR", "SCHEMA-STRICT")
def check_error_body(
    body: bytes | Any, revision: Revision | str = DEFAULT_REVISION, *, strict: bool = False
) -> CheckResult:
    """ERR-BODY: a non-2xx response has {"error": {"code": <snake_case string>, "message": <string>}}.
    Also validated against the revision's error schema (SCHEMA-ERROR)."""
    if isinstance(body, bytes | bytearray):
        try:
            data: Any = loads_json(body) if body.strip() else None
        except (ValueError, RecursionError):
            data = None
        if data is None:
            return CheckResult(
                [
                    violation(
                        "ERR-BODY",
                        "the error response body is not JSON",
                        expected='{"error": {"code": "<snake_case>", "message": "..."}}',
                        actual=excerpt(_body_text(bytes(body))) if body else "<empty body>",
                        where="/",
                        raw=True,
                    )
                ]
            )
    else:
        data = body
    found: list[Violation] = []
    error = as_dict(data).get("error")
    if not isinstance(error, dict):
        found.append(
            violation(
                "ERR-BODY",
                "the error response has no error object",
                expected='{"error": {"code": ..., "message": ...}}',
                actual=excerpt(data),
                where="/error",
                raw=True,
            )
        )
    else:
        code = error.get("code", "<absent>")
        if not (isinstance(code, str) and _SNAKE.match(code)):
            found.append(
                violation(
                    "ERR-BODY",
                    "error.code is not a snake_case string",
                    expected='a snake_case string such as "invalid_request"',
                    actual=f"{excerpt(code)} ({json_type(code)})" if "code" in error else code,
                    where="/error/code",
                    raw=True,
                )
            )
        message = error.get("message", "<absent>")
        if not isinstance(message, str):
            found.append(
                violation(
                    "ERR-BODY",
                    "error.message is not a string",
                    expected="a human-readable message",
                    actual=f"{excerpt(message)} ({json_type(message)})"
                    if "message" in error
                    else message,
                    where="/error/message",
                    raw=True,
                )
            )
    result = CheckResult(found)
    if isinstance(data, dict):
        result.add(_validate(resolve_revision(revision), data, "error", strict))
    return result


def _validate(rev: Revision, data: Any, schema: str, strict: bool, where: str = "") -> CheckResult:
    found = rev.validate(data, schema, strict=strict, at=where)
    return CheckResult(found.violations, found.drift)


@registered("ERR-STATUS-CODE")
def check_error_status(
    status: int, body: Any, revision: Revision | str = DEFAULT_REVISION
) -> list[Violation]:
    """ERR-STATUS-CODE: the HTTP status is the documented status of the body's error.code."""
    if isinstance(body, bytes | bytearray):
        try:
            body = loads_json(body)
        except (ValueError, RecursionError):
            return []
    code = as_dict(as_dict(body).get("error")).get("code")
    name = revision if isinstance(revision, str) else revision.name
    documented = grammar_for(name).error_status.get(code) if isinstance(code, str) else None
    if documented is None or documented == status:
        return []
    return [
        violation(
            "ERR-STATUS-CODE",
            f"error code {code} comes with HTTP {status}",
            expected=f"HTTP {documented} for {code}",
            actual=f"HTTP {status}",
            where=at("", "/error/code"),
            raw=True,
        )
    ]


@registered("ERR-NOT-5XX")
def check_client_error(exchange: Exchange) -> list[Violation]:
    """ERR-NOT-5XX: the caller knows the request is a client mistake; it must get a 4xx.

    The one check that needs the caller's expectation, so `check_exchange`
    never runs it: a suite calls it on a request it built to be wrong.
    """
    status = exchange.response.status
    if 400 <= status < 500:
        return []
    return [
        Violation(
            "ERR-NOT-5XX",
            f"a client mistake got HTTP {status}",
            expected="a 4xx status",
            actual=f"HTTP {status}: {excerpt(_body_text(exchange.response.body), 100)}",
            where="/",
            reproduce=exchange.reproduce,
        )
    ]
