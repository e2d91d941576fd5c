"""Streaming and resume: SSE framing, the event grammar, deltas vs the stored resource (G15).

Every streamed exchange made through ``api`` is already checked for framing
and the revision's event grammar (checks.check_exchange); these tests add what
needs more than one exchange, and probe answers.
"""

from __future__ import annotations

from typing import Any

import pytest

from interactions_conformance import ConformanceFailure
from interactions_conformance import _probes as probes
from interactions_conformance._assertions import expect_ok, require
from interactions_conformance._suite import outputs_of
from interactions_conformance.checks import (
    Grammar,
    check_event_ids,
    check_replay,
    check_resume,
    check_stream_equals_resource,
    grammar_for,
    parse_sse,
    reassemble_outputs,
)

pytestmark = [pytest.mark.streaming, pytest.mark.feature("streaming")]


def _stream(api: Any, request: dict[str, Any], **kwargs: Any) -> tuple[Any, list[Any]]:
    exchange = api.create({**request, "stream": True}, **kwargs)
    require(
        "SSE-CONTENT-TYPE",
        exchange.response.status == 200,
        "the stream was not accepted",
        expected="HTTP 200",
        actual=f"HTTP {exchange.response.status}: {exchange.response.body[:200]!r}",
        exchange=exchange,
    )
    return exchange, parse_sse(exchange.response.chunks or exchange.response.body).payloads


def _raise(violations: list[Any], exchange: Any, what: str) -> None:
    if violations:
        raise ConformanceFailure(
            [v.with_context(reproduce=exchange.reproduce) for v in violations], context=what
        )


@pytest.fixture
def grammar(conformance: Any) -> Grammar:
    """The event grammar of the target's revision (event names differ between revisions)."""
    return grammar_for(conformance.revision.name)


def _streamed_outputs(events: list[Any], grammar: Grammar) -> list[dict[str, Any]]:
    """The output blocks a client rebuilds from the stream, in either revision's shape."""
    rebuilt = reassemble_outputs(events, revision=grammar.revision)
    return outputs_of({grammar.output_key: rebuilt})


def _stream_id(events: list[Any], grammar: Grammar) -> str:
    for event in events:
        if isinstance(event, dict) and event.get("event_type") == grammar.start_event:
            ident = (event.get("interaction") or {}).get("id")
            if isinstance(ident, str) and ident:
                return ident
    pytest.fail("[STREAM-START-FIRST] the stream names no interaction id to refer to")


def _text(outputs: list[dict[str, Any]]) -> str:
    return "".join(str(o.get("text", "")) for o in outputs if o.get("type") == "text")


@pytest.mark.rule(
    "SSE-CONTENT-TYPE",
    "SSE-FRAMING",
    "SSE-EVENT-NAME",
    "SSE-DONE",
    "STREAM-START-FIRST",
    "STREAM-ONE-TERMINAL",
    "STREAM-CONTENT-BRACKETS",
    "STREAM-INDEX-ORDER",
    "STREAM-DELTA-TYPE",
    "STREAM-STATUS-TRANSITIONS",
    "STREAM-INTERACTION-ID",
    "STREAM-COMPLETE-USAGE",
)
def test_streamed_text_follows_the_grammar(
    api: Any, model: str, small: dict[str, Any], grammar: Grammar
) -> None:
    exchange, events = _stream(
        api, {"model": model, "input": probes.ARITHMETIC_PROMPT, "generation_config": small}
    )
    text = _text(_streamed_outputs(events, grammar))
    require(
        "STREAM-CONTENT-BRACKETS",
        probes.contains_answer(text, probes.ARITHMETIC_ANSWER),
        "the text deltas do not add up to the answer",
        expected=probes.ARITHMETIC_ANSWER,
        actual=text,
        exchange=exchange,
    )


@pytest.mark.rule("STREAM-EQUALS-RESOURCE")
def test_deltas_equal_the_stored_outputs(
    api: Any, model: str, small: dict[str, Any], grammar: Grammar
) -> None:
    _exchange, events = _stream(
        api, {"model": model, "input": probes.SHORT_PROMPT, "generation_config": small}
    )
    got = api.get(_stream_id(events, grammar))
    expect_ok("STREAM-EQUALS-RESOURCE", got, what="GET of the streamed interaction")
    _raise(
        check_stream_equals_resource(events, got.response.json(), revision=grammar.revision),
        got,
        "the stream vs the stored interaction",
    )


@pytest.mark.rule("STREAM-EVENT-ID")
def test_every_event_has_an_event_id(api: Any, model: str, small: dict[str, Any]) -> None:
    exchange, events = _stream(
        api, {"model": model, "input": probes.SHORT_PROMPT, "generation_config": small}
    )
    _raise(check_event_ids(events), exchange, "the stream's event ids")


@pytest.mark.rule("STREAM-RESUME")
@pytest.mark.feature("resume")
@pytest.mark.parametrize("position", ["first", "middle", "last"])
def test_resume_after_an_event(
    api: Any, model: str, small: dict[str, Any], position: str, grammar: Grammar
) -> None:
    _exchange, events = _stream(
        api, {"model": model, "input": probes.SHORT_PROMPT, "generation_config": small}
    )
    ids = [e.get("event_id") for e in events if isinstance(e, dict)]
    index = {"first": 0, "middle": len(ids) // 2, "last": len(ids) - 1}[position]
    last_event_id = ids[index]
    if not isinstance(last_event_id, str):
        pytest.fail(f"[STREAM-EVENT-ID] event {index} has no event_id to resume from")
    resumed = api.get(_stream_id(events, grammar), stream=True, last_event_id=last_event_id)
    resumed_events = parse_sse(resumed.response.chunks or resumed.response.body).payloads
    _raise(
        check_resume(events, resumed_events, last_event_id),
        resumed,
        f"a resume after the {position} event",
    )


@pytest.mark.rule("STREAM-REPLAY")
@pytest.mark.feature("resume")
def test_stream_get_without_last_event_id_replays_from_the_start(
    api: Any, model: str, small: dict[str, Any], grammar: Grammar
) -> None:
    _exchange, events = _stream(
        api, {"model": model, "input": probes.SHORT_PROMPT, "generation_config": small}
    )
    replayed = api.get(_stream_id(events, grammar), stream=True)
    _raise(
        check_replay(
            events, parse_sse(replayed.response.chunks or replayed.response.body).payloads
        ),
        replayed,
        "a replay without last_event_id",
    )


@pytest.mark.rule("STREAM-RESUME-UNKNOWN")
@pytest.mark.feature("resume")
def test_resume_from_an_unknown_event_is_refused(
    api: Any, model: str, small: dict[str, Any], grammar: Grammar
) -> None:
    _, events = _stream(
        api, {"model": model, "input": probes.SHORT_PROMPT, "generation_config": small}
    )
    resumed = api.get(_stream_id(events, grammar), stream=True, last_event_id="no-such-event")
    require(
        "STREAM-RESUME-UNKNOWN",
        400 <= resumed.response.status < 500,
        "an unknown last_event_id was accepted",
        expected="a 4xx error",
        actual=f"HTTP {resumed.response.status}",
        exchange=resumed,
    )


@pytest.mark.rule("STREAM-ERROR-EVENT")
def test_streaming_get_of_an_unknown_interaction(api: Any) -> None:
    exchange = api.get("v1_does-not-exist", stream=True)
    if exchange.response.status == 404:
        return  # an HTTP error with the error body (checked automatically) is fine too
    events = parse_sse(exchange.response.chunks or exchange.response.body).payloads
    errors = [e for e in events if isinstance(e, dict) and e.get("event_type") == "error"]
    require(
        "STREAM-ERROR-EVENT",
        errors,
        "a stream for an unknown interaction has no error event",
        expected="HTTP 404, or an error event with code and message",
        actual=events[:3],
        exchange=exchange,
    )


@pytest.mark.rule("SSE-ALT")
def test_alt_sse_with_stream_in_the_body(api: Any, model: str, small: dict[str, Any]) -> None:
    exchange = api.request(
        "POST",
        "interactions",
        json_body={
            "model": model,
            "input": probes.SHORT_PROMPT,
            "stream": True,
            "generation_config": small,
        },
        params={"alt": "sse"},
        stream=True,
    )
    require(
        "SSE-ALT",
        exchange.response.status == 200 and exchange.response.is_stream,
        "?alt=sse with stream true was not streamed",
        expected="HTTP 200, text/event-stream",
        actual=f"HTTP {exchange.response.status} {exchange.response.content_type}",
        exchange=exchange,
    )


@pytest.mark.rule("STREAM-FUNCTION-CALL")
def test_streamed_function_call(
    api: Any, model: str, small: dict[str, Any], grammar: Grammar
) -> None:
    exchange, events = _stream(
        api,
        {
            "model": model,
            "input": probes.WEATHER_PROMPT,
            "tools": [probes.WEATHER_TOOL],
            "generation_config": small,
        },
    )
    calls = [o for o in _streamed_outputs(events, grammar) if o.get("type") == "function_call"]
    require(
        "STREAM-FUNCTION-CALL",
        calls
        and all(
            c.get("id") and c.get("name") and isinstance(c.get("arguments"), dict) for c in calls
        ),
        "the streamed function call is incomplete",
        expected="function_call with id, name and arguments",
        actual=calls,
        exchange=exchange,
    )


@pytest.mark.rule("STREAM-THOUGHT-DELTA")
def test_streamed_thoughts(
    api: Any, conformance: Any, small: dict[str, Any], grammar: Grammar
) -> None:
    exchange, events = _stream(
        api,
        {
            "model": conformance.profile.model("thinking"),
            "input": probes.ARITHMETIC_PROMPT,
            "generation_config": {**small, "thinking_summaries": "auto"},
        },
    )
    kinds = {
        (e.get("delta") or {}).get("type")
        for e in events
        if isinstance(e, dict) and e.get("event_type") == grammar.content_delta_event
    }
    thought = kinds & grammar.delta_types.get("thought", frozenset())
    require(
        "STREAM-THOUGHT-DELTA",
        thought or "text" in kinds,
        "the stream has neither thought nor text deltas",
        expected="thought_summary / thought_signature deltas (or none) and text deltas",
        actual=sorted(map(str, kinds)),
        exchange=exchange,
    )


@pytest.mark.rule("SSE-REJECT-BEFORE-STREAM")
def test_invalid_streaming_request_is_rejected_before_the_stream(api: Any, model: str) -> None:
    exchange = api.create(
        {"model": model, "stream": True, "generation_config": {"temperature": "hot"}}
    )
    require(
        "SSE-REJECT-BEFORE-STREAM",
        400 <= exchange.response.status < 500
        and exchange.response.content_type != "text/event-stream",
        "an invalid streaming request was not rejected with an HTTP error",
        expected="HTTP 4xx with the error body",
        actual=f"HTTP {exchange.response.status} {exchange.response.content_type}",
        exchange=exchange,
    )


@pytest.mark.rule("STREAM-RESUME-NEEDS-STREAM")
def test_last_event_id_without_stream_is_rejected(
    api: Any, model: str, small: dict[str, Any]
) -> None:
    created = api.create({"model": model, "input": probes.SHORT_PROMPT, "generation_config": small})
    ident = expect_ok("STREAM-RESUME-NEEDS-STREAM", created).get("id")
    exchange = api.request("GET", f"interactions/{ident}", params={"last_event_id": "1"})
    require(
        "STREAM-RESUME-NEEDS-STREAM",
        exchange.response.status == 400,
        "last_event_id without stream was accepted",
        expected="HTTP 400",
        actual=f"HTTP {exchange.response.status}",
        exchange=exchange,
    )


@pytest.mark.rule("AGENT-STREAM")
@pytest.mark.feature("agents")
def test_agent_run_streams_in_the_background(api: Any, conformance: Any, grammar: Grammar) -> None:
    exchange, events = _stream(
        api,
        {
            "agent": conformance.profile.model("agent"),
            "background": True,
            "input": "Research briefly: why is the sky blue? One sentence.",
        },
    )
    kinds = [e.get("event_type") for e in events if isinstance(e, dict)]
    # Streamed to its end; how it starts is STREAM-START-FIRST's, checked on every stream.
    require(
        "AGENT-STREAM",
        grammar.complete_event in kinds,
        "the background agent run was not streamed to its end",
        expected=f"{grammar.start_event} ... {grammar.complete_event}",
        actual=[*kinds[:3], "...", *kinds[-2:]],
        exchange=exchange,
    )
