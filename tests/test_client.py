"""The recording client: retries, budgets, streams kept chunk by chunk, no secret in a curl line."""

from __future__ import annotations

import json

import httpx
import pytest

from interactions_conformance._client import ApiClient, TokenBudgetExceeded, tokens_used

KEY = "AIza" + "X" * 35  # shaped like a Google key, so the scrubber must catch it


def _client(handler, **kwargs):  # type: ignore[no-untyped-def]
    sleeps: list[float] = []
    client = ApiClient(
        "http://target.test",
        KEY,
        transport=httpx.MockTransport(handler),
        sleep=sleeps.append,
        **kwargs,
    )
    return client, sleeps


def test_create_sends_the_key_in_the_header_and_records_the_exchange() -> None:
    seen = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen["key"] = request.headers.get("x-goog-api-key")
        seen["url"] = str(request.url)
        return httpx.Response(
            200, json={"id": "i1", "status": "completed", "usage": {"total_tokens": 7}}
        )

    client, _ = _client(handler)
    exchange = client.create({"model": "m", "input": "hi"})
    assert seen == {"key": KEY, "url": "http://target.test/v1beta/interactions"}
    assert exchange.response.status == 200
    assert exchange.request.json() == {"model": "m", "input": "hi"}
    assert client.tokens == 7
    assert client.requests_made == 1


def test_key_in_query_and_no_key() -> None:
    urls = []

    def handler(request: httpx.Request) -> httpx.Response:
        urls.append((str(request.url), request.headers.get("x-goog-api-key")))
        return httpx.Response(200, json={})

    client, _ = _client(handler)
    client.get("abc", key_in="query")
    client.get("abc", api_key=None)
    assert urls == [
        (f"http://target.test/v1beta/interactions/abc?key={KEY}", None),
        ("http://target.test/v1beta/interactions/abc", None),
    ]


def test_429_and_503_are_retried_honouring_retry_after_and_bounded() -> None:
    statuses = iter([429, 503, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        status = next(statuses)
        headers = {"retry-after": "3"} if status == 429 else {}
        return httpx.Response(status, json={}, headers=headers)

    client, sleeps = _client(handler)
    assert client.get("x").response.status == 200
    assert sleeps == [3.0, 2.0]  # Retry-After first, then exponential backoff (2**1)

    always = _client(lambda r: httpx.Response(503, json={}), max_retries=2)
    assert always[0].get("x").response.status == 503
    assert always[1] == [1.0, 2.0]


def test_retry_after_is_capped() -> None:
    statuses = iter([429, 200])
    client, sleeps = _client(
        lambda r: httpx.Response(next(statuses), headers={"retry-after": "3600"}), max_retry_wait=5
    )
    client.get("x")
    assert sleeps == [5.0]


def test_stream_keeps_raw_chunks_in_order() -> None:
    frames = [b"event: a\ndata: {}\n\n", b"data: [DONE]\n\n"]

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, headers={"content-type": "text/event-stream"}, content=iter(frames)
        )

    client, _ = _client(handler)
    exchange = client.create({"model": "m", "input": "hi", "stream": True})
    assert exchange.response.chunks == tuple(frames)
    assert exchange.response.body == b"".join(frames)
    assert exchange.response.is_stream


def test_stream_tokens_come_from_the_complete_event() -> None:
    complete = {
        "event_type": "interaction.complete",
        "interaction": {"usage": {"total_tokens": 42}},
    }
    body = f"data: {json.dumps(complete)}\n\ndata: [DONE]\n\n".encode()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    client, _ = _client(handler)
    assert tokens_used(client.create({"stream": True})) == 42


def test_token_budget_stops_before_sending() -> None:
    sent = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"usage": {"total_tokens": 10}})

    client, _ = _client(handler, token_budget=10)
    client.create({"model": "m", "input": "a"})
    with pytest.raises(TokenBudgetExceeded, match="token budget of 10 spent"):
        client.create({"model": "m", "input": "b"})
    assert len(sent) == 1


def test_observers_see_every_exchange_and_curl_has_no_secret() -> None:
    client, _ = _client(
        lambda r: httpx.Response(400, json={"error": {"code": "invalid_request", "message": "m"}})
    )
    seen = []
    client.observers.append(seen.append)
    exchange = client.create({"model": "m", "input": f"my key is {KEY}"}, key_in="query")
    assert seen == [exchange]
    line = exchange.reproduce
    assert KEY not in line
    assert line.startswith(
        "curl -sS -X POST 'http://target.test/v1beta/interactions?key=$GEMINI_API_KEY'"
    )
    assert "my key is $GEMINI_API_KEY" in line


def test_the_revision_header_is_sent_only_when_the_revision_has_one() -> None:
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("api-revision"))
        return httpx.Response(200, json={})

    legacy, _ = _client(handler)
    legacy.get("abc")
    steps, _ = _client(handler, revision="2026-05", api_revision="2026-05-20")
    steps.get("abc")
    steps.with_key("other").delete("abc")  # a second key speaks the same revision
    assert seen == [None, "2026-05-20", "2026-05-20"]


def test_request_sends_a_body_exactly_as_written() -> None:
    # create() spells a canonical body in the client's revision; request() never rewrites,
    # so a legacy body can be sent on purpose (LEGACY-REJECTED).
    bodies: list[object] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(400, json={"error": {"code": "invalid_request", "message": "x"}})

    client, _ = _client(handler, revision="2026-05", api_revision="2026-05-20")
    legacy = {"model": "m", "input": "hi", "response_mime_type": "application/json"}
    client.request("POST", "interactions", json_body=legacy)
    assert bodies == [legacy]


def test_only_a_create_spends_tokens() -> None:
    # A GET reports the usage of a generation paid for at create: counting it would spend twice.
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": "i1", "usage": {"total_tokens": 7}})

    client, _ = _client(handler)
    client.create({"model": "m", "input": "hi"})
    client.get("i1")
    client.get("i1")
    assert client.tokens == 7
