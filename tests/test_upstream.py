"""The proxy's own HTTP/1.1 upstream side (`_upstream`), against raw servers of each test's own:
the framings and answers a general client would handle, and the failures the proxy logs."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest

from interactions_conformance._upstream import UpstreamError, UpstreamPool, UpstreamResponse

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _serve(handler: Handler) -> tuple[asyncio.Server, UpstreamPool]:
    async def closing(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await handler(reader, writer)
        finally:
            writer.close()

    server = await asyncio.start_server(closing, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return server, UpstreamPool(f"http://127.0.0.1:{port}", connect_timeout=5, read_timeout=2)


async def _stop(server: asyncio.Server, pool: UpstreamPool) -> None:
    server.close()
    await pool.aclose()
    await asyncio.sleep(0.05)  # each handler sees its connection closed and closes its side


async def _body(pool_send: Awaitable[UpstreamResponse]) -> tuple[int, bytes]:
    response = await pool_send
    body = b"".join([chunk async for chunk in response.chunks()])
    response.close()
    return response.status, body


async def _head(reader: asyncio.StreamReader) -> bytes:
    return await reader.readuntil(b"\r\n\r\n")


def test_a_chunked_request_body_is_framed_and_the_head_comes_in_the_same_write() -> None:
    seen: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        first = await reader.read(65536)
        seen.append(first)  # the head and the first piece of the body: one write
        rest = b"" if first.endswith(b"0\r\n\r\n") else await reader.readuntil(b"0\r\n\r\n")
        seen.append(first + rest)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
        await writer.drain()
        writer.close()

    async def main() -> tuple[int, bytes]:
        server, pool = await _serve(handler)

        async def body() -> AsyncIterator[bytes]:
            yield b'{"a":'
            yield b"1}"

        try:
            return await _body(
                pool.send("POST", b"/x?y=1", [(b"X-One", b"1")], body(), chunked=True)
            )
        finally:
            await _stop(server, pool)

    assert asyncio.run(main()) == (200, b"ok")
    first, request = seen
    assert first.startswith(b"POST /x?y=1 HTTP/1.1\r\nHost: 127.0.0.1:")
    assert b'\r\nX-One: 1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"a":\r\n' in first
    assert request.endswith(b'5\r\n{"a":\r\n2\r\n1}\r\n0\r\n\r\n')


def test_informational_answers_are_skipped_and_a_close_delimited_body_is_whole() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _head(reader)
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nx-a: b\r\n\r\nall of it")
        await writer.drain()
        writer.close()

    async def main() -> tuple[int, bytes]:
        server, pool = await _serve(handler)
        try:
            return await _body(pool.send("GET", b"/", [], None, chunked=False))
        finally:
            await _stop(server, pool)

    assert asyncio.run(main()) == (200, b"all of it")


def test_a_head_answer_ends_at_its_headers() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n")
        await writer.drain()
        await reader.read()  # holds the connection: the answer must end without its close

    async def main() -> tuple[int, bytes]:
        server, pool = await _serve(handler)
        try:
            return await asyncio.wait_for(
                _body(pool.send("HEAD", b"/", [], None, chunked=False)), 2
            )
        finally:
            await _stop(server, pool)

    assert asyncio.run(main()) == (200, b"")


def test_a_kept_connection_the_upstream_closed_is_retried_once_on_a_new_one() -> None:
    connections = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await _head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nx")
        await writer.drain()
        if connections == 1:  # keep-alive announced, then closed while idle (a keep-alive timeout)
            await asyncio.sleep(0.05)
            writer.transport.abort()
        else:
            writer.close()

    async def main() -> list[tuple[int, bytes]]:
        server, pool = await _serve(handler)
        try:
            first = await _body(pool.send("GET", b"/", [], None, chunked=False))
            await asyncio.sleep(0.01)  # the close is on its way, not yet seen
            second = await _body(pool.send("GET", b"/", [], None, chunked=False))
            return [first, second]
        finally:
            await _stop(server, pool)

    assert asyncio.run(main()) == [(200, b"x"), (200, b"x")]
    assert connections == 2


@pytest.mark.parametrize(
    ("answer", "what"),
    [
        (b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort", "truncated"),
        (b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nab", "truncated"),
        (b"SSH-2.0-OpenSSH\r\n\r\n", "not_http"),
        (b"", "not_http"),
    ],
    ids=["short-length", "short-chunks", "not-http", "nothing"],
)
def test_an_answer_cut_short_or_not_http_is_an_upstream_error(answer: bytes, what: str) -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _head(reader)
        writer.write(answer)
        await writer.drain()
        writer.close()

    async def main() -> None:
        server, pool = await _serve(handler)
        try:
            await _body(pool.send("GET", b"/", [], None, chunked=False))
        finally:
            await _stop(server, pool)

    with pytest.raises(UpstreamError) as caught:
        asyncio.run(main())
    assert caught.value.what == what


def test_no_byte_within_the_read_timeout_is_a_timeout() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()

    async def main() -> None:
        server, pool = await _serve(handler)
        pool.read_timeout = 0.2
        try:
            await _body(pool.send("GET", b"/", [], None, chunked=False))
        finally:
            await _stop(server, pool)

    with pytest.raises(UpstreamError) as caught:
        asyncio.run(main())
    assert caught.value.what == "timeout"


def test_a_whole_answer_gives_its_connection_back_for_the_next_request() -> None:
    connections = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        while True:
            try:
                await _head(reader)
            except asyncio.IncompleteReadError:
                return
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nx")
            await writer.drain()

    async def main() -> list[tuple[int, bytes]]:
        server, pool = await _serve(handler)
        try:
            return [await _body(pool.send("GET", b"/", [], None, chunked=False)) for _ in range(3)]
        finally:
            await _stop(server, pool)

    assert asyncio.run(main()) == [(200, b"x")] * 3
    assert connections == 1


# -- TLS: the live API is an https upstream -----------------------------------------------------


def _certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (openssl's CLI; skipped where it is absent)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: no certificate for the TLS upstream test")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def test_an_https_upstream_is_reached_with_its_certificate_verified(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from _support import serving_app
    from interactions_conformance._proxy import running_proxy
    from interactions_conformance.emulator import EmulatorConfig, create_app

    cert, key = _certificate(tmp_path)
    body = {"model": "gemini-2.5-flash-lite", "input": "hi"}
    headers = {"x-goog-api-key": "emulator-key"}
    app = create_app(EmulatorConfig())
    with serving_app(app, lifespan="on", ssl_certfile=str(cert), ssl_keyfile=str(key)) as url:
        assert url.startswith("https://")
        # the certificate is nobody's CA's: refused, as the live API's would be if forged
        with running_proxy(url, log_path=tmp_path / "untrusted.jsonl") as proxy:
            refused = httpx.post(f"{proxy.url}/v1beta/interactions", json=body, headers=headers)
        assert refused.status_code == 502, refused.text
        assert "certificate" in refused.text.lower()
        # trusted (OpenSSL reads SSL_CERT_FILE when the proxy builds its TLS context)
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        with running_proxy(url, log_path=tmp_path / "proxy.jsonl") as proxy:
            done = httpx.post(f"{proxy.url}/v1beta/interactions", json=body, headers=headers)
            assert proxy.proxy.wait_idle()
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed"
    lines = (tmp_path / "proxy.jsonl").read_text("utf-8").splitlines()
    [entry] = [e for e in map(json.loads, lines) if e.get("kind") == "exchange"]
    assert entry["checked"] is True
    assert entry["violations"] == 0
    assert entry["stream"] is False
