"""Checks of behaviour new in revision 2026-11 (spec/2026-11 rules.yaml, the section "new in
2026-11 (behaviour)"): queued background work, continuation hops, the ``errors`` array,
per-step usage and ``initial_input_tokens``, ``safety_settings`` rejections.

Each check is registered with its rules, so it runs only under a revision whose catalogue has
them (2026-11 and later). The interaction checks run on every Interaction (resources and the
interaction of created / completed events), the stream checks with the grammar checks; the
rest take what one suite test gathers across exchanges (a series of polls, the hops of one
answer, a rejection) and are called by the suites.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from .._findings import Violation, excerpt
from .._spec import DEFAULT_REVISION
from .._wire import output_blocks
from ._base import as_dict, at, is_int, ptr, registered, violation
from ._grammar import grammar_for
from ._seen import Asked, Seen, interaction_rule

__all__ = [
    "check_continuation_token",
    "check_continued_answer",
    "check_deferred_start",
    "check_deprecated_accepted",
    "check_errors_items",
    "check_initial_input",
    "check_queued_transitions",
    "check_safety_rejection",
    "check_status_sequence",
    "check_step_usage",
]

_SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


def _statuses_of(events: Iterable[Any], grammar: Any) -> list[tuple[str, Any]]:
    """(where, status) of each status a stream reports, in order."""
    found: list[tuple[str, Any]] = []
    for n, item in enumerate(events):
        payload = as_dict(getattr(item, "data", item))
        kind = payload.get("event_type")
        if kind == grammar.status_event and "status" in payload:
            found.append((f"event {n} /status", payload["status"]))
        elif kind in (grammar.start_event, grammar.complete_event):
            interaction = as_dict(payload.get("interaction"))
            if "status" in interaction:
                found.append((f"event {n} /interaction/status", interaction["status"]))
    return found


def _queued_violations(statuses: Sequence[tuple[str, Any]], revision: str) -> list[Violation]:
    transitions = grammar_for(revision).status_transitions
    allowed = transitions.get("queued", frozenset())
    found: list[Violation] = []
    previous: tuple[str, str] | None = None
    for where, status in statuses:
        if not isinstance(status, str):
            continue
        if previous is not None and status != previous[1]:
            if previous[1] == "queued" and status not in allowed:
                found.append(
                    violation(
                        "STATUS-QUEUED-TRANSITIONS",
                        f"a queued interaction changes to {status}",
                        expected="from queued: " + ", ".join(sorted(allowed)),
                        actual=status,
                        where=where,
                    )
                )
            elif status == "queued":
                found.append(
                    violation(
                        "STATUS-QUEUED-TRANSITIONS",
                        f"the status changes back to queued from {previous[1]}",
                        expected=f"no change back to queued ({previous[1]} at {previous[0]})",
                        actual=status,
                        where=where,
                    )
                )
                continue  # one report: what follows is read against the status before it
        previous = (where, status)
    return found


@registered("STATUS-QUEUED-TRANSITIONS", stream=True)
def check_queued_transitions(
    events: Sequence[Any], *, revision: str = DEFAULT_REVISION
) -> list[Violation]:
    """STATUS-QUEUED-TRANSITIONS on a stream: queued goes only to in_progress, cancelled or
    failed, and nothing goes back to queued."""
    return _queued_violations(_statuses_of(events, grammar_for(revision)), revision)


@registered("STATUS-QUEUED-TRANSITIONS")
def check_status_sequence(
    polls: Sequence[Any],
    *,
    revision: str = DEFAULT_REVISION,
    labels: Sequence[str] | None = None,
) -> list[Violation]:
    """STATUS-QUEUED-TRANSITIONS on the bodies of successive GETs of one interaction (oldest
    first; the location is ``poll N /status``, or ``<labels[N]> /status``)."""
    statuses = [
        (f"{labels[n] if labels else f'poll {n}'} /status", as_dict(body).get("status"))
        for n, body in enumerate(polls)
        if "status" in as_dict(body)
    ]
    return _queued_violations(statuses, revision)


@registered("QUEUE-DEFERRED")
def check_deferred_start(interaction: Any, *, where: str = "") -> list[Violation]:
    """QUEUE-DEFERRED: the create response of a deferred background request is queued and
    names service_tier deferred."""
    body = as_dict(interaction)
    found: list[Violation] = []
    if body.get("status") != "queued":
        found.append(
            violation(
                "QUEUE-DEFERRED",
                "a deferred background request did not start queued",
                expected="status 'queued'",
                actual=body.get("status"),
                where=at(where, "/status"),
            )
        )
    if "service_tier" in body and body["service_tier"] != "deferred":
        found.append(
            violation(
                "QUEUE-DEFERRED",
                "a deferred request names another service tier",
                expected="service_tier 'deferred'",
                actual=body["service_tier"],
                where=at(where, "/service_tier"),
            )
        )
    return found


@interaction_rule("CONT-TOKEN-WITH-STATUS", "CONT-TOKEN-ADVANCES", "CONT-IDS-SDK-ONLY")
def check_continuation_token(it: Seen, rq: Asked, where: str) -> list[Violation]:
    """CONT-TOKEN-WITH-STATUS: requires_continuation comes with a non-empty continuation_token.
    CONT-TOKEN-ADVANCES: a hop sent with a token does not hand the same token back.
    CONT-IDS-SDK-ONLY: the server sends no continuation_ids (the SDK adds them)."""
    body = it.body
    if "continuation_ids" in body:
        return [
            violation(
                "CONT-IDS-SDK-ONLY",
                "the server sent continuation_ids, which the SDK adds when it merges hops",
                expected="no continuation_ids on a server's Interaction",
                actual=body["continuation_ids"],
                where=at(where, "/continuation_ids"),
            )
        ]
    if body.get("status") != "requires_continuation":
        return []
    token = body.get("continuation_token")
    if not isinstance(token, str) or not token:
        return [
            violation(
                "CONT-TOKEN-WITH-STATUS",
                "requires_continuation without a continuation_token",
                expected="a non-empty continuation_token string",
                actual=token if "continuation_token" in body else "<absent>",
                where=at(where, "/continuation_token"),
                raw="continuation_token" not in body,
            )
        ]
    sent = rq.body.get("continuation_token")
    if isinstance(sent, str) and sent and token == sent:
        return [
            violation(
                "CONT-TOKEN-ADVANCES",
                "a continuation hop handed back the token it was sent",
                expected="a continuation_token other than the request's",
                actual=token,
                where=at(where, "/continuation_token"),
            )
        ]
    return []


def _answer_text(body: Any) -> str:
    """The text of an interaction's model output (every text content, in order)."""
    return "".join(
        str(block.get("text", ""))
        for _, block in output_blocks(body)
        if block.get("type") == "text" and isinstance(block.get("text"), str)
    )


@registered("CONT-RESUME")
def check_continued_answer(hops: Sequence[Any], expected: str) -> list[Violation]:
    """CONT-RESUME: the hops of one answer (the first create, then each continuation) are
    distinct interactions whose texts, joined in order, are ``expected``; every hop but the
    last requires continuation (location ``hop N``)."""
    found: list[Violation] = []
    ids = [as_dict(h).get("id") for h in hops]
    for n, ident in enumerate(ids):
        if ident and ids.index(ident) != n:
            found.append(
                violation(
                    "CONT-RESUME",
                    "a continuation hop is not a new interaction",
                    expected=f"an id other than hop {ids.index(ident)}'s",
                    actual=ident,
                    where=f"hop {n} /id",
                )
            )
    for n, hop in enumerate(hops[:-1]):
        if as_dict(hop).get("status") != "requires_continuation":
            found.append(
                violation(
                    "CONT-RESUME",
                    "a hop before the last does not require continuation",
                    expected="status 'requires_continuation'",
                    actual=as_dict(hop).get("status"),
                    where=f"hop {n} /status",
                )
            )
    joined = "".join(_answer_text(h) for h in hops)
    if joined != expected:
        same = next(
            (i for i, (a, b) in enumerate(zip(joined, expected, strict=False)) if a != b),
            min(len(joined), len(expected)),
        )
        found.append(
            violation(
                "CONT-RESUME",
                f"the hops' texts joined differ from the answer at character {same}",
                expected=excerpt(expected[same : same + 60] or "<end of the answer>"),
                actual=excerpt(joined[same : same + 60] or "<end of the hops' text>"),
                where=f"{len(hops)} hops",
                raw=True,
            )
        )
    return found


@interaction_rule("ERRORS-ITEM")
def check_errors_items(it: Seen, rq: Asked, where: str) -> list[Violation]:
    """ERRORS-ITEM: every item of ``errors`` is {code: snake_case string, message: string}."""
    body = it.body
    if "errors" not in body:
        return []
    if not isinstance(body["errors"], list):
        return [
            violation(
                "ERRORS-ITEM",
                "errors is not an array",
                expected="an array of {code, message}",
                actual=body["errors"],
                where=at(where, "/errors"),
            )
        ]
    found: list[Violation] = []
    for i, item in enumerate(body["errors"]):
        pointer = ptr("/errors", i)
        entry = as_dict(item)
        code, message = entry.get("code"), entry.get("message")
        if not (isinstance(code, str) and _SNAKE.match(code)):
            found.append(
                violation(
                    "ERRORS-ITEM",
                    "an errors item has no snake_case code",
                    expected="code: a snake_case string (e.g. 'api_error')",
                    actual=code if "code" in entry else "<absent>",
                    where=at(where, pointer + "/code"),
                    raw="code" not in entry,
                )
            )
        if not isinstance(message, str):
            found.append(
                violation(
                    "ERRORS-ITEM",
                    "an errors item has no message",
                    expected="message: a string",
                    actual=message if "message" in entry else "<absent>",
                    where=at(where, pointer + "/message"),
                    raw="message" not in entry,
                )
            )
    return found


@interaction_rule("USAGE-INITIAL-INPUT")
def check_initial_input(it: Seen, rq: Asked, where: str) -> list[Violation]:
    """USAGE-INITIAL-INPUT: usage.initial_input_tokens <= usage.total_input_tokens."""
    usage = it.usage_fields
    initial, total = usage.get("initial_input_tokens"), usage.get("total_input_tokens")
    if not isinstance(initial, int) or not isinstance(total, int) or not is_int(initial):
        return []
    if not is_int(total) or initial <= total:
        return []
    return [
        violation(
            "USAGE-INITIAL-INPUT",
            "initial_input_tokens exceeds total_input_tokens",
            expected=f"at most total_input_tokens ({total})",
            actual=initial,
            where=at(where, "/usage/initial_input_tokens"),
        )
    ]


def _total(value: Any) -> int | None:
    total = as_dict(value).get("total_tokens")
    return total if is_int(total) else None


@registered("USAGE-STEP-CUMULATIVE", "USAGE-STEP-WITHIN", stream=True)
def check_step_usage(events: Sequence[Any], *, revision: str = DEFAULT_REVISION) -> list[Violation]:
    """USAGE-STEP-CUMULATIVE: the usage totals of successive step.stop events never fall and
    never exceed the completed interaction's. USAGE-STEP-WITHIN: a step.stop's step_usage
    total never exceeds its usage total."""
    grammar = grammar_for(revision)
    found: list[Violation] = []
    previous: tuple[int, int] | None = None
    stops: list[tuple[int, int]] = []
    final: int | None = None
    for n, item in enumerate(events):
        payload = as_dict(getattr(item, "data", item))
        kind = payload.get("event_type")
        if kind == grammar.complete_event:
            final = _total(as_dict(payload.get("interaction")).get("usage"))
            continue
        if kind != grammar.content_stop_event:
            continue
        cumulative, own = _total(payload.get("usage")), _total(payload.get("step_usage"))
        if cumulative is not None and own is not None and own > cumulative:
            found.append(
                violation(
                    "USAGE-STEP-WITHIN",
                    "a step's usage exceeds the cumulative usage beside it",
                    expected=f"step_usage.total_tokens at most usage.total_tokens ({cumulative})",
                    actual=own,
                    where=f"event {n} /step_usage/total_tokens",
                )
            )
        if cumulative is None:
            continue
        if previous is not None and cumulative < previous[1]:
            found.append(
                violation(
                    "USAGE-STEP-CUMULATIVE",
                    "the cumulative usage decreases",
                    expected=f"at least {previous[1]} (event {previous[0]})",
                    actual=cumulative,
                    where=f"event {n} /usage/total_tokens",
                )
            )
        previous = (n, cumulative)
        stops.append(previous)
    if final is not None:
        for n, cumulative in stops:
            if cumulative > final:
                found.append(
                    violation(
                        "USAGE-STEP-CUMULATIVE",
                        "a step's cumulative usage exceeds the interaction's usage",
                        expected=f"at most the completed usage.total_tokens ({final})",
                        actual=cumulative,
                        where=f"event {n} /usage/total_tokens",
                    )
                )
    return found


@registered("SAFETY-ENUMS")
def check_safety_rejection(status: int, body: Any, field: str) -> list[Violation]:
    """SAFETY-ENUMS: a request with a bad safety setting value got 400 and an error message
    naming ``field`` (e.g. ``safety_settings[0].threshold``)."""
    if status != 400:
        return [
            violation(
                "SAFETY-ENUMS",
                "a safety setting with an unknown value was not rejected with 400",
                expected=f"HTTP 400 naming '{field}'",
                actual=f"HTTP {status}",
                where="/",
                raw=True,
            )
        ]
    message = as_dict(as_dict(body).get("error")).get("message")
    spelled = {field, field.replace("[", ".").replace("]", "")}
    if isinstance(message, str) and any(s in message for s in spelled):
        return []
    return [
        violation(
            "SAFETY-ENUMS",
            "the rejection does not name the safety setting field",
            expected=f"an error message naming '{field}'",
            actual=message if isinstance(message, str) else "<no message>",
            where="/error/message",
        )
    ]


@registered("DEPRECATED-ACCEPTED")
def check_deprecated_accepted(status: int, body: Any, field: str) -> list[Violation]:
    """DEPRECATED-ACCEPTED: a request carrying the deprecated ``field`` was accepted (2xx)."""
    if isinstance(status, int) and 200 <= status < 300:
        return []
    message = as_dict(as_dict(body).get("error")).get("message")
    return [
        violation(
            "DEPRECATED-ACCEPTED",
            f"a request with the deprecated {field} was rejected",
            expected="HTTP 200: deprecated is not removed",
            actual=f"HTTP {status}: {excerpt(message) if message is not None else '<no message>'}",
            where="/",
            raw=True,
        )
    ]
