"""An HTTP client for the Interactions API that records what it sees.

Every call returns an `Exchange` (the request and the response as they were
on the wire, streamed bodies chunk by chunk) and hands it to an observer:
the pytest plugin checks it, a recorder may write it. 429 and 503 are retried
with a bounded backoff that honours ``Retry-After``.
"""

from __future__ import annotations

import functools
import json
import ssl
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from ._spec import DEFAULT_REVISION
from ._traffic import Exchange, Request, Response
from ._wire import request_to_wire


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """httpx's default verification, built once: loading the CA bundle is ~25 ms, which every
    new client (one per test) paid again."""
    return httpx.create_ssl_context()


__all__ = [
    "DEFAULT_REQUEST_TIMEOUT",
    "ApiClient",
    "RateLimiter",
    "TokenBudgetExceeded",
    "tokens_used",
]

Observer = Callable[[Exchange], None]
# Seconds without a byte before a request fails: long enough for a live generation (a stream
# counts per chunk), short enough that a hung target costs a test seconds, not minutes.
DEFAULT_REQUEST_TIMEOUT = 30.0
_RETRY_STATUSES = frozenset({429, 503})
_USE_DEFAULT: Any = object()


class RateLimiter:
    """At most ``rate`` requests per second, shared by every client of a run (live quotas).

    Spaces requests evenly (a minimum interval) rather than bursting: a per-minute quota is
    never hit by a burst at the start of a minute.
    """

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not rate > 0:
            raise ValueError(f"the rate limit must be a positive number of requests/s, not {rate}")
        self.interval = 1.0 / rate
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0

    def wait(self) -> None:
        now = self._clock()
        if now < self._next:
            self._sleep(self._next - now)
            now = self._next
        self._next = now + self.interval

    def __repr__(self) -> str:
        return f"RateLimiter({1.0 / self.interval:g}/s)"


class TokenBudgetExceeded(Exception):
    """The run has spent its ``--token-budget``; no further requests are sent."""


def _is_create(exchange: Exchange) -> bool:
    return exchange.request.method == "POST" and urlsplit(exchange.request.url).path.endswith(
        "/interactions"
    )


def tokens_used(exchange: Exchange) -> int:
    """Tokens an exchange cost, from the usage the target reported (0 when unknown).

    Only a create spends: a GET (or a replayed stream) reports the usage of a generation that
    was paid for when it was created, so counting it again would spend the budget twice.
    """
    response = exchange.response
    if response.status >= 400 or not _is_create(exchange):
        return 0
    if response.is_stream:
        total = 0
        for line in response.body.splitlines():
            if line.startswith(b"data:") and b'"total_tokens"' in line:
                try:
                    data = json.loads(line[5:])
                    total = int(data["interaction"]["usage"]["total_tokens"])
                except (ValueError, KeyError, TypeError):
                    continue
        return total
    body = response.json()
    if isinstance(body, dict) and isinstance(body.get("usage"), dict):
        value = body["usage"].get("total_tokens")
        return value if isinstance(value, int) else 0
    return 0


class ApiClient:
    """Talks to one target with one key; observers see every exchange."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        *,
        api_version: str = "v1beta",
        timeout: float = DEFAULT_REQUEST_TIMEOUT,
        extra_headers: Mapping[str, str] | None = None,
        max_retries: int = 4,
        max_retry_wait: float = 30.0,
        token_budget: int | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        revision: str = DEFAULT_REVISION,
        api_revision: str | None = None,
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        # Bodies given to create() are in the canonical (2025-12) shape and are spelled in
        # this revision on the wire; api_revision is the Api-Revision header that asks for it.
        self.revision = revision
        self.api_revision = api_revision
        self.api_key = api_key
        self.api_version = api_version
        self.extra_headers = dict(extra_headers or {})
        self.max_retries = max_retries
        self.max_retry_wait = max_retry_wait
        self.token_budget = token_budget
        self.observers: list[Observer] = []
        self.requests_made = 0
        self.tokens = 0
        self._sleep = sleep
        self._transport = transport  # shared by with_key: one cassette per test
        self.timeout = timeout
        self.rate_limiter = rate_limiter
        self._http = httpx.Client(timeout=timeout, transport=transport, verify=_tls_context())

    def __repr__(self) -> str:  # never the key (pytest and Hypothesis print arguments)
        key = "none" if self.api_key is None else "***"
        return f"ApiClient({self.base_url!r}, api_key={key}, revision={self.revision!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def with_key(self, api_key: str | None) -> ApiClient:
        """A client for the same target with another key, sharing counters' observers."""
        other = ApiClient(
            self.base_url,
            api_key,
            api_version=self.api_version,
            extra_headers=self.extra_headers,
            max_retries=self.max_retries,
            max_retry_wait=self.max_retry_wait,
            token_budget=self.token_budget,
            transport=self._transport,
            sleep=self._sleep,
            revision=self.revision,
            api_revision=self.api_revision,
            timeout=self.timeout,
            rate_limiter=self.rate_limiter,
        )
        other.observers = self.observers
        return other

    # -- the API -----------------------------------------------------------------

    def url(self, path: str) -> str:
        """``interactions/x`` is under the API version; ``/upload/v1beta/files`` is taken as it
        is; an absolute URL (an upload URL the target handed out, on any origin) is used as it is."""
        if path.startswith(("http://", "https://")):
            return path
        if path.startswith("/"):
            return f"{self.base_url}{path}"
        return f"{self.base_url}/{self.api_version}/{path}"

    def create(self, body: Mapping[str, Any], **kwargs: Any) -> Exchange:
        """POST /interactions; streams when ``body["stream"]`` is true.

        ``body`` is written in the canonical shape (turns, ``outputs`` blocks as history,
        ``response_format`` + ``response_mime_type``) and sent in the client's revision
        (``_wire.request_to_wire``, which leaves a body already in that shape alone). To send
        a body exactly as written, e.g. a legacy body on purpose, use ``request()``.
        """
        wire = request_to_wire(dict(body), self.revision)
        # Only ``stream: true`` asks for a stream: a wrongly typed ``"yes"`` that the target
        # accepts is a JSON answer, and is read as one unless the answer says it is SSE.
        return self.request(
            "POST", "interactions", json_body=wire, stream=body.get("stream") is True, **kwargs
        )

    def get(
        self,
        interaction_id: str,
        *,
        stream: bool = False,
        last_event_id: str | None = None,
        **kwargs: Any,
    ) -> Exchange:
        params: dict[str, str] = {}
        if stream:
            params["stream"] = "true"
        if last_event_id is not None:
            params["last_event_id"] = last_event_id
        return self.request(
            "GET", f"interactions/{interaction_id}", params=params, stream=stream, **kwargs
        )

    def delete(self, interaction_id: str, **kwargs: Any) -> Exchange:
        return self.request("DELETE", f"interactions/{interaction_id}", **kwargs)

    def cancel(self, interaction_id: str, **kwargs: Any) -> Exchange:
        return self.request("POST", f"interactions/{interaction_id}/cancel", **kwargs)

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        content: bytes | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        api_key: str | None = _USE_DEFAULT,
        key_in: str = "header",
        stream: bool = False,
        label: str = "",
    ) -> Exchange:
        """Send one request (retrying 429/503) and return the final exchange.

        ``api_key=None`` sends no key at all; ``key_in="query"`` sends it as ``?key=``.
        """
        if self.token_budget is not None and self.tokens >= self.token_budget:
            raise TokenBudgetExceeded(
                f"token budget of {self.token_budget} spent ({self.tokens} used); "
                f"not sending {method} {path}"
            )
        key = self.api_key if api_key is _USE_DEFAULT else api_key
        all_headers = {"content-type": "application/json", **self.extra_headers}
        if self.api_revision is not None:
            all_headers["api-revision"] = self.api_revision
        all_headers.update(headers or {})
        query = dict(params or {})
        if key is not None:
            if key_in == "query":
                query["key"] = key
            else:
                all_headers["x-goog-api-key"] = key
        body = (
            content
            if content is not None
            else (json.dumps(json_body).encode() if json_body is not None else b"")
        )
        url = self.url(path)
        attempt = 0
        while True:
            exchange = self._send(method, url, query, all_headers, body, stream, label)
            status = exchange.response.status
            if status not in _RETRY_STATUSES or attempt >= self.max_retries:
                break
            self._sleep(self._retry_delay(exchange, attempt))
            attempt += 1
        self.tokens += tokens_used(exchange)
        for observer in self.observers:
            observer(exchange)
        return exchange

    # -- internals -----------------------------------------------------------------

    def _retry_delay(self, exchange: Exchange, attempt: int) -> float:
        retry_after = {k.lower(): v for k, v in exchange.response.headers.items()}.get(
            "retry-after"
        )
        if retry_after is not None:
            try:
                return min(float(retry_after), self.max_retry_wait)
            except ValueError:
                pass  # an HTTP date: fall back to exponential backoff
        return float(min(2**attempt, self.max_retry_wait))

    def _send(
        self,
        method: str,
        url: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: bytes,
        stream: bool,
        label: str,
    ) -> Exchange:
        # The URL's own query (an upload URL's upload_id) is kept: params would replace it.
        target = httpx.URL(url).copy_merge_params(dict(query)) if query else httpx.URL(url)
        request = self._http.build_request(method, target, headers=headers, content=body or None)
        self.requests_made += 1
        if self.rate_limiter is not None:
            self.rate_limiter.wait()
        response = self._http.send(request, stream=True)
        try:
            chunks = tuple(chunk for chunk in response.iter_bytes() if chunk)
        finally:
            response.close()
        is_sse = response.headers.get("content-type", "").startswith("text/event-stream")
        recorded = Response(
            status=response.status_code,
            headers=dict(response.headers),
            body=b"".join(chunks),
            chunks=chunks if (stream or is_sse) else None,
        )
        sent = Request(method=method, url=str(request.url), headers=dict(headers), body=body)
        return Exchange(sent, recorded, label=label)
