"""A third-party target of our own making: the emulator behind a deliberately deviant gateway.

An ASGI wrapper around the emulator app, the way a real gateway in front of a
backend deviates from the documented API (each deviation is one switch):

* ``null-fields``: every JSON Interaction answers ``"previous_interaction_id": null``
  when it has none (absent fields sent as ``null``);
* ``error-codes``: error bodies spell ``error.code`` the google.rpc way
  (``INVALID_ARGUMENT``) instead of snake_case;
* ``delete-body``: DELETE answers ``{"deleted": true}`` instead of ``{}``;
* ``model-and-agent``: a create with both ``model`` and ``agent`` is accepted (the gateway
  drops ``agent``);
* ``ignore-last-event-id``: a GET drops the ``last_event_id`` query parameter (a resume
  replays the whole stream).

Streams pass through untouched. `serving(...)` starts it on a loopback port.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode

DEVIATIONS = (
    "null-fields",
    "error-codes",
    "delete-body",
    "model-and-agent",
    "ignore-last-event-id",
)
_CODES = {
    "invalid_request": "INVALID_ARGUMENT",
    "not_found": "NOT_FOUND",
    "unauthenticated": "UNAUTHENTICATED",
    "permission_denied": "PERMISSION_DENIED",
}

Scope = dict[str, Any]


class DeviantGateway:
    """ASGI middleware: the wrapped app's traffic, with the chosen deviations applied."""

    def __init__(self, app: Any, deviations: tuple[str, ...]) -> None:
        unknown = set(deviations) - set(DEVIATIONS)
        if unknown:
            raise ValueError(f"unknown deviations {sorted(unknown)}; known: {DEVIATIONS}")
        self.app = app
        self.on = frozenset(deviations)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        if "ignore-last-event-id" in self.on and method == "GET":
            query = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
            kept = [(k, v) for k, v in query if k != "last_event_id"]
            scope = {**scope, "query_string": urlencode(kept).encode("latin-1")}
        body = await _read(receive)
        if "model-and-agent" in self.on and method == "POST" and path.endswith("/interactions"):
            body = _drop_agent(body)
            scope = _with_length(scope, len(body))
        sent = False

        async def replay() -> dict[str, Any]:
            nonlocal sent
            if sent:  # the body was read: what comes next is the client's (a disconnect)
                message: dict[str, Any] = await receive()
                return message
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        start: dict[str, Any] = {}
        chunks: list[bytes] = []
        buffering = False

        async def intercept(message: dict[str, Any]) -> None:
            nonlocal buffering
            if message["type"] == "http.response.start":
                named = {k.lower(): v for k, v in message.get("headers", [])}
                buffering = named.get(b"content-type", b"").startswith(b"application/json")
                if not buffering:
                    await send(message)
                else:
                    start.update(message)
                return
            if not buffering:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            status = int(start["status"])
            out = self._rewrite(method, status, b"".join(chunks))
            headers = [
                (k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"
            ]
            headers.append((b"content-length", str(len(out)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": out, "more_body": False})

        await self.app(scope, replay, intercept)

    def _rewrite(self, method: str, status: int, raw: bytes) -> bytes:
        try:
            data = json.loads(raw) if raw.strip() else None
        except ValueError:
            return raw
        if status >= 400 and "error-codes" in self.on and isinstance(data, dict):
            error = data.get("error")
            if isinstance(error, dict) and isinstance(error.get("code"), str):
                error["code"] = _CODES.get(error["code"], error["code"].upper())
        elif method == "DELETE" and status == 200 and "delete-body" in self.on:
            data = {"deleted": True}
        elif status == 200 and "null-fields" in self.on and isinstance(data, dict):
            if data.get("object") == "interaction" and "previous_interaction_id" not in data:
                data["previous_interaction_id"] = None
        else:
            return raw
        return json.dumps(data).encode()


async def _read(receive: Any) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


def _drop_agent(body: bytes) -> bytes:
    try:
        data = json.loads(body)
    except ValueError:
        return body
    if isinstance(data, dict) and "model" in data and "agent" in data:
        del data["agent"]
        return json.dumps(data).encode()
    return body


def _with_length(scope: Scope, length: int) -> Scope:
    headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-length"]
    return {**scope, "headers": [*headers, (b"content-length", str(length).encode())]}


@contextlib.contextmanager
def serving(deviations: tuple[str, ...]) -> Iterator[str]:
    """The emulator behind the gateway, on a free loopback port; yields its base URL."""
    from _support import serving_app
    from interactions_conformance.emulator import EmulatorConfig, create_app

    emulator = create_app(EmulatorConfig(api_keys=("emulator-key", "emulator-key-2")))
    app = DeviantGateway(emulator, deviations)
    try:
        with serving_app(app, lifespan="on", what="the deviant gateway") as url:
            yield url
    finally:
        emulator.state.emulator.store.close()
