"""The proxy's upstream side: HTTP/1.1 over asyncio, httptools' parser, bytes as they come.

A general HTTP client (httpx) cost the proxy as much CPU per request as the emulator spends
answering it: URL and header models, a request and a response object, its own timeouts and
pool bookkeeping, a poll of every pooled socket. The proxy needs none of that: it writes the
client's request head (its headers in their order, ``Host`` the upstream's) and body in as
few writes as it can, and gets back the status, the raw headers and the body's bytes (Content-
Length or chunked framing removed, nothing else: a compressed body stays compressed).

Each failure is an `UpstreamError` whose ``what`` is the proxy log's word for it:
``unreachable`` (no connection), ``connect_timeout``, ``timeout`` (no byte for the read
timeout), ``not_http``, ``reset``, ``truncated`` (the body ended before its framing did).
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import cast
from urllib.parse import urlsplit

import httptools

__all__ = ["UpstreamError", "UpstreamPool", "UpstreamResponse"]

_HIGH_WATER = 256 * 1024  # bytes read ahead of the client: past them, stop reading the upstream
_RETRY_BODY = 1024 * 1024  # a request body up to this size is kept to resend on a stale connection


class UpstreamError(Exception):
    """The upstream failed; ``what`` says how, ``received`` is how far its answer came."""

    def __init__(self, what: str, message: str) -> None:
        super().__init__(message)
        self.what = what
        self.message = message


class _Connection(asyncio.Protocol):
    """One connection; one response at a time is parsed into ``status``, ``headers``, body."""

    def __init__(self, loop: asyncio.AbstractEventLoop, read_timeout: float) -> None:
        self.loop = loop
        self.read_timeout = read_timeout
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.used = 0  # responses read on it
        self._writable: asyncio.Future[None] | None = None
        self._write_paused = False
        self._parser: httptools.HttpResponseParser | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._begin(None)

    def _begin(self, parser: httptools.HttpResponseParser | None) -> None:
        self._parser = parser
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.head_done = False
        self.done = False
        self.head_only = False  # HEAD: the headers announce a body that never comes
        self.keep_alive = False
        self.error: UpstreamError | None = None
        self.received = 0  # bytes of this answer so far (head and body as on the wire)
        self.chunks: deque[bytes] = deque()
        self.buffered = 0
        self.reading_paused = False

    # -- asyncio.Protocol ---------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        parser = self._parser
        if parser is None or self.done:  # bytes nobody asked for: not reusable
            self._close()
            return
        self.received += len(data)
        try:
            parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail("not_http", "the upstream's answer is not HTTP: it switches protocols")
        except httptools.HttpParserError as exc:
            if self.head_done:
                self._fail("truncated", f"the body's framing does not parse ({exc})")
            else:
                self._fail("not_http", f"the upstream's answer is not HTTP: {exc}")
        if self.buffered >= _HIGH_WATER and not self.reading_paused and self.transport:
            self.reading_paused = True  # the client is slower than the upstream
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool | None:
        return None  # close

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._parser is not None and not self.done and self.error is None:
            if self.head_done and not self._framed():
                self.done = True  # a body delimited by the connection's close
            elif self.head_done:
                why = "connection reset" if exc else "the connection closed"
                self.error = UpstreamError("truncated" if exc is None else "reset", why)
            elif exc is not None:
                self.error = UpstreamError("reset", f"connection reset by the upstream ({exc})")
            elif self.received:
                self.error = UpstreamError(
                    "not_http", "the upstream's answer is not HTTP: it closed within the head"
                )
            else:
                self.error = UpstreamError(
                    "not_http",
                    "the upstream's answer is not HTTP: Server disconnected without sending "
                    "a response.",
                )
        self._wake()
        writable = self._writable
        if writable is not None and not writable.done():
            writable.set_result(None)

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        writable = self._writable
        if writable is not None and not writable.done():
            writable.set_result(None)

    # -- httptools callbacks -----------------------------------------------------------

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        assert self._parser is not None
        status = self._parser.get_status_code()
        if status < 200:  # 100 Continue and the like: the answer is still to come
            self.headers = []
            return
        self.status = status
        self.head_done = True
        if self.head_only:
            self.done = True
            self.keep_alive = False

    def on_body(self, body: bytes) -> None:
        if not self.done:
            self.chunks.append(body)
            self.buffered += len(body)

    def on_message_complete(self) -> None:
        if not self.head_done:
            return  # an informational answer ended
        assert self._parser is not None
        self.keep_alive = self.keep_alive or (
            not self.head_only and self._parser.should_keep_alive()
        )
        self.done = True

    # -- for the pool and the response --------------------------------------------------

    def _framed(self) -> bool:
        names = {name.lower() for name, _ in self.headers}
        return b"content-length" in names or b"transfer-encoding" in names

    def _fail(self, what: str, message: str) -> None:
        if self.error is None:
            self.error = UpstreamError(what, message)
        self._close()

    def _close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _timed_out(self, waiter: asyncio.Future[None]) -> None:
        if not waiter.done():
            waiter.set_exception(UpstreamError("timeout", "no byte for the read timeout"))

    async def wait(self) -> None:
        """Until something new arrived (or the read timeout passed: UpstreamError)."""
        waiter = self.loop.create_future()
        self._waiter = waiter
        timer = self.loop.call_later(self.read_timeout, self._timed_out, waiter)
        try:
            await waiter
        finally:
            timer.cancel()
            self._waiter = None

    def start(self, head_only: bool) -> None:
        self._begin(httptools.HttpResponseParser(self))
        self.head_only = head_only

    async def write(self, data: bytes) -> None:
        assert self.transport is not None
        if self.closed:
            return  # the upstream hung up: what it answered (or did not) says the rest
        self.transport.write(data)
        while self._write_paused and not self.closed:
            self._writable = self.loop.create_future()
            try:
                await self._writable
            finally:
                self._writable = None

    def take(self) -> bytes:
        data = self.chunks[0] if len(self.chunks) == 1 else b"".join(self.chunks)
        self.chunks.clear()
        self.buffered = 0
        if self.reading_paused and self.transport is not None and not self.closed:
            self.reading_paused = False
            self.transport.resume_reading()
        return data

    def reusable(self) -> bool:
        return (
            self.done
            and self.keep_alive
            and self.error is None
            and not self.closed
            and self.transport is not None
            and not self.transport.is_closing()
        )


class UpstreamResponse:
    """An answer's status and raw headers; ``chunks()`` gives its body as it arrives."""

    def __init__(self, pool: UpstreamPool, connection: _Connection) -> None:
        self._pool = pool
        self._connection = connection
        self.status = connection.status
        self.headers = connection.headers
        self._released = False

    @property
    def received(self) -> int:
        return self._connection.received

    async def chunks(self) -> AsyncIterator[bytes]:
        connection = self._connection
        while True:
            if connection.chunks:
                yield connection.take()
                continue
            if connection.done:
                return
            if connection.error is not None:
                raise connection.error
            await connection.wait()

    def close(self) -> None:
        """Give the connection back (a whole answer) or close it (anything else) at once."""
        if not self._released:
            self._released = True
            self._pool.release(self._connection)


class UpstreamPool:
    """Keep-alive connections to one upstream (at most ``max_idle`` kept idle)."""

    def __init__(
        self, url: str, *, connect_timeout: float, read_timeout: float, max_idle: int = 100
    ) -> None:
        parts = urlsplit(url)
        self.https = parts.scheme == "https"
        self.host = parts.hostname or ""
        self.port = parts.port or (443 if self.https else 80)
        netloc = parts.netloc.rpartition("@")[2]
        self.host_header = netloc.encode("idna" if not netloc.isascii() else "ascii")
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_idle = max_idle
        self._ssl = ssl.create_default_context() if self.https else None
        self._idle: list[_Connection] = []

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        try:
            _, connection = await asyncio.wait_for(
                loop.create_connection(
                    lambda: _Connection(loop, self.read_timeout),
                    self.host,
                    self.port,
                    ssl=self._ssl,
                    server_hostname=self.host if self._ssl else None,
                ),
                self.connect_timeout,
            )
        except asyncio.TimeoutError:
            raise UpstreamError(
                "connect_timeout",
                f"the upstream did not accept a connection within {self.connect_timeout:g} s",
            ) from None
        except (OSError, ssl.SSLError) as exc:
            raise UpstreamError(
                "unreachable", f"upstream unreachable: ConnectError: {type(exc).__name__}: {exc}"
            ) from None
        return connection

    def _take_idle(self) -> _Connection | None:
        while self._idle:
            connection = self._idle.pop()
            transport = connection.transport
            if not connection.closed and transport is not None and not transport.is_closing():
                return connection
            connection._close()
        return None

    def release(self, connection: _Connection) -> None:
        if connection.reusable() and len(self._idle) < self.max_idle:
            connection._begin(None)
            self._idle.append(connection)
        else:
            connection._close()

    async def send(
        self,
        method: str,
        target: bytes,
        headers: list[tuple[bytes, bytes]],
        body: AsyncIterator[bytes] | None,
        *,
        chunked: bool,
        sent: Callable[[], None] = lambda: None,
    ) -> UpstreamResponse:
        """Send the request (``body`` streamed; ``chunked``: framed so) and read the answer's
        head; ``sent`` is called once the request is written. A connection from the pool that
        turns out closed is retried once on a new one when the body is small enough to have
        been kept."""
        lines = [method.encode("ascii"), b" ", target, b" HTTP/1.1\r\nHost: ", self.host_header]
        for name, value in headers:
            lines += [b"\r\n", name, b": ", value]
        if chunked:
            lines.append(b"\r\nTransfer-Encoding: chunked")
        lines.append(b"\r\n\r\n")
        head = b"".join(lines)
        kept: list[bytes] | None = []  # the body so far, while it is small enough to resend
        size = 0

        async def framed() -> AsyncIterator[bytes]:
            nonlocal kept, size
            if body is None:
                return
            async for chunk in body:
                if not chunk:
                    continue
                if kept is not None:
                    size += len(chunk)
                    kept.append(chunk)
                    if size > _RETRY_BODY:
                        kept = None
                yield b"%x\r\n%b\r\n" % (len(chunk), chunk) if chunked else chunk
            if chunked:
                yield b"0\r\n\r\n"

        connection = self._take_idle()
        reused = connection is not None
        if connection is None:
            connection = await self._connect()
        try:
            await self._write_request(connection, head, framed(), method == "HEAD")
            sent()
            while not connection.head_done:
                error = connection.error
                if error is not None:
                    stale = reused and connection.received == 0 and error.what != "timeout"
                    if stale and kept is not None:
                        connection._close()
                        reused = False
                        connection = await self._connect()
                        await self._write_request(
                            connection, head, _replay(kept, chunked), method == "HEAD"
                        )
                        continue
                    raise error
                await connection.wait()
        except BaseException:
            connection._close()
            raise
        connection.used += 1
        return UpstreamResponse(self, connection)

    @staticmethod
    async def _write_request(
        connection: _Connection, head: bytes, body: AsyncIterator[bytes], head_only: bool
    ) -> None:
        connection.start(head_only)
        pending = head
        async for piece in body:
            # the head goes out with the first piece of the body: one write, one packet
            if pending:
                piece, pending = pending + piece, b""
            await connection.write(piece)
        if pending:
            await connection.write(pending)

    async def aclose(self) -> None:
        while self._idle:
            self._idle.pop()._close()


async def _replay(sent: list[bytes], chunked: bool) -> AsyncIterator[bytes]:
    for chunk in sent:
        yield b"%x\r\n%b\r\n" % (len(chunk), chunk) if chunked else chunk
    if chunked:
        yield b"0\r\n\r\n"
