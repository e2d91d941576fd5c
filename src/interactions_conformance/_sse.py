"""An incremental server-sent events parser that reports framing problems as violations.

It follows the WHATWG event-stream interpretation rules: lines end with CRLF,
LF or CR; a leading byte order mark is dropped; ``:`` starts a comment;
``event``, ``data`` (several lines joined with ``\\n``), ``id`` and ``retry``
are fields; a blank line dispatches the event. ``data: [DONE]`` is the end
marker the SDK stops on (SDK 1.55.0 ``_streaming.py``), not an event.

Feed it bytes as they arrive (``SSEParser.feed``) and call ``close`` at the
end: the work is linear in the bytes fed, so the proxy can use it on a live
stream. What is wrong with the framing becomes a `Violation`:

* SSE-FRAMING: data that is not one JSON object, an event with no data,
  bytes that are not UTF-8, a stream that ends inside an event (truncated);
* SSE-EVENT-NAME: an ``event:`` line that differs from the data's ``event_type``;
* SSE-DONE: anything after ``data: [DONE]``.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable
from typing import Any

from ._findings import Violation, excerpt
from ._traffic import (
    _TOO_DEEP,
    MAX_JSON_DEPTH,
    JSONTooDeep,
    _refuse_constant,
    loads_json,
    too_deep,
)

__all__ = [
    "DONE",
    "ParsedStream",
    "SSEEvent",
    "SSEParser",
    "loads_text",
    "parse_payloads",
    "parse_sse",
]

DONE = "[DONE]"
_BOM = "\ufeff"
_BOM_BYTES = _BOM.encode()
_LINE_END = re.compile(rb"[\r\n]")


# `loads_json`'s decoder, built once: json.loads with an option builds a decoder per call,
# which costs a third of parsing a small event.
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)
_DECODE, _RAW_DECODE = _DECODER.decode, _DECODER.raw_decode


def loads_text(text: str) -> Any:
    """`loads_json` of a text: the same value, the same errors, the decoder built once."""
    if text.startswith(_BOM):
        return loads_json(text)  # json.loads refuses it with its own message
    try:
        value = None
        if text[:1] == "{" and text[-1:] == "}":  # no whitespace to skip on either side
            value, end = _RAW_DECODE(text)
            if end != len(text):
                value = None  # extra data: `decode` says so, with its message
        if value is None:
            value = _DECODE(text)
    except RecursionError:  # json's own limit, near 1,000 levels
        raise JSONTooDeep(_TOO_DEEP) from None
    if (
        isinstance(value, dict | list)
        and text.count("[") + text.count("{") > MAX_JSON_DEPTH
        and too_deep(value)
    ):
        raise JSONTooDeep(_TOO_DEEP)
    return value


@dataclasses.dataclass(frozen=True)
class SSEEvent:
    """One dispatched event.

    ``index`` counts events from 0 in stream order (the ``[DONE]`` marker is
    not an event). ``payload`` is the decoded JSON of ``data``, or None when
    ``data`` is not JSON (``is_json`` tells a JSON ``null`` apart).
    """

    index: int
    event: str | None
    data: str
    id: str | None
    raw: bytes
    payload: Any = dataclasses.field(default=None, compare=False)
    is_json: bool = dataclasses.field(default=False, compare=False)

    @property
    def where(self) -> str:
        return f"event {self.index}"


@dataclasses.dataclass
class ParsedStream:
    """Everything a whole stream gave: its events, framing violations, and whether it was closed."""

    events: list[SSEEvent]
    violations: list[Violation]
    done: bool  # a data: [DONE] marker was seen

    @property
    def payloads(self) -> list[Any]:
        """The decoded data of every event (None where the data was not JSON)."""
        return [e.payload for e in self.events]


class SSEParser:
    """Incremental parser: ``feed(chunk)`` returns the events completed by that chunk.

    Violations accumulate in ``violations``; ``close()`` ends the stream and
    reports a truncated last event.
    """

    def __init__(self) -> None:
        self.violations: list[Violation] = []
        self.done = False
        self._buffer = bytearray()
        self._started = False  # the BOM check has been done
        self._count = 0
        self._closed = False
        self._after_done_reported = False
        self._event: str | None = None
        self._data: list[str] = []
        self._id: str | None = None
        self._has_fields = False
        self._raw = bytearray()

    # -- public ----------------------------------------------------------------

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        if self._closed:
            raise ValueError("feed() after close()")
        out: list[SSEEvent] = []
        if not chunk:
            return out
        buffer = self._buffer
        # What is left of the buffer holds no line end but perhaps a final CR
        # (waiting to see whether an LF follows): search again from there.
        search_from = max(len(buffer) - 1, 0)
        buffer += chunk
        if not self._started and not _BOM_BYTES.startswith(bytes(buffer[:3])):
            self._started = True  # the first line cannot start with a byte order mark
        if self._started and b"\r" not in buffer:
            return self._feed_lf(buffer)
        pos = 0
        while True:
            match = _LINE_END.search(buffer, search_from)
            if match is None:
                break
            end = match.start()
            if buffer[end : end + 1] == b"\r":
                if end + 1 == len(buffer):
                    break  # CR at the very end: keep the line until the next byte tells CR from CRLF
                size = 2 if buffer[end + 1 : end + 2] == b"\n" else 1
            else:
                size = 1
            line = bytes(buffer[pos:end])
            event = self._line(self._decode(line), bytes(buffer[pos : end + size]))
            pos = search_from = end + size
            if event is not None:
                out.append(event)
        if pos:
            del buffer[:pos]
        return out

    def _feed_lf(self, buffer: bytearray) -> list[SSEEvent]:
        """`feed` when every line ends with LF alone (what servers send): the complete lines
        split and decoded at once, in C; the same `_line` for each."""
        last = buffer.rfind(b"\n")
        if last < 0:
            return []
        whole = bytes(buffer[:last])
        try:
            text = whole.decode("utf-8")
        except UnicodeDecodeError:  # the line-by-line path says which line
            texts = None
        else:
            texts = text.split("\n")
        del buffer[: last + 1]
        out: list[SSEEvent] = []
        line = self._line
        for n, raw in enumerate(whole.split(b"\n")):
            event = line(texts[n] if texts is not None else self._decode(raw), raw + b"\n")
            if event is not None:
                out.append(event)
        return out

    def close(self) -> list[SSEEvent]:
        """End of the stream: a partial line or an undispatched event is a truncation."""
        if self._closed:
            return []
        self._closed = True
        out: list[SSEEvent] = []
        if self._buffer.endswith(b"\r"):
            line = bytes(self._buffer)
            event = self._line(self._decode(line[:-1]), line)
            out += [event] if event is not None else []
            self._buffer.clear()
        pending = bytes(self._buffer)
        self._buffer.clear()
        if pending or self._has_fields:
            tail = (bytes(self._raw) + pending).decode("utf-8", "replace")
            self.violations.append(
                Violation(
                    "SSE-FRAMING",
                    "the stream ends inside an event (truncated)",
                    expected="the last event ends with a blank line",
                    actual=excerpt(tail),
                    where=f"event {self._count}",
                )
            )
        return out

    # -- lines -----------------------------------------------------------------

    def _decode(self, line: bytes) -> str:
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            text = line.decode("utf-8", "replace")
            self.violations.append(
                Violation(
                    "SSE-FRAMING",
                    "a line is not valid UTF-8",
                    expected="UTF-8 text",
                    actual=f"{excerpt(text)} ({exc.reason} at byte {exc.start})",
                    where=f"event {self._count}",
                )
            )
        if not self._started:
            self._started = True
            if text.startswith(_BOM):
                text = text[1:]
        return text

    def _line(self, text: str, raw_line: bytes) -> SSEEvent | None:
        """One decoded line (``raw_line``: its bytes with the line end)."""
        if self.done:
            if text and not self._after_done_reported:
                self._after_done_reported = True
                self.violations.append(
                    Violation(
                        "SSE-DONE",
                        "the stream goes on after data: [DONE]",
                        expected="nothing after data: [DONE]",
                        actual=excerpt(text),
                        where=f"after event {self._count - 1}" if self._count else "after [DONE]",
                    )
                )
            return None
        if not text:
            self._raw += raw_line
            return self._dispatch()
        if text.startswith(":"):
            if self._has_fields:
                self._raw += raw_line
            return None  # a comment (keep-alive)
        self._raw += raw_line
        name, colon, value = text.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "event":
            self._event = value or None  # an empty name is the default type (WHATWG)
            self._has_fields = True
        elif name == "data":
            self._data.append(value)
            self._has_fields = True
        elif name == "id":
            if "\0" not in value:
                self._id = value
            self._has_fields = True
        elif name == "retry":
            self._has_fields = True
        # any other field name is ignored (WHATWG)
        return None

    def _reset(self) -> None:
        self._event = None
        self._data = []
        self._id = None
        self._has_fields = False
        self._raw = bytearray()

    def _dispatch(self) -> SSEEvent | None:
        if not self._has_fields:
            self._raw = bytearray()
            return None
        event_name, data_lines, event_id, raw = self._event, self._data, self._id, bytes(self._raw)
        self._reset()
        if not data_lines:
            self.violations.append(
                Violation(
                    "SSE-FRAMING",
                    "an event has no data line",
                    expected="a data: line holding one JSON object",
                    actual=excerpt(raw.decode("utf-8", "replace")),
                    where=f"event {self._count}",
                )
            )
            return None
        data = data_lines[0] if len(data_lines) == 1 else "\n".join(data_lines)
        if data.strip() == DONE:
            self.done = True
            return None
        event = self._make_event(event_name, data, event_id, raw)
        self._count += 1
        return event

    def _make_event(
        self, event_name: str | None, data: str, event_id: str | None, raw: bytes
    ) -> SSEEvent:
        payload: Any = None
        is_json = False
        try:
            payload = loads_text(data)
            is_json = True
        except (ValueError, RecursionError):
            self.violations.append(
                Violation(
                    "SSE-FRAMING",
                    "an event's data is not JSON",
                    expected="data holding one JSON object",
                    actual=excerpt(data),
                    where=f"event {self._count}",
                )
            )
        if is_json and not isinstance(payload, dict):
            self.violations.append(
                Violation(
                    "SSE-FRAMING",
                    "an event's data is JSON but not an object",
                    expected="data holding one JSON object",
                    actual=excerpt(payload),
                    where=f"event {self._count}",
                )
            )
        elif is_json and event_name is not None:
            event_type = payload.get("event_type")
            if isinstance(event_type, str) and event_type != event_name:
                self.violations.append(
                    Violation(
                        "SSE-EVENT-NAME",
                        "the event: line differs from the data's event_type",
                        expected=f"event: {event_type}",
                        actual=f"event: {event_name}",
                        where=f"event {self._count}",
                    )
                )
        return self._build(event_name, data, event_id, raw, payload, is_json)

    def _build(
        self,
        event_name: str | None,
        data: str,
        event_id: str | None,
        raw: bytes,
        payload: Any,
        is_json: bool,
    ) -> SSEEvent:
        return SSEEvent(self._count, event_name, data, event_id, raw, payload, is_json)


class _PayloadParser(SSEParser):
    """An `SSEParser` that keeps each event's decoded data alone (``payloads``): the checks
    of a whole exchange read only that, and an `SSEEvent` costs more to build than its JSON
    to parse. ``feed`` returns a placeholder per event."""

    def __init__(self) -> None:
        super().__init__()
        self.payloads: list[Any] = []

    def _build(
        self,
        event_name: str | None,
        data: str,
        event_id: str | None,
        raw: bytes,
        payload: Any,
        is_json: bool,
    ) -> Any:
        self.payloads.append(payload)  # None too: data that is not JSON is still an event
        return True


def parse_payloads(data: Iterable[bytes]) -> tuple[list[Any], list[Violation], bool]:
    """`parse_sse(data).payloads`, its violations and whether [DONE] came, without SSEEvents."""
    parser = _PayloadParser()
    for chunk in data:
        parser.feed(bytes(chunk))
    parser.close()
    return parser.payloads, parser.violations, parser.done


def parse_sse(data: bytes | Iterable[bytes]) -> ParsedStream:
    """Parse a whole stream (one bytes object, or its chunks in arrival order)."""
    parser = SSEParser()
    chunks: Iterable[bytes] = (data,) if isinstance(data, bytes | bytearray) else data
    events: list[SSEEvent] = []
    for chunk in chunks:
        events.extend(parser.feed(bytes(chunk)))
    events.extend(parser.close())
    return ParsedStream(events, parser.violations, parser.done)
