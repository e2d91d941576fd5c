"""The validating proxy: any client's traffic, forwarded unchanged and checked as it passes.

::

    client ──HTTP──> proxy (this module) ──_upstream──> upstream (live API, emulator, mock, ...)
                        │ every exchange: check_exchange (schemas, error format, SSE grammar)
                        └──> live lines on stdout, JSON Lines log, recordings

What it forwards it never alters: the method, path and query byte for byte,
every header but the hop-by-hop ones (``Connection`` and those it names,
``Keep-Alive``, ``Transfer-Encoding``, ``TE``, ``Trailer``, ``Upgrade``,
``Proxy-*``; ``Host`` becomes the upstream's), bodies byte for byte (the
response's raw bytes, still compressed if they came so), and the status. One
exception: an ``X-Goog-Upload-URL`` answer header under the upstream's URL (the
Files API's resumable upload) is rewritten to the same path under the proxy, so
the upload itself passes through the proxy and is checked; the log and the
recording keep the upstream's value. Bodies stream both ways: each upstream
chunk goes to the client as it arrives, and a streamed response is fed to an
`SSEParser` on the way, so framing problems and STREAM-START-FIRST (on event 0)
are reported while the stream is still open. When the response has ended,
every check of `check_exchange` runs on the whole exchange in the checker thread,
after the client has its last byte: checking never delays the traffic. The
forwarding path is kept lean (it costs about what the emulator spends answering):
uvicorn on uvloop and httptools where installed, a bare ASGI app, and `_upstream`
(httptools' parser on asyncio, the head and body in one write) instead of a
general HTTP client; exchanges go to the checker in batches, a few milliseconds
apart, not one wake-up each. A
create the upstream rejected is still checked for the request rules the client
broke (``"party": "client"``, with the client's bytes).

It cannot be wedged, and it loses no evidence:

* Timeouts: connecting 30 s; ``read_timeout`` (default 300 s) between two bytes
  from the upstream, and for the client to take each chunk. No answer in time
  is ``504`` (``upstream_timeout``); a stream that stalls is cut.
* A client that goes away releases its upstream stream at once, even when no
  chunk is arriving (a task watches for the disconnect beside the relay); a
  request it had sent is still written to the upstream whole first.
* Memory: at most ``max_check_bytes`` (default 16 MiB, request and decoded
  response together) is kept per exchange, and ``max_held_bytes`` (64 MiB) over
  all exchanges not yet checked; at most ``max_check_items`` (10,000) events in
  a stream, or JSON objects and arrays in the bodies, are checked. Past any of
  them, the exchange is forwarded untouched and logged ``checked: false`` with
  ``why`` "too large to check" and its ``size``. gzip and deflate are decoded incrementally and never past the
  cap (a gzip bomb costs at most the cap); decoding, and parsing of large
  chunks, run in a worker thread.
* Printing and logging go through queues drained by writer threads (at most
  1 MiB of lines waiting for the screen, 8 MiB for the log): a stdout nobody
  reads never slows forwarding. Lines that do not fit are dropped and counted
  in the summary (``dropped lines``).
* A check that raises is a ``checker_error`` entry (with the traceback) and the
  exchange is still logged and recorded. An upstream that fails (unreachable,
  not HTTP, reset, a body shorter than its Content-Length, a read timeout, a
  status HTTP cannot carry such as 999) is an ``upstream_error`` entry; a status
  that cannot be forwarded is answered ``502`` (``upstream_bad_status``), one the
  upstream never gave ``502`` (``upstream_unreachable``) or ``504``, each in the
  documented error body.

Keys never reach anything written. Every key the proxy sees (the
``x-goog-api-key`` and ``Authorization`` headers, ``?key=``) is remembered (the
last 64, and each exchange's own always) and replaced by ``$GEMINI_API_KEY`` in
every line printed, logged or recorded, even when echoed JSON- or URL-escaped,
on top of `scrub_text` (Google-shaped keys) and `scrub_headers`.

Live lines (stdout), one per finding, the rule id first::

    STREAM-START-FIRST event 0 /event_type: expected "interaction.start", got "content.start"  POST /v1beta/interactions
    drift: unknown property "new_field" at /outputs/0 (content)  GET /v1beta/interactions/abc
    upstream: truncated: 10 of 100 bytes (Content-Length 100), then the connection closed  GET /v1beta/interactions/abc

The log (``--log PATH``, JSON Lines, appended) has one object per finding
and one per exchange, each with ``time`` (UTC, ISO 8601), ``exchange`` (the
proxy's exchange number, from 1), ``method``, ``path`` (query scrubbed) and
``status``:

* ``{"kind": "violation", "rule", "message", "expected", "actual", "where",
  "schema_path", "reproduce", "party", ...}`` (`Violation.as_dict`; ``live`` is
  true when it was reported while the stream was open; ``party`` is
  ``"client"`` for a request rule the client broke, with ``client_bytes``, else
  ``"upstream"``; a ``reproduce`` line longer than 4 KiB is cut, the recording
  has the whole request);
* ``{"kind": "drift", "what", "name", "where", "schema", ...}`` (`Drift.as_dict`);
* ``{"kind": "upstream_error", "what", "message"}``: ``what`` is one of
  ``unreachable``, ``timeout``, ``not_http``, ``reset``, ``truncated``,
  ``bad_status``;
* ``{"kind": "checker_error", "error", "traceback"}`` (``proxy_error``: the same
  for a failure of the forwarding itself);
* ``{"kind": "exchange", "stream", "events", "checked", "violations",
  "drift", "duration_ms", "recording", "revision", "revision_from", ...}`` once
  the exchange is checked (``checked`` is false, with ``why``, when it could not
  be: too large, not decodable, an upstream or checker error; ``size`` gives the
  bytes forwarded; ``client_gone`` is true when the client left first).
  ``revision_from`` says why that revision: ``Api-Revision: <value>`` (the
  client's header), ``--revision``, ``shape`` (what the traffic looks like:
  outputs or steps), or ``default`` (the newest).

Recordings (``--record DIR``): one JSON file per exchange,
``DIR/000001-POST-interactions.json`` (numbered on from the highest number
already in DIR), in the shape of the JSON Lines traffic format of
`_sources` plus a header, so that ``check`` can re-read them::

    {"format": "interactions-conformance/exchange", "version": 1,
     "time": "2026-01-01T00:00:00Z", "duration_ms": 12.5, "label": "proxy 1",
     "request":  {"method": "POST", "url": "<upstream URL, query keys scrubbed>",
                  "headers": {...scrubbed...}, "body": "<raw text>"},
     "response": {"status": 200, "headers": {...}, "body": "<raw text>"}}

A streamed response has ``"chunks": ["<raw text>", ...]`` (the chunks as
they arrived) instead of ``body``. Text is UTF-8; a body that is not UTF-8 is
``"body_base64"`` (``"chunks_base64"``) instead. A compressed response is
recorded decoded, without its ``content-encoding`` header. Repeated headers
are joined with ``", "``. An exchange too large to check, or left by its
client before the end, is not recorded (its log entry says so); one the
upstream cut short is recorded as far as it came, with ``"truncated": true``.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import contextlib
import ctypes
import ctypes.util
import dataclasses
import importlib.util
import json
import logging
import queue
import re
import socket
import sys
import threading
import time
import traceback
import zlib
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import parse_qsl, urlsplit

import anyio
from starlette.types import Message, Receive, Scope, Send

from ._findings import Drift, Violation, excerpt
from ._secrets import SECRET_HEADERS, KeyScrubber, scrub_headers, scrub_url
from ._shape import payload_revision, revision_by_shape
from ._spec import DEFAULT_REVISION, Revision, load_revision
from ._sse import SSEParser
from ._traffic import Exchange, Request, Response
from ._upstream import UpstreamError, UpstreamPool, UpstreamResponse
from ._verdicts import (
    FAILED,
    NOT_EXERCISED,
    PASSED,
    Policy,
    RuleInfo,
    RuleVerdict,
    TestRecord,
    judge,
)
from ._wire import REVISION_HEADER, revision_for_header
from .checks import Operation, check_exchange, check_request_fields, check_stream_start, classify

__all__ = ["Proxy", "ProxyConfig", "RunningProxy", "live_line", "running_proxy"]

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)
RECORD_FORMAT = "interactions-conformance/exchange"
MiB = 1024 * 1024
_SECRET_QUERY = ("key", "api_key", "access_token")
_RECORD_NAME = re.compile(r"^(\d{6,})-")
_UPLOAD_URL = b"x-goog-upload-url"
_REPRODUCE_LIMIT = 4096
_CLIENT_BYTES_LIMIT = 4096
_FINDINGS_PER_EXCHANGE = 100  # then one line says how many more
_HEAVY_CHUNK = 256 * 1024  # inspected in a worker thread from this size
_HEAVY_EVENT = 1 * MiB  # ... and when an event this large is pending in the SSE parser
_STOP = object()
_BATCH_DELAY = 0.005  # seconds an exchange waits to be handed to the checker with others
_MAX_CONNECTIONS = 1000  # upstream connections at once; past them a request waits
_POOL_WAIT = 30.0  # ... this long, then it is answered 502


@dataclasses.dataclass(frozen=True)
class ProxyConfig:
    """How a proxy runs. ``live`` is where violation lines go (None: nowhere)."""

    upstream: str
    # None: the client's Api-Revision, else the traffic's shape (_shape), else the newest
    revision: str | None = None
    strict: bool = False
    record_dir: Path | None = None
    log_path: Path | None = None
    live: TextIO | None = None
    verbose: bool = False  # also one line per clean exchange
    read_timeout: float = 300.0  # seconds between two upstream bytes; for the client to take one
    connect_timeout: float = 30.0
    max_check_bytes: int = 16 * MiB  # kept for checking, per exchange
    max_held_bytes: int = 64 * MiB  # kept for checking, over all exchanges not yet checked
    # Events in a stream, or JSON objects and arrays in the bodies: the checks' time and memory
    # grow with them (100,000 failing outputs: ~2 minutes, 660 MiB), so past this: unchecked.
    max_check_items: int = 10_000
    # Bytes of lines waiting to be written: past them, lines are dropped (and counted).
    screen_queue_bytes: int = 1 * MiB
    log_queue_bytes: int = 8 * MiB

    def __post_init__(self) -> None:
        parts = urlsplit(self.upstream)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"--upstream must be an http(s) URL, got {self.upstream!r}")
        if not self.read_timeout > 0:
            raise ValueError(f"the read timeout must be positive, got {self.read_timeout!r}")
        if min(self.max_check_bytes, self.max_held_bytes, self.max_check_items) < 0:
            raise ValueError("the checking caps cannot be negative")


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1000):03d}Z"


def _size(n: int) -> str:
    return f"{n / MiB:.1f} MiB" if n >= MiB else f"{n} bytes"


def live_line(finding: Violation | Drift, method: str, path: str) -> str:
    """One line for a finding, the rule id first (drift lines start with ``drift:``)."""
    if isinstance(finding, Violation):
        where = f" {finding.where}" if finding.where else ""
        text = f"{finding.rule}{where}: expected {finding.expected}, got {finding.actual}"
    else:
        text = f"drift: unknown {finding.what} {json.dumps(finding.name)} at {finding.where or '/'} ({finding.schema})"
    return " ".join(f"{text}  {method} {path}".split("\n"))


def _keys_in(headers: Mapping[str, str], url: str) -> frozenset[str]:
    """The keys a request carries: secret headers (and their token), ``?key=`` and the like."""
    found: set[str] = set()
    for name, value in headers.items():
        if name.lower() in SECRET_HEADERS and value:
            found.add(value)
            scheme, _, token = value.partition(" ")
            if token and scheme.lower() in ("bearer", "basic", "token"):
                found.add(token.strip())
    for name, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        if name.lower() in _SECRET_QUERY and value:
            found.add(value)
    return frozenset(found)


class _Decoder:
    """Incremental Content-Encoding decoding that never gives more than it is allowed."""

    def __init__(self, encoding: str) -> None:
        name = encoding.strip().lower()
        self.encoding = name
        self.supported = True
        self._z: Any = None
        if name in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif name == "deflate":
            self._z = zlib.decompressobj()
        elif name not in ("", "identity"):
            self.supported = False

    @property
    def compressed(self) -> bool:
        return self._z is not None

    def decode(self, chunk: bytes, limit: int) -> tuple[bytes, bool]:
        """The decoded bytes (at most ``limit``) and whether there was more than ``limit``."""
        if self._z is None:
            return (chunk, False) if len(chunk) <= limit else (b"", True)
        data = self._z.decompress(self._z.unconsumed_tail + chunk, limit + 1)
        if len(data) > limit or self._z.unconsumed_tail:
            return b"", True
        return data, False


class _LiveStream:
    """A streamed response's events as they pass: framing and STREAM-START-FIRST at once."""

    def __init__(self, revision: Revision | None, *, resumed: bool = False) -> None:
        self.parser = SSEParser()
        self.revision = revision  # None: a header-less client; the first event's shape says
        self.resumed = resumed  # after last_event_id: event 0 is not the start
        self.events = 0
        self.pending = 0  # bytes fed since the last event completed

    def _new(self) -> list[Violation]:
        found = list(self.parser.violations)
        self.parser.violations.clear()  # reported once, and never piling up on an endless stream
        return found

    def feed(self, data: bytes) -> list[Violation]:
        found: list[Violation] = []
        self.pending += len(data)
        for event in self.parser.feed(data):
            self.pending = 0
            self.events += 1
            if event.index == 0 and self.revision is None:
                shown = payload_revision(event.payload)
                self.revision = load_revision(shown[0] if shown else DEFAULT_REVISION)
            if event.index == 0 and not self.resumed and self.revision is not None:
                found.extend(check_stream_start([event.payload], revision=self.revision.name))
        return self._new() + found

    def close(self) -> list[Violation]:
        self.parser.close()
        return self._new()


class _Budget:
    """Bytes kept for checking over all exchanges, at most ``limit``."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.held = 0
        self._lock = threading.Lock()

    def take(self, n: int) -> bool:
        with self._lock:
            if self.held + n > self.limit:
                return False
            self.held += n
            return True

    def give(self, n: int) -> None:
        with self._lock:
            self.held -= n


class _Lines:
    """A queue of lines (at most ``limit`` bytes), written by a thread of its own: ``put``
    never blocks; a line that does not fit is dropped and counted."""

    def __init__(self, write: Callable[[list[str]], None], limit: int, name: str) -> None:
        self._write = write
        self._queue: queue.Queue[Any] = queue.Queue()
        self.limit = limit
        self.queued = 0  # bytes waiting
        self.dropped = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def put(self, line: str) -> None:
        try:
            line.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate (a body's "\\ud800", decoded): spelled out
            line = line.encode("utf-8", "backslashreplace").decode("utf-8")
        with self._lock:
            if self.queued + len(line) > self.limit:
                self.dropped += 1
                return
            self.queued += len(line)
        self._queue.put_nowait(line)

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            with contextlib.suppress(queue.Empty):
                while len(batch) < 256:
                    batch.append(self._queue.get_nowait())
            lines = [line for line in batch if line is not _STOP]
            with self._lock:
                self.queued -= sum(len(line) for line in lines)
            try:
                if lines:
                    self._write(lines)
            except (OSError, ValueError):  # a closed or broken stdout: those lines are lost
                with self._lock:
                    self.dropped += len(lines)
            finally:
                for _ in batch:
                    self._queue.task_done()
            if len(lines) < len(batch):
                return

    def flush(self, timeout: float) -> bool:
        """Wait until every line put so far is written (False: not within ``timeout``)."""
        done = self._queue.all_tasks_done
        with done:
            return done.wait_for(lambda: self._queue.unfinished_tasks == 0, timeout)

    def close(self, timeout: float) -> None:
        with contextlib.suppress(queue.Full):
            self._queue.put(_STOP, timeout=timeout)
        self._thread.join(timeout)
        with self._lock:  # what is still queued will never be written
            self.dropped += self._queue.qsize()


def _trim_memory() -> Callable[[], None]:
    """glibc's malloc_trim: give freed arenas back after a large exchange (elsewhere: nothing)."""
    try:
        malloc_trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return lambda: None

    def trim() -> None:
        malloc_trim(0)

    return trim


_trim = _trim_memory()


@dataclasses.dataclass
class _Flight:
    """One exchange on its way through."""

    number: int
    method: str
    path: str  # path and query, scrubbed
    url: str  # the upstream URL
    request_headers: dict[str, str]
    started: float
    wall: float
    keys: frozenset[str] = frozenset()  # this exchange's own keys: always scrubbed
    body: bytearray = dataclasses.field(default_factory=bytearray)  # the request, as kept
    request_size: int = 0
    status: int = 0
    response_headers: dict[str, str] = dataclasses.field(default_factory=dict)
    response_size: int = 0  # raw bytes from the upstream
    kept: list[bytes] = dataclasses.field(default_factory=list)  # the decoded response, as kept
    held: int = 0  # bytes of body and kept, taken from the budget
    too_large: str = ""  # why nothing is kept any more
    stream: _LiveStream | None = None
    decoder: _Decoder | None = None
    why_unchecked: str = ""
    failure: str = ""  # the upstream failed (the what of an upstream_error)
    client_gone: bool = False
    cancel: Callable[[], None] = lambda: None  # ends the exchange (the client is gone)
    is_stream: bool = False  # a streamed response (kept as its chunks)
    events: int = 0  # events seen, also after the stream was too large to keep
    complete: bool = False  # the client has the whole response
    body_read: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)
    cancelled: bool = False  # cancel() was called
    # The client left while its request was being written: the upstream still gets it whole
    # (the answer is then dropped), so what reached the proxy reaches the upstream.
    writing: bool = False
    cancel_after_write: bool = False
    classified: bool = False  # op is set (on the loop when the response may be a stream)
    sending: float = 0.0  # since when a send to the client waits (0: none)
    reported: set[tuple[str, str]] = dataclasses.field(default_factory=set)
    findings: int = 0
    op: Operation = dataclasses.field(default_factory=lambda: Operation("other"))
    # The revision the client asked for (Api-Revision), else the proxy's: what it is checked by.
    revision: Revision | None = None
    revision_from: str = ""
    reproduce: str | None = None


def _join_headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in raw:
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        out[key] = f"{out[key]}, {text}" if key in out else text
    return out


def _forwardable(raw: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The headers without the hop-by-hop ones (and those ``Connection`` names)."""
    named = {
        token.strip().lower()
        for name, value in raw
        if name.lower() == b"connection"
        for token in value.decode("latin-1").split(",")
    }
    drop = HOP_BY_HOP | named
    return [(n, v) for n, v in raw if n.decode("latin-1").lower() not in drop]


def _text_or_base64(data: bytes, key: str, scrub: Callable[[str], str]) -> dict[str, str]:
    try:
        return {key: scrub(data.decode("utf-8"))}
    except UnicodeDecodeError:
        return {f"{key}_base64": base64.b64encode(data).decode("ascii")}


def _error_body(code: str, message: str) -> bytes:
    """The documented error body (ERR-BODY: a snake_case code), with the proxy's own code."""
    return json.dumps({"error": {"code": code, "message": message}}).encode("utf-8")


class _Incomplete(Exception):
    """The response was started and cannot be finished: the client's connection is closed."""


class _QuietIncomplete(logging.Filter):
    """uvicorn logs an error when a response is left unfinished; the proxy logged why already."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "returned without completing response" not in record.getMessage()


class Proxy:
    """The proxy's ASGI app (``app``) and what it has seen so far."""

    def __init__(self, config: ProxyConfig) -> None:
        self.config = config
        # eager: an unknown revision fails here
        self.revision = load_revision(config.revision or DEFAULT_REVISION)
        self.upstream = config.upstream.rstrip("/")
        self._base_path = urlsplit(self.upstream).path  # a path the upstream's URL has
        # A bare ASGI app: no router or middleware on the forwarding path.
        self.app = self._asgi
        self.exchanges = 0  # exchanges done (checked or not)
        self.violations: Counter[str] = Counter()  # rule id -> violations reported
        # what the per-rule verdicts read (_verdicts): the first violation of each rule (bounded
        # by the catalogue), the checked exchanges and streams, the revisions they were read in
        self._first: dict[str, Violation] = {}
        self._checked = 0
        self._streams = 0
        self._revisions: Counter[str] = Counter()
        self.drift = 0
        self.upstream_errors: Counter[str] = Counter()  # what -> count
        self.checker_errors = 0
        self.unchecked = 0  # exchanges not checked (too large, undecodable, failed)
        self._scrubber = KeyScrubber()
        self._client: UpstreamPool | None = None
        self._open: dict[int, _Flight] = {}  # exchanges being forwarded, by number
        self._connections = 0  # upstream exchanges open (at most _MAX_CONNECTIONS)
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._budget = _Budget(config.max_held_bytes)
        # One thread: checks are pure Python, a second would only wait for the GIL.
        self._checks = ThreadPoolExecutor(max_workers=1, thread_name_prefix="proxy-check")
        self._done: collections.deque[_Flight] = collections.deque()  # forwarded, to check
        self._batch_armed = False
        self._started = 0  # exchanges begun
        self._pending = 0  # exchanges begun and not yet checked
        self._log_file = (
            None if config.log_path is None else config.log_path.open("a", encoding="utf-8")
        )
        self._screen = (
            None
            if config.live is None
            else _Lines(self._write_screen, config.screen_queue_bytes, "proxy-screen")
        )
        self._log = (
            None
            if self._log_file is None
            else _Lines(self._write_log, config.log_queue_bytes, "proxy-log")
        )
        self._next_record = 1
        if config.record_dir is not None:
            config.record_dir.mkdir(parents=True, exist_ok=True)
            numbers = [
                int(m.group(1))
                for p in config.record_dir.glob("*.json")
                if (m := _RECORD_NAME.match(p.name))
            ]
            self._next_record = max(numbers, default=0) + 1
        errors = logging.getLogger("uvicorn.error")
        if not any(isinstance(f, _QuietIncomplete) for f in errors.filters):
            errors.addFilter(_QuietIncomplete())

    # -- lifecycle ----------------------------------------------------------------

    async def _asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._serve_lifespan(receive, send)
        elif scope["type"] == "http":  # websockets: not part of the API
            await self._forward(scope, receive, send)

    async def _serve_lifespan(self, receive: Receive, send: Send) -> None:
        await receive()  # lifespan.startup
        async with self._lifespan():
            await send({"type": "lifespan.startup.complete"})
            await receive()  # lifespan.shutdown
        await send({"type": "lifespan.shutdown.complete"})

    @contextlib.asynccontextmanager
    async def _lifespan(self) -> AsyncIterator[None]:
        pool = UpstreamPool(
            self.upstream,
            connect_timeout=self.config.connect_timeout,
            read_timeout=self.config.read_timeout,
            max_idle=100,
        )
        self._client = pool
        watchdog = asyncio.get_running_loop().create_task(self._watchdog())
        try:
            yield
        finally:
            watchdog.cancel()
            self._submit_done()
            self._client = None
            await pool.aclose()

    def close(self, timeout: float = 5.0) -> None:
        """Write what is queued (waiting at most ``timeout`` for each writer) and close the log."""
        self._submit_done()
        self._checks.shutdown(wait=False)
        for lines in (self._screen, self._log):
            if lines is not None:
                lines.close(timeout)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until every exchange begun so far has been checked and its lines written."""
        deadline = time.monotonic() + timeout
        self._submit_done()  # the last batch, when its timer has not run (a stopped server)
        with self._idle:
            if not self._idle.wait_for(lambda: self._pending == 0, timeout):
                return False
        return all(
            lines.flush(max(deadline - time.monotonic(), 0.0))
            for lines in (self._screen, self._log)
            if lines is not None
        )

    def print_line(self, line: str) -> None:
        """A line for the screen, through the same queue as the findings (never blocks)."""
        if self._screen is not None:
            self._screen.put(self._scrubber(line))

    # -- forwarding ---------------------------------------------------------------

    async def _forward(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # websockets: not part of the API
            return
        if self._client is None:  # served without lifespan
            raise RuntimeError("the proxy app needs the ASGI lifespan to run")
        raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
        query = scope.get("query_string", b"")
        target = raw_path.decode("latin-1") + (f"?{query.decode('latin-1')}" if query else "")
        url = self.upstream + target
        raw_headers: list[tuple[bytes, bytes]] = list(scope["headers"])
        headers = _join_headers(raw_headers)
        keys = _keys_in(headers, url)
        self._scrubber.learn(keys)
        with self._lock:
            self._started += 1
            self._pending += 1
            number = self._started
        flight = _Flight(
            number,
            scope["method"],
            self._scrubber(scrub_url(target), keys),
            url,
            headers,
            time.monotonic(),
            time.time(),
            keys,
        )
        try:
            await self._exchange(flight, scope, raw_headers, receive, send)
        finally:
            # Checked in the checker thread, in batches (one wake-up per few milliseconds under
            # load, not one per exchange); the handler returns at once.
            self._done.append(flight)
            if not self._batch_armed:
                self._batch_armed = True
                asyncio.get_running_loop().call_later(_BATCH_DELAY, self._submit_done)

    def _submit_done(self) -> None:
        self._batch_armed = False
        batch = []
        with contextlib.suppress(IndexError):  # deque: safe from any thread
            while True:
                batch.append(self._done.popleft())
        if batch:
            try:
                self._checks.submit(self._finish_all, batch)
            except RuntimeError:  # shut down: check here rather than lose the exchanges
                self._finish_all(batch)

    def _finish_all(self, batch: list[_Flight]) -> None:
        for flight in batch:
            self._finish(flight)

    async def _exchange(
        self,
        flight: _Flight,
        scope: Scope,
        raw_headers: list[tuple[bytes, bytes]],
        receive: Receive,
        send: Send,
    ) -> None:
        task = asyncio.current_task()
        assert task is not None

        def cancel() -> None:
            if flight.writing:  # a request the client sent goes out whole: cancelled after
                flight.cancel_after_write = True
            elif not flight.cancelled:
                flight.cancelled = True
                task.cancel()

        # Beside the relay: the moment the client goes, the relay is cancelled and the upstream
        # connection closed, whether or not a chunk is on its way.
        flight.cancel = cancel
        watcher = asyncio.get_running_loop().create_task(self._watch(flight, receive))
        self._open[flight.number] = flight
        try:
            await self._send_and_relay(flight, scope, raw_headers, receive, send)
        except _Incomplete:
            pass  # uvicorn closes the client's connection: the response stays cut, as it came
        except asyncio.CancelledError:
            if not flight.cancelled:
                raise  # the server's own shutdown
            if sys.version_info >= (3, 11):
                task.uncancel()  # ours: the client left, or stopped reading
        except Exception as exc:  # a bug of the proxy's own: logged, never a lost exchange
            flight.why_unchecked = f"proxy error: {type(exc).__name__}"
            self._checker_error(flight, exc, kind="proxy_error")
        finally:
            del self._open[flight.number]
            watcher.cancel()

    async def _watch(self, flight: _Flight, receive: Receive) -> None:
        await flight.body_read.wait()
        while (await receive())["type"] != "http.disconnect":
            pass
        if not flight.complete:
            flight.client_gone = True
            flight.cancel()

    def _keep_request(self, flight: _Flight, chunk: bytes) -> None:
        flight.request_size += len(chunk)
        if not flight.too_large and self._hold(flight, len(chunk)):
            flight.body += chunk

    def _hold(self, flight: _Flight, n: int) -> bool:
        """Take ``n`` more bytes for checking, or give up keeping anything for this exchange."""
        cap = self.config.max_check_bytes
        if flight.held + n > cap:
            self._drop_kept(flight, f"more than {_size(cap)} (the per-exchange cap)")
            return False
        if not self._budget.take(n):
            self._drop_kept(
                flight, f"the proxy already holds {_size(self._budget.limit)} for checking"
            )
            return False
        flight.held += n
        return True

    def _drop_kept(self, flight: _Flight, why: str) -> None:
        flight.too_large = why
        self._budget.give(flight.held)
        flight.held = 0
        flight.body = bytearray()
        flight.kept = []
        flight.stream = None
        self.print_line(
            f"too large to check: {why}; forwarded untouched  {flight.method} {flight.path}"
        )

    async def _send_and_relay(
        self,
        flight: _Flight,
        scope: Scope,
        raw_headers: list[tuple[bytes, bytes]],
        receive: Receive,
        send: Send,
    ) -> None:
        assert self._client is not None

        async def body() -> AsyncIterator[bytes]:
            more = True
            while more:
                message: Message = await receive()
                if message["type"] == "http.disconnect":
                    flight.client_gone = True
                    flight.cancel()  # nothing to forward to
                    return
                chunk = message.get("body", b"")
                more = message.get("more_body", False)
                if chunk:
                    self._keep_request(flight, chunk)
                    yield chunk
            flight.body_read.set()

        forward = [(n, v) for n, v in _forwardable(raw_headers) if n.lower() != b"host"]
        has_length = any(n.lower() == b"content-length" for n, _ in raw_headers)
        chunked = not has_length and any(n.lower() == b"transfer-encoding" for n, _ in raw_headers)
        if not has_length and not chunked:  # no body announced: read what there is (nothing)
            async for _ in body():
                pass
        waited = 0.0
        while self._connections >= _MAX_CONNECTIONS:  # rare: a thousand exchanges open
            if waited >= _POOL_WAIT:
                why = f"the proxy's connection pool stayed full for {_POOL_WAIT:g} s"
                await self._refuse(flight, send, 502, "upstream_unreachable", "unreachable", why)
                return
            await asyncio.sleep(0.05)
            waited += 0.05
        self._connections += 1
        try:
            try:
                flight.writing = True
                upstream = await self._client.send(
                    flight.method,
                    (self._base_path + flight.url[len(self.upstream) :]).encode("latin-1"),
                    forward,
                    body() if has_length or chunked else None,
                    chunked=chunked,
                    sent=lambda: self._request_sent(flight),
                )
            except UpstreamError as exc:
                flight.writing = False  # nothing more to write: a client that left is answered
                if exc.what == "timeout":
                    why = f"no answer from the upstream within {self.config.read_timeout:g} s"
                    await self._refuse(flight, send, 504, "upstream_timeout", "timeout", why)
                elif exc.what == "connect_timeout":
                    await self._refuse(
                        flight, send, 504, "upstream_timeout", "timeout", exc.message
                    )
                elif exc.what == "not_http":
                    await self._refuse(
                        flight, send, 502, "upstream_unreachable", "not_http", exc.message
                    )
                else:  # unreachable, reset before an answer
                    why = exc.message
                    if not why.startswith("upstream unreachable"):
                        why = f"upstream unreachable: {why}"
                    await self._refuse(
                        flight, send, 502, "upstream_unreachable", "unreachable", why
                    )
                return
            try:
                await self._relay(flight, scope, upstream, send)
            finally:
                upstream.close()
        finally:
            self._connections -= 1

    @staticmethod
    def _request_sent(flight: _Flight) -> None:
        flight.writing = False
        if flight.cancel_after_write:
            flight.cancel()

    async def _refuse(
        self, flight: _Flight, send: Send, status: int, code: str, what: str, why: str
    ) -> None:
        """Answer ``status`` in the documented error body: the upstream gave nothing to forward."""
        flight.why_unchecked = why
        self._upstream_error(flight, what, why)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": _error_body(code, why)})
        flight.complete = True

    def _upstream_error(self, flight: _Flight, what: str, message: str) -> None:
        flight.failure = flight.failure or what
        with self._lock:
            self.upstream_errors[what] += 1
        self.print_line(f"upstream: {what}: {message}  {flight.method} {flight.path}")
        self._log_line(flight, {"kind": "upstream_error", "what": what, "message": message})

    def _proxy_origin(self, scope: Scope, flight: _Flight) -> str:
        host = flight.request_headers.get("host")
        if not host:
            server = scope.get("server") or ("127.0.0.1", 0)
            host = f"{server[0]}:{server[1]}"
        return f"{scope.get('scheme', 'http')}://{host}"

    def _rewrite_upload_url(
        self, scope: Scope, flight: _Flight, headers: list[tuple[bytes, bytes]]
    ) -> list[tuple[bytes, bytes]]:
        out = []
        for name, value in headers:
            text = value.decode("latin-1")
            if name.lower() == _UPLOAD_URL and text.startswith(self.upstream + "/"):
                text = self._proxy_origin(scope, flight) + text[len(self.upstream) :]
                value = text.encode("latin-1")
            out.append((name, value))
        return out

    async def _relay(
        self, flight: _Flight, scope: Scope, upstream: UpstreamResponse, send: Send
    ) -> None:
        flight.status = upstream.status
        raw = upstream.headers
        flight.response_headers = _join_headers(raw)
        encoding = flight.response_headers.get("content-encoding", "")
        flight.decoder = _Decoder(encoding)
        if not flight.decoder.supported:
            flight.why_unchecked = f"content-encoding {encoding!r} cannot be decoded for checking"
        if not self._may_stream(flight):
            pass  # classified in the checker thread: nothing here depends on it
        elif len(flight.body) >= _HEAVY_CHUNK:  # parsing a large request body: not on the loop
            flight.op, flight.stream = await anyio.to_thread.run_sync(self._classify, flight)
            flight.classified = True
        else:
            flight.op, flight.stream = self._classify(flight)
            flight.classified = True
        flight.is_stream = flight.stream is not None or flight.op.stream
        # uvicorn can send 200..599 only: anything else is answered 502 here.
        forward = 200 <= flight.status <= 599
        if forward:
            headers = self._rewrite_upload_url(scope, flight, _forwardable(raw))
            await self._send(
                flight,
                send,
                {"type": "http.response.start", "status": flight.status, "headers": headers},
            )
        try:
            async for chunk in upstream.chunks():
                flight.response_size += len(chunk)
                if forward:
                    await self._send(
                        flight,
                        send,
                        {"type": "http.response.body", "body": chunk, "more_body": True},
                    )
                elif flight.too_large:
                    break  # nothing to forward and nothing more to keep
                if self._heavy(flight, chunk):
                    await anyio.to_thread.run_sync(self._inspect, flight, chunk)
                else:
                    self._inspect(flight, chunk)
        except UpstreamError as exc:
            if exc.what == "timeout":
                self._upstream_error(
                    flight,
                    "timeout",
                    f"no byte from the upstream for {self.config.read_timeout:g} s"
                    f" after {_size(flight.response_size)}; the response is cut",
                )
            elif exc.what == "truncated":
                length = flight.response_headers.get("content-length", "")
                if length.isdigit() and flight.response_size < int(length):
                    why = (
                        f"{flight.response_size} of {length} bytes (Content-Length {length}), "
                        "then the connection closed"
                    )
                else:
                    why = f"{exc.message} after {_size(flight.response_size)}"
                self._upstream_error(flight, "truncated", why)
            else:
                self._upstream_error(
                    flight,
                    "reset",
                    f"{exc.message} after {_size(flight.response_size)}; the response is cut",
                )
            raise _Incomplete from None
        if not forward:
            why = f"the upstream answered HTTP {flight.status}, which HTTP does not define"
            self._upstream_error(flight, "bad_status", why)
            message = {
                "type": "http.response.start",
                "status": 502,
                "headers": [(b"content-type", b"application/json")],
            }
            await self._send(flight, send, message)
            body = _error_body("upstream_bad_status", why + "; the proxy's log has its answer")
            flight.complete = True
            await self._send(flight, send, {"type": "http.response.body", "body": body})
            return
        flight.complete = True
        await self._send(
            flight, send, {"type": "http.response.body", "body": b"", "more_body": False}
        )

    async def _send(self, flight: _Flight, send: Send, message: Message) -> None:
        # A client that stops reading holds its upstream no longer than one read timeout:
        # `_watchdog` cancels a send that waits longer (one timer for all, not one per send).
        flight.sending = time.monotonic()
        await send(message)
        flight.sending = 0.0

    async def _watchdog(self) -> None:
        timeout = self.config.read_timeout
        while True:
            await asyncio.sleep(min(1.0, timeout / 4))
            now = time.monotonic()
            for flight in list(self._open.values()):
                if flight.sending and now - flight.sending > timeout:
                    flight.cancel()

    @staticmethod
    def _may_stream(flight: _Flight) -> bool:
        """Whether the response may be a stream (its events are then read as they pass): an
        SSE content type, or a request that asks for one (``classify``'s tests, loosely)."""
        query = flight.url.partition("?")[2].lower()
        return (
            "stream" in query
            or "sse" in query
            or "%" in query  # spelled with escapes
            or b"stream" in flight.body
            or b"\\u" in flight.body  # ... in JSON
            or "event-stream" in flight.response_headers.get("content-type", "").lower()
        )

    def _classify(self, flight: _Flight) -> tuple[Operation, _LiveStream | None]:
        probe = Exchange(
            Request(flight.method, flight.url, flight.request_headers, bytes(flight.body)),
            Response(flight.status, flight.response_headers),
        )
        try:
            op = classify(probe)
        except Exception:  # a request body the checks cannot read (the check reports it)
            op = Operation("other")
        stream = None
        if (
            200 <= flight.status < 300
            and (op.stream or probe.response.is_stream)
            and not flight.too_large
            and flight.decoder is not None
            and flight.decoder.supported
        ):
            asked = self._asked(flight)
            stream = _LiveStream(
                None if asked is None else load_revision(asked[0]),
                resumed=op.last_event_id is not None,
            )
        return op, stream

    def _heavy(self, flight: _Flight, chunk: bytes) -> bool:
        """Whether inspecting this chunk could hold the event loop (then: a worker thread)."""
        if flight.too_large or flight.decoder is None or not flight.decoder.supported:
            return False
        stream = flight.stream
        return (
            flight.decoder.compressed
            or len(chunk) >= _HEAVY_CHUNK
            or (stream is not None and stream.pending >= _HEAVY_EVENT)
        )

    def _inspect(self, flight: _Flight, chunk: bytes) -> None:
        decoder = flight.decoder
        if flight.too_large or decoder is None or not decoder.supported:
            return
        room = self.config.max_check_bytes - flight.held
        try:
            data, over = decoder.decode(chunk, max(room, 0))
        except zlib.error as exc:
            decoder.supported = False
            flight.why_unchecked = f"the body does not decode: {exc}"
            self._release(flight)
            return
        if over:
            self._drop_kept(
                flight, f"more than {_size(self.config.max_check_bytes)} (the per-exchange cap)"
            )
            return
        if not data or not self._hold(flight, len(data)):
            return
        flight.kept.append(data)
        if flight.stream is not None:
            try:
                found = flight.stream.feed(data)
            except Exception as exc:
                flight.stream = None
                self._checker_error(flight, exc)
                return
            flight.events = flight.stream.events
            if found:
                self._report(flight, found, live=True)
            if flight.stream is not None and flight.stream.events > self.config.max_check_items:
                self._drop_kept(flight, f"more than {self.config.max_check_items} events")

    def _release(self, flight: _Flight) -> None:
        self._budget.give(flight.held)
        flight.held = 0
        flight.body = bytearray()
        flight.kept = []
        flight.stream = None

    # -- checking -----------------------------------------------------------------

    def _asked(self, flight: _Flight) -> tuple[str, str] | None:
        """(revision, why): the client's Api-Revision, else ``--revision``; None for a
        header-less client without --revision. A header no revision answers to keeps the
        proxy's own: the target's 4xx is checked by it."""
        own = "--revision" if self.config.revision else "default"
        asked = flight.request_headers.get(REVISION_HEADER.lower())
        if asked is None:
            return None if self.config.revision is None else (self.revision.name, own)
        try:
            return revision_for_header(asked, self.revision.name), f"{REVISION_HEADER}: {asked}"
        except ValueError:
            return self.revision.name, f"{own} ({REVISION_HEADER} {asked!r} names no revision)"

    def revision_of(self, flight: _Flight, exchange: Exchange | None = None) -> Revision:
        """`_asked`; else (today's SDKs send no header) the one the traffic's shape shows: its
        stream's first event, else ``_shape.revision_by_shape`` (response, then request); else
        the newest ("default"). Not fixed until something decided it."""
        if flight.revision is None:
            got = self._asked(flight)
            stream = flight.stream
            if got is None and stream is not None and stream.revision is not None:
                got = (stream.revision.name, "shape: the stream's first event")
            if got is None and exchange is not None:
                guess = revision_by_shape([exchange])
                if guess is not None:
                    got = (guess.revision, f"shape: {guess.reason}")
            if got is None:
                if exchange is None:
                    return self.revision  # nothing says yet: the newest
                got = (self.revision.name, "default")
            flight.revision = load_revision(got[0])
            flight.revision_from = self._scrubber(got[1], flight.keys)
        return flight.revision

    def _reproduce(self, flight: _Flight, exchange: Exchange) -> str:
        if flight.reproduce is None:
            line = exchange.reproduce
            if len(line) > _REPRODUCE_LIMIT:
                line = (
                    f"{line[:_REPRODUCE_LIMIT]}... (cut: {len(line)} characters; "
                    "the recording has the whole request)"
                )
            flight.reproduce = line
        return flight.reproduce

    def _report(
        self,
        flight: _Flight,
        found: list[Violation],
        *,
        live: bool,
        exchange: Exchange | None = None,
    ) -> int:
        count = 0
        if exchange is None:
            exchange = Exchange(
                Request(flight.method, flight.url, flight.request_headers, bytes(flight.body)),
                Response(flight.status, flight.response_headers),
            )
        for violation in found:
            key = (violation.rule, violation.where)
            if key in flight.reported:
                continue
            if len(flight.reported) < _FINDINGS_PER_EXCHANGE:
                flight.reported.add(key)
            flight.findings += 1
            count += 1
            with self._lock:
                self.violations[violation.rule] += 1
                self._first.setdefault(violation.rule, violation)
            if flight.findings > _FINDINGS_PER_EXCHANGE:
                continue  # counted; the summary line at the end says how many were not shown
            violation = violation.with_context(
                reproduce=self._reproduce(flight, exchange),
                statement=self.revision_of(flight).statement(violation.rule),
            )
            client = violation.where.startswith("request")
            entry: dict[str, Any] = {
                **violation.as_dict(),
                "live": live,
                "party": "client" if client else "upstream",
            }
            line = live_line(violation, flight.method, flight.path)
            if client:
                entry["client_bytes"] = excerpt_bytes(flight.body, _CLIENT_BYTES_LIMIT)
                line += f" (the client's request; the upstream answered {flight.status})"
            self.print_line(line)
            self._log_line(flight, entry)
        return count

    def _checker_error(
        self, flight: _Flight, exc: BaseException, *, kind: str = "checker_error"
    ) -> None:
        with self._lock:
            self.checker_errors += 1
        text = "".join(traceback.format_exception(exc))
        error = f"{type(exc).__name__}: {str(exc)[:300]}"
        self.print_line(
            f"{kind.replace('_', ' ')}: {error} (traceback in the log)  {flight.method} {flight.path}"
        )
        self._log_line(flight, {"kind": kind, "error": error, "traceback": text})

    def _finish(self, flight: _Flight) -> None:
        try:
            self._check(flight)
        finally:
            self._release(flight)
            # A large exchange leaves freed memory in malloc's arenas: give it back to the system.
            if flight.request_size + flight.response_size >= MiB:
                _trim()
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()

    def _exchange_of(self, flight: _Flight) -> Exchange:
        request = Request(flight.method, flight.url, flight.request_headers, bytes(flight.body))
        headers = dict(flight.response_headers)
        decoded = flight.decoder is not None and flight.decoder.supported
        if decoded:
            headers.pop("content-encoding", None)
        chunks = tuple(flight.kept)
        return Exchange(
            request,
            Response(
                flight.status,
                headers,
                b"".join(chunks),
                chunks if flight.is_stream else None,
            ),
            label=f"proxy {flight.number}",
        )

    def _check(self, flight: _Flight) -> None:
        violations = drift = 0
        decodable = flight.decoder is not None and flight.decoder.supported
        if flight.too_large:
            flight.why_unchecked = f"too large to check: {flight.too_large}"
        elif flight.client_gone and not flight.why_unchecked:
            flight.why_unchecked = "the client left before the response ended"
        elif flight.failure and not flight.why_unchecked:
            flight.why_unchecked = f"the upstream failed ({flight.failure})"
        checked = (
            flight.status != 0
            and decodable
            and not flight.too_large
            and not flight.failure
            and not flight.client_gone
        )
        exchange = self._exchange_of(flight)
        recording = None
        try:
            # Not recorded: what was not kept (too large), or cut by its client (a false truncation).
            if flight.status and not flight.too_large and not flight.client_gone:
                recording = self._record(flight, exchange)
        except Exception as exc:  # a full disk must not lose the log entry
            self._checker_error(flight, exc)
        items = 0
        if checked and not flight.is_stream:  # a stream's events were counted as they passed
            body = exchange.response.body
            items = sum(b.count(b"{") + b.count(b"[") for b in (exchange.request.body, body))
        if items > self.config.max_check_items:
            checked = False
            flight.why_unchecked = (
                f"too large to check: {items} JSON objects and arrays "
                f"(more than {self.config.max_check_items})"
            )
        if checked:
            try:
                violations, drift = self._run_checks(flight, exchange)
            except Exception as exc:
                checked = False
                flight.why_unchecked = f"checker error: {type(exc).__name__}"
                self._checker_error(flight, exc)
        duration = round((time.monotonic() - flight.started) * 1000, 1)
        revision = self.revision_of(flight, exchange)
        with self._lock:
            self.exchanges += 1
            self.drift += drift
            self.unchecked += not checked
            if checked:
                self._checked += 1
                self._streams += flight.is_stream and flight.status == 200
                self._revisions[revision.name] += 1
        if flight.findings > _FINDINGS_PER_EXCHANGE:
            more = flight.findings - _FINDINGS_PER_EXCHANGE
            self.print_line(f"... {more} more violations not shown  {flight.method} {flight.path}")
        if self.config.verbose and not violations and not drift:
            events = f", {flight.events} events" if flight.is_stream else ""
            state = "ok" if checked else f"not checked ({flight.why_unchecked})"
            self.print_line(
                f"{state}  {flight.method} {flight.path} -> {flight.status}{events} ({duration} ms)"
            )
        entry: dict[str, Any] = {
            "kind": "exchange",
            "stream": flight.is_stream,
            "events": flight.events,
            "checked": checked,
            "violations": violations,
            "drift": drift,
            "duration_ms": duration,
            "recording": str(recording) if recording else None,
            "revision": flight.revision.name if flight.revision else self.revision.name,
            "revision_from": flight.revision_from,
            "size": {"request": flight.request_size, "response": flight.response_size},
        }
        if not checked:
            entry["why"] = flight.why_unchecked
        if flight.client_gone:
            entry["client_gone"] = True
        self._log_line(flight, entry)

    def _run_checks(self, flight: _Flight, exchange: Exchange) -> tuple[int, int]:
        revision = self.revision_of(flight, exchange)
        violations = drift = 0
        if flight.stream is not None:
            violations += self._report(flight, flight.stream.close(), live=True, exchange=exchange)
            flight.events = flight.stream.events
        result = check_exchange(exchange, revision, strict=self.config.strict)
        violations += self._report(flight, result.violations, live=False, exchange=exchange)
        if not flight.classified:
            flight.op = self._classify(flight)[0]
        if flight.op.kind == "create" and not 200 <= flight.status < 300:
            # The upstream rejected it: the request rules the client broke are still news.
            found = [
                v
                for v in check_request_fields(exchange.request.json(), revision, where="request")
                if v.rule in revision.rules
            ]
            violations += self._report(flight, found, live=False, exchange=exchange)
        for item in result.drift:
            drift += 1
            self.print_line(live_line(item, flight.method, flight.path))
            self._log_line(flight, item.as_dict())
        return violations, drift

    # -- writing ------------------------------------------------------------------

    def _write_screen(self, lines: list[str]) -> None:
        out = self.config.live
        if out is not None:
            text = "".join(f"{line}\n" for line in lines)
            try:
                out.write(text)
            except UnicodeEncodeError:  # a terminal that is not UTF-8
                encoding = getattr(out, "encoding", None) or "ascii"
                out.write(text.encode(encoding, "backslashreplace").decode(encoding))
            out.flush()

    def _write_log(self, lines: list[str]) -> None:
        if self._log_file is not None:
            self._log_file.write("".join(f"{line}\n" for line in lines))
            self._log_file.flush()

    def _scrub_value(self, value: Any, keys: frozenset[str]) -> Any:
        if isinstance(value, str):
            return self._scrubber(value, keys)
        if isinstance(value, dict):
            return {k: self._scrub_value(v, keys) for k, v in value.items()}
        if isinstance(value, list):
            return [self._scrub_value(v, keys) for v in value]
        return value

    def _log_line(self, flight: _Flight, data: Mapping[str, Any]) -> None:
        if self._log is None:
            return
        entry = {
            "time": _iso(time.time()),
            "exchange": flight.number,
            "method": flight.method,
            "path": flight.path,
            "status": flight.status,
            **data,
        }
        # Each string scrubbed before it is encoded: a key JSON-escaped in a body is found.
        scrubbed = self._scrub_value(entry, flight.keys)
        self._log.put(json.dumps(scrubbed, ensure_ascii=False))

    def _record(self, flight: _Flight, exchange: Exchange) -> Path | None:
        folder = self.config.record_dir
        if folder is None:
            return None

        def scrub(text: str) -> str:
            return self._scrubber(text, flight.keys)

        request = exchange.request
        response = exchange.response
        req: dict[str, Any] = {
            "method": request.method,
            "url": scrub(scrub_url(request.url)),
            "headers": {k: scrub(v) for k, v in scrub_headers(request.headers).items()},
        }
        if request.body:
            req.update(_text_or_base64(request.body, "body", scrub))
        resp: dict[str, Any] = {
            "status": response.status,
            "headers": {k: scrub(v) for k, v in scrub_headers(response.headers).items()},
        }
        if response.chunks is not None:
            try:
                resp["chunks"] = [scrub(c.decode("utf-8")) for c in response.chunks]
            except UnicodeDecodeError:
                resp["chunks_base64"] = [base64.b64encode(c).decode() for c in response.chunks]
        else:
            resp.update(_text_or_base64(response.body, "body", scrub))
        data: dict[str, Any] = {
            "format": RECORD_FORMAT,
            "version": 1,
            "time": _iso(flight.wall),
            "duration_ms": round((time.monotonic() - flight.started) * 1000, 1),
            "label": exchange.label,
            "request": req,
            "response": resp,
        }
        if flight.failure:
            data["truncated"] = True
        slug = re.sub(r"[^A-Za-z0-9._-]+", "_", urlsplit(request.url).path.rsplit("/", 1)[-1])
        with self._lock:
            index = self._next_record
            self._next_record += 1
        path = folder / f"{index:06d}-{request.method.upper()}-{slug or 'root'}.json"
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", "utf-8")
        return path

    def verdicts(self) -> dict[str, RuleVerdict]:
        """Per rule, in run's words (`_verdicts.judge`), what the traffic so far says: a
        ``traffic`` rule of the revision most exchanges were read in passed when traffic of its
        kind was checked and never broke it; a rule a violation named failed. Rules only a test
        can exercise are not applicable here."""
        with self._lock:
            found = list(self._first.values())
            checked, streams = self._checked, self._streams
            seen = self._revisions.most_common(1)
        revision = load_revision(seen[0][0]) if seen else self.revision
        rules = {
            rule.id: RuleInfo(rule.id, rule.area, rule.level, rule.statement, rule.exercised)
            for rule in revision.rules.values()
        }
        scope = {r for r, info in rules.items() if info.exercised == "traffic"}
        record = TestRecord("proxy", (), PASSED, traffic=found)
        return judge(
            rules,
            [record],
            Policy(),
            requests=checked,
            streams=streams,
            in_scope=scope | {v.rule for v in found},
        )

    def rules_line(self) -> str:
        """``rules (revision R): N passed, M failed, K not exercised`` over the applicable rules."""
        verdicts = [v for v in self.verdicts().values() if v.applicable]
        counts = Counter(v.status for v in verdicts)
        with self._lock:
            seen = self._revisions.most_common(1)
        name = seen[0][0] if seen else self.revision.name
        told = ", ".join(f"{counts[s]} {s}" for s in (PASSED, FAILED, NOT_EXERCISED))
        return f"rules (revision {name}, checked on traffic): {told}"

    def summary(self) -> str:
        """One line: exchanges, violations by rule, drift, then whatever else happened."""
        with self._lock:
            total = sum(self.violations.values())
            rules = ", ".join(f"{rule} x{n}" for rule, n in sorted(self.violations.items()))
            text = f"exchanges: {self.exchanges}; violations: {total}"
            if rules:
                text += f" ({rules})"
            text += f"; drift: {self.drift}"
            if self.upstream_errors:
                what = ", ".join(f"{w} x{n}" for w, n in sorted(self.upstream_errors.items()))
                text += f"; upstream errors: {sum(self.upstream_errors.values())} ({what})"
            if self.checker_errors:
                text += f"; checker errors: {self.checker_errors}"
            if self.unchecked:
                text += f"; not checked: {self.unchecked}"
        dropped = self.dropped_lines()
        if dropped:
            text += f"; dropped lines: {dropped} (output not read fast enough)"
        return text

    def dropped_lines(self) -> int:
        return sum(lines.dropped for lines in (self._screen, self._log) if lines is not None)

    def exit_code(self) -> int:
        """0 clean; 1 a violation or an upstream error was seen; 3 the proxy failed to check."""
        with self._lock:
            if self.violations or self.upstream_errors:
                return 1
            return 3 if self.checker_errors else 0


def excerpt_bytes(data: bytes | bytearray, limit: int) -> str:
    """A body as text for the log: UTF-8 (replacement marks where it is not), cut at ``limit``."""
    text = bytes(data[: limit + 1]).decode("utf-8", "replace")
    if len(data) > limit:
        text = f"{text[:limit]}... ({len(data)} bytes)"
    return text if text else excerpt("<empty body>")


def uvicorn_config(app: Any, host: str, port: int) -> Any:
    """The uvicorn settings of a proxy: no ``server`` or ``date`` header of its own."""
    import uvicorn

    return uvicorn.Config(
        app,
        host=host,
        port=port,
        # uvloop and httptools (C) where installed: the forwarding path's per-request cost.
        http="httptools" if _has("httptools") else "h11",
        loop="uvloop" if _has("uvloop") else "asyncio",
        log_level="warning",
        interface="asgi3",
        lifespan="on",
        server_header=False,
        date_header=False,
        timeout_graceful_shutdown=1,
    )


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def listening_socket(host: str, port: int) -> socket.socket:
    """A bound socket, already listening: a client may connect the moment the URL is printed."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted sockets inherit it: headers and body go out as separate writes, and Nagle's
    # algorithm would hold the second for the client's delayed ACK (40 ms a response).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)  # connections wait in the kernel's queue until uvicorn accepts
    except OSError:
        sock.close()
        raise
    return sock


@dataclasses.dataclass(frozen=True)
class RunningProxy:
    """A proxy served in a background thread: its base URL and the `Proxy` itself."""

    url: str
    proxy: Proxy


@contextlib.contextmanager
def running_proxy(
    upstream: str, *, host: str = "127.0.0.1", port: int = 0, **options: Any
) -> Iterator[RunningProxy]:
    """Serve a proxy to ``upstream`` in a thread (``options`` are `ProxyConfig` fields)."""
    import uvicorn

    proxy = Proxy(ProxyConfig(upstream, **options))
    sock = listening_socket(host, port)
    server = uvicorn.Server(uvicorn_config(proxy.app, host, port))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="interactions-proxy", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError("the proxy did not start within 10 s")
        time.sleep(0.01)
    bound = sock.getsockname()
    try:
        yield RunningProxy(f"http://{bound[0]}:{bound[1]}", proxy)
    finally:
        proxy.wait_idle()
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()
        proxy.close()
