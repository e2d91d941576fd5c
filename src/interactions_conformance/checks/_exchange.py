"""Run every check that applies to an exchange, or to a scenario of exchanges.

`check_exchange` looks at what the exchange is (create, get, delete,
cancel; JSON or SSE; success or error), takes the create request body as
context (declared tools, response_format, max_output_tokens, store) and
runs the checks that apply. `check_scenario` adds the rules that need more
than one exchange: a stream against a later GET of the same id, a resume
against the original stream, GET after DELETE, GET of a store=false id.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import parse_qs

from .._findings import Violation, excerpt
from .._spec import DEFAULT_REVISION, Revision
from .._sse import parse_payloads, parse_sse
from .._traffic import Exchange, split_url
from ._base import (
    CheckResult,
    applies,
    as_dict,
    body_json,
    checker_error,
    registered,
    violation,
)
from ._behaviour import check_status_sequence
from ._interaction import run_interaction_checks, run_rules
from ._schema import (
    check_error_body,
    check_error_status,
    check_event_schemas,
    check_interaction_schema,
    check_request_fields,
    resolve_revision,
)
from ._seen import Asked, Seen
from ._stream import (
    Walk,
    check_replay,
    check_resume,
    check_stream_equals_resource,
    stream_grammar,
)

__all__ = [
    "CheckResult",
    "Operation",
    "check_delete_response",
    "check_exchange",
    "check_scenario",
    "check_sse_content_type",
    "check_sse_framing",
    "classify",
]

_TRUE = {"true", "1", "yes"}


@dataclasses.dataclass(frozen=True)
class Operation:
    """What an exchange does, read from its method, URL and body."""

    kind: str  # create | get | delete | cancel | other
    interaction_id: str | None = None
    stream: bool = False  # the request asked for a stream
    last_event_id: str | None = None


_CREATE = Operation("create")
_STREAMED_CREATE = Operation("create", stream=True)
_PARSE: Any = object()  # classify's default: parse the request body itself


def classify(exchange: Exchange, request_body: Any = _PARSE) -> Operation:
    """What an exchange does: create, get, delete or cancel, streamed or not (``other`` otherwise).

    ``request_body`` is the request's parsed JSON when the caller has it already.
    """
    request = exchange.request
    parts = split_url(request.url)
    query = (
        {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        if parts.query
        else {}
    )
    segments = [s for s in parts.path.split("/") if s]
    method = request.method.upper()
    try:
        at = len(segments) - 1 - segments[::-1].index("interactions")
    except ValueError:
        return Operation("other")
    rest = segments[at + 1 :]
    alt_sse = query.get("alt", "").lower() == "sse"
    if not rest and method == "POST":
        body = request.json() if request_body is _PARSE else request_body
        stream = as_dict(body).get("stream") is True or alt_sse
        return _STREAMED_CREATE if stream else _CREATE
    if len(rest) == 1 and method in ("GET", "DELETE"):
        if method == "DELETE":
            return Operation("delete", rest[0])
        stream = query.get("stream", "").lower() in _TRUE or alt_sse
        return Operation("get", rest[0], stream, query.get("last_event_id"))
    if len(rest) == 2 and rest[1] == "cancel" and method == "POST":
        return Operation("cancel", rest[0])
    if len(rest) == 1 and rest[0].endswith(":cancel") and method == "POST":
        return Operation("cancel", rest[0].removesuffix(":cancel"))
    return Operation("other")


def _finish(result: CheckResult, exchange: Exchange, rev: Revision) -> CheckResult:
    # A schema and a check may both see the same break (FC-CALL-SHAPE at /outputs/0/id):
    # one report per rule and place, the first (the schema's, which names the keyword).
    if not result.violations:
        return result
    seen: set[tuple[str, str]] = set()
    unique = []
    for v in result.violations:
        if (v.rule, v.where) not in seen:
            seen.add((v.rule, v.where))
            unique.append(v)
    result.violations = [
        v.with_context(reproduce=exchange.reproduce, statement=rev.statement(v.rule))
        for v in unique
    ]
    return result


def check_exchange(
    exchange: Exchange,
    revision: Revision | str = DEFAULT_REVISION,
    *,
    strict: bool = False,
    request: Any = None,
    require_event_ids: bool = False,
) -> CheckResult:
    """Every check that applies to one exchange.

    ``request`` is the create request body that gave the interaction (for a
    GET or cancel, whose own request has no body); by default the
    exchange's own body. Every violation gets the exchange's ``curl`` line.

    The body of a create the API accepted (2xx) is checked for the request
    fields the revision decided (`check_request_fields`); a rejected one is
    what a suite sends on purpose to see it rejected.
    """
    result, _ = _checked(
        exchange,
        resolve_revision(revision),
        strict=strict,
        request=request,
        require_event_ids=require_event_ids,
    )
    return result


def _checked(
    exchange: Exchange, rev: Revision, *, strict: bool, request: Any, require_event_ids: bool
) -> tuple[CheckResult, list[Any]]:
    """`check_exchange`, and the decoded events of a stream (so a scenario parses it once)."""
    # Parsed once: classify, the checks and the request fields all read it.
    own = body_json(exchange.request.body)
    op = classify(exchange, own)
    if request is None and op.kind == "create":
        request = own
    response = exchange.response
    payloads: list[Any] = []
    if not 200 <= response.status < 300:
        result = check_error_body(response.body, rev, strict=strict)
        result.add(check_error_status(response.status, response.body, rev))
    elif op.kind == "delete":
        result = CheckResult(check_delete_response(exchange))
    elif op.kind == "other":
        result = _check_other(exchange, rev, strict)
    elif op.stream or response.is_stream:
        result, payloads = _check_stream(exchange, op, rev, strict, request, require_event_ids)
    else:
        result = _check_json(exchange, rev, strict, request)
    if (
        op.kind == "create"
        and 200 <= response.status < 300
        and applies(check_request_fields, rev.name)
    ):
        result.add(check_request_fields(own, rev, where="request"))
    return _finish(result, exchange, rev), payloads


def _check_other(exchange: Exchange, rev: Revision, strict: bool) -> CheckResult:
    """A 2xx that is not an Interactions call: the Files API's file resource, or nothing to check."""
    path = split_url(exchange.request.url).path
    body = exchange.response.json()
    if "/files" in path and isinstance(body, dict) and "file" in rev.schemas:
        schema = "file#/$defs/upload-response" if "file" in body else "file"
        found = rev.validate(body, schema, strict=strict)
        return CheckResult(found.violations, found.drift)
    return CheckResult([])


@registered("DELETE-RESPONSE")
def check_delete_response(exchange: Exchange) -> list[Violation]:
    """DELETE-RESPONSE: a successful DELETE answers 200 with an empty body or {}."""
    response = exchange.response
    body = response.body.strip()
    found: list[Violation] = []
    if response.status != 200:
        found.append(
            violation(
                "DELETE-RESPONSE",
                f"DELETE answered HTTP {response.status}",
                expected="HTTP 200",
                actual=f"HTTP {response.status}",
                where="/",
                raw=True,
            )
        )
    if body and response.json() != {}:
        found.append(
            violation(
                "DELETE-RESPONSE",
                "DELETE answered with a body other than {}",
                expected="an empty body or {}",
                actual=excerpt(body.decode("utf-8", "replace")),
                where="/",
                raw=True,
            )
        )
    return found


def _check_json(exchange: Exchange, rev: Revision, strict: bool, request: Any) -> CheckResult:
    response = exchange.response
    body = body_json(response.body)
    if not isinstance(body, dict):
        text = response.body.decode("utf-8", "replace")
        return CheckResult(
            [
                violation(
                    "SCHEMA-INTERACTION",
                    "the response body is not a JSON object",
                    expected="an Interaction (JSON object)",
                    actual=(
                        excerpt(body)
                        if body is not None
                        else excerpt(text)
                        if text
                        else "<empty body>"
                    )
                    + f" (content type {response.content_type or '<none>'})",
                    where="/",
                    raw=True,
                )
            ]
        )
    result = check_interaction_schema(body, rev, strict=strict)
    result.add(run_interaction_checks(body, request, revision=rev.name))
    return result


@registered("SSE-CONTENT-TYPE")
def check_sse_content_type(exchange: Exchange) -> list[Violation]:
    """SSE-CONTENT-TYPE: a streamed response is text/event-stream."""
    response = exchange.response
    if response.content_type == "text/event-stream":
        return []
    return [
        violation(
            "SSE-CONTENT-TYPE",
            "a streamed response is not text/event-stream",
            expected="content type text/event-stream",
            actual=response.content_type or "<no content type>",
            where="/",
        )
    ]


@registered("SSE-FRAMING", "SSE-EVENT-NAME", "SSE-DONE")
def check_sse_framing(body: bytes | Iterable[bytes]) -> list[Violation]:
    """SSE-FRAMING, SSE-EVENT-NAME, SSE-DONE: what the SSE parser finds wrong with a stream's bytes."""
    return parse_sse(body).violations


def stream_events(exchange: Exchange) -> tuple[list[Any], list[Violation]]:
    """The decoded data of every event of a streamed response, and the framing violations."""
    response = exchange.response
    chunks: Iterable[bytes] = response.chunks if response.chunks is not None else (response.body,)
    payloads, violations, _ = parse_payloads(chunks)
    return payloads, violations


def _check_stream(
    exchange: Exchange,
    op: Operation,
    rev: Revision,
    strict: bool,
    request: Any,
    require_event_ids: bool,
) -> tuple[CheckResult, list[Any]]:
    result = CheckResult(check_sse_content_type(exchange))
    if (
        result.violations
        and b"data:" not in exchange.response.body
        and not exchange.response.chunks
    ):
        return result, []  # not SSE at all: nothing more to parse
    payloads, framing = stream_events(exchange)
    result.add(framing)
    result.add(check_event_schemas(payloads, rev, strict=strict))
    resumed = op.last_event_id is not None
    walk = Walk(payloads, rev.name)  # the one pass every stream rule reads
    result.add(stream_grammar(walk, require_event_ids=require_event_ids, resumed=resumed))
    grammar = walk.grammar
    asked = Asked(request)  # the request, read once for every Interaction of the stream
    final: dict[str, Any] | None = None
    for n, payload, kind in walk.typed:
        interaction = payload.get("interaction")
        if kind in (grammar.start_event, grammar.complete_event) and isinstance(interaction, dict):
            seen = Seen(interaction, grammar)
            result.add(run_rules(seen, asked, rev.name, f"event {n} /interaction"))
            if kind == grammar.complete_event and final is None:
                final = interaction
    if final is not None and not resumed:
        blocks = walk.blocks
        rebuilt = {
            "status": final.get("status"),
            "model": final.get("model"),
            grammar.output_key: [blocks[i] for i in sorted(blocks)],
        }
        seen = Seen(rebuilt, grammar)
        result.add(run_rules(seen, asked, rev.name, "reassembled", outputs_only=True))
    return result, payloads


# -- scenarios -----------------------------------------------------------------------


def _stream_id(payloads: Sequence[Any]) -> str | None:
    for payload in payloads:
        interaction = as_dict(as_dict(payload).get("interaction"))
        value = interaction.get("id")
        if isinstance(value, str) and value:
            return value
    return None


@registered(
    "STREAM-EQUALS-RESOURCE", "STREAM-RESUME", "STREAM-REPLAY", "STORE-FALSE-GET", "DELETE-REMOVES"
)
def check_scenario(
    exchanges: Sequence[Exchange],
    revision: Revision | str = DEFAULT_REVISION,
    *,
    strict: bool = False,
    require_event_ids: bool = False,
) -> CheckResult:
    """`check_exchange` on every exchange (with its create request as context), plus the rules
    across exchanges: STREAM-EQUALS-RESOURCE, STREAM-RESUME, STREAM-REPLAY, STORE-FALSE-GET,
    DELETE-REMOVES. Locations are prefixed ``exchange N``.

    Should a check raise all the same (a bug of ours: the checks are meant to be total), the
    exchange gets a line in ``errors`` and the others are still checked."""
    rev = resolve_revision(revision)
    result = CheckResult()
    creates: dict[str, Any] = {}  # id -> the create request body
    store_false: dict[str, int] = {}
    deleted: dict[str, int] = {}
    streams: dict[str, tuple[int, list[Any]]] = {}  # id -> the first full stream seen
    last_seen: dict[str, tuple[int, Any]] = {}  # id -> the latest JSON body (STATUS-QUEUED-*)
    polls = applies(check_status_sequence, rev.name)

    def add(i: int, found: Iterable[Violation]) -> None:
        result.violations.extend(
            v.with_context(
                where_prefix=f"exchange {i}",
                reproduce=exchanges[i].reproduce,
                statement=rev.statement(v.rule),
            )
            for v in found
        )

    for i, exchange in enumerate(exchanges):
        try:
            op = classify(exchange)
            body = exchange.request.json() if op.kind == "create" else None
            context = body if op.kind == "create" else creates.get(op.interaction_id or "")
            found, payloads = _checked(
                exchange, rev, strict=strict, request=context, require_event_ids=require_event_ids
            )
        except Exception as exc:  # a bug of the checker, not of the traffic: said, never fatal
            result.errors.append(f"exchange {i}: {checker_error(exc)}")
            continue
        add(i, found.violations)
        result.drift.extend(found.drift)
        response = exchange.response
        ok = 200 <= response.status < 300
        if not (ok and (op.stream or response.is_stream)):
            payloads = []
        # what this exchange tells about its interaction
        new_id: str | None = None
        if op.kind == "create" and ok:
            new_id = _stream_id(payloads) if payloads else as_dict(response.json()).get("id")
            if isinstance(new_id, str) and new_id:
                creates[new_id] = body
                if as_dict(body).get("store") is False:
                    store_false[new_id] = i
            else:
                new_id = None
        if op.kind == "delete" and ok and op.interaction_id:
            deleted[op.interaction_id] = i
        if polls and ok and not payloads and op.kind in ("create", "get", "cancel"):
            # statuses across polls of one interaction follow its transitions
            seen = response.json()
            ident = new_id if op.kind == "create" else op.interaction_id
            if ident and isinstance(seen, dict):
                if ident in last_seen:
                    before, body_before = last_seen[ident]
                    result.violations.extend(
                        v.with_context(
                            reproduce=exchange.reproduce, statement=rev.statement(v.rule)
                        )
                        for v in check_status_sequence(
                            [body_before, seen],
                            revision=rev.name,
                            labels=[f"exchange {before}", f"exchange {i}"],
                        )
                    )
                last_seen[ident] = (i, seen)
        if op.kind == "get" and op.interaction_id:
            try:
                add(i, _after_get(i, exchange, op, payloads, store_false, deleted, streams, rev))
            except Exception as exc:  # as above
                result.errors.append(f"exchange {i}: {checker_error(exc)}")
        full_stream = payloads and (op.kind == "create" or op.last_event_id is None)
        stream_key = new_id or op.interaction_id
        if full_stream and stream_key and stream_key not in streams:
            streams[stream_key] = (i, payloads)
    return result


def _after_get(
    i: int,
    exchange: Exchange,
    op: Operation,
    payloads: list[Any],
    store_false: dict[str, int],
    deleted: dict[str, int],
    streams: dict[str, tuple[int, list[Any]]],
    rev: Revision,
) -> list[Violation]:
    found: list[Violation] = []
    ident = op.interaction_id or ""
    status = exchange.response.status
    if status == 200 and ident in store_false:
        found.append(
            violation(
                "STORE-FALSE-GET",
                "an interaction created with store false is retrievable",
                expected=f"HTTP 404 (created with store false in exchange {store_false[ident]})",
                actual=f"HTTP {status}",
                where="/",
                raw=True,
            )
        )
    if status == 200 and ident in deleted:
        found.append(
            violation(
                "DELETE-REMOVES",
                "a deleted interaction is still retrievable",
                expected=f"HTTP 404 (deleted in exchange {deleted[ident]})",
                actual=f"HTTP {status}",
                where="/",
                raw=True,
            )
        )
    original = streams.get(ident)
    if status != 200 or original is None:
        return found
    full = original[1]
    if op.stream and op.last_event_id is not None:
        found.extend(check_resume(full, payloads, op.last_event_id))
    elif op.stream:
        found.extend(check_replay(full, payloads))
    else:
        body = exchange.response.json()
        if as_dict(body).get("status") in ("completed", "requires_action", "incomplete"):
            found.extend(check_stream_equals_resource(full, body, revision=rev.name))
    return found
