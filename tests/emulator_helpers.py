"""Helpers for the emulator tests: an in-process client that validates every response."""

from __future__ import annotations

import contextlib
import json
import time
import warnings
from collections.abc import Iterator
from typing import Any

import httpx

with warnings.catch_warnings():
    # starlette warns at import that its TestClient prefers httpx2 (not installed): httpx still works.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from interactions_conformance import load_revision
from interactions_conformance.emulator import Clock, EmulatorConfig, create_app

KEY = "emulator-key"
KEY2 = "emulator-key-2"
MODEL = "gemini-2.5-flash"
LITE = "gemini-2.5-flash-lite"
AGENT = "deep-research-pro-preview-12-2025"
REVISION = load_revision("2025-12")

WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "name": "get_weather",
    "description": "Gets the current weather for a city.",
    "parameters": {
        "type": "object",
        "properties": {"location": {"type": "string"}},
        "required": ["location"],
    },
}


def parse_sse(text: str) -> list[tuple[str | None, Any]]:
    """(event name, data) per SSE event; data is parsed JSON, or the raw string when it is not JSON."""
    out: list[tuple[str | None, Any]] = []
    for block in text.split("\n\n"):
        name, data = None, None
        for line in block.splitlines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data = line[6:]
        if data is None:
            continue
        try:
            out.append((name, json.loads(data)))
        except ValueError:
            out.append((name, data))
    return out


def events_of(text: str) -> list[dict[str, Any]]:
    return [d for _, d in parse_sse(text) if isinstance(d, dict)]


class Api:
    """A TestClient bound to one emulator, with the key in a header by default."""

    def __init__(self, client: TestClient, clock: Clock, *, validate: bool) -> None:
        self.client = client
        self.clock = clock
        self.validate = validate

    def _check(self, response: httpx.Response, schema: str | None) -> httpx.Response:
        if not self.validate:
            return response
        assert response.status_code < 500, response.text
        ctype = response.headers.get("content-type", "")
        if response.status_code >= 400:
            result = REVISION.validate(response.json(), "error", strict=True)
            assert result.ok, [str(v) for v in result.violations]
        elif "text/event-stream" in ctype:
            for event in events_of(response.text):
                result = REVISION.validate(event, "sse-event", strict=True)
                assert result.ok, [str(v) for v in result.violations]
                assert not result.drift, result.drift
        elif schema is not None:
            result = REVISION.validate(response.json(), schema, strict=True)
            assert result.ok, [str(v) for v in result.violations]
            assert not result.drift, result.drift
        return response

    def create(self, body: Any, *, key: str | None = KEY, **kwargs: Any) -> httpx.Response:
        headers = {"x-goog-api-key": key} if key else {}
        if isinstance(body, (bytes, str)):
            response = self.client.post(
                "/v1beta/interactions", content=body, headers=headers, **kwargs
            )
        else:
            response = self.client.post(
                "/v1beta/interactions", json=body, headers=headers, **kwargs
            )
        return self._check(response, "interaction")

    def get(self, interaction_id: str, *, key: str | None = KEY, **params: Any) -> httpx.Response:
        headers = {"x-goog-api-key": key} if key else {}
        response = self.client.get(
            f"/v1beta/interactions/{interaction_id}", params=params, headers=headers
        )
        return self._check(response, "interaction")

    def delete(self, interaction_id: str, *, key: str = KEY) -> httpx.Response:
        response = self.client.delete(
            f"/v1beta/interactions/{interaction_id}", headers={"x-goog-api-key": key}
        )
        return self._check(response, "delete-response")

    def cancel(self, interaction_id: str, *, key: str = KEY) -> httpx.Response:
        response = self.client.post(
            f"/v1beta/interactions/{interaction_id}/cancel", headers={"x-goog-api-key": key}
        )
        return self._check(response, "interaction")

    def advance(self, seconds: float) -> None:
        response = self.client.post("/__emulator/clock", json={"advance_seconds": seconds})
        assert response.status_code == 200, response.text

    def wait(self, interaction_id: str, timeout: float = 10) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            body: dict[str, Any] = self.get(interaction_id).json()
            if body.get("status") != "in_progress":
                return body
            assert time.monotonic() < deadline, body
            time.sleep(0.05)


@contextlib.contextmanager
def emulator(*faults: str, validate: bool | None = None, **fields: Any) -> Iterator[Api]:
    """An in-process emulator (test control on, short jobs). Responses are schema-checked
    (strict) unless a fault is on or ``validate=False``. It answers header-less requests in
    2025-12 (``REVISION``, the shape these tests write), not the server's default, the newest."""
    config = EmulatorConfig(
        faults=faults,
        test_control=True,
        agent_seconds=fields.pop("agent_seconds", 0.2),
        background_seconds=fields.pop("background_seconds", 0.1),
        revision=fields.pop("revision", REVISION.name),
        **fields,
    )
    clock = Clock()
    app = create_app(config, clock=clock)
    with TestClient(app, raise_server_exceptions=True) as client:
        yield Api(client, clock, validate=not faults if validate is None else validate)
