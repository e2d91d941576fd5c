"""The validating proxy: any client's traffic, forwarded unchanged and checked as it passes.

::

    client ──HTTP──> proxy (this module) ──httpx──> upstream (live API, emulator, mock, ...)
                        │ every exchange: check_exchange (schemas, error format, SSE grammar)
                        └──> live lines on stdout, JSON Lines log, recordings

What it forwards it never alters: the method, path and query byte for byte,
every header but the hop-by-hop ones (``Connection`` and those it names,
``Keep-Alive``, ``Transfer-Encoding``, ``TE``, ``Trailer``, ``Upgrade``,
``Proxy-*``; ``Host`` becomes the upstream's), bodies byte for byte (the
response's raw bytes, still compressed if they came so), and the status.
Bodies stream both ways: each upstream chunk goes to the client as it
arrives, and a streamed response is fed to an `SSEParser` on the way, so
framing problems and STREAM-START-FIRST (on event 0) are reported while the
stream is still open. When the response has ended, every check of
`check_exchange` runs on the whole exchange in a worker thread, after the
client has its last byte: checking never delays the traffic.

Keys never reach anything written. Every key the proxy sees (the
``x-goog-api-key`` and ``Authorization`` headers, ``?key=``) is remembered in
memory and replaced by ``$GEMINI_API_KEY`` in every line printed, logged or
recorded, on top of `scrub_text` (Google-shaped keys) and `scrub_headers`.

Live lines (stdout), one per finding, the rule id first::

    STREAM-START-FIRST event 0 /event_type: expected "interaction.start", got "content.start"  POST /v1beta/interactions
    drift: unknown property "new_field" at /outputs/0 (content)  GET /v1beta/interactions/abc

The log (``--log PATH``, JSON Lines, appended) has one object per finding
and one per exchange, each with ``time`` (UTC, ISO 8601), ``exchange`` (the
proxy's exchange number, from 1), ``method``, ``path`` (query scrubbed) and
``status``:

* ``{"kind": "violation", "rule", "message", "expected", "actual", "where",
  "schema_path", "reproduce", ...}`` (`Violation.as_dict`; ``live`` is true
  when it was reported while the stream was open);
* ``{"kind": "drift", "what", "name", "where", "schema", ...}`` (`Drift.as_dict`);
* ``{"kind": "exchange", "stream", "events", "checked", "revision", "violations",
  "drift", "duration_ms", "recording", ...}`` once the exchange is checked
  (``checked`` is false, with ``why``, when the body could not be decoded).

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
are joined with ``", "``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import json
import re
import socket
import threading
import time
import zlib
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import parse_qsl, urlsplit

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.types import Message, Receive, Scope, Send

from ._findings import Drift, Violation
from ._secrets import KEY_PLACEHOLDER, SECRET_HEADERS, scrub_headers, scrub_text, scrub_url
from ._shape import payload_revision, revision_by_shape
from ._spec import DEFAULT_REVISION, Revision, load_revision
from ._sse import SSEParser
from ._traffic import Exchange, Request, Response
from ._wire import REVISION_HEADER, revision_for_header
from .checks import check_exchange, check_stream_start, classify

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
_SECRET_QUERY = ("key", "api_key", "access_token")
_RECORD_NAME = re.compile(r"^(\d{6,})-")


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

    def __post_init__(self) -> None:
        parts = urlsplit(self.upstream)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"--upstream must be an http(s) URL, got {self.upstream!r}")


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t % 1 * 1000):03d}Z"


def live_line(finding: Violation | Drift, method: str, path: str) -> str:
    """One line for a finding, the rule id first (drift lines start with ``drift:``)."""
    if isinstance(finding, Violation):
        where = f" {finding.where}" if finding.where else ""
        text = f"{finding.rule}{where}: expected {finding.expected}, got {finding.actual}"
    else:
        text = f"drift: unknown {finding.what} {json.dumps(finding.name)} at {finding.where or '/'} ({finding.schema})"
    return " ".join(f"{text}  {method} {path}".split("\n"))


class _Scrubber:
    """Replaces every key seen in a request, and every Google-shaped key, by the placeholder."""

    def __init__(self) -> None:
        self._keys: set[str] = set()
        self._lock = threading.Lock()

    def learn(self, headers: Mapping[str, str], url: str) -> None:
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
        if found:
            with self._lock:
                self._keys |= found

    def __call__(self, text: str) -> str:
        text = scrub_text(text)
        with self._lock:
            keys = sorted(self._keys, key=len, reverse=True)  # a key inside a longer one
        for key in keys:
            text = text.replace(key, KEY_PLACEHOLDER)
        return text


def _decoder(encoding: str) -> Callable[[bytes], bytes] | None:
    """An incremental decoder for a Content-Encoding (None when unsupported)."""
    name = encoding.strip().lower()
    if name in ("", "identity"):
        return bytes
    if name in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress
    if name == "deflate":
        return zlib.decompressobj().decompress
    return None


class _LiveStream:
    """A streamed response's events as they pass: framing and STREAM-START-FIRST at once."""

    def __init__(self, revision: Revision | None, *, resumed: bool = False) -> None:
        self.parser = SSEParser()
        self.revision = revision  # None: a header-less client; the first event's shape says
        self.resumed = resumed  # after last_event_id: event 0 is not the start
        self.events = 0
        self._reported = 0

    def _new(self) -> list[Violation]:
        found = self.parser.violations[self._reported :]
        self._reported = len(self.parser.violations)
        return list(found)

    def feed(self, data: bytes) -> list[Violation]:
        found: list[Violation] = []
        for event in self.parser.feed(data):
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
    body: bytearray = dataclasses.field(default_factory=bytearray)
    status: int = 0
    response_headers: dict[str, str] = dataclasses.field(default_factory=dict)
    chunks: list[bytes] = dataclasses.field(default_factory=list)
    stream: _LiveStream | None = None
    decode: Callable[[bytes], bytes] | None = None
    decoded: list[bytes] = dataclasses.field(default_factory=list)
    why_unchecked: str = ""
    reported: set[Violation] = dataclasses.field(default_factory=set)
    # What it is checked by (Proxy.revision_of): asked for, else shown by its shape.
    revision: Revision | None = None


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


def _text_or_base64(data: bytes, key: str) -> dict[str, str]:
    try:
        return {key: data.decode("utf-8")}
    except UnicodeDecodeError:
        return {f"{key}_base64": base64.b64encode(data).decode("ascii")}


class Proxy:
    """The proxy's ASGI app (``app``) and what it has seen so far."""

    def __init__(self, config: ProxyConfig) -> None:
        self.config = config
        # eager: an unknown revision fails here
        self.revision = load_revision(config.revision or DEFAULT_REVISION)
        self.upstream = config.upstream.rstrip("/")
        self.app = Starlette(routes=[Mount("", app=self._forward)], lifespan=self._lifespan)
        self.exchanges = 0  # exchanges checked
        self.violations: Counter[str] = Counter()  # rule id -> violations reported
        self.drift = 0
        self._scrub = _Scrubber()
        self._client: httpx.AsyncClient | None = None
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._started = 0  # exchanges begun
        self._pending = 0  # exchanges begun and not yet checked
        self._log = None if config.log_path is None else config.log_path.open("a", encoding="utf-8")
        self._next_record = 1
        if config.record_dir is not None:
            config.record_dir.mkdir(parents=True, exist_ok=True)
            numbers = [
                int(m.group(1))
                for p in config.record_dir.glob("*.json")
                if (m := _RECORD_NAME.match(p.name))
            ]
            self._next_record = max(numbers, default=0) + 1

    # -- lifecycle ----------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _lifespan(self, _app: Starlette) -> AsyncIterator[None]:
        # No timeout of its own (the client has its timeouts); no headers of its own.
        client = httpx.AsyncClient(
            timeout=httpx.Timeout(None, connect=30.0), follow_redirects=False, trust_env=False
        )
        for name in list(client.headers):
            del client.headers[name]
        self._client = client
        try:
            yield
        finally:
            self._client = None
            await client.aclose()

    def close(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until every exchange begun so far has been checked and written."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

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
        self._scrub.learn(headers, url)
        with self._lock:
            self._started += 1
            self._pending += 1
            number = self._started
        flight = _Flight(
            number,
            scope["method"],
            self._scrub(scrub_url(target)),
            url,
            headers,
            time.monotonic(),
            time.time(),
        )
        try:
            await self._exchange(flight, raw_headers, receive, send)
        finally:
            await asyncio.to_thread(self._finish, flight)

    async def _exchange(
        self,
        flight: _Flight,
        raw_headers: list[tuple[bytes, bytes]],
        receive: Receive,
        send: Send,
    ) -> None:
        assert self._client is not None
        disconnected = asyncio.Event()
        watchers: list[asyncio.Task[None]] = []

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            disconnected.set()

        async def body() -> AsyncIterator[bytes]:
            more = True
            while more:
                message: Message = await receive()
                if message["type"] == "http.disconnect":
                    disconnected.set()
                    return
                chunk = message.get("body", b"")
                flight.body += chunk
                more = message.get("more_body", False)
                if chunk:
                    yield chunk
            watchers.append(asyncio.create_task(watch()))

        forward = [(n, v) for n, v in _forwardable(raw_headers) if n.lower() != b"host"]
        has_body = any(
            n.lower() in (b"content-length", b"transfer-encoding") for n, _ in raw_headers
        )
        if not has_body:  # no body announced: read what there is (nothing) and send none
            async for _ in body():
                pass
        request = self._client.build_request(
            flight.method, flight.url, headers=forward, content=body() if has_body else None
        )
        try:
            upstream = await self._client.send(request, stream=True)
        except Exception as exc:  # any failure to reach the upstream is a 502
            # (httpx does not always map httpcore's errors: a raw httpcore.ConnectError was seen)
            flight.why_unchecked = f"upstream unreachable: {type(exc).__name__}: {exc}"
            self._emit_text(f"proxy: {flight.method} {flight.path}: {flight.why_unchecked}")
            # The documented error body (ERR-BODY: a snake_case code), the proxy's own code.
            message = json.dumps(
                {"error": {"code": "upstream_unreachable", "message": flight.why_unchecked}}
            ).encode("utf-8")
            await send(
                {
                    "type": "http.response.start",
                    "status": 502,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "http.response.body", "body": message})
            return
        try:
            await self._relay(flight, upstream, send, disconnected)
        finally:
            await upstream.aclose()
            for task in watchers:
                task.cancel()

    async def _relay(
        self, flight: _Flight, upstream: httpx.Response, send: Send, disconnected: asyncio.Event
    ) -> None:
        flight.status = upstream.status_code
        raw = list(upstream.headers.raw)
        flight.response_headers = _join_headers(raw)
        encoding = flight.response_headers.get("content-encoding", "")
        flight.decode = _decoder(encoding)
        if flight.decode is None:
            flight.why_unchecked = f"content-encoding {encoding!r} cannot be decoded for checking"
        probe = Exchange(
            Request(flight.method, flight.url, flight.request_headers, bytes(flight.body)),
            Response(flight.status, flight.response_headers),
        )
        op = classify(probe)
        if 200 <= flight.status < 300 and (op.stream or probe.response.is_stream):
            asked = self._asked(flight)
            flight.stream = _LiveStream(
                None if asked is None else load_revision(asked),
                resumed=op.last_event_id is not None,
            )
        await send(
            {"type": "http.response.start", "status": flight.status, "headers": _forwardable(raw)}
        )
        async for chunk in upstream.aiter_raw():
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            flight.chunks.append(chunk)
            self._inspect(flight, chunk, probe)
            if disconnected.is_set():
                break
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    def _inspect(self, flight: _Flight, chunk: bytes, probe: Exchange) -> None:
        if flight.decode is None:
            return
        try:
            data = flight.decode(chunk)
        except zlib.error as exc:
            flight.decode = None
            flight.why_unchecked = f"the body does not decode: {exc}"
            return
        flight.decoded.append(data)
        if flight.stream is not None and data:
            found = flight.stream.feed(data)
            if found:
                self._report(flight, found, probe, live=True)

    # -- checking -----------------------------------------------------------------

    def _asked(self, flight: _Flight) -> str | None:
        """The revision the client asked for with Api-Revision, else ``--revision``; None for a
        header-less client without --revision. A header no revision answers to keeps the
        proxy's own: the target's 4xx is checked by it."""
        asked = flight.request_headers.get(REVISION_HEADER.lower())
        if asked is None and self.config.revision is None:
            return None
        try:
            return revision_for_header(asked, self.revision.name)
        except ValueError:
            return self.revision.name

    def revision_of(self, flight: _Flight, exchange: Exchange | None = None) -> Revision:
        """`_asked`; else (today's SDKs send no header) the one the traffic's shape shows: its
        stream's first event, else ``_shape.revision_by_shape`` (response, then request); else
        the newest. Not fixed until something decided it."""
        if flight.revision is None:
            name = self._asked(flight)
            if name is None and flight.stream is not None and flight.stream.revision is not None:
                name = flight.stream.revision.name
            if name is None and exchange is not None:
                guess = revision_by_shape([exchange])
                name = guess.revision if guess else None
            if name is None:
                return self.revision  # nothing says (yet): the newest
            flight.revision = load_revision(name)
        return flight.revision

    def _report(
        self, flight: _Flight, found: list[Violation], exchange: Exchange, *, live: bool
    ) -> int:
        count = 0
        for violation in found:
            if violation in flight.reported:
                continue
            flight.reported.add(violation)
            violation = violation.with_context(
                reproduce=exchange.reproduce,
                statement=self.revision_of(flight).statement(violation.rule),
            )
            count += 1
            with self._lock:
                self.violations[violation.rule] += 1
            self._emit_text(live_line(violation, flight.method, flight.path))
            self._log_line(flight, {**violation.as_dict(), "live": live})
        return count

    def _finish(self, flight: _Flight) -> None:
        try:
            self._check(flight)
        finally:
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()

    def _check(self, flight: _Flight) -> None:
        request = Request(flight.method, flight.url, flight.request_headers, bytes(flight.body))
        headers = dict(flight.response_headers)
        if flight.decode is not None:
            headers.pop("content-encoding", None)
            chunks = flight.decoded
        else:
            chunks = flight.chunks
        body = b"".join(chunks)
        exchange = Exchange(
            request,
            Response(
                flight.status,
                headers,
                body,
                tuple(chunks) if flight.stream is not None else None,
            ),
            label=f"proxy {flight.number}",
        )
        violations = drift = 0
        checked = flight.status != 0 and flight.decode is not None
        if flight.stream is not None and flight.decode is not None:
            violations += self._report(flight, flight.stream.close(), exchange, live=True)
        if checked:
            revision = self.revision_of(flight, exchange)
            result = check_exchange(exchange, revision, strict=self.config.strict)
            violations += self._report(flight, result.violations, exchange, live=False)
            for item in result.drift:
                drift += 1
                self._emit_text(live_line(item, flight.method, flight.path))
                self._log_line(flight, item.as_dict())
        recording = self._record(flight, exchange) if flight.status else None
        duration = round((time.monotonic() - flight.started) * 1000, 1)
        with self._lock:
            self.exchanges += 1
            self.drift += drift
        if self.config.verbose and not violations and not drift:
            events = f", {flight.stream.events} events" if flight.stream else ""
            state = "ok" if checked else f"not checked ({flight.why_unchecked})"
            self._emit_text(
                f"{state}  {flight.method} {flight.path} -> {flight.status}{events} ({duration} ms)"
            )
        entry: dict[str, Any] = {
            "kind": "exchange",
            "stream": flight.stream is not None,
            "events": flight.stream.events if flight.stream else 0,
            "checked": checked,
            # the revision it was checked by (Api-Revision, --revision, else its shape)
            "revision": self.revision_of(flight, exchange).name,
            "violations": violations,
            "drift": drift,
            "duration_ms": duration,
            "recording": str(recording) if recording else None,
        }
        if not checked:
            entry["why"] = flight.why_unchecked
        self._log_line(flight, entry)

    # -- writing ------------------------------------------------------------------

    def _emit_text(self, line: str) -> None:
        out = self.config.live
        if out is None:
            return
        with self._lock:
            print(self._scrub(line), file=out, flush=True)

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
        line = self._scrub(json.dumps(entry, ensure_ascii=False))
        with self._lock:
            if self._log is not None:
                self._log.write(line + "\n")
                self._log.flush()

    def _record(self, flight: _Flight, exchange: Exchange) -> Path | None:
        folder = self.config.record_dir
        if folder is None:
            return None
        request = exchange.request
        response = exchange.response
        req: dict[str, Any] = {
            "method": request.method,
            "url": scrub_url(request.url),
            "headers": scrub_headers(request.headers),
        }
        if request.body:
            req.update(_text_or_base64(request.body, "body"))
        resp: dict[str, Any] = {"status": response.status, "headers": dict(response.headers)}
        if response.chunks is not None:
            try:
                resp["chunks"] = [c.decode("utf-8") for c in response.chunks]
            except UnicodeDecodeError:
                resp["chunks_base64"] = [base64.b64encode(c).decode() for c in response.chunks]
        else:
            resp.update(_text_or_base64(response.body, "body"))
        data = {
            "format": RECORD_FORMAT,
            "version": 1,
            "time": _iso(flight.wall),
            "duration_ms": round((time.monotonic() - flight.started) * 1000, 1),
            "label": exchange.label,
            "request": req,
            "response": resp,
        }
        slug = re.sub(r"[^A-Za-z0-9._-]+", "_", urlsplit(request.url).path.rsplit("/", 1)[-1])
        with self._lock:
            index = self._next_record
            self._next_record += 1
        path = folder / f"{index:06d}-{request.method.upper()}-{slug or 'root'}.json"
        path.write_text(self._scrub(json.dumps(data, indent=1, ensure_ascii=False)) + "\n", "utf-8")
        return path

    def summary(self) -> str:
        """One line: exchanges checked, violations by rule, drift."""
        with self._lock:
            total = sum(self.violations.values())
            rules = ", ".join(f"{rule} x{n}" for rule, n in sorted(self.violations.items()))
            text = f"exchanges: {self.exchanges}; violations: {total}"
            if rules:
                text += f" ({rules})"
            return f"{text}; drift: {self.drift}"


def uvicorn_config(app: Any, host: str, port: int) -> Any:
    """The uvicorn settings of a proxy: no ``server`` or ``date`` header of its own."""
    import uvicorn

    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        lifespan="on",
        server_header=False,
        date_header=False,
        timeout_graceful_shutdown=1,
    )


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
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
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
