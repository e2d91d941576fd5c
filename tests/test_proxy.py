"""The validating proxy (`interactions-conformance proxy`) between a client and an upstream.

Sorted by purpose: it is transparent (the SDK works through it; requests and
responses pass byte for byte; streams pass event by event), it finds what
breaks (fault modes give their rule ids in the log), and it never writes a key.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from _support import serving_app
from interactions_conformance._cli import main
from interactions_conformance._proxy import (
    HOP_BY_HOP,
    RunningProxy,
    live_line,
    running_proxy,
)
from interactions_conformance._secrets import find_secrets
from interactions_conformance._spec import DEFAULT_REVISION
from interactions_conformance.checks import check_exchange
from interactions_conformance.emulator import running_emulator

KEY = "emulator-key"
MODEL = "gemini-2.5-flash"
CREATE = {"model": MODEL, "input": "What is 17*23? Answer with the number only."}


def _log(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


@contextlib.contextmanager
def _proxied(
    tmp_path: Path, upstream: str, **options: Any
) -> Iterator[tuple[RunningProxy, io.StringIO]]:
    live = io.StringIO()
    options.setdefault("log_path", tmp_path / "proxy.jsonl")
    with running_proxy(upstream, live=live, **options) as proxy:
        yield proxy, live


# -- transparent -------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:Interactions usage is experimental:UserWarning")
def test_the_sdk_works_unchanged_through_the_proxy_and_every_exchange_is_checked(
    tmp_path: Path,
) -> None:
    genai = pytest.importorskip("google.genai")
    # SDK 1.55.0 reads outputs: its user serves 2025-12 (serve --revision 2025-12). It sends no
    # Api-Revision, and the proxy (no --revision) checks each exchange by its shape.
    with (
        running_emulator(revision="2025-12") as upstream,
        _proxied(tmp_path, upstream) as (proxy, live),
    ):
        client = genai.Client(api_key=KEY, http_options={"base_url": proxy.url})
        created = client.interactions.create(model=MODEL, input="What is 17*23?")
        assert created.status == "completed"
        assert "391" in created.outputs[-1].text
        types = [
            event.event_type
            for event in client.interactions.create(model=MODEL, input="Hello", stream=True)
        ]
        assert types[0] == "interaction.start"
        assert types[-1] == "interaction.complete"
        again = client.interactions.get(created.id)
        assert again.outputs[-1].text == created.outputs[-1].text
        assert proxy.proxy.wait_idle()
    entries = _log(tmp_path / "proxy.jsonl")
    exchanges = [e for e in entries if e["kind"] == "exchange"]
    assert [(e["method"], e["status"], e["checked"]) for e in exchanges] == [
        ("POST", 200, True),
        ("POST", 200, True),
        ("GET", 200, True),
    ], entries
    assert exchanges[1]["stream"] is True
    assert exchanges[1]["events"] == len(types)
    assert [e for e in entries if e["kind"] != "exchange"] == []
    assert live.getvalue() == ""
    assert proxy.proxy.summary() == "exchanges: 3; violations: 0; drift: 0"


def test_responses_pass_byte_for_byte(tmp_path: Path) -> None:
    def fetch(client: httpx.Client, base: str, method: str, path: str, **kw: Any) -> Any:
        response = client.request(method, base + path, headers={"x-goog-api-key": KEY}, **kw)
        skip = HOP_BY_HOP | {"date"}
        headers = [(k, v) for k, v in response.headers.raw if k.decode().lower() not in skip]
        return response.status_code, headers, response.content

    with (
        running_emulator() as upstream,
        _proxied(tmp_path, upstream) as (proxy, _),
        httpx.Client() as client,
    ):
        ident = client.post(
            f"{upstream}/v1beta/interactions", json=CREATE, headers={"x-goog-api-key": KEY}
        ).json()["id"]
        for method, path, kw in [
            ("GET", f"/v1beta/interactions/{ident}", {}),
            ("GET", f"/v1beta/interactions/{ident}?stream=true", {}),
            ("GET", "/v1beta/interactions/does-not-exist", {}),
            ("POST", "/v1beta/interactions", {"content": b'{"model": '}),
        ]:
            direct = fetch(client, upstream, method, path, **kw)
            proxied = fetch(client, proxy.url, method, path, **kw)
            assert proxied == direct, path
        assert proxy.proxy.wait_idle()


def test_requests_pass_byte_for_byte(tmp_path: Path) -> None:
    seen: list[dict[str, Any]] = []

    async def echo(scope: Any, receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        seen.append(
            {
                "method": scope["method"],
                "path": scope["raw_path"],
                "query": scope["query_string"],
                "headers": scope["headers"],
                "body": body,
            }
        )
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    body = b'{"model": "m",  "input": "caf\xc3\xa9"}\n'
    headers = [
        ("Content-Type", "application/json; charset=utf-8"),
        ("X-Custom", "one"),
        ("X-Custom", "two"),
        ("x-goog-api-key", KEY),
        ("Connection", "keep-alive, X-Hop"),
        ("X-Hop", "dropped: named by Connection"),
    ]
    with (
        serving_app(echo) as upstream,
        _proxied(tmp_path, upstream) as (proxy, _),
        httpx.Client() as client,
    ):
        path = "/v1beta/interactions/a%2Fb?alt=sse&x=%20y"
        sent = client.post(proxy.url + path, content=body, headers=headers).request
        assert proxy.proxy.wait_idle()
    (request,) = seen
    assert request["method"] == "POST"
    assert request["path"] + b"?" + request["query"] == path.encode()
    assert request["body"] == body
    hop = {"connection", "x-hop", "host"}
    forwarded = [(k.decode().lower(), v.decode()) for k, v in request["headers"]]
    expected = [(k.decode().lower(), v.decode()) for k, v in sent.headers.raw]
    assert [h for h in forwarded if h[0] != "host"] == [h for h in expected if h[0] not in hop]
    assert ("host", upstream.removeprefix("http://")) in forwarded
    assert ("x-custom", "two") in forwarded


def _held_stream(first: dict[str, Any]) -> tuple[Any, threading.Event, threading.Event]:
    """An upstream that sends one event, then holds the stream until ``release`` is set."""
    release = threading.Event()
    finished = threading.Event()

    def frame(data: dict[str, Any]) -> bytes:
        return f"event: {data['event_type']}\ndata: {json.dumps(data)}\n\n".encode()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        while (await receive()).get("more_body"):
            pass
        headers = [(b"content-type", b"text/event-stream")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": frame(first), "more_body": True})
        for _ in range(1000):  # until the test has seen what it waits for (10 s at most)
            if release.is_set():
                break
            await asyncio.sleep(0.01)
        done = {"event_type": "interaction.complete", "interaction": {"id": "i1"}}
        await send({"type": "http.response.body", "body": frame(done), "more_body": True})
        await send({"type": "http.response.body", "body": b"data: [DONE]\n\n"})
        finished.set()

    return app, release, finished


def test_stream_events_reach_the_client_before_the_upstream_sends_the_last(
    tmp_path: Path,
) -> None:
    start = {
        "event_type": "interaction.start",
        "interaction": {"id": "i1", "status": "in_progress"},
    }
    app, release, finished = _held_stream(start)
    with (
        serving_app(app) as upstream,
        _proxied(tmp_path, upstream) as (proxy, _),
        httpx.Client(timeout=10) as client,
        client.stream(
            "POST", f"{proxy.url}/v1beta/interactions", json={**CREATE, "stream": True}
        ) as response,
    ):
        lines = response.iter_lines()
        first = next(line for line in lines if line.startswith("data:"))
        assert json.loads(first.removeprefix("data:"))["event_type"] == "interaction.start"
        assert not finished.is_set(), "the upstream had already sent its last event"
        release.set()
        assert "data: [DONE]" in list(lines)
    assert finished.is_set()


def test_stream_start_is_reported_while_the_stream_is_still_open(tmp_path: Path) -> None:
    wrong = {"event_type": "content.start", "index": 0, "content": {"type": "text"}}
    app, release, finished = _held_stream(wrong)
    with (
        serving_app(app) as upstream,
        _proxied(tmp_path, upstream) as (proxy, live),
        httpx.Client(timeout=10) as client,
        client.stream(
            "POST", f"{proxy.url}/v1beta/interactions", json={**CREATE, "stream": True}
        ) as response,
    ):
        deadline = time.monotonic() + 5
        while "STREAM-START-FIRST" not in live.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not finished.is_set()
        assert live.getvalue().splitlines()[0] == (
            'STREAM-START-FIRST event 0 /event_type: expected "interaction.start", '
            'got "content.start"  POST /v1beta/interactions'
        )
        release.set()
        response.read()
        assert proxy.proxy.wait_idle()
    live_entries = [e for e in _log(tmp_path / "proxy.jsonl") if e.get("live")]
    assert [e["rule"] for e in live_entries] == ["STREAM-START-FIRST"]


# -- per-rule verdicts, in run's words (_verdicts) --------------------------------------------


def test_the_proxy_judges_each_traffic_rule_as_run_does(tmp_path: Path) -> None:
    stream = {**CREATE, "stream": True}
    with (
        running_emulator() as clean_upstream,
        _proxied(tmp_path, clean_upstream) as (clean, _),
    ):
        for body in (CREATE, stream):
            httpx.post(
                f"{clean.url}/v1beta/interactions", json=body, headers={"x-goog-api-key": KEY}
            )
        assert clean.proxy.wait_idle()
        held = clean.proxy.verdicts()
        line = clean.proxy.rules_line()
    assert held["STREAM-START-FIRST"].status == "passed"
    assert "streamed exchanges" in held["STREAM-START-FIRST"].reason
    assert held["SCHEMA-INTERACTION"].status == "passed"
    assert not held["BASIC-CREATE"].applicable  # a test's rule: the traffic cannot say
    assert ", 0 failed," in line
    assert line.startswith(f"rules (revision {DEFAULT_REVISION}, checked on traffic): ")

    with (
        running_emulator(faults=("stream-no-start",)) as faulty_upstream,
        _proxied(tmp_path, faulty_upstream, log_path=tmp_path / "faulty.jsonl") as (faulty, _),
    ):
        httpx.post(
            f"{faulty.url}/v1beta/interactions", json=stream, headers={"x-goog-api-key": KEY}
        )
        assert faulty.proxy.wait_idle()
        broken = faulty.proxy.verdicts()
        line = faulty.proxy.rules_line()
    assert broken["STREAM-START-FIRST"].status == "failed"
    assert broken["STREAM-START-FIRST"].evidence
    assert ", 1 failed," in line


# -- it finds what breaks ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "request_body", "rules", "strict"),
    [
        ("stream-no-start", {**CREATE, "stream": True}, {"STREAM-START-FIRST"}, False),
        ("error-rpc-envelope", {"input": "no model"}, {"SCHEMA-ERROR", "ERR-BODY"}, False),
        ("status-bad-enum", CREATE, {"SCHEMA-STRICT"}, True),
        ("sse-bad-json", {**CREATE, "stream": True}, {"SSE-FRAMING"}, False),
    ],
)
def test_a_fault_mode_behind_the_proxy_gives_its_rule_ids_in_the_log(
    tmp_path: Path, fault: str, request_body: dict[str, Any], rules: set[str], strict: bool
) -> None:
    # The rule ids are 2025-12's (an error body breaks ERR-BODY alone in the steps revisions).
    with (
        running_emulator(faults=(fault,), revision="2025-12") as upstream,
        _proxied(tmp_path, upstream, strict=strict, revision="2025-12") as (proxy, live),
    ):
        httpx.post(
            f"{proxy.url}/v1beta/interactions", json=request_body, headers={"x-goog-api-key": KEY}
        )
        assert proxy.proxy.wait_idle()
    entries = _log(tmp_path / "proxy.jsonl")
    violations = [e for e in entries if e["kind"] == "violation"]
    assert {v["rule"] for v in violations} == rules, entries
    for entry in violations:
        assert entry["method"] == "POST"
        assert entry["path"] == "/v1beta/interactions"
        assert entry["reproduce"].startswith("curl -sS")
        assert entry["time"].endswith("Z")
    printed = live.getvalue().splitlines()
    assert {line.split(" ", 1)[0] for line in printed if not line.startswith("drift")} == rules
    assert all(line.endswith("  POST /v1beta/interactions") for line in printed)


def test_live_line_puts_the_rule_id_first() -> None:
    from interactions_conformance import Drift, Violation

    violation = Violation(
        "STREAM-START-FIRST",
        "the first event is not interaction.start",
        expected="'interaction.start'",
        actual="'content.start'",
        where="event 0 /event_type",
    )
    assert live_line(violation, "POST", "/v1beta/interactions") == (
        "STREAM-START-FIRST event 0 /event_type: expected 'interaction.start', "
        "got 'content.start'  POST /v1beta/interactions"
    )
    drift = Drift("property", "new_field", "/outputs/0", "content.json")
    assert live_line(drift, "GET", "/v1beta/interactions/x") == (
        'drift: unknown property "new_field" at /outputs/0 (content.json)  GET /v1beta/interactions/x'
    )


# -- recordings and secrets ----------------------------------------------------------------


def test_recordings_re_read_as_the_same_exchanges(tmp_path: Path) -> None:
    record = tmp_path / "rec"
    with (
        running_emulator() as upstream,
        _proxied(tmp_path, upstream, record_dir=record) as (proxy, _),
    ):
        headers = {"x-goog-api-key": KEY}
        httpx.post(f"{proxy.url}/v1beta/interactions", json=CREATE, headers=headers)
        httpx.post(
            f"{proxy.url}/v1beta/interactions", json={**CREATE, "stream": True}, headers=headers
        )
        assert proxy.proxy.wait_idle()
    files = sorted(record.glob("*.json"))
    assert [f.name for f in files] == [
        "000001-POST-interactions.json",
        "000002-POST-interactions.json",
    ]
    plain, streamed = (json.loads(f.read_text("utf-8")) for f in files)
    assert plain["format"] == "interactions-conformance/exchange"
    assert "body" in plain["response"]
    assert "chunks" in streamed["response"]
    assert "".join(streamed["response"]["chunks"]).rstrip().endswith("data: [DONE]")
    # `check` (issue 8) reads recordings as its JSON Lines exchanges
    sources = pytest.importorskip("interactions_conformance._sources")
    for data in (plain, streamed):
        exchange = sources._jsonl_exchange(data, "recording")
        assert check_exchange(exchange).violations == []


def test_keys_never_reach_the_log_the_recordings_or_the_screen(tmp_path: Path) -> None:
    record = tmp_path / "rec"
    with (
        running_emulator(faults=("error-rpc-envelope",)) as upstream,
        _proxied(tmp_path, upstream, record_dir=record, verbose=True) as (proxy, live),
    ):
        # the key by header, and by ?key= (on a request that fails, so the log has a curl line)
        httpx.post(f"{proxy.url}/v1beta/interactions", json=CREATE, headers={"x-goog-api-key": KEY})
        httpx.post(f"{proxy.url}/v1beta/interactions?key={KEY}", json={"input": "no model"})
        httpx.get(f"{proxy.url}/v1beta/interactions/nope?key={KEY}")
        assert proxy.proxy.wait_idle()
    written = {
        "log": (tmp_path / "proxy.jsonl").read_text("utf-8"),
        "screen": live.getvalue(),
        **{f.name: f.read_text("utf-8") for f in record.glob("*.json")},
    }
    assert len(written) == 5
    assert "$GEMINI_API_KEY" in written["log"]  # the key was there, and was replaced
    assert '"violation"' in written["log"]
    for name, text in written.items():
        assert find_secrets(text, known=(KEY,)) == [], name


# -- the command ------------------------------------------------------------------------


def test_proxy_command_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["proxy", "--upstream", "ftp://example.com"]) == 2
    assert "--upstream must be an http(s) URL" in capsys.readouterr().err
    assert main(["proxy", "--upstream", "http://127.0.0.1:9", "--revision", "1999-01"]) == 2
    assert "1999-01" in capsys.readouterr().err


def test_a_compressed_response_passes_compressed_and_is_checked_decoded(tmp_path: Path) -> None:
    payload = gzip.compress(b'{"error": {"code": 400, "status": "INVALID_ARGUMENT"}}')

    async def gzipped(scope: Any, receive: Any, send: Any) -> None:
        while (await receive()).get("more_body"):
            pass
        headers = [(b"content-type", b"application/json"), (b"content-encoding", b"gzip")]
        headers.append((b"content-length", str(len(payload)).encode()))
        await send({"type": "http.response.start", "status": 400, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    with (
        serving_app(gzipped) as upstream,
        _proxied(tmp_path, upstream, revision="2025-12") as (proxy, _),  # SCHEMA-ERROR is 2025-12's
        httpx.Client() as client,
        client.stream("GET", f"{proxy.url}/v1beta/interactions/x") as response,
    ):
        assert b"".join(response.iter_raw()) == payload
        assert proxy.proxy.wait_idle()
    rules = {e["rule"] for e in _log(tmp_path / "proxy.jsonl") if e["kind"] == "violation"}
    assert "SCHEMA-ERROR" in rules


def test_an_unreachable_upstream_is_a_502_in_the_error_format(tmp_path: Path) -> None:
    # Bound but never listening: connections are refused, and no other server (the proxy itself,
    # started next on a free port) can take the port while the test runs.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
        with _proxied(tmp_path, closed) as (proxy, live):
            response = httpx.get(f"{proxy.url}/v1beta/interactions/x")
            assert proxy.proxy.wait_idle()
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "upstream_unreachable"  # the documented body shape
    assert response.json()["error"]["message"].startswith("upstream unreachable: ConnectError")
    assert "upstream unreachable" in live.getvalue()
    error, entry = _log(tmp_path / "proxy.jsonl")
    assert (error["kind"], error["what"]) == ("upstream_error", "unreachable")
    assert (entry["kind"], entry["checked"]) == ("exchange", False)
    assert proxy.proxy.exit_code() == 1  # an upstream error is a finding


def test_a_resumed_stream_is_not_held_to_start_with_interaction_start(tmp_path: Path) -> None:
    with running_emulator() as upstream, _proxied(tmp_path, upstream) as (proxy, live):
        headers = {"x-goog-api-key": KEY}
        body = {**CREATE, "stream": True, "background": True, "store": True}
        text = httpx.post(f"{proxy.url}/v1beta/interactions", json=body, headers=headers).text
        events = [json.loads(x[5:]) for x in text.splitlines() if x.startswith("data: {")]
        ident, after = events[0]["interaction"]["id"], events[2]["event_id"]
        resumed = httpx.get(
            f"{proxy.url}/v1beta/interactions/{ident}",
            params={"stream": "true", "last_event_id": after},
            headers=headers,
        )
        assert resumed.status_code == 200
        assert '"interaction.start"' not in resumed.text
        assert proxy.proxy.wait_idle()
    assert live.getvalue() == ""
    assert proxy.proxy.exchanges == 2


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_each_exchange_is_checked_by_the_revision_its_client_asked_for(
    tmp_path: Path, stream: bool
) -> None:
    # The proxy's own revision is 2025-12 (and the upstream's); a client asking for 2026-05
    # (Api-Revision) gets steps, checked as 2026-05: clean. Without the header the same proxy
    # checks 2025-12.
    steps = {"x-goog-api-key": KEY, "api-revision": "2026-05-20"}
    with (
        running_emulator(revision="2025-12") as upstream,
        _proxied(tmp_path, upstream, revision="2025-12") as (proxy, _live),
    ):
        asked = httpx.post(
            f"{proxy.url}/v1beta/interactions", json={**CREATE, "stream": stream}, headers=steps
        )
        plain = httpx.post(
            f"{proxy.url}/v1beta/interactions",
            json={**CREATE, "stream": stream},
            headers={"x-goog-api-key": KEY},
        )
        assert proxy.proxy.wait_idle()
    assert asked.status_code == plain.status_code == 200
    assert ("steps" if not stream else "step.start") in asked.text
    entries = _log(tmp_path / "proxy.jsonl")
    assert [e for e in entries if e["kind"] == "violation"] == [], entries


def test_a_steps_answer_to_a_client_without_the_header_breaks_the_proxys_revision(
    tmp_path: Path,
) -> None:
    # Teeth: an upstream speaking 2026-05 by default, a client sending no header: checked as
    # the proxy's 2025-12, the steps answer is a violation.
    with (
        running_emulator(revision="2026-05") as upstream,
        _proxied(tmp_path, upstream, revision="2025-12") as (proxy, _live),
    ):
        httpx.post(f"{proxy.url}/v1beta/interactions", json=CREATE, headers={"x-goog-api-key": KEY})
        assert proxy.proxy.wait_idle()
    rules = {e["rule"] for e in _log(tmp_path / "proxy.jsonl") if e["kind"] == "violation"}
    assert "SCHEMA-OUTPUTS-ERA" in rules
