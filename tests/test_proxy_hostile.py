"""The proxy against a hostile upstream (`hostile_upstream`): it cannot be wedged, it loses no evidence.

Each test is the minimal reproducer of one defect of issue 16 (items 5 and 6) and
issue 14 (item 8, the upload URL of item 5). Where memory is at stake the proxy runs as
its own process (`interactions-conformance proxy`) under an address-space cap, and
the test reads its peak RSS (``VmHWM``) from ``/proc``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import resource
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hostile_upstream import gzip_bomb, hostile_upstream
from interactions_conformance import _proxy
from interactions_conformance._proxy import RunningProxy, running_proxy
from interactions_conformance._secrets import find_secrets
from interactions_conformance.emulator import running_emulator

REPO = Path(__file__).resolve().parents[1]
KEY = "emulator-key"
CREATE = {"model": "gemini-2.5-flash", "input": "What is 17*23? Answer with the number only."}
CAP_BYTES = 1536 * 1024 * 1024  # the proxy process's address space: a 1 GiB decode cannot fit
CLI = "import sys; from interactions_conformance._cli import main; sys.exit(main())"


def _log(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def _wait(condition: Callable[[], bool], seconds: float, what: str = "") -> float:
    """Seconds until ``condition`` held; fails the test when it did not within ``seconds``."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > seconds:
            pytest.fail(f"{what or 'the condition'} did not hold within {seconds} s")
        time.sleep(0.02)
    return time.monotonic() - start


@contextlib.contextmanager
def _proxied(
    tmp_path: Path, upstream: str, **options: Any
) -> Iterator[tuple[RunningProxy, io.StringIO]]:
    live = io.StringIO()
    options.setdefault("log_path", tmp_path / "proxy.jsonl")
    with running_proxy(upstream, live=live, **options) as proxy:
        yield proxy, live


class _ProxyProcess:
    """``interactions-conformance proxy`` as a user runs it, under an address-space cap."""

    def __init__(self, upstream: str, *args: str, read_stdout: bool = True) -> None:
        def cap() -> None:
            resource.setrlimit(resource.RLIMIT_AS, (CAP_BYTES, CAP_BYTES))

        command = [sys.executable, "-c", CLI, "proxy", "--upstream", upstream, "--port", "0", *args]
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=cap,  # only setrlimit runs between fork and exec
        )
        assert self.process.stdout is not None
        banner = self.process.stdout.readline()
        found = re.match(r"proxy (http://\S+) -> ", banner)
        assert found, (
            f"no banner: {banner!r} {self.process.stderr.read() if self.process.stderr else ''}"
        )
        self.url = found.group(1)
        self.lines: list[str] = [banner]
        self._reader: threading.Thread | None = None
        if read_stdout:
            self.read_stdout()

    def read_stdout(self) -> None:
        def read() -> None:
            assert self.process.stdout is not None
            for line in self.process.stdout:
                self.lines.append(line)

        self._reader = threading.Thread(target=read, daemon=True)
        self._reader.start()

    def status(self, field: str) -> int:
        """A ``/proc/PID/status`` figure in bytes (VmHWM: the peak RSS so far; VmRSS: now)."""
        text = Path(f"/proc/{self.process.pid}/status").read_text()
        found = re.search(rf"^{field}:\s+(\d+) kB", text, re.M)
        assert found, text
        return int(found.group(1)) * 1024

    def stop(self, sig: int = signal.SIGINT) -> tuple[int, str, str]:
        """Stop it with ``sig``; (exit code, stdout, stderr)."""
        self.process.send_signal(sig)
        if self._reader is None:
            self.read_stdout()
        code = self.process.wait(timeout=30)
        assert self._reader is not None
        self._reader.join(10)
        err = self.process.stderr.read() if self.process.stderr else ""
        return code, "".join(self.lines), err

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        if self._reader is not None:
            self._reader.join(10)
        for pipe in (self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()


@contextlib.contextmanager
def _proxy_process(upstream: str, *args: str, read_stdout: bool = True) -> Iterator[_ProxyProcess]:
    proxy = _ProxyProcess(upstream, *args, read_stdout=read_stdout)
    try:
        yield proxy
    finally:
        proxy.kill()


needs_proc = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")


# -- it cannot be wedged ---------------------------------------------------------------------


@pytest.mark.xfail(
    strict=False,
    reason="intermittent after tests/test_proxy.py (1 run in 3 before the lean proxy; 1 in 10 and "
    "1 in 2 with it): ~26 ms in, uvicorn reports the proxy's client connection lost "
    "(http.disconnect: connection_lost) while the test's client still holds the stream, so the "
    "proxy releases the upstream as it should for a client that left; what closes the client "
    "connection is open",
)
def test_a_stalled_stream_is_released_within_seconds_when_its_client_leaves(tmp_path: Path) -> None:
    # No chunk ever arrives after the first: the release cannot wait for one.
    with hostile_upstream() as hostile, _proxied(tmp_path, hostile.url) as (proxy, live):
        with (
            httpx.Client(timeout=10) as client,
            client.stream("GET", f"{proxy.url}/hostile/stall-stream") as response,
        ):
            assert next(response.iter_raw()).startswith(b"event: interaction.start")
            if (
                hostile.active != 1
            ):  # seen 1 run in 3 after test_proxy.py: say what the proxy logged
                proxy.proxy.wait_idle(2)
                pytest.fail((tmp_path / "proxy.jsonl").read_text("utf-8") + live.getvalue())
        # Seconds, not a timeout's minutes (5 s of slack for a loaded machine; ~0.01 s seen).
        released = _wait(
            lambda: hostile.active == 0, what="all hostile connections closed", seconds=5
        )
        assert proxy.proxy.wait_idle()
    assert released < 5
    (entry,) = [e for e in _log(tmp_path / "proxy.jsonl") if e["kind"] == "exchange"]
    assert entry["client_gone"] is True
    assert entry["checked"] is False
    assert entry["why"] == "the client left before the response ended"


def test_abandoned_streams_never_exhaust_the_connection_pool(tmp_path: Path) -> None:
    # 150 streams (the pool used to hold 100) and 50 requests whose client gave up before the
    # upstream answered at all: each upstream connection is freed, and the proxy still answers.
    with (
        hostile_upstream() as hostile,
        _proxied(tmp_path, hostile.url, log_path=None) as (proxy, _),
    ):
        with httpx.Client(timeout=10, limits=httpx.Limits(max_keepalive_connections=0)) as client:
            for _ in range(150):
                with client.stream("GET", f"{proxy.url}/hostile/stall-stream") as response:
                    next(response.iter_raw())
            for _ in range(50):
                with pytest.raises(httpx.ReadTimeout):
                    client.get(f"{proxy.url}/hostile/stall-headers", timeout=0.05)
        _wait(lambda: hostile.active == 0, what="all hostile connections closed", seconds=5)
        assert hostile.served == 200
        answer = httpx.get(f"{proxy.url}/hostile/ok", timeout=5)
        assert answer.status_code == 200
        assert proxy.proxy.wait_idle()


def test_an_upstream_that_never_answers_is_a_504_after_the_read_timeout(tmp_path: Path) -> None:
    with (
        hostile_upstream() as hostile,
        _proxied(tmp_path, hostile.url, read_timeout=0.5) as (proxy, live),
    ):
        started = time.monotonic()
        response = httpx.get(f"{proxy.url}/hostile/stall-headers", timeout=10)
        took = time.monotonic() - started
        with (
            httpx.stream("GET", f"{proxy.url}/hostile/stall-stream", timeout=10) as stream,
            pytest.raises(httpx.RemoteProtocolError),  # cut, as the stalled upstream left it
        ):
            stream.read()
        assert proxy.proxy.wait_idle()
        _wait(lambda: hostile.active == 0, what="all hostile connections closed", seconds=3)
    assert response.status_code == 504
    assert response.json()["error"]["code"] == "upstream_timeout"
    assert 0.5 <= took < 3
    errors = [e for e in _log(tmp_path / "proxy.jsonl") if e["kind"] == "upstream_error"]
    assert [(e["path"], e["what"]) for e in errors] == [
        ("/hostile/stall-headers", "timeout"),
        ("/hostile/stall-stream", "timeout"),
    ]
    assert "upstream: timeout: no answer from the upstream within 0.5 s" in live.getvalue()


@needs_proc
def test_a_never_ending_stream_passes_in_flat_memory_and_is_logged_too_large(
    tmp_path: Path,
) -> None:
    log = tmp_path / "proxy.jsonl"
    with (
        hostile_upstream() as hostile,
        _proxy_process(hostile.url, "--log", str(log), "--max-check-mib", "4") as proxy,
    ):
        received = 0
        with httpx.stream("GET", f"{proxy.url}/hostile/endless", timeout=10) as response:
            for chunk in response.iter_raw():
                received += len(chunk)
                if received > 150 * 1024 * 1024:
                    break
        _wait(lambda: hostile.active == 0, what="all hostile connections closed", seconds=5)
        peak = proxy.status("VmHWM")
        code, out, err = proxy.stop()
    assert peak < 160 * 1024 * 1024, f"peak RSS {peak / 2**20:.0f} MiB for a 4 MiB cap"
    entry = next(e for e in _log(log) if e["kind"] == "exchange")
    assert entry["checked"] is False
    assert entry["why"] == "too large to check: more than 4.0 MiB (the per-exchange cap)"
    assert entry["size"]["response"] >= 150 * 1024 * 1024
    assert "too large to check: more than 4.0 MiB" in out
    assert (code, "Traceback" in err) == (0, False), err


@needs_proc
def test_a_gzip_bomb_passes_compressed_and_costs_at_most_the_cap(tmp_path: Path) -> None:
    bomb = gzip_bomb()
    assert len(bomb) < 1.1 * 1024 * 1024
    log = tmp_path / "proxy.jsonl"
    with hostile_upstream() as hostile, _proxy_process(hostile.url, "--log", str(log)) as proxy:
        with httpx.stream("GET", f"{proxy.url}/hostile/gzip-bomb", timeout=30) as response:
            raw = b"".join(response.iter_raw())
        peak = proxy.status("VmHWM")
        code, _out, err = proxy.stop()
    assert raw == bomb  # forwarded untouched, still compressed
    assert peak < 160 * 1024 * 1024, f"peak RSS {peak / 2**20:.0f} MiB for a 1 GiB bomb"
    (entry,) = [e for e in _log(log) if e["kind"] == "exchange"]
    assert entry["why"].startswith("too large to check: more than 16.0 MiB")
    assert (code, "Traceback" in err) == (0, False), err


@needs_proc
def test_10_mib_events_are_checked_and_their_memory_given_back(tmp_path: Path) -> None:
    log = tmp_path / "proxy.jsonl"
    with hostile_upstream() as hostile, _proxy_process(hostile.url, "--log", str(log)) as proxy:
        httpx.get(f"{proxy.url}/hostile/ok")
        time.sleep(0.5)
        before = proxy.status("VmRSS")
        for _ in range(4):
            response = httpx.get(f"{proxy.url}/hostile/big-events?n=1&mib=10", timeout=30)
            assert len(response.content) > 10 * 1024 * 1024
        _wait(lambda: len([e for e in _log(log) if e["kind"] == "exchange"]) == 5, 30)
        time.sleep(0.5)
        after = proxy.status("VmRSS")
        peak = proxy.status("VmHWM")
        code, _out, err = proxy.stop()
    exchanges = [e for e in _log(log) if e["kind"] == "exchange"]
    assert [e["checked"] for e in exchanges] == [True] * 5, exchanges
    assert [e["events"] for e in exchanges[1:]] == [3] * 4
    assert peak < 400 * 1024 * 1024, f"peak RSS {peak / 2**20:.0f} MiB"
    assert after - before < 48 * 1024 * 1024, (
        f"RSS {before / 2**20:.0f} MiB before, {after / 2**20:.0f} MiB after four 10 MiB events"
    )
    assert code == 0, err


@needs_proc
def test_a_stdout_nobody_reads_never_freezes_the_traffic(tmp_path: Path) -> None:
    # -v prints a line per exchange; 600 lines of 2 KiB fill a 64 KiB pipe many times over.
    with (
        hostile_upstream() as hostile,
        _proxy_process(hostile.url, "-v", read_stdout=False) as proxy,
    ):
        path = "/hostile/ok?" + "x" * 2048
        started = time.monotonic()
        with httpx.Client(timeout=5) as client:
            statuses = [client.get(proxy.url + path).status_code for _ in range(600)]
        took = time.monotonic() - started
        time.sleep(0.5)
        code, out, err = proxy.stop()
    assert statuses == [200] * 600
    assert took < 60
    summary, rules = out.splitlines()[-2:]
    assert summary.startswith("exchanges: 600; violations: 0; drift: 0")
    assert ", 0 failed," in rules
    assert re.search(r"; dropped lines: [1-9]\d* \(output not read fast enough\)$", summary), (
        summary
    )
    assert (code, "Traceback" in err) == (0, False), err


def test_past_the_item_cap_an_exchange_is_forwarded_unchecked(tmp_path: Path) -> None:
    # The checks' cost grows with events and JSON values (100,000 failing outputs took two
    # minutes and 660 MiB): past the cap the exchange passes unchecked, and the log says why.
    with (
        hostile_upstream() as hostile,
        _proxied(tmp_path, hostile.url, max_check_items=100) as (proxy, _),
    ):
        many = httpx.get(f"{proxy.url}/hostile/many?n=500")
        with httpx.stream("GET", f"{proxy.url}/hostile/endless") as stream:
            received = 0
            for chunk in stream.iter_raw():
                received += len(chunk)
                if received > 1024 * 1024:
                    break
        assert proxy.proxy.wait_idle()
    assert len(many.json()["outputs"]) == 500
    whys = [e["why"] for e in _log(tmp_path / "proxy.jsonl") if e["kind"] == "exchange"]
    assert whys == [
        "too large to check: 502 JSON objects and arrays (more than 100)",  # 500, the list, the root
        "too large to check: more than 100 events",
    ]


# -- it loses no evidence ------------------------------------------------------------------


def test_a_check_that_raises_is_a_checker_error_and_the_exchange_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(_proxy, "check_exchange", broken)
    record = tmp_path / "rec"
    with (
        running_emulator() as upstream,
        _proxied(tmp_path, upstream, record_dir=record) as (proxy, live),
    ):
        response = httpx.post(
            f"{proxy.url}/v1beta/interactions", json=CREATE, headers={"x-goog-api-key": KEY}
        )
        assert proxy.proxy.wait_idle()
    assert response.status_code == 200
    error, entry = _log(tmp_path / "proxy.jsonl")
    assert error["kind"] == "checker_error"
    assert error["error"] == "RecursionError: maximum recursion depth exceeded"
    assert "Traceback (most recent call last)" in error["traceback"]
    assert "in broken" in error["traceback"]
    assert (entry["kind"], entry["checked"]) == ("exchange", False)
    assert entry["why"] == "checker error: RecursionError"
    assert entry["recording"]
    assert Path(entry["recording"]).is_file()
    assert "checker error: RecursionError" in live.getvalue()
    assert proxy.proxy.summary().endswith("; checker errors: 1; not checked: 1")
    assert proxy.proxy.exit_code() == 3  # the proxy's own failure, never 1 ("violations found")


@pytest.mark.parametrize(
    ("path", "what", "message"),
    [
        ("short", "truncated", "10 of 100 bytes (Content-Length 100), then the connection closed"),
        ("reset", "reset", "connection reset"),
    ],
)
def test_a_body_cut_short_is_a_finding_not_a_clean_exchange(
    tmp_path: Path, path: str, what: str, message: str
) -> None:
    with hostile_upstream() as hostile, _proxied(tmp_path, hostile.url) as (proxy, _):
        with pytest.raises(httpx.RemoteProtocolError):  # the client sees it cut too
            httpx.get(f"{proxy.url}/hostile/{path}")
        assert proxy.proxy.wait_idle()
    error, entry = _log(tmp_path / "proxy.jsonl")
    assert (error["kind"], error["what"]) == ("upstream_error", what)
    assert message in error["message"]
    assert (entry["checked"], entry["why"]) == (False, f"the upstream failed ({what})")
    assert proxy.proxy.exit_code() == 1


def test_an_upstream_status_http_cannot_carry_is_answered_502(tmp_path: Path) -> None:
    with hostile_upstream() as hostile, _proxied(tmp_path, hostile.url) as (proxy, _):
        response = httpx.get(f"{proxy.url}/hostile/status-999")
        garbage = httpx.get(f"{proxy.url}/hostile/garbage")
        assert proxy.proxy.wait_idle()
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "upstream_bad_status"
    assert "HTTP 999" in response.json()["error"]["message"]
    assert garbage.status_code == 502
    assert garbage.json()["error"]["message"].startswith("the upstream's answer is not HTTP")
    errors = [
        (e["status"], e["what"])
        for e in _log(tmp_path / "proxy.jsonl")
        if e["kind"] == "upstream_error"
    ]
    assert errors == [(999, "bad_status"), (0, "not_http")]


@pytest.mark.parametrize(
    ("fault", "sig", "code"),
    [
        (None, signal.SIGINT, 0),
        ("error-rpc-envelope", signal.SIGINT, 1),
        ("error-rpc-envelope", signal.SIGTERM, 1),
    ],
    ids=["clean-ctrl-c", "violation-ctrl-c", "violation-sigterm"],
)
def test_ctrl_c_prints_the_summary_and_exits_by_what_was_seen(
    fault: str | None, sig: int, code: int
) -> None:
    faults = (fault,) if fault else ()
    with running_emulator(faults=faults) as upstream, _proxy_process(upstream) as proxy:
        body = CREATE if fault is None else {"input": "no model"}
        httpx.post(f"{proxy.url}/v1beta/interactions", json=body, headers={"x-goog-api-key": KEY})
        time.sleep(0.3)
        exit_code, out, err = proxy.stop(sig)
    assert "Traceback" not in err, err
    assert exit_code == code
    summary, rules = out.splitlines()[-2:]
    assert summary.startswith("exchanges: 1; violations: ")
    assert (summary == "exchanges: 1; violations: 0; drift: 0") == (fault is None), summary
    # the per-rule verdicts, in run's words: a violation is a failed rule
    assert rules.startswith("rules (revision ")
    assert (", 0 failed," in rules) == (fault is None), rules


def test_a_key_echoed_json_escaped_never_reaches_a_recording(tmp_path: Path) -> None:
    key = "hostile/Key-0123456789+abcdef"  # not Google-shaped: only the learned key finds it
    record = tmp_path / "rec"
    with (
        hostile_upstream() as hostile,
        _proxied(tmp_path, hostile.url, record_dir=record) as (proxy, _live),
    ):
        response = httpx.get(f"{proxy.url}/hostile/echo-key", headers={"x-goog-api-key": key})
        assert proxy.proxy.wait_idle()
    assert "\\u0068" in response.text  # the echo is escaped
    assert "\\/" in response.text
    assert json.loads(response.text)["seen"] == key  # ... and spells the key
    (path,) = record.glob("*.json")
    recording = json.loads(path.read_text("utf-8"))
    body = recording["response"]["body"]
    assert json.loads(body) == {"seen": "$GEMINI_API_KEY", "plain": "$GEMINI_API_KEY"}
    for text in (path.read_text("utf-8"), body, (tmp_path / "proxy.jsonl").read_text("utf-8")):
        assert find_secrets(text, known=(key,)) == []


def test_a_lone_surrogate_in_a_body_loses_no_log_line(tmp_path: Path) -> None:
    # json.loads("\\ud800") is a str no UTF-8 file can hold: the log spells it out instead.
    with hostile_upstream() as hostile, _proxied(tmp_path, hostile.url) as (proxy, live):
        httpx.get(f"{proxy.url}/hostile/surrogate")
        assert proxy.proxy.wait_idle()
    violation, entry = _log(tmp_path / "proxy.jsonl")
    assert violation["rule"] == "ERR-BODY"
    assert "bad_\ud800" in violation["actual"]  # the JSON escape reads back as what came
    assert entry["kind"] == "exchange"
    assert proxy.proxy.dropped_lines() == 0
    assert "bad_\\ud800" in live.getvalue()


# -- requests, revisions and uploads ---------------------------------------------------------


def test_a_request_the_upstream_rejected_is_still_checked_with_the_clients_bytes(
    tmp_path: Path,
) -> None:
    # 2026-05 removed response_mime_type: the emulator rejects it (400), and the client broke
    # REQ-NO-LEGACY-FIELDS. The proxy says so, with the client's bytes.
    body = {**CREATE, "response_mime_type": "application/json"}
    headers = {"x-goog-api-key": KEY, "api-revision": "2026-05-20"}
    with running_emulator() as upstream, _proxied(tmp_path, upstream) as (proxy, live):
        rejected = httpx.post(f"{proxy.url}/v1beta/interactions", json=body, headers=headers)
        assert proxy.proxy.wait_idle()
    assert rejected.status_code == 400
    entries = _log(tmp_path / "proxy.jsonl")
    (violation,) = [e for e in entries if e["kind"] == "violation"]
    assert violation["rule"] == "REQ-NO-LEGACY-FIELDS"
    assert violation["party"] == "client"
    assert '"response_mime_type":"application/json"' in violation["client_bytes"]
    assert violation["where"].startswith("request")
    assert "(the client's request; the upstream answered 400)" in live.getvalue()
    (entry,) = [e for e in entries if e["kind"] == "exchange"]
    assert (entry["revision"], entry["revision_from"]) == ("2026-05", "Api-Revision: 2026-05-20")


def test_each_exchange_says_which_revision_checked_it_and_why(tmp_path: Path) -> None:
    from interactions_conformance._spec import DEFAULT_REVISION

    with running_emulator() as upstream:
        for options, source, own in [
            ({}, "default", DEFAULT_REVISION),
            ({"revision": "2025-12"}, "--revision", "2025-12"),
        ]:
            log = tmp_path / f"{source}.jsonl"
            with _proxied(tmp_path, upstream, log_path=log, **options) as (proxy, _):
                for header in (None, "2026-05-20", "1999-01-01"):
                    headers = {
                        "x-goog-api-key": KEY,
                        **({"api-revision": header} if header else {}),
                    }
                    httpx.get(f"{proxy.url}/v1beta/interactions/nope", headers=headers)
                assert proxy.proxy.wait_idle()
            seen = [
                (e["revision"], e["revision_from"]) for e in _log(log) if e["kind"] == "exchange"
            ]
            assert seen == [
                (own, source),  # a 404's body shows no revision
                ("2026-05", "Api-Revision: 2026-05-20"),
                (own, f"{source} (Api-Revision '1999-01-01' names no revision)"),
            ]


def test_the_upload_url_points_at_the_proxy_so_the_upload_is_checked(tmp_path: Path) -> None:
    data = b"\x89PNG\r\n\x1a\n" + bytes(64)
    with running_emulator() as upstream, _proxied(tmp_path, upstream) as (proxy, _):
        start = httpx.post(
            f"{proxy.url}/upload/v1beta/files",
            json={"file": {"display_name": "probe.png"}},
            headers={
                "x-goog-api-key": KEY,
                "X-Goog-Upload-Protocol": "resumable",
                "X-Goog-Upload-Command": "start",
                "X-Goog-Upload-Header-Content-Length": str(len(data)),
                "X-Goog-Upload-Header-Content-Type": "image/png",
            },
        )
        url = start.headers["x-goog-upload-url"]
        assert url.startswith(f"{proxy.url}/upload/v1beta/files/")
        done = httpx.post(
            url,
            content=data,
            headers={"X-Goog-Upload-Command": "upload, finalize", "X-Goog-Upload-Offset": "0"},
        )
        assert proxy.proxy.wait_idle()
    assert done.status_code == 200
    assert done.json()["file"]["state"] == "ACTIVE"
    exchanges = [e for e in _log(tmp_path / "proxy.jsonl") if e["kind"] == "exchange"]
    assert [(e["path"].split("?")[0][:26], e["checked"]) for e in exchanges] == [
        ("/upload/v1beta/files", True),
        ("/upload/v1beta/files/" + url.split("/files/")[1][:5], True),
    ]


def test_files_upload_active_passes_through_a_proxy(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    profile = REPO / "src" / "interactions_conformance" / "profiles" / "emulator.toml"
    with running_emulator() as upstream, _proxied(tmp_path, upstream) as (proxy, _):
        command = [
            sys.executable, "-m", "pytest", str(REPO / "suites" / "test_files.py"), "-q",
            "-p", "no:cacheprovider", f"--rootdir={REPO}", "--target", proxy.url,
            "--profile", str(profile), "--api-key", KEY, "--results", str(results),
        ]  # fmt: skip
        run = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=REPO)
        assert proxy.proxy.wait_idle()
    outcome = json.loads(results.read_text("utf-8"))["rules"]["FILES-UPLOAD-ACTIVE"]
    assert outcome["status"] == "passed", run.stdout[-3000:]
    paths = [e["path"] for e in _log(tmp_path / "proxy.jsonl") if e["kind"] == "exchange"]
    assert any(p.startswith("/upload/v1beta/files/") for p in paths), paths  # the upload itself


# -- the banner --------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["serve", "proxy"])
def test_a_client_that_connects_on_reading_the_banner_is_served(command: str) -> None:
    # The URL used to be printed 15-40 ms before the socket listened: "connection refused".
    with running_emulator() as upstream:
        for _ in range(3):
            args = (
                ["serve", "--port", "0"]
                if command == "serve"
                else ["proxy", "--upstream", upstream, "--port", "0"]
            )
            process = subprocess.Popen(
                [sys.executable, "-c", CLI, *args],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
            try:
                assert process.stdout is not None
                banner = process.stdout.readline()
                found = re.search(r"http://[\d.]+:\d+", banner)
                assert found, banner
                answer = httpx.get(f"{found.group(0)}/v1beta/interactions/x", timeout=10)
                assert answer.status_code in (401, 403, 404), answer.text
            finally:
                process.send_signal(signal.SIGINT)
                process.wait(timeout=20)
                if process.stdout is not None:
                    process.stdout.close()
