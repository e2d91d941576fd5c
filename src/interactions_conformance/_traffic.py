"""Recorded traffic: the one shape every source of traffic is turned into.

The suites (httpx), cassette replay, the proxy and files (HAR, JSON Lines)
all produce `Exchange`s; the checks take nothing else. A streamed response
keeps its raw chunks in arrival order so that framing can be checked.

Bodies are read as strict JSON (`loads_json`): ``NaN`` and ``Infinity`` are
not JSON, and nesting deeper than `MAX_JSON_DEPTH` levels is refused, so
that no check downstream (reassembly, comparisons, schema validation) can
recurse without bound; a body refused so reads as "not JSON".
"""

from __future__ import annotations

import dataclasses
import json
import re
import shlex
from collections.abc import Mapping
from typing import Any
from urllib.parse import SplitResult, urlsplit

from ._secrets import KEY_PLACEHOLDER, SECRET_HEADERS, scrub_text, scrub_url

__all__ = [
    "MAX_JSON_DEPTH",
    "Exchange",
    "JSONTooDeep",
    "Request",
    "Response",
    "loads_json",
    "split_url",
    "too_deep",
]

# Deeper than any payload of the API (a few levels, tens with nested function arguments) and far
# below what Python's recursion limit lets the checks walk.
MAX_JSON_DEPTH = 64
_TOO_DEEP = f"JSON nested deeper than {MAX_JSON_DEPTH} levels (the checker's limit)"
_SECRET_QUERY = re.compile(r"([?&](?:key|api_key|access_token)=)[^&#]*", re.IGNORECASE)


class JSONTooDeep(ValueError):
    """A JSON text nests arrays and objects deeper than `MAX_JSON_DEPTH`."""


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def too_deep(value: Any) -> bool:
    """Whether arrays and objects nest deeper than `MAX_JSON_DEPTH` (a walk, not a recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return False


def loads_json(data: str | bytes | bytearray) -> Any:
    """`json.loads`, strict: no ``NaN``/``Infinity``, at most `MAX_JSON_DEPTH` levels of nesting.

    Raises ValueError (`JSONTooDeep` for the depth) on anything else.
    """
    text = data.decode(json.detect_encoding(data)) if isinstance(data, bytes | bytearray) else data
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:  # json's own limit, near 1,000 levels
        raise JSONTooDeep(_TOO_DEEP) from None
    # Only a text with enough brackets can nest that deep: most need no walk at all.
    if (
        isinstance(value, dict | list)
        and text.count("[") + text.count("{") > MAX_JSON_DEPTH
        and too_deep(value)
    ):
        raise JSONTooDeep(_TOO_DEEP)
    return value


def split_url(url: str) -> SplitResult:
    """`urlsplit`, total: a URL it refuses (an unclosed IPv6 bracket) has no parts at all."""
    try:
        return urlsplit(url)
    except ValueError:
        return SplitResult("", "", "", "", "")


def _scrubbed_url(url: str) -> str:
    try:
        return scrub_url(url)
    except ValueError:  # not a URL urlsplit accepts: scrub key parameters by their shape
        return scrub_text(_SECRET_QUERY.sub(lambda m: m.group(1) + KEY_PLACEHOLDER, url))


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
            return loads_json(self.body)
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
        parts.append(
            shlex.quote(_scrubbed_url(self.url)).replace("%24GEMINI_API_KEY", KEY_PLACEHOLDER)
        )
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
            return loads_json(self.body)
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
