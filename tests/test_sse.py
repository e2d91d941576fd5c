"""The SSE parser: WHATWG framing, incremental feeding, and framing violations."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from interactions_conformance._sse import SSEParser, parse_sse


def frame(*payloads: dict[str, Any], done: bool = True, named: bool = True) -> bytes:
    """SSE bytes for data objects: ``event: <event_type>`` + ``data: <json>`` each, then [DONE]."""
    out = b""
    for payload in payloads:
        if named and "event_type" in payload:
            out += f"event: {payload['event_type']}\n".encode()
        out += f"data: {json.dumps(payload)}\n\n".encode()
    if done:
        out += b"data: [DONE]\n\n"
    return out


START = {"event_type": "interaction.start", "interaction": {"id": "i1", "status": "in_progress"}}
STOP = {"event_type": "content.stop", "index": 0}


# -- WHATWG framing ----------------------------------------------------------------------


def test_events_are_parsed_in_order_with_name_data_and_id() -> None:
    parsed = parse_sse(b"event: content.stop\nid: e1\ndata: " + json.dumps(STOP).encode() + b"\n\n")
    assert not parsed.violations
    [event] = parsed.events
    assert (event.index, event.event, event.id) == (0, "content.stop", "e1")
    assert event.payload == STOP
    assert event.is_json
    assert event.raw.startswith(b"event: content.stop\n")
    assert event.raw.endswith(b"\n\n")


def test_multiline_data_is_joined_with_newline() -> None:
    parsed = parse_sse(b'data: {"event_type":\ndata:  "content.stop", "index": 0}\n\n')
    assert parsed.events[0].data == '{"event_type":\n "content.stop", "index": 0}'
    assert parsed.events[0].payload == STOP
    assert not parsed.violations


def test_cr_lf_and_crlf_line_ends_and_bom() -> None:
    body = json.dumps(STOP).encode()
    for sep in (b"\n", b"\r\n", b"\r"):
        parsed = parse_sse(b"\xef\xbb\xbfevent: content.stop" + sep + b"data: " + body + sep + sep)
        assert [e.payload for e in parsed.events] == [STOP], sep
        assert not parsed.violations, sep


def test_crlf_split_across_chunks_is_one_line_end() -> None:
    data = b"data: " + json.dumps(STOP).encode()
    parsed = parse_sse([data + b"\r", b"\n\r", b"\n"])
    assert [e.payload for e in parsed.events] == [STOP]
    assert not parsed.violations


def test_comments_and_unknown_fields_are_ignored() -> None:
    parsed = parse_sse(
        b": keep-alive\n\nretry: 10\nfoo: bar\ndata: " + json.dumps(STOP).encode() + b"\n\n"
    )
    assert [e.payload for e in parsed.events] == [STOP]
    assert not parsed.violations


def test_field_without_colon_and_without_space() -> None:
    parsed = parse_sse(b'data:{"a": 1}\nevent\n\n')
    assert parsed.events[0].payload == {"a": 1}
    assert parsed.events[0].event is None


def test_done_is_the_end_marker_not_an_event() -> None:
    parsed = parse_sse(frame(STOP))
    assert parsed.done
    assert [e.index for e in parsed.events] == [0]
    assert not parsed.violations


def test_named_done_event_is_accepted() -> None:
    parsed = parse_sse(frame(STOP, done=False) + b"event: done\ndata: [DONE]\n\n")
    assert parsed.done
    assert not parsed.violations


# -- incremental -------------------------------------------------------------------------


def test_any_chunking_gives_the_same_events() -> None:
    body = frame(
        START, {"event_type": "content.start", "index": 0, "content": {"type": "text"}}, STOP
    )
    whole = parse_sse(body)
    for size in (1, 2, 3, 7, 64):
        chunks = [body[i : i + size] for i in range(0, len(body), size)]
        parsed = parse_sse(chunks)
        assert parsed.events == whole.events, size
        assert parsed.payloads == whole.payloads
        assert parsed.done


def test_feed_returns_events_as_soon_as_they_complete() -> None:
    parser = SSEParser()
    assert parser.feed(b"data: " + json.dumps(STOP).encode()) == []
    assert parser.feed(b"\n") == []
    [event] = parser.feed(b"\n")
    assert event.payload == STOP
    assert parser.close() == []
    assert not parser.violations


def test_many_events_parse_in_linear_time() -> None:
    body = frame(*([STOP] * 20000))
    parsed = parse_sse([body[i : i + 100] for i in range(0, len(body), 100)])
    assert len(parsed.events) == 20000


# -- framing violations ------------------------------------------------------------------


def test_data_that_is_not_json_is_sse_framing() -> None:
    parsed = parse_sse(b"data: {not json\n\n")
    [v] = parsed.violations
    assert (v.rule, v.where, v.message) == ("SSE-FRAMING", "event 0", "an event's data is not JSON")
    assert v.actual == '"{not json"'
    assert parsed.events[0].payload is None
    assert not parsed.events[0].is_json


def test_json_that_is_not_an_object_is_sse_framing() -> None:
    parsed = parse_sse(b"data: [1, 2]\n\n")
    [v] = parsed.violations
    assert (v.rule, v.where) == ("SSE-FRAMING", "event 0")


def test_event_without_data_is_sse_framing() -> None:
    parsed = parse_sse(b"event: content.stop\n\n" + frame(STOP))
    [v] = parsed.violations
    assert (v.rule, v.where, v.message) == ("SSE-FRAMING", "event 0", "an event has no data line")
    assert len(parsed.events) == 1


def test_truncated_stream_is_sse_framing() -> None:
    parsed = parse_sse(frame(STOP, done=False) + b'data: {"event_type": "content.st')
    [v] = parsed.violations
    assert (v.rule, v.where) == ("SSE-FRAMING", "event 1")
    assert "truncated" in v.message
    assert len(parsed.events) == 1  # the partial event is discarded, as a client would


def test_truncated_after_a_complete_line_is_sse_framing() -> None:
    parsed = parse_sse(b"data: " + json.dumps(STOP).encode() + b"\n")
    assert [v.rule for v in parsed.violations] == ["SSE-FRAMING"]
    assert parsed.events == []


def test_invalid_utf8_is_sse_framing() -> None:
    parsed = parse_sse(b'data: {"a": "\xff"}\n\n')
    assert "SSE-FRAMING" in {v.rule for v in parsed.violations}
    assert parsed.events[0].payload == {"a": "\ufffd"}


def test_event_name_differing_from_event_type_is_sse_event_name() -> None:
    parsed = parse_sse(b"event: content.start\ndata: " + json.dumps(STOP).encode() + b"\n\n")
    [v] = parsed.violations
    assert (v.rule, v.where) == ("SSE-EVENT-NAME", "event 0")
    assert (v.expected, v.actual) == ("event: content.stop", "event: content.start")


def test_no_event_line_is_fine() -> None:
    assert not parse_sse(frame(STOP, named=False)).violations


def test_anything_after_done_is_sse_done() -> None:
    parsed = parse_sse(frame(STOP) + frame(STOP, done=False))
    [v] = parsed.violations
    assert (v.rule, v.where) == ("SSE-DONE", "after event 0")
    assert len(parsed.events) == 1


def test_blank_lines_after_done_are_fine() -> None:
    assert not parse_sse(frame(STOP) + b"\n\n").violations


# -- never raises ------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=64), max_size=12))
def test_arbitrary_bytes_never_raise(chunks: list[bytes]) -> None:
    parsed = parse_sse(chunks)
    assert all(e.index == i for i, e in enumerate(parsed.events))


_SSE_PIECES = st.sampled_from(
    [b"data: ", b"event: x", b"id: 1", b"\n", b"\r", b"\r\n", b":", b"{", b"}", b"[DONE]", b'"a"']
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_SSE_PIECES, max_size=40), st.integers(min_value=1, max_value=9))
def test_sse_like_bytes_parse_the_same_in_any_chunking(pieces: list[bytes], size: int) -> None:
    body = b"".join(pieces)
    whole = parse_sse(body)
    chunked = parse_sse([body[i : i + size] for i in range(0, len(body), size)])
    assert chunked.events == whole.events
    assert [v.rule for v in chunked.violations] == [v.rule for v in whole.violations]


def test_check_sse_framing_is_the_parsers_violations() -> None:
    from interactions_conformance.checks import check_sse_framing

    assert check_sse_framing(frame(STOP)) == []
    assert [
        v.rule for v in check_sse_framing([b"data: x\n\n", b"data: [DONE]\n\ndata: 1\n\n"])
    ] == [
        "SSE-FRAMING",
        "SSE-DONE",
    ]
