"""Checks on a stream of SSE events: the event grammar, reassembly, resume and replay.

A stream is given as the decoded ``data`` of its events in order (what
`ParsedStream.payloads` returns; `SSEEvent`s are accepted too). Any item may
be anything: an item that is not an object is skipped here (the SSE parser
already reported it as SSE-FRAMING). Locations are ``event N /pointer``, N
counting from 0 in the list given.

Event names, the key of the block in a start event, delta compatibility and
how deltas merge come from the revision's `Grammar`; the 2025-12 ``content.*``
events and the 2026-05 ``step.*`` events go through the same code. The word
*block* means either: a content of ``outputs`` or a step of ``steps``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from .._findings import Violation, excerpt
from .._spec import DEFAULT_REVISION, load_revision
from .._sse import SSEEvent
from .._traffic import loads_json
from ._base import (
    STREAM_CHECKS,
    applies,
    as_dict,
    as_list,
    as_str,
    at,
    content_type,
    copy_json,
    is_int,
    json_type,
    ptr,
    registered,
    violation,
)
from ._grammar import Grammar, grammar_for

__all__ = [
    "check_annotation_deltas",
    "check_arguments_deltas",
    "check_complete_usage",
    "check_content_brackets",
    "check_delta_types",
    "check_error_events",
    "check_event_ids",
    "check_index_order",
    "check_interaction_ids",
    "check_metadata_usage",
    "check_replay",
    "check_resume",
    "check_status_events",
    "check_status_transitions",
    "check_step_fields",
    "check_stream_equals_resource",
    "check_stream_function_calls",
    "check_stream_grammar",
    "check_stream_start",
    "check_stream_terminal",
    "first_difference",
    "reassemble_outputs",
]

Events = Sequence[Any]


def _payload(item: Any) -> Any:
    return item.payload if isinstance(item, SSEEvent) else item


class Walk:
    """One pass over a stream's events: what every stream rule reads, gathered once.

    ``typed``: (position, payload, event_type) of every event whose data is an object;
    ``content``: (position, payload, event_type, index) of the content (or step) events with
    an integer index; ``fragments``: per index, the string fragments that join into one field
    (arguments_delta); ``blocks``: the blocks reassembled from the start and delta events
    (built on first use, shared: read, never changed).
    """

    __slots__ = ("_blocks", "content", "events", "fragments", "grammar", "revision", "typed")

    def __init__(self, events: Events, revision: str) -> None:
        grammar = grammar_for(revision)
        self.events, self.revision, self.grammar = events, revision, grammar
        typed: list[tuple[int, dict[str, Any], str | None]] = []
        content: list[tuple[int, dict[str, Any], str, int]] = []
        fragments: dict[int, tuple[int, str, list[Any]]] = {}
        kinds = (
            grammar.content_start_event,
            grammar.content_delta_event,
            grammar.content_stop_event,
        )
        delta_event, joined = grammar.content_delta_event, grammar.joined_delta_fields
        for n, item in enumerate(events):
            payload = item.payload if isinstance(item, SSEEvent) else item
            if not isinstance(payload, dict):
                continue
            kind = payload.get("event_type")
            if not isinstance(kind, str):
                typed.append((n, payload, None))
                continue
            typed.append((n, payload, kind))
            if kind not in kinds:
                continue
            index: Any = payload.get("index")
            if not is_int(index):
                continue
            content.append((n, payload, kind, index))
            if joined and kind == delta_event:
                delta = as_dict(payload.get("delta"))
                field = joined.get(str(delta.get("type")))
                if field is not None and field in delta:
                    fragments.setdefault(index, (n, field, []))[2].append(delta[field])
        self.typed, self.content, self.fragments = typed, content, fragments
        self._blocks: dict[int, dict[str, Any]] | None = None

    @property
    def blocks(self) -> dict[int, dict[str, Any]]:
        if self._blocks is None:
            self._blocks = _reassemble(self)
        return self._blocks


StreamRule = Callable[[Walk], list[Violation]]


def _entry(rule: StreamRule) -> Callable[..., list[Violation]]:
    """The public form of a stream rule: ``check(events, *, revision)``; ``check.rule`` is the
    rule itself, which `check_stream_grammar` calls on its one `Walk`."""

    def check(events: Events, *, revision: str = DEFAULT_REVISION) -> list[Violation]:
        return rule(Walk(events, revision))

    check.__name__ = check.__qualname__ = rule.__name__
    check.__doc__ = rule.__doc__
    check.__module__ = rule.__module__
    check.__signature__ = _SIGNATURE  # type: ignore[attr-defined]
    check.rule = rule  # type: ignore[attr-defined]
    return check


_SIGNATURE = inspect.Signature(
    [
        inspect.Parameter("events", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter("revision", inspect.Parameter.KEYWORD_ONLY, default=DEFAULT_REVISION),
    ],
    return_annotation="list[Violation]",
)


def stream_rule(*rules: str) -> Callable[[StreamRule], Callable[..., list[Violation]]]:
    """Register a rule on one stream under its public name (see `_entry`)."""
    return lambda rule: registered(*rules)(_entry(rule))


def _ev(n: int, pointer: str = "") -> str:
    return at(f"event {n}", pointer) if pointer else f"event {n}"


# -- the grammar ---------------------------------------------------------------------


@stream_rule("STREAM-START-FIRST")
def check_stream_start(w: Walk) -> list[Violation]:
    """STREAM-START-FIRST: the first event is interaction.start, and it does not come again."""
    start = w.grammar.start_event
    typed = w.typed
    if not w.events:
        return [
            violation(
                "STREAM-START-FIRST",
                "the stream has no event",
                expected=f"{start} first",
                actual="<no event>",
                where="event 0",
            )
        ]
    found: list[Violation] = []
    first = _payload(w.events[0])
    kind = as_dict(first).get("event_type", "<absent>")
    if kind != start:
        found.append(
            violation(
                "STREAM-START-FIRST",
                f"the first event is not {start}",
                expected=excerpt(start),
                actual=excerpt(kind) if isinstance(first, dict) else excerpt(first),
                where=_ev(0, "/event_type"),
                raw=True,
            )
        )
    starts = [n for n, _, kind in typed if kind == start]
    for n in starts[1:]:
        found.append(
            violation(
                "STREAM-START-FIRST",
                f"{start} comes again",
                expected=f"one {start}, as event 0",
                actual=f"{start} as event {n}",
                where=_ev(n, "/event_type"),
                raw=True,
            )
        )
    return found


@stream_rule("STREAM-ONE-TERMINAL")
def check_stream_terminal(w: Walk) -> list[Violation]:
    """STREAM-ONE-TERMINAL: exactly one terminal event (interaction.complete or error), and it is last."""
    grammar = w.grammar
    terminal_names = " or ".join(sorted(grammar.terminal_events))
    typed = w.typed
    terminals = [(n, kind) for n, _, kind in typed if kind in grammar.terminal_events]
    if not terminals:
        last = typed[-1][2] if typed else None
        return [
            violation(
                "STREAM-ONE-TERMINAL",
                "the stream ends without a terminal event",
                expected=f"{terminal_names} as the last event",
                actual=f"last event: {excerpt(last) if typed else '<none>'}",
                where=_ev(max(len(w.events) - 1, 0)),
                raw=True,
            )
        ]
    found: list[Violation] = []
    first_n, first_kind = terminals[0][0], str(terminals[0][1])
    if len(terminals) > 1:
        n, kind = terminals[1]
        found.append(
            violation(
                "STREAM-ONE-TERMINAL",
                "a second terminal event",
                expected=f"one terminal event ({first_kind} was event {first_n})",
                actual=kind,
                where=_ev(n, "/event_type"),
            )
        )
    after = [
        (n, kind) for n, _, kind in typed if n > first_n and kind not in grammar.terminal_events
    ]
    if after:
        later_n, later_kind = after[0]
        found.append(
            violation(
                "STREAM-ONE-TERMINAL",
                f"an event after the terminal {first_kind}",
                expected=f"no event after event {first_n}",
                actual=later_kind if later_kind is not None else "<no event_type>",
                where=_ev(later_n, "/event_type"),
            )
        )
    return found


@stream_rule("STREAM-CONTENT-BRACKETS")
def check_content_brackets(w: Walk) -> list[Violation]:
    """STREAM-CONTENT-BRACKETS: each index has one content.start, then deltas, then one content.stop
    (a stream ended by an error event may leave its last content open)."""
    grammar = w.grammar
    state: dict[int, str] = {}  # index -> "open" | "stopped"
    found: list[Violation] = []

    def add(n: int, message: str, expected: str, actual: str) -> None:
        found.append(
            violation(
                "STREAM-CONTENT-BRACKETS",
                message,
                expected=expected,
                actual=actual,
                where=_ev(n, "/index"),
                raw=True,
            )
        )

    for n, _, kind, index in w.content:
        current = state.get(index)
        if kind == grammar.content_start_event:
            if current == "open":
                add(
                    n,
                    f"a second {kind} for open index {index}",
                    f"deltas or {grammar.content_stop_event}",
                    kind,
                )
            elif current is None:
                state[index] = "open"
            # a start after a stop is STREAM-INDEX-ORDER's
        elif kind == grammar.content_delta_event:
            if current != "open":
                where_ = "before its" if current is None else "after the"
                add(
                    n,
                    f"a delta for index {index} {where_} {grammar.content_start_event if current is None else grammar.content_stop_event}",
                    f"deltas between {grammar.content_start_event} and {grammar.content_stop_event}",
                    f"{kind} for index {index}",
                )
        elif current == "open":
            state[index] = "stopped"
        else:
            add(
                n,
                f"{kind} for index {index} "
                + ("that never started" if current is None else "that was already stopped"),
                f"one {kind} after {grammar.content_start_event}",
                f"{kind} for index {index}",
            )
    still_open = sorted(i for i, s in state.items() if s == "open")
    if still_open:
        terminal = [(n, k) for n, _, k in w.typed if k in grammar.terminal_events]
        if not (terminal and terminal[0][1] == grammar.error_event):
            n = terminal[0][0] if terminal else max(len(w.events) - 1, 0)
            found.append(
                violation(
                    "STREAM-CONTENT-BRACKETS",
                    "content never stopped: index " + ", ".join(map(str, still_open)),
                    expected=f"a {grammar.content_stop_event} for every started index before the end",
                    actual="open indices " + excerpt(still_open),
                    where=_ev(n),
                    raw=True,
                )
            )
    return found


@stream_rule("STREAM-INDEX-ORDER")
def check_index_order(w: Walk) -> list[Violation]:
    """STREAM-INDEX-ORDER: content indices start at 0, go up by one, and a stopped index never reopens."""
    grammar = w.grammar
    started: set[int] = set()
    stopped: set[int] = set()
    # The highest index started, and seen at all (max() over the sets each time is quadratic).
    top_started = top = -1
    found: list[Violation] = []
    for n, _, kind, index in w.content:
        if kind == grammar.content_stop_event:
            stopped.add(index)
            top = max(top, index)
        if kind != grammar.content_start_event or (index in started and index not in stopped):
            continue
        if index in stopped:
            found.append(
                violation(
                    "STREAM-INDEX-ORDER",
                    f"index {index} starts again after its {grammar.content_stop_event}",
                    expected=f"a new index {top + 1}",
                    actual=index,
                    where=_ev(n, "/index"),
                )
            )
            continue
        expected = top_started + 1
        if index != expected:
            found.append(
                violation(
                    "STREAM-INDEX-ORDER",
                    f"content index {index} where {expected} comes next",
                    expected=str(expected),
                    actual=index,
                    where=_ev(n, "/index"),
                )
            )
        started.add(index)
        top_started, top = max(top_started, index), max(top, index)
    return found


def _content_types(w: Walk) -> dict[int, str]:
    grammar = w.grammar
    types: dict[int, str] = {}
    for _, payload, kind, index in w.content:
        if kind == grammar.content_start_event and index not in types:
            ctype = content_type(payload.get(grammar.block_key))
            if ctype is not None:
                types[index] = ctype
    return types


@stream_rule("STREAM-DELTA-TYPE")
def check_delta_types(w: Walk) -> list[Violation]:
    """STREAM-DELTA-TYPE: a delta's type is one that may extend the type of its content.start.

    A content or delta type the revision does not know is drift, reported by
    the schema check, not here.
    """
    grammar = w.grammar
    types = _content_types(w)
    found: list[Violation] = []
    for n, payload, kind, index in w.content:
        if kind != grammar.content_delta_event:
            continue
        dtype = content_type(payload.get("delta"))
        ctype = types.get(index)
        allowed = grammar.delta_types.get(ctype or "")
        if dtype is None or allowed is None or dtype not in grammar.known_delta_types:
            continue
        if dtype not in allowed:
            found.append(
                violation(
                    "STREAM-DELTA-TYPE",
                    f"a {dtype} delta extends a {ctype} content",
                    expected=f"a delta of type {' or '.join(sorted(allowed))} (content index {index} is {ctype})",
                    actual=dtype,
                    where=_ev(n, "/delta/type"),
                )
            )
    return found


def _statuses(w: Walk) -> Iterator[tuple[int, str, Any]]:
    grammar = w.grammar
    for n, payload, kind in w.typed:
        if kind == grammar.status_event:
            yield n, "/status", payload.get("status")
        elif kind in (grammar.start_event, grammar.complete_event):
            interaction = as_dict(payload.get("interaction"))
            if "status" in interaction:
                yield n, "/interaction/status", interaction["status"]


@stream_rule("STREAM-STATUS-TRANSITIONS")
def check_status_transitions(w: Walk) -> list[Violation]:
    """STREAM-STATUS-TRANSITIONS: statuses change only along the revision's transitions
    (in_progress -> requires_action, completed, failed or cancelled; a terminal status never changes)."""
    grammar = w.grammar
    found: list[Violation] = []
    previous: tuple[int, str] | None = None
    for n, pointer, status in _statuses(w):
        if not isinstance(status, str) or status not in grammar.status_transitions:
            continue  # unknown statuses are drift (schema check)
        if previous is not None and status != previous[1]:
            allowed = grammar.status_transitions[previous[1]]
            if status not in allowed:
                expected = (
                    f"{previous[1]} (event {previous[0]}) is terminal: no change"
                    if not allowed
                    else f"from {previous[1]}: " + ", ".join(sorted(allowed))
                )
                found.append(
                    violation(
                        "STREAM-STATUS-TRANSITIONS",
                        f"status changes from {previous[1]} to {status}",
                        expected=expected,
                        actual=status,
                        where=_ev(n, pointer),
                    )
                )
        previous = (n, status)
    return found


@stream_rule("STREAM-INTERACTION-ID")
def check_interaction_ids(w: Walk) -> list[Violation]:
    """STREAM-INTERACTION-ID: every event that names an interaction names the one the stream started with."""
    grammar = w.grammar
    first: tuple[int, str] | None = None
    found: list[Violation] = []
    for n, payload, kind in w.typed:
        if kind == grammar.status_event and "interaction_id" in payload:
            pointer, value = "/interaction_id", payload["interaction_id"]
        elif kind in (grammar.start_event, grammar.complete_event) and "id" in as_dict(
            payload.get("interaction")
        ):
            pointer, value = "/interaction/id", payload["interaction"]["id"]
        else:
            continue
        if not isinstance(value, str):
            continue  # the schema check reports it
        if first is None:
            first = (n, value)
        elif value != first[1]:
            found.append(
                violation(
                    "STREAM-INTERACTION-ID",
                    "an event names another interaction",
                    expected=f"{excerpt(first[1])} (as in event {first[0]})",
                    actual=value,
                    where=_ev(n, pointer),
                )
            )
    return found


@stream_rule("STREAM-EVENT-ID")
def check_event_ids(w: Walk) -> list[Violation]:
    """STREAM-EVENT-ID (SHOULD): every event has an event_id, unique within the stream.

    The live API sends none (API-SURFACE 5), so callers ask for this check
    (``require_event_ids``) rather than get it by default.
    """
    found: list[Violation] = []
    seen: dict[str, int] = {}
    missing: list[int] = []
    typed = w.typed
    for n, payload, _ in typed:
        event_id = payload.get("event_id")
        if not isinstance(event_id, str) or not event_id:
            missing.append(n)
        elif event_id in seen:
            found.append(
                violation(
                    "STREAM-EVENT-ID",
                    "two events share an event_id",
                    expected=f"an event_id other than that of event {seen[event_id]}",
                    actual=event_id,
                    where=_ev(n, "/event_id"),
                )
            )
        else:
            seen[event_id] = n
    if missing:
        found.insert(
            0,
            violation(
                "STREAM-EVENT-ID",
                f"{len(missing)} of {len(typed)} events have no event_id",
                expected="a non-empty string event_id on every event",
                actual=excerpt(as_dict(_payload(w.events[missing[0]])).get("event_id", "<absent>")),
                where=_ev(missing[0], "/event_id"),
                raw=True,
            ),
        )
    return found


@stream_rule("STREAM-COMPLETE-USAGE")
def check_complete_usage(w: Walk) -> list[Violation]:
    """STREAM-COMPLETE-USAGE: interaction.complete carries a final status and usage with total_tokens."""
    grammar = w.grammar
    found: list[Violation] = []
    for n, payload, kind in w.typed:
        if kind != grammar.complete_event:
            continue
        interaction = payload.get("interaction")
        if not isinstance(interaction, dict):
            found.append(
                violation(
                    "STREAM-COMPLETE-USAGE",
                    f"{kind} carries no interaction",
                    expected="an interaction object with status and usage",
                    actual=f"{excerpt(interaction)} ({json_type(interaction)})",
                    where=_ev(n, "/interaction"),
                    raw=True,
                )
            )
            continue
        status = interaction.get("status", "<absent>")
        drift = (
            grammar.unknown_status_is_drift
            and isinstance(status, str)
            and status not in grammar.status_transitions
        )  # STATUS-OPEN: a later status (queued, requires_continuation) is the schema's drift
        if as_str(status) not in grammar.terminal_statuses and not drift:
            found.append(
                violation(
                    "STREAM-COMPLETE-USAGE",
                    f"{kind} does not carry a final status",
                    expected="one of " + ", ".join(sorted(grammar.terminal_statuses)),
                    actual=status,
                    where=_ev(n, "/interaction/status"),
                )
            )
        usage = interaction.get("usage")
        if not is_int(as_dict(usage).get("total_tokens")):
            total = as_dict(usage).get("total_tokens", "<absent>")
            found.append(
                violation(
                    "STREAM-COMPLETE-USAGE",
                    f"{kind} carries no usage.total_tokens",
                    expected="usage with an integer total_tokens",
                    actual=total if isinstance(usage, dict) else "<no usage>",
                    where=_ev(
                        n,
                        "/interaction/usage" + ("/total_tokens" if isinstance(usage, dict) else ""),
                    ),
                )
            )
    return found


@stream_rule("STREAM-FUNCTION-CALL")
def check_stream_function_calls(w: Walk) -> list[Violation]:
    """STREAM-FUNCTION-CALL: a streamed function_call gets a non-empty id, a name and an
    arguments object from its content.start and deltas together (2025-12); it names its id
    and name in its step.start (2026-05: the arguments are STREAM-ARGUMENTS-DELTA's)."""
    grammar = w.grammar
    starts: dict[int, tuple[int, Mapping[str, Any]]] = {}
    for n, payload, kind, index in w.content:
        block = payload.get(grammar.block_key)
        if (
            kind == grammar.content_start_event
            and index not in starts
            and content_type(block) == "function_call"
        ):
            starts[index] = (n, as_dict(block))
    if not starts:
        return []
    blocks = w.blocks
    found: list[Violation] = []
    for index, (n, started) in sorted(starts.items()):
        streamed = blocks.get(index, {})
        for field, in_start in grammar.stream_call_fields:
            block = started if in_start else streamed
            value = block.get(field)
            if field == "arguments":
                ok, wanted = isinstance(value, dict), "an object"
            else:
                ok, wanted = isinstance(value, str) and value != "", "a non-empty string"
            if ok:
                continue
            found.append(
                violation(
                    "STREAM-FUNCTION-CALL",
                    f"the function_call at index {index} "
                    + (
                        f"does not name its {field} in {grammar.content_start_event}"
                        if in_start
                        else f"never gets its {field}"
                    ),
                    expected=f"{field}: {wanted} in {grammar.content_start_event}"
                    + ("" if in_start else " or a delta"),
                    actual=block.get(field, "<absent>"),
                    where=_ev(n, f"/{grammar.block_key}/{field}"),
                )
            )
    return found


@stream_rule("STREAM-ERROR-EVENT")
def check_error_events(w: Walk) -> list[Violation]:
    """STREAM-ERROR-EVENT: an error event carries error.code (non-empty string) and error.message (string)."""
    grammar = w.grammar
    found: list[Violation] = []
    for n, payload, kind in w.typed:
        if kind != grammar.error_event:
            continue
        error = payload.get("error")
        if not isinstance(error, dict):
            found.append(
                violation(
                    "STREAM-ERROR-EVENT",
                    "an error event carries no error object",
                    expected='{"code": ..., "message": ...}',
                    actual=error if "error" in payload else "<absent>",
                    where=_ev(n, "/error"),
                )
            )
            continue
        for field, allow_empty in (("code", False), ("message", True)):
            value = error.get(field)
            if not isinstance(value, str) or (not allow_empty and not value):
                found.append(
                    violation(
                        "STREAM-ERROR-EVENT",
                        f"an error event has no usable error.{field}",
                        expected=f"{field}: a {'non-empty ' if not allow_empty else ''}string",
                        actual=f"{excerpt(value)} ({json_type(value)})"
                        if field in error
                        else "<absent>",
                        where=_ev(n, f"/error/{field}"),
                        raw=True,
                    )
                )
    return found


def _content_summary(outputs: Any) -> tuple[list[str], str]:
    """The sequence of non-text content types, and all text joined: what a client reads."""
    items = [o for o in as_list(outputs) if isinstance(o, dict)]
    kinds = [str(o.get("type")) for o in items if o.get("type") != "text"]
    text = "".join(str(o.get("text", "")) for o in items if o.get("type") == "text")
    return kinds, text


@stream_rule("STREAM-COMPLETE-OUTPUTS")
def check_complete_outputs(w: Walk) -> list[Violation]:
    """STREAM-COMPLETE-OUTPUTS: interaction.complete carries no outputs, or the content streamed
    before it (text may arrive split into several blocks, as in REF-Dec25's example, so texts
    are compared joined). interaction.completed (2026-05) carries no steps at all."""
    grammar = w.grammar
    key = grammar.output_key
    found: list[Violation] = []
    events = list(w.events)
    for n, payload, kind in w.typed:
        if kind != grammar.complete_event:
            continue
        outputs = as_dict(payload.get("interaction")).get(key)
        if not outputs:
            continue
        if not grammar.complete_may_repeat:
            found.append(
                violation(
                    "STREAM-COMPLETE-OUTPUTS",
                    f"{kind} carries {key}",
                    expected=f"no {key}: they arrive as {grammar.content_start_event} and "
                    f"{grammar.content_delta_event} events",
                    actual=f"{len(outputs) if isinstance(outputs, list) else 1} {key}: "
                    + excerpt(outputs, 80),
                    where=_ev(n, f"/interaction/{key}"),
                    raw=True,
                )
            )
            continue
        streamed = _content_summary(reassemble_outputs(events[:n], revision=w.revision))
        completed = _content_summary(outputs)
        if streamed != completed:
            found.append(
                violation(
                    "STREAM-COMPLETE-OUTPUTS",
                    f"{kind} carries outputs that differ from the streamed content",
                    expected=f"no outputs, or types {streamed[0]} and text {excerpt(streamed[1], 60)}",
                    actual=f"types {completed[0]} and text {excerpt(completed[1], 60)}",
                    where=_ev(n, "/interaction/outputs"),
                )
            )
    return found


# -- what only the steps schema streams ------------------------------------------------


@stream_rule("STREAM-ARGUMENTS-DELTA")
def check_arguments_deltas(w: Walk) -> list[Violation]:
    """STREAM-ARGUMENTS-DELTA: the string fragments of a step's arguments_delta events, joined
    in order, parse as one JSON object (a fragment that is not a string is the schema's)."""
    found: list[Violation] = []
    for index, (n, field, parts) in sorted(w.fragments.items()):
        if not all(isinstance(p, str) for p in parts):
            continue  # the event schema reports the fragment that is not a string
        text = "".join(parts)
        try:
            value = loads_json(text)
        except (ValueError, RecursionError) as exc:
            problem = f"not JSON ({exc})"
        else:
            if isinstance(value, dict):
                continue
            problem = f"a JSON {json_type(value)}, not an object"
        found.append(
            violation(
                "STREAM-ARGUMENTS-DELTA",
                f"the {len(parts)} {field} fragments of step {index} join into {problem}",
                expected=f"fragments whose concatenation is the JSON object of its {field}",
                actual=excerpt(text),
                where=_ev(n, f"/delta/{field}"),
                raw=True,
            )
        )
    return found


@stream_rule("STREAM-ANNOTATION-DELTA")
def check_annotation_deltas(w: Walk) -> list[Violation]:
    """STREAM-ANNOTATION-DELTA: a text_annotation_delta comes after text of its step: the
    annotations point into a text that must already be there."""
    grammar = w.grammar
    if grammar.annotation_delta is None:
        return []
    has_text: dict[int, bool] = {}
    found: list[Violation] = []
    for n, payload, kind, index in w.content:
        if kind == grammar.content_start_event:
            content = as_list(as_dict(payload.get(grammar.block_key)).get("content"))
            has_text.setdefault(index, any(content_type(c) == "text" for c in content))
        elif kind == grammar.content_delta_event:
            dtype = content_type(payload.get("delta"))
            if dtype == "text":
                has_text[index] = True
            elif dtype == grammar.annotation_delta and not has_text.get(index):
                found.append(
                    violation(
                        "STREAM-ANNOTATION-DELTA",
                        f"annotations arrive before any text of step {index}",
                        expected=f"text deltas first, then the {dtype}",
                        actual=f"{dtype} with no text before it in step {index}",
                        where=_ev(n, "/delta/type"),
                        raw=True,
                    )
                )
    return found


def _usage_so_far(payload: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = payload
    for key in path:
        value = as_dict(value).get(key)
    return as_dict(value).get("total_tokens")


@stream_rule("STREAM-METADATA-USAGE")
def check_metadata_usage(w: Walk) -> list[Violation]:
    """STREAM-METADATA-USAGE: the usage so far an event carries (metadata.total_usage) never
    goes down, and never exceeds the final usage of the terminal event."""
    grammar = w.grammar
    path = grammar.metadata_usage
    if not path:
        return []
    pointer = "/" + "/".join(path) + "/total_tokens"
    typed = w.typed
    final = next(
        (
            as_dict(as_dict(p.get("interaction")).get("usage")).get("total_tokens")
            for _, p, k in typed
            if k == grammar.complete_event
        ),
        None,
    )
    found: list[Violation] = []
    previous: tuple[int, int] | None = None
    for n, payload, _ in typed:
        total = _usage_so_far(payload, path)
        if not is_int(total):
            continue  # absent, or the schema's (SCHEMA-USAGE)
        if previous is not None and total < previous[1]:
            found.append(
                violation(
                    "STREAM-METADATA-USAGE",
                    "the usage so far goes down",
                    expected=f"total_tokens >= {previous[1]} (event {previous[0]})",
                    actual=total,
                    where=_ev(n, pointer),
                )
            )
        if is_int(final) and total > final:
            found.append(
                violation(
                    "STREAM-METADATA-USAGE",
                    "the usage so far exceeds the final usage",
                    expected=f"total_tokens <= {final} ({grammar.complete_event} usage)",
                    actual=total,
                    where=_ev(n, pointer),
                )
            )
        previous = (n, total)
    return found


@stream_rule("STATUS-EVENTS")
def check_status_events(w: Walk) -> list[Violation]:
    """STATUS-EVENTS: a status change is streamed as interaction.status_update. A status that
    only an event of another type carries (MIG's interaction.requires_action, a status on a
    step event) is a change the stream did not announce; the unknown event type itself is
    the schema's drift."""
    grammar = w.grammar
    carriers = {grammar.start_event, grammar.complete_event}
    announced: set[Any] = set()
    for _, payload, kind in w.typed:
        if kind == grammar.status_event:
            announced.add(as_str(payload.get("status")))
        elif kind in carriers:
            announced.add(as_str(as_dict(payload.get("interaction")).get("status")))
    found: list[Violation] = []
    for n, payload, kind in w.typed:
        status = payload.get("status")
        if kind in carriers or kind == grammar.status_event or not isinstance(status, str):
            continue
        if status not in announced:
            found.append(
                violation(
                    "STATUS-EVENTS",
                    f"status {status} arrives in a {kind} event only",
                    expected=f"the change to {status} in a {grammar.status_event} event",
                    actual=f"{kind} {{status: {status}}}",
                    where=_ev(n, "/status"),
                    raw=True,
                )
            )
    return found


@stream_rule("STREAM-STEP-START-PARTIAL")
def check_step_fields(w: Walk) -> list[Violation]:
    """STREAM-STEP-START-PARTIAL: a step.start may carry only the step's type and identifiers,
    but what it leaves out arrives in deltas: every stopped step ends with the fields its
    type requires (the revision's step schema). A function_call is STREAM-FUNCTION-CALL's and
    STREAM-ARGUMENTS-DELTA's."""
    grammar = w.grammar
    defs = as_dict(load_revision(w.revision).schemas.get(grammar.block_schema, {}).get("$defs"))
    starts: dict[int, int] = {}
    stopped: set[int] = set()
    for n, _, kind, index in w.content:
        if kind == grammar.content_start_event:
            starts.setdefault(index, n)
        elif kind == grammar.content_stop_event:
            stopped.add(index)
    blocks = w.blocks
    found: list[Violation] = []
    for index, n in sorted(starts.items()):
        block = blocks.get(index, {})
        step_type = content_type(block)
        if index not in stopped or step_type is None or step_type in grammar.client_call_types:
            continue  # open at an error (STREAM-CONTENT-BRACKETS), untyped (the schema's)
        for field in as_list(as_dict(defs.get(step_type)).get("required")):
            if field not in block:
                found.append(
                    violation(
                        "STREAM-STEP-START-PARTIAL",
                        f"the {step_type} at index {index} never gets its {field}",
                        expected=f"{field} in {grammar.content_start_event} or a delta",
                        actual="<absent>",
                        where=_ev(n, f"/{grammar.block_key}/{field}"),
                    )
                )
    return found


_GRAMMAR_CHECKS = (
    check_stream_start,
    check_stream_terminal,
    check_content_brackets,
    check_index_order,
    check_delta_types,
    check_status_transitions,
    check_interaction_ids,
    check_complete_usage,
    check_complete_outputs,
    check_stream_function_calls,
    check_error_events,
    check_arguments_deltas,
    check_annotation_deltas,
    check_metadata_usage,
    check_status_events,
    check_step_fields,
)


# What still makes sense on the tail of a stream resumed after last_event_id.
@_entry
def _check_resumed_terminal(w: Walk) -> list[Violation]:
    """STREAM-ONE-TERMINAL for a resumed stream: after the terminal event nothing remains,
    so an empty remainder is right; otherwise the usual rule applies."""
    if not w.typed:
        return []
    return check_stream_terminal.rule(w)  # type: ignore[attr-defined,no-any-return]


_RESUMED_CHECKS = (
    _check_resumed_terminal,
    check_status_transitions,
    check_interaction_ids,
    check_complete_usage,
    check_error_events,
    check_metadata_usage,
    check_status_events,
)


def check_stream_grammar(
    events: Events,
    *,
    revision: str = DEFAULT_REVISION,
    require_event_ids: bool = False,
    resumed: bool = False,
) -> list[Violation]:
    """Every grammar check of the revision on one stream.

    ``resumed`` is for a stream that starts after ``last_event_id``: the
    checks that need the beginning (start first, brackets, index order,
    delta types, function calls) are left out.
    """
    return stream_grammar(
        Walk(events, revision), require_event_ids=require_event_ids, resumed=resumed
    )


def stream_grammar(w: Walk, *, require_event_ids: bool, resumed: bool) -> list[Violation]:
    """`check_stream_grammar` on a stream already walked: every rule reads the one `Walk`."""
    checks = (*(_RESUMED_CHECKS if resumed else _GRAMMAR_CHECKS), *STREAM_CHECKS)
    found: list[Violation] = []
    revision = w.revision
    for check in checks:
        if applies(check, revision):
            rule = getattr(check, "rule", None)
            found += rule(w) if rule is not None else check(w.events, revision=revision)
    if require_event_ids:
        found += check_event_ids.rule(w)  # type: ignore[attr-defined]
    return found


# -- reassembly ------------------------------------------------------------------------

_CONCAT = frozenset({"text", "data", "result", "signature"})


def _merge_field(block: dict[str, Any], key: str, value: Any) -> None:
    old = block.get(key)
    if key in _CONCAT and isinstance(old, str) and isinstance(value, str):
        block[key] = old + value
    elif isinstance(old, list) and isinstance(value, list):
        block[key] = old + copy_json(value)
    elif isinstance(old, dict) and isinstance(value, dict):
        block[key] = {**old, **copy_json(value)}
    else:
        block[key] = copy_json(value)


def _add_summary(block: dict[str, Any], item: Any) -> None:
    summary = block.get("summary")
    if not isinstance(summary, list):
        summary = block["summary"] = []
    last = summary[-1] if summary else None
    if (
        isinstance(last, dict)
        and isinstance(item, dict)
        and content_type(last) == "text"
        and content_type(item) == "text"
        and isinstance(last.get("text"), str)
        and isinstance(item.get("text"), str)
    ):
        summary[-1] = {**last, "text": last["text"] + item["text"]}
    else:
        summary.append(copy_json(item))


def _merge_content(block: dict[str, Any], delta: dict[str, Any], grammar: Grammar) -> None:
    """A delta of a block that holds a list of contents (a model_output step): text extends
    the last content of its type, annotations go to the last text, anything else is new."""
    content = block.get("content")
    if not isinstance(content, list):
        content = block["content"] = []
    dtype = delta.get("type")
    if dtype == grammar.annotation_delta:
        texts = [c for c in content if isinstance(c, dict) and c.get("type") == "text"]
        if texts:  # annotations without text are STREAM-ANNOTATION-DELTA's
            _merge_field(texts[-1], "annotations", as_list(delta.get("annotations")))
        return
    last = content[-1] if content else None
    if isinstance(last, dict) and isinstance(dtype, str) and last.get("type") == dtype:
        for key, value in delta.items():
            if key != "type":
                _merge_field(last, key, value)
    else:
        content.append(copy_json(delta))


def _join_fragments(block: dict[str, Any], field: str, parts: list[Any]) -> None:
    """The value string fragments join into (the joined text when it is not JSON: the checks
    then see a string where an object belongs); objects instead of fragments are merged."""
    if all(isinstance(p, str) for p in parts):
        text = "".join(parts)
        try:
            block[field] = loads_json(text)
        except (ValueError, RecursionError):
            block[field] = text
        return
    merged = dict(block[field]) if isinstance(block.get(field), dict) else {}
    for part in parts:
        if isinstance(part, dict):
            merged.update(copy_json(part))
    block[field] = merged


def _merge_delta(block: dict[str, Any], delta: dict[str, Any], grammar: Grammar) -> None:
    dtype = delta.get("type")
    if content_type(block) in grammar.content_list_types:
        _merge_content(block, delta, grammar)
        return
    if dtype in ("thought_signature", "thought_summary", "thought"):
        block.setdefault("type", "thought")
        if dtype == "thought_signature" and "signature" in delta:
            _merge_field(block, "signature", delta["signature"])
        elif dtype == "thought_summary" and "content" in delta:
            _add_summary(block, delta["content"])
        elif dtype == "thought" and isinstance(delta.get("thought"), str):
            _add_summary(block, {"type": "text", "text": delta["thought"]})
        return
    if isinstance(dtype, str):
        block.setdefault("type", dtype)
    for key, value in delta.items():
        if key != "type":
            _merge_field(block, key, value)


def _reassemble(w: Walk) -> dict[int, dict[str, Any]]:
    grammar = w.grammar
    blocks: dict[int, dict[str, Any]] = {}
    for _, payload, kind, index in w.content:
        delta = payload.get("delta")
        if kind == grammar.content_start_event and index not in blocks:
            content = payload.get(grammar.block_key)
            blocks[index] = copy_json(content) if isinstance(content, dict) else {}
        elif (
            kind == grammar.content_delta_event
            and isinstance(delta, dict)
            and as_str(delta.get("type")) not in grammar.joined_delta_fields
        ):
            _merge_delta(blocks.setdefault(index, {}), delta, grammar)
    for index, (_, field, parts) in w.fragments.items():
        _join_fragments(blocks.setdefault(index, {}), field, parts)
    return blocks


def reassemble_outputs(events: Events, *, revision: str = DEFAULT_REVISION) -> list[dict[str, Any]]:
    """The outputs (2025-12) or output steps (2026-05) a client rebuilds from the start and
    delta events, in index order.

    Text and data are concatenated; a thought gets its signature and summary
    (thought_summary deltas, or the guide's ``thought`` delta, merged into
    text items); function_call and tool call/result fields are merged
    (arguments objects updated, result lists extended). In a model_output step
    text deltas extend its last text content and a text_annotation_delta adds to
    that text's annotations; arguments_delta fragments are joined and parsed.
    """
    blocks = _reassemble(Walk(events, revision))
    return [blocks[i] for i in sorted(blocks)]


def first_difference(expected: Any, actual: Any, pointer: str = "") -> str | None:
    """The JSON pointer of the first place where two JSON values differ, or None when equal."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(set(expected) | set(actual), key=str):
            if key not in expected or key not in actual:
                return ptr(pointer, key)
            found = first_difference(expected[key], actual[key], ptr(pointer, key))
            if found is not None:
                return found
        return None
    if isinstance(expected, list) and isinstance(actual, list):
        for i, (a, b) in enumerate(zip(expected, actual, strict=False)):
            found = first_difference(a, b, ptr(pointer, i))
            if found is not None:
                return found
        if len(expected) != len(actual):
            return ptr(pointer, min(len(expected), len(actual)))
        return None
    same = type(expected) is type(actual) and expected == actual
    return None if same else (pointer or "/")


def _resolve(value: Any, pointer: str) -> Any:
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(value, dict) and token in value:
            value = value[token]
        elif (
            isinstance(value, list)
            and token.isascii()
            and token.isdigit()
            and int(token) < len(value)
        ):
            value = value[int(token)]
        else:
            return "<absent>"
    return value


@registered("STREAM-EQUALS-RESOURCE")
def check_stream_equals_resource(
    events: Events, resource: Any, *, revision: str = DEFAULT_REVISION
) -> list[Violation]:
    """STREAM-EQUALS-RESOURCE: the outputs reassembled from the stream equal a later GET's outputs.

    ``resource`` is the GET's Interaction; the violation points at the first
    differing place in it. Under 2026-05 the GET's input steps (the user_input it
    starts with, POST-STEPS-NO-INPUT) are left out: the stream indexes count only
    output steps.
    """
    grammar = grammar_for(revision)
    key = grammar.output_key
    rebuilt = reassemble_outputs(events, revision=revision)
    items = as_dict(resource).get(key, [] if isinstance(resource, dict) else None)
    if not isinstance(resource, dict) or not isinstance(items, list):
        return [
            violation(
                "STREAM-EQUALS-RESOURCE",
                f"the GET has no {key} list to compare the stream with",
                expected=f"{key} equal to the {len(rebuilt)} reassembled from the stream",
                actual=items if isinstance(resource, dict) else resource,
                where=f"/{key}",
            )
        ]
    kept = [
        (i, item)
        for i, item in enumerate(items)
        if content_type(item) not in grammar.input_step_types
    ]
    outputs = [item for _, item in kept]
    diff = first_difference(rebuilt, outputs)
    if diff is None:
        return []
    head, _, rest = diff.lstrip("/").partition("/")
    j = int(head)  # both sides are lists: the pointer starts with an index
    real = kept[j][0] if j < len(kept) else len(items)
    return [
        violation(
            "STREAM-EQUALS-RESOURCE",
            f"the {key} reassembled from the stream differ from the GET's",
            expected=f"{excerpt(_resolve(rebuilt, diff))} (reassembled from the stream)",
            actual=excerpt(_resolve(outputs, diff)),
            where=f"/{key}/{real}" + (f"/{rest}" if rest else ""),
            raw=True,
        )
    ]


# -- resume and replay -----------------------------------------------------------------


def _event_id(item: Any) -> str | None:
    payload = _payload(item)
    value = as_dict(payload).get("event_id")
    if isinstance(value, str) and value:
        return value
    if isinstance(item, SSEEvent) and item.id:
        return item.id
    return None


def _compare_tail(rule: str, expected: Events, got: Events, earlier: set[str]) -> list[Violation]:
    """The first way ``got`` is not exactly ``expected``: a duplicate, a gap, an extra, a change, an early end."""
    expected_ids = [_event_id(e) for e in expected]
    seen: set[str] = set()
    for j, item in enumerate(got):
        event_id = _event_id(item)
        if j >= len(expected):
            return [
                violation(
                    rule,
                    "an event after the end of the original stream",
                    expected=f"{len(expected)} events",
                    actual=f"event_id {excerpt(event_id)}",
                    where=_ev(j),
                    raw=True,
                )
            ]
        want = expected_ids[j]
        if event_id != want:
            if event_id is not None and (event_id in earlier or event_id in seen):
                message, actual = "an event is sent again (duplicate)", excerpt(event_id)
            elif event_id is not None and event_id in expected_ids[j:]:
                skipped = expected_ids[j : expected_ids.index(event_id, j)]
                message = f"events are skipped (gap of {len(skipped)})"
                actual = f"{excerpt(event_id)}, skipping " + ", ".join(excerpt(s) for s in skipped)
            else:
                message, actual = (
                    "an event_id differs from the original stream's",
                    excerpt(event_id),
                )
            return [
                violation(
                    rule,
                    message,
                    expected=f"event_id {excerpt(want)}",
                    actual=actual,
                    where=_ev(j, "/event_id"),
                    raw=True,
                )
            ]
        if event_id is not None:
            seen.add(event_id)
        diff = first_difference(_payload(expected[j]), _payload(item))
        if diff is not None:
            return [
                violation(
                    rule,
                    "an event differs from the original stream's",
                    expected=excerpt(_resolve(_payload(expected[j]), diff)),
                    actual=excerpt(_resolve(_payload(item), diff)),
                    where=_ev(j, diff),
                    raw=True,
                )
            ]
    if len(got) < len(expected):
        missing = [excerpt(i) for i in expected_ids[len(got) :]]
        return [
            violation(
                rule,
                f"the stream ends {len(expected) - len(got)} events early",
                expected=f"{len(expected)} events",
                actual=f"{len(got)} events; missing event_ids " + ", ".join(missing[:5]),
                where=_ev(len(got)),
                raw=True,
            )
        ]
    return []


@registered("STREAM-RESUME")
def check_resume(full: Events, resumed: Events, last_event_id: str) -> list[Violation]:
    """STREAM-RESUME: after ``last_event_id=X`` come exactly the events after X: same ids, no gap,
    no duplicate. ``full`` is the whole original stream, ``resumed`` what the resume returned."""
    ids = [_event_id(e) for e in full]
    if last_event_id not in ids:
        return [
            violation(
                "STREAM-RESUME",
                "last_event_id is not an event_id of the original stream",
                expected="one of "
                + (", ".join(excerpt(i) for i in ids if i)[:200] or "<no event_ids>"),
                actual=last_event_id,
                where="event 0",
            )
        ]
    k = ids.index(last_event_id)
    earlier = {i for i in ids[: k + 1] if i}
    return _compare_tail("STREAM-RESUME", list(full[k + 1 :]), resumed, earlier)


@registered("STREAM-REPLAY")
def check_replay(full: Events, replayed: Events) -> list[Violation]:
    """STREAM-REPLAY: a stream GET without last_event_id yields the stream from its beginning."""
    return _compare_tail("STREAM-REPLAY", list(full), replayed, set())
