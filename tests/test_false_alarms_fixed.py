"""Regressions of the false alarms of issue 14 item 5: each passed a conforming target as failing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from interactions_conformance._client import ApiClient, RateLimiter
from interactions_conformance._secrets import scrub_headers
from interactions_conformance._wire import request_to_wire
from interactions_conformance.checks import check_exchange
from interactions_conformance.emulator import running_emulator


@pytest.fixture(scope="module")
def emulator_url() -> Iterator[str]:
    with running_emulator(api_keys=("emulator-key",)) as url:
        yield url


# -- _wire: response_format as a list left the removed response_mime_type in (ERR-MESSAGE-FIELD)


def test_a_list_response_format_drops_the_removed_mime_type() -> None:
    body = {"model": "m", "input": "hi", "response_format": ["object"]}
    body["response_mime_type"] = "application/json"
    wire = request_to_wire(body, "2026-05")
    assert "response_mime_type" not in wire
    assert '["object"]' in json.dumps(wire["response_format"])  # the wrong value is still sent


def test_the_mime_type_moves_into_a_text_format_without_one() -> None:
    schema = {"type": "object"}
    body = {"model": "m", "input": "hi", "response_mime_type": "application/json"}
    body["response_format"] = [{"type": "text", "schema": schema}]
    wire = request_to_wire(body, "2026-05")
    assert wire["response_format"] == [
        {"type": "text", "schema": schema, "mime_type": "application/json"}
    ]
    assert "response_mime_type" not in wire
    assert request_to_wire(wire, "2026-05") == wire  # idempotent


def test_the_emulator_names_response_format_for_the_mutation(emulator_url: str) -> None:
    """The generated suite's response-format-not-object mutation under 2026-05: the 400 names
    response_format (the field that is wrong), so ERR-MESSAGE-FIELD holds."""
    with ApiClient(
        emulator_url, "emulator-key", revision="2026-05", api_revision="2026-05-20"
    ) as client:
        body = {"model": "gemini-2.5-flash-lite", "input": "hi", "response_format": ["object"]}
        body["response_mime_type"] = "application/json"
        exchange = client.create(body)
    assert exchange.response.status == 400
    assert "response_format" in exchange.response.json()["error"]["message"]
    assert "response_mime_type" not in exchange.request.json()


# -- ApiClient.url: an absolute upload URL on another origin was mangled (FILES-UPLOAD-ACTIVE)


def test_an_absolute_url_on_any_origin_is_used_as_it_is() -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={})

    with ApiClient("http://proxy:8081", "k", transport=httpx.MockTransport(answer)) as client:
        upload = "http://127.0.0.1:9999/upload/v1beta/files?upload_id=1"
        assert client.url(upload) == upload
        client.request("POST", upload, content=b"x")
        assert client.url("interactions") == "http://proxy:8081/v1beta/interactions"
        assert client.url("/upload/v1beta/files") == "http://proxy:8081/upload/v1beta/files"
    assert seen == ["http://127.0.0.1:9999/upload/v1beta/files?upload_id=1"]


# -- an empty cookie header was scrubbed to $GEMINI_API_KEY in recordings


def test_an_empty_secret_header_stays_empty() -> None:
    assert scrub_headers({"cookie": "", "x-goog-api-key": "k"}) == {
        "cookie": "",
        "x-goog-api-key": "$GEMINI_API_KEY",
    }


def test_a_cassette_keeps_an_empty_cookie_empty(tmp_path: Path) -> None:
    from interactions_conformance._cassettes import Cassette

    cassette = Cassette(tmp_path / "c.yaml", "rewrite", known_keys=("emulator-key",))
    assert cassette._key_slot("") == ""
    assert cassette._key_slot("emulator-key") == "$GEMINI_API_KEY"


# -- stream: "yes" accepted: SSE rules fired on a JSON body


def _json_answer(request: httpx.Request) -> httpx.Response:
    body = {
        "id": "i1",
        "object": "interaction",
        "status": "completed",
        "model": "gemini-2.5-flash-lite",
        "outputs": [{"type": "text", "text": "hi"}],
    }
    return httpx.Response(200, json=body)


def test_an_accepted_stream_yes_is_read_as_the_json_it_is() -> None:
    with ApiClient("http://t", "k", transport=httpx.MockTransport(_json_answer)) as client:
        exchange = client.create({"model": "gemini-2.5-flash-lite", "input": "hi", "stream": "yes"})
    assert exchange.response.chunks is None
    assert not exchange.response.is_stream
    fired = {v.rule for v in check_exchange(exchange, "2025-12").violations}
    assert not {r for r in fired if r.startswith(("SSE-", "STREAM-"))}, fired


def test_stream_true_answered_as_json_is_still_a_violation() -> None:
    """The fix does not hide a real fault: stream=true must be answered as SSE."""
    with ApiClient("http://t", "k", transport=httpx.MockTransport(_json_answer)) as client:
        exchange = client.create({"model": "gemini-2.5-flash-lite", "input": "hi", "stream": True})
    fired = {v.rule for v in check_exchange(exchange, "2025-12").violations}
    assert "SSE-CONTENT-TYPE" in fired


# -- the client's limits ---------------------------------------------------------------------


def test_rate_limiter_spaces_requests() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(4, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        limiter.wait()
    assert slept == [0.25, 0.25, 0.25, 0.25]
    with pytest.raises(ValueError, match="positive"):
        RateLimiter(0)


def test_extra_headers_go_on_every_request() -> None:
    seen: list[httpx.Headers] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers)
        return httpx.Response(200, json={})

    transport = httpx.MockTransport(answer)
    with ApiClient("http://t", "k", transport=transport, extra_headers={"X-Gw": "1"}) as client:
        client.get("a")
        client.with_key("k2").get("b")
    assert [h.get("x-gw") for h in seen] == ["1", "1"]
    assert json.dumps([dict(h) for h in seen])  # plain headers, nothing odd


@pytest.mark.parametrize(
    ("revision", "seed", "rule"),
    [("2026-05", "2802133974", "ERR-MESSAGE-FIELD"), ("2026-11", "755857760", "SCHEMA-REQUEST")],
)
def test_a_wrong_typed_response_mime_type_is_not_sent_in_the_steps_schema(
    tmp_path: Path, revision: str, seed: str, rule: str
) -> None:
    """Seeds found by benchmarks/no_false_alarms.py drew a wrong-typed response_mime_type for
    the wrong-type mutation, which the steps schema cannot spell: 42 reached the target as a
    legacy field (the legacy-schema message names no field: ERR-MESSAGE-FIELD failed), null
    was dropped by the translation (the valid rest was accepted: SCHEMA-REQUEST failed)."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("GEMINI_API_KEY")}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")  # no example replayed from another run
    command = [sys.executable, "-m", "interactions_conformance._cli", "run", "-q"]
    command += ["--revision", revision, "--seed", seed, "--results", "r.json"]
    command += ["-k", "test_near_valid_requests_are_rejected and wrong-type"]
    done = subprocess.run(
        command, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600
    )
    assert done.returncode == 0, done.stdout[-3000:]
    rules = json.loads((tmp_path / "r.json").read_text("utf-8"))["rules"]
    assert rules[rule]["status"] == "passed"
