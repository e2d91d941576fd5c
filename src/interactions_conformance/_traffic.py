"""Recorded traffic: the one shape every source of traffic is turned into.

The suites (httpx), cassette replay, the proxy and files (HAR, JSON Lines)
all produce `Exchange`s; the checks take nothing else. A streamed response
keeps its raw chunks in arrival order so that framing can be checked.
"""

from __future__ import annotations

import dataclasses
import json
import shlex
from collections.abc import Mapping
from typing import Any

from ._secrets import KEY_PLACEHOLDER, SECRET_HEADERS, scrub_text, scrub_url

__all__ = ["Exchange", "Request", "Response"]

_HOP_HEADERS = frozenset({"host", "content-length", "connection", "accept-encoding", "user-agent"})


def _lower(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


@dataclasses.dataclass(frozen=True)
class Request:
    method: str
    url: str
    headers: Mapping[str, str] = dataclasses.field(default_factory=dict)
    body: bytes = b""

    def json(self) -> Any:
        """The JSON body, or None when there is none or it is not JSON."""
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def curl(self) -> str:
        """A shell line that sends this request again, with no secret in it."""
        parts = ["curl", "-sS"]
        body = self.json()
        if "stream=true" in self.url.lower() or (
            isinstance(body, dict) and body.get("stream") is True
        ):
            parts.append("-N")  # print events as they arrive
        if self.method.upper() != "GET":
            parts += ["-X", self.method.upper()]
        parts.append(shlex.quote(scrub_url(self.url)).replace("%24GEMINI_API_KEY", KEY_PLACEHOLDER))
        headers = _lower(self.headers)
        had_key = any(h in headers for h in SECRET_HEADERS)
        for name, value in sorted(headers.items()):
            if name in _HOP_HEADERS or name in SECRET_HEADERS:
                continue
            parts += ["-H", shlex.quote(f"{name}: {scrub_text(value)}")]
        if had_key:
            # Double quotes so that the shell fills in the key from the environment.
            parts += ["-H", f'"x-goog-api-key: {KEY_PLACEHOLDER}"']
        if self.body:
            text = self.body.decode("utf-8", "replace")
            parts += ["-d", shlex.quote(scrub_text(text))]
        return " ".join(parts)


@dataclasses.dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str] = dataclasses.field(default_factory=dict)
    body: bytes = b""
    # For a streamed response: the raw chunks as they arrived (body is their join).
    chunks: tuple[bytes, ...] | None = None

    @property
    def content_type(self) -> str:
        return _lower(self.headers).get("content-type", "").split(";")[0].strip().lower()

    @property
    def is_stream(self) -> bool:
        return self.chunks is not None or self.content_type == "text/event-stream"

    def json(self) -> Any:
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            return None


@dataclasses.dataclass(frozen=True)
class Exchange:
    """One request and its response, as seen on the wire."""

    request: Request
    response: Response
    label: str = ""  # where it came from: a test id, a cassette file and index, ...

    @property
    def reproduce(self) -> str:
        return self.request.curl()
