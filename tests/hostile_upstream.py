"""A hostile upstream for the proxy: a raw-asyncio HTTP/1.1 server on 127.0.0.1 that misbehaves.

Raw sockets, not an ASGI server, because what it sends is what no HTTP library would:
a status 999, a body shorter than its Content-Length, bytes that are not HTTP, a reset.
Each behaviour has a path under ``/hostile/``; any other path is passed on, byte for
byte over a fresh connection, to ``clean`` (the emulator, in the benchmark), so one
proxy can sit in front of both:

==========================  =========================================================
``/hostile/stall-headers``  reads the request, never answers
``/hostile/stall-stream``   SSE headers and one event, then nothing, ever
``/hostile/endless``        an SSE stream of 1 KiB events that never ends
``/hostile/gzip-bomb``      1 MiB of gzip (Content-Length exact) that decodes to 1 GiB
``/hostile/big-events``     ``?n=N&mib=M``: N events of M MiB each, then the end
``/hostile/reset``          headers (Content-Length 1000), 10 bytes, then a TCP reset
``/hostile/garbage``        bytes that are not HTTP, then close
``/hostile/status-999``     ``HTTP/1.1 999``, a JSON error body
``/hostile/short``          Content-Length 100, 10 bytes, then close
``/hostile/deep``           a 400 whose JSON body nests 100,000 arrays deep
``/hostile/surrogate``      a 400 whose error code holds a lone surrogate escape (``\\ud800``)
``/hostile/many``           ``?n=N``: 200, an Interaction of N outputs (default 20,000)
``/hostile/echo-key``       200, the request's ``x-goog-api-key`` echoed JSON-escaped
``/hostile/ok``             200 ``{}`` (the health of the hostile side itself)
==========================  =========================================================

``active`` counts hostile connections still open: a proxy that releases what its
clients abandoned brings it back to 0 within seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import socket
import struct
import threading
import zlib
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

__all__ = ["HostileUpstream", "gzip_bomb", "hostile_upstream"]

MiB = 1024 * 1024


@functools.cache
def gzip_bomb() -> bytes:
    """About 1 MiB of gzip that decodes to 1 GiB of zeros (computed once, ~3 s)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(MiB)
    parts = [packer.compress(zeros) for _ in range(1024)]
    parts.append(packer.flush())
    return b"".join(parts)


def _event(payload: dict[str, object]) -> bytes:
    return f"event: {payload['event_type']}\ndata: {json.dumps(payload)}\n\n".encode()


def _chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


_SSE_HEAD = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
    b"transfer-encoding: chunked\r\ncache-control: no-cache\r\n\r\n"
)
_START = {"event_type": "interaction.start", "interaction": {"id": "h1", "status": "in_progress"}}


async def _json_answer(writer: asyncio.StreamWriter, status: bytes, body: bytes) -> None:
    """A whole JSON answer: ``status`` (``b"200 OK"``), its content-length, ``body``."""
    writer.write(
        b"HTTP/1.1 "
        + status
        + b"\r\ncontent-type: application/json\r\n"
        + f"content-length: {len(body)}\r\n\r\n".encode()
        + body
    )
    await writer.drain()


class HostileUpstream:
    """Serve in a thread of its own (``with hostile_upstream() as up: up.url``)."""

    def __init__(self, clean: str | None = None) -> None:
        self.clean = clean
        self.active = 0  # hostile connections open now
        self.served = 0  # hostile requests begun
        self.url = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hostile-upstream", daemon=True)

    # -- lifecycle --------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the hostile upstream did not start")

    def stop(self) -> None:
        loop = self._loop
        if loop is not None:
            loop.call_soon_threadsafe(loop.stop)
        self._thread.join(5)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self._server = loop.run_until_complete(
            asyncio.start_server(self._handle, sock=sock, backlog=1024)
        )
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            self._server.close()
            for task in asyncio.all_tasks(loop):
                task.cancel()
            with contextlib.suppress(Exception):
                loop.run_until_complete(asyncio.sleep(0))
            loop.close()

    # -- one connection ---------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await self._one(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def _one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Serve one request; True to read another on the same connection."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return False
        lines = head.decode("latin-1").split("\r\n")
        _method, target, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        body = await self._body(reader, headers)
        path = urlsplit(target).path
        if not path.startswith("/hostile/"):
            await self._pass_on(head, body, reader, writer)
            return False
        self.served += 1
        self.active += 1
        try:
            return await self._hostile(path, target, headers, reader, writer)
        finally:
            self.active -= 1

    async def _body(self, reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
        if headers.get("transfer-encoding", "").lower() == "chunked":
            out = b""
            while True:
                size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
                data = await reader.readexactly(size + 2)
                if size == 0:
                    return out
                out += data[:-2]
        length = int(headers.get("content-length", "0") or 0)
        return await reader.readexactly(length) if length else b""

    async def _pass_on(
        self,
        head: bytes,
        body: bytes,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        """Forward one request to ``clean`` and pipe its answer back, then close."""
        if self.clean is None:
            writer.write(
                b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            )
            await writer.drain()
            return
        parts = urlsplit(self.clean)
        up_reader, up_writer = await asyncio.open_connection(parts.hostname, parts.port)
        lines = head.decode("latin-1").split("\r\n")
        kept = [
            line
            for line in lines[1:]
            if line and not line.lower().startswith(("connection:", "keep-alive:"))
        ]
        if any(line.lower().startswith("transfer-encoding:") for line in kept):
            kept = [line for line in kept if not line.lower().startswith("transfer-encoding:")]
            kept.append(f"content-length: {len(body)}")
        new_head = "\r\n".join([lines[0], *kept, "connection: close", "", ""]).encode("latin-1")
        up_writer.write(new_head + body)
        await up_writer.drain()
        try:
            while data := await up_reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            up_writer.close()

    async def _until_closed(self, reader: asyncio.StreamReader) -> None:
        """Wait for the peer to close (what a released stream looks like from here)."""
        with contextlib.suppress(ConnectionError, OSError):
            while await reader.read(65536):
                pass

    async def _hostile(
        self,
        path: str,
        target: str,
        headers: dict[str, str],
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> bool:
        what = path.removeprefix("/hostile/")
        query = {k: v[-1] for k, v in parse_qs(urlsplit(target).query).items()}
        if what == "stall-headers":
            await self._until_closed(reader)
            return False
        if what == "stall-stream":
            writer.write(_SSE_HEAD + _chunk(_event(_START)))
            await writer.drain()
            await self._until_closed(reader)
            return False
        if what == "endless":
            writer.write(_SSE_HEAD + _chunk(_event(_START)))
            delta = {
                "event_type": "content.delta",
                "index": 0,
                "delta": {"type": "text", "text": "x" * 1000},
            }
            frame = _chunk(_event(delta) * 16)
            while True:
                writer.write(frame)
                await writer.drain()
        if what == "gzip-bomb":
            bomb = gzip_bomb()
            writer.write(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-encoding: gzip\r\n"
                + f"content-length: {len(bomb)}\r\n\r\n".encode()
            )
            for at in range(0, len(bomb), 65536):
                writer.write(bomb[at : at + 65536])
                await writer.drain()
            return True
        if what == "big-events":
            count, mib = int(query.get("n", "1")), float(query.get("mib", "10"))
            writer.write(_SSE_HEAD + _chunk(_event(_START)))
            text = "y" * int(mib * MiB)
            for index in range(count):
                delta = {
                    "event_type": "content.delta",
                    "index": index,
                    "delta": {"type": "text", "text": text},
                }
                writer.write(_chunk(_event(delta)))
                await writer.drain()
            done = {
                "event_type": "interaction.complete",
                "interaction": {"id": "h1", "status": "completed"},
            }
            writer.write(_chunk(_event(done)) + _chunk(b"data: [DONE]\n\n") + b"0\r\n\r\n")
            await writer.drain()
            return True
        if what == "reset":
            writer.write(
                b'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"partial":'
            )
            await writer.drain()
            await asyncio.sleep(0.05)
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return False
        if what == "garbage":
            writer.write(b"\x00\xff\xfeSSH-2.0-not-http \x01\x02\r\n\r\n\xde\xad\xbe\xef")
            await writer.drain()
            return False
        if what == "status-999":
            body = b'{"error": {"code": "odd", "message": "nine nine nine"}}'
            await _json_answer(writer, b"999 Weird", body)
            return True
        if what == "short":
            writer.write(
                b'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"id": "a"'
            )
            await writer.drain()
            return False
        if what == "deep":
            body = b"[" * 100_000 + b"]" * 100_000
            await _json_answer(writer, b"400 Bad Request", body)
            return True
        if what == "surrogate":
            body = b'{"error": {"code": "bad_\\ud800", "message": "lone \\udfff surrogates"}}'
            await _json_answer(writer, b"400 Bad Request", body)
            return True
        if what == "many":
            outputs = [{"type": "text", "text": "x"}] * int(query.get("n", "20000"))
            body = json.dumps({"id": "h1", "status": "completed", "outputs": outputs}).encode()
            await _json_answer(writer, b"200 OK", body)
            return True
        if what == "echo-key":
            key = headers.get("x-goog-api-key", "")
            escaped = "".join(
                f"\\u{ord(c):04x}" if i % 2 == 0 else ("\\/" if c == "/" else c)
                for i, c in enumerate(key)
            )
            body = ('{"seen": "' + escaped + '", "plain": ' + json.dumps(key) + "}").encode()
            await _json_answer(writer, b"200 OK", body)
            return True
        body = b"{}"
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n" + body
        )
        await writer.drain()
        return True


@contextlib.contextmanager
def hostile_upstream(clean: str | None = None) -> Iterator[HostileUpstream]:
    upstream = HostileUpstream(clean)
    upstream.start()
    try:
        yield upstream
    finally:
        upstream.stop()
