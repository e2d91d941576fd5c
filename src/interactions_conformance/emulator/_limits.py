"""What a hostile client cannot make the emulator do: its input limits (issue 16, ERR-NOT-5XX).

Every limit answers ``400 invalid_request`` in the documented error body (ERRDOC; a status
and code pair of the ERR-STATUS-CODE table, which has no 408 or 413):

* **Body size**: at most ``Limits.max_body_bytes`` (20 MiB) per request, checked on the
  declared ``Content-Length`` before anything is read and on the bytes as they arrive
  (chunked bodies). The Gemini docs send bigger media through the Files API.
* **Body read time**: the whole body within ``Limits.body_timeout`` seconds (30) of the
  first read; a client that announces 1000 bytes and sends 1 gets its 400 and the
  connection is closed (uvicorn's ``timeout_keep_alive`` covers idle connections only).
* **Nesting**: at most ``Limits.max_depth`` (100) levels of arrays and objects in a JSON
  body, the default recursion limit of protobuf's JSON parser [INFERRED: the live API
  parses JSON into protobuf messages]. Deeper bodies used to raise RecursionError.
* **Text**: a string (value or member name) holding a lone UTF-16 surrogate escape
  (``"\\ud800"``) is rejected, naming the field. It is no Unicode text: RFC 8259 8.2 calls
  its handling unpredictable, I-JSON (RFC 7493 2.1) forbids it, and protobuf's JSON parsers
  reject it (protocolbuffers/protobuf#14718, golang/protobuf#1576) [INFERRED for the live
  API]. Stored, it could not be written back as UTF-8 (every GET answered 500).
* **Numbers**: ``NaN``, ``Infinity`` and numbers beyond a finite double (``1e400``, 400
  digits) are not JSON values the API can hold (RFC 8259 6).
* **Generated instances**: a structured answer or function call built from the request's
  schema (``response_format``, a function's ``parameters``) holds at most 10,000 values and
  1,000,000 characters (``InstanceBudget``): ``minItems: 10**9`` or a ``$ref`` fan-out used
  to take minutes and all memory. The live API refuses such schemas too ("too many states").
* **Uploads**: at most ``Limits.max_upload_bytes`` (100 MiB) per uploaded file.
* **Request head**: a connection whose request line and headers are not complete within
  ``Limits.header_timeout`` seconds (10) of opening, or of its previous answer, is closed
  (``server_protocol``; uvicorn times out idle keep-alive connections only, so a client
  that connects and sends nothing, or half a header, held its connection forever).

``guard`` is the ASGI middleware for the first two; ``loads`` parses a body under the
others; ``dumps`` is the store's serialiser, refusing what could not be rendered back.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import math
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio
from starlette.requests import ClientDisconnect

__all__ = [
    "InstanceBudget",
    "Limits",
    "Rejected",
    "advance_seconds",
    "dumps",
    "guard",
    "loads",
    "server_protocol",
    "tier",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_SURROGATE = re.compile("[\ud800-\udfff]")
LATEST_CLOCK_SECONDS = 253402214400.0  # the clock's ceiling (_clock.LATEST_SECONDS)


@dataclasses.dataclass(frozen=True)
class Limits:
    """The emulator's input limits (module docstring). Validated eagerly."""

    max_body_bytes: int = 20 * 1024 * 1024
    body_timeout: float = 30.0  # seconds for the whole request body
    max_depth: int = 100  # levels of arrays and objects in a JSON body
    max_upload_bytes: int = 100 * 1024 * 1024  # one uploaded file, all its chunks
    header_timeout: float = 10.0  # seconds for a request line and its headers

    def __post_init__(self) -> None:
        for name in ("max_body_bytes", "max_depth", "max_upload_bytes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        for name in ("body_timeout", "header_timeout"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise ValueError(f"{name} must be > 0 seconds, got {value!r}")


class Rejected(Exception):
    """A request the limits refuse: answered 400 ``invalid_request`` with this message."""


def _shown(text: str) -> str:
    """Text safe to echo in an error message: a lone surrogate as its escape."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _field(path: list[str | int]) -> str:
    """``("input", 0, "text")`` -> ``input[0].text`` (the style of the API's messages)."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{_shown(part)}" if out else _shown(part)
    return out or "the body"


# -- JSON in ----------------------------------------------------------------------------


def loads(raw: bytes | str, limits: Limits | None = None) -> Any:
    """A JSON body parsed under the limits, or ``Rejected`` (too deep, a lone surrogate, a
    non-finite number); ``ValueError`` when it is not JSON at all."""
    max_depth = (limits or Limits()).max_depth
    try:
        value = json.loads(raw)
    except RecursionError:  # json's C scanner nests deeper than the interpreter allows
        raise Rejected(
            f"Invalid JSON payload received: nesting deeper than {max_depth} levels."
        ) from None
    except ValueError as exc:
        if "integer string conversion" in str(exc):  # int() refuses 4300+ digits
            raise Rejected(
                "Invalid JSON payload received: a number of 4300 digits or more is out of range."
            ) from None
        raise
    check_tree(value, max_depth)
    return value


def check_tree(value: Any, max_depth: int) -> None:
    """Depth, text and numbers of a parsed value; ``Rejected`` names the field.

    Walked with a stack of iterators, not recursion: memory is bounded by the depth, and
    the path is built only for the message.
    """
    path: list[str | int] = []  # keys from the root to the container being walked
    _check_leaf(value, path, None)
    if not isinstance(value, dict | list):
        return
    walking: list[Any] = [_children(value)]
    while walking:
        for key, child in walking[-1]:
            if key.__class__ is str and not key.isascii() and _SURROGATE.search(key):
                raise Rejected(_surrogate_message([*path, key], key, name=True))
            kind = child.__class__
            if kind is dict or kind is list:
                if len(walking) >= max_depth:
                    raise Rejected(
                        f"Invalid value at '{_field([*path, key])}': nested deeper than "
                        f"{max_depth} levels."
                    )
                path.append(key)
                walking.append(_children(child))
                break  # walk the child; this container's iterator resumes after it
            # inline fast paths (a 20 MiB body may hold millions of leaves)
            if kind is int:
                if child.bit_length() > 1024:
                    _check_leaf(child, path, key)
            elif kind is str:
                if not child.isascii():
                    _check_leaf(child, path, key)
            elif kind is float and not math.isfinite(child):
                _check_leaf(child, path, key)
        else:
            walking.pop()
            if path:
                path.pop()


def _children(node: dict[str, Any] | list[Any]) -> Any:
    return iter(node.items()) if isinstance(node, dict) else enumerate(node)


def _check_leaf(value: Any, path: list[str | int], key: str | int | None) -> None:
    if isinstance(value, str):
        if not value.isascii() and _SURROGATE.search(value):
            where = path if key is None else [*path, key]
            raise Rejected(_surrogate_message(where, value))
    elif isinstance(value, float):
        if not math.isfinite(value):  # NaN, Infinity, 1e400
            where = path if key is None else [*path, key]
            raise Rejected(
                f"Invalid value at '{_field(where)}': {value!r} is not a finite number "
                "(RFC 8259: JSON numbers are finite)."
            )
    elif isinstance(value, int) and value.bit_length() > 1024:  # beyond any finite double
        where = path if key is None else [*path, key]
        raise Rejected(
            f"Invalid value at '{_field(where)}': a number of {len(str(value))} digits is "
            "out of range."
        )


def _surrogate_message(path: list[str | int], text: str, *, name: bool = False) -> str:
    found = _SURROGATE.search(text)
    escape = f"\\u{ord(found.group()):04x}" if found else "a surrogate"
    what = "a member name" if name else "the string"
    return (
        f"Invalid value at '{_field(path)}': {what} holds a lone UTF-16 surrogate ({escape}), "
        "which is not Unicode text."
    )


# -- generated instances (the probe model) ---------------------------------------------


class InstanceBudget:
    """What one generated instance may hold; ``spend`` past it raises ``Rejected``."""

    VALUES = 10_000
    CHARACTERS = 1_000_000

    def __init__(self, where: str = "response_format") -> None:
        self.where = where
        self.values = self.VALUES
        self.characters = self.CHARACTERS

    def spend(self, values: int) -> None:
        self.values -= values
        if self.values < 0:
            self.refuse()

    def spend_text(self, characters: int) -> None:
        self.characters -= characters
        if self.characters < 0:
            self.refuse()

    def refuse(self) -> None:
        raise Rejected(
            f"Invalid value at '{_shown(self.where)}': the schema asks for an instance of more "
            f"than {self.VALUES} values or {self.CHARACTERS} characters (too many states)."
        )


# -- JSON out (the store) ---------------------------------------------------------------


def dumps(value: Any) -> str:
    """JSON text for the store, refusing (``Rejected``) what could not be rendered back as
    UTF-8 JSON: what is stored is always what a GET can answer."""
    try:
        text = json.dumps(value, allow_nan=False, ensure_ascii=False)
        text.encode("utf-8")
    except (ValueError, UnicodeEncodeError, RecursionError) as exc:
        raise Rejected(
            f"Invalid JSON payload received: the interaction cannot be stored ({type(exc).__name__})."
        ) from None
    return text


# -- test control -----------------------------------------------------------------------


def advance_seconds(body: Any) -> float:
    """``{"advance_seconds": N}``: N a finite number >= 0, else ``Rejected``."""
    value = body.get("advance_seconds") if isinstance(body, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        shown = type(value).__name__ if value is not None else "missing"
        raise Rejected(
            f"Invalid value at 'advance_seconds': a number of seconds is required ({shown})."
        )
    if not math.isfinite(value) or value < 0 or value > LATEST_CLOCK_SECONDS:
        raise Rejected(
            f"Invalid value at 'advance_seconds': {value!r} is not a number of seconds in "
            f"0..{LATEST_CLOCK_SECONDS:.0f}."
        )
    return float(value)


def tier(body: Any) -> str:
    """``{"tier": "free" | "paid"}``: the tier as a string, else ``Rejected``."""
    value = body.get("tier") if isinstance(body, dict) else None
    if not isinstance(value, str):
        shown = type(value).__name__ if value is not None else "missing"
        raise Rejected(f"Invalid value at 'tier': 'free' or 'paid' is required ({shown}).")
    return value


# -- the ASGI guard ---------------------------------------------------------------------


class _BodyError(Exception):
    """Raised from ``receive`` inside the app; the guard answers it."""


def guard(app: ASGIApp, limits: Limits, answer: Callable[[str], Any]) -> ASGIApp:
    """Wrap ``app`` so request bodies are bounded in size and read time.

    ``answer(message)`` builds the 400 response (a Starlette ``Response``: an ASGI app).
    """

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > limits.max_body_bytes:
            await _refuse(answer, scope, receive, send, _too_large(limits))
            return
        received = 0
        finished = False
        deadline: float | None = None
        started = False

        async def bounded_receive() -> Message:
            nonlocal received, finished, deadline
            if finished:  # after the body: Starlette listens for http.disconnect, unbounded
                return await receive()
            if deadline is None:
                deadline = anyio.current_time() + limits.body_timeout
            try:
                with anyio.fail_after(max(0.0, deadline - anyio.current_time())):
                    message = await receive()
            except TimeoutError:
                raise _BodyError(
                    f"Invalid request: the body did not arrive within {limits.body_timeout:g} s "
                    f"({received} bytes received)."
                ) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limits.max_body_bytes:
                    raise _BodyError(_too_large(limits))
                finished = not message.get("more_body", False)
            else:
                finished = True
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await app(scope, bounded_receive, tracked_send)
        except ClientDisconnect:  # gone mid-body: nobody to answer, and no server error
            return
        except _BodyError as exc:
            if not started:  # always so: a handler reads its body before it answers
                await _refuse(answer, scope, receive, send, str(exc))

    return guarded


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _too_large(limits: Limits) -> str:
    return (
        f"Invalid request: the body is larger than {limits.max_body_bytes} bytes "
        "(send big media through the Files API)."
    )


async def _refuse(
    answer: Callable[[str], Any], scope: Scope, receive: Receive, send: Send, message: str
) -> None:
    """The 400, with ``Connection: close``: the rest of the body is never read."""
    response = answer(message)
    response.headers["connection"] = "close"
    await response(scope, receive, send)


# -- the server's request-head timeout ---------------------------------------------------


def server_protocol(limits: Limits) -> type[asyncio.Protocol]:
    """uvicorn's h11 protocol, closing a connection whose request head is late.

    The timer runs from the connection's opening and from each answer, and stops when a
    request's line and headers are parsed; uvicorn's own keep-alive timer stops at the first
    byte, so half a header held the connection forever. (h11 explicitly: with httptools
    installed, uvicorn's ``auto`` would pick a protocol without this timer.)
    """
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class HeadTimeoutProtocol(H11Protocol):
        head_timer: asyncio.TimerHandle | None = None

        def arm(self) -> None:
            self.disarm()
            self.head_timer = self.loop.call_later(limits.header_timeout, self.head_late)

        def disarm(self) -> None:
            if self.head_timer is not None:
                self.head_timer.cancel()
                self.head_timer = None

        def head_late(self) -> None:
            self.head_timer = None
            # still waiting for a request head, and no request in flight
            if self.conn.their_state is h11.IDLE and (
                self.cycle is None or self.cycle.response_complete
            ):
                self.timeout_keep_alive_handler()  # uvicorn's close: ConnectionClosed, close

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            super().connection_made(transport)  # type: ignore[arg-type]
            self.arm()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.conn.their_state is not h11.IDLE:  # the head is parsed
                self.disarm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self.arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self.disarm()
            super().connection_lost(exc)

    return HeadTimeoutProtocol
