"""The defaults follow the live API (issue 13 item 4): one derived "newest revision", the
emulator answering header-less requests in it under /v1 and /v1beta, the old revisions still
chosen by Api-Revision, and ``check`` / ``proxy`` choosing a header-less payload's revision by
its shape (``_shape``)."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from _support import REPO, serving_app
from interactions_conformance import DEFAULT_REVISION, available_revisions
from interactions_conformance._cli import main
from interactions_conformance._proxy import running_proxy
from interactions_conformance._shape import payload_revision, request_revision, revision_by_shape
from interactions_conformance._sources import from_events, from_interaction
from interactions_conformance._spec import newest_revision
from interactions_conformance._traffic import Exchange, Request, Response
from interactions_conformance._wire import revision_for_header
from interactions_conformance.emulator import EmulatorConfig, create_app, running_emulator

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's TestClient notice about httpx2
    from starlette.testclient import TestClient

KEY = {"x-goog-api-key": "emulator-key"}
ASK = {"model": "gemini-2.5-flash", "input": "What is 17*23? Answer with the number only."}
OLD, NEWEST = "2025-12", newest_revision()


# -- one newest revision ------------------------------------------------------------------------


def test_the_newest_revision_is_the_last_folder_and_the_default_everywhere() -> None:
    assert NEWEST == available_revisions()[-1] == DEFAULT_REVISION
    assert NEWEST > "2026-05"  # the May schema is not today's surface (issue 13)
    assert EmulatorConfig().revision == NEWEST
    from interactions_conformance._client import ApiClient
    from interactions_conformance._proxy import Proxy, ProxyConfig

    assert ApiClient("http://x", None).revision == NEWEST
    assert Proxy(ProxyConfig("http://x")).revision.name == NEWEST


# -- Api-Revision ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "revision"),
    [
        (None, NEWEST),  # today's SDKs send none
        ("2026-05-20", "2026-05"),  # SDK 2.0.0-2.10.0
        ("2026-11-12", "2026-05"),  # a later date: still the May opt-in
        ("2026-05-07", "2025-12"),  # the documented opt-out
    ],
)
def test_the_header_selects_an_old_revision_and_its_absence_the_newest(
    header: str | None, revision: str
) -> None:
    assert revision_for_header(header, NEWEST) == revision
    with TestClient(create_app()) as client:
        headers = {**KEY, **({"api-revision": header} if header else {})}
        body = client.post("/v1/interactions", json=ASK, headers=headers).json()
    assert ("outputs" in body) == (revision == OLD), body
    assert ("steps" in body) == (revision != OLD), body


@pytest.mark.parametrize("header", ["2026-05-19", "latest", "2026-11"])
def test_a_header_no_revision_answers_to_is_a_400_naming_the_accepted_values(header: str) -> None:
    with pytest.raises(ValueError, match="accepted: 2026-05-20 or later"):
        revision_for_header(header, NEWEST)
    with TestClient(create_app()) as client:
        response = client.post(
            "/v1/interactions", json=ASK, headers={**KEY, "api-revision": header}
        )
    assert response.status_code == 400
    assert "Api-Revision" in response.json()["error"]["message"]


# -- /v1 and /v1beta ------------------------------------------------------------------------


def test_v1_and_v1beta_are_one_api() -> None:
    with TestClient(create_app()) as client:
        made = client.post("/v1/interactions", json=ASK, headers=KEY).json()
        old = client.get(f"/v1beta/interactions/{made['id']}", headers=KEY).json()
        assert old["id"] == made["id"]
        assert [s["type"] for s in old["steps"]][-1] == "model_output"
        stream = client.get(f"/v1/interactions/{made['id']}?stream=true", headers=KEY)
        assert "event: interaction.created" in stream.text
        assert client.delete(f"/v1beta/interactions/{made['id']}", headers=KEY).status_code == 200
        assert client.get(f"/v1/interactions/{made['id']}", headers=KEY).status_code == 404
        assert client.post("/v2/interactions", json=ASK, headers=KEY).status_code == 404


@pytest.mark.parametrize("version", ["v1", "v1beta"])
def test_the_files_api_answers_under_both_versions_and_points_uploads_at_its_own(
    version: str,
) -> None:
    start = {
        **KEY,
        "x-goog-upload-protocol": "resumable",
        "x-goog-upload-command": "start",
        "x-goog-upload-header-content-type": "application/pdf",
    }
    with TestClient(create_app()) as client:
        begun = client.post(f"/upload/{version}/files", json={"file": {}}, headers=start)
        upload_url = begun.headers["x-goog-upload-url"]
        assert f"/upload/{version}/files/" in upload_url
        done = client.post(
            upload_url,
            content=b"%PDF-1.4 hello",
            headers={
                **KEY,
                "x-goog-upload-command": "upload, finalize",
                "x-goog-upload-offset": "0",
            },
        )
        name = done.json()["file"]["name"]
        assert client.get(f"/{version}/{name}", headers=KEY).json()["state"] == "ACTIVE"
        uri = f"http://testserver/{version}/{name}"
        used = {**ASK, "input": [{"type": "document", "uri": uri, "mime_type": "application/pdf"}]}
        assert client.post(f"/{version}/interactions", json=used, headers=KEY).status_code == 200


def test_serve_with_no_flag_prints_its_default_revision_and_paths() -> None:
    command = [sys.executable, "-m", "interactions_conformance._cli", "serve", "--port", "0"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout is not None
            lines = [proc.stdout.readline() for _ in range(5)]
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    assert lines[3] == f"revision (no Api-Revision header): {NEWEST}\n", lines
    assert lines[4] == "paths: /v1beta/interactions, /v1/interactions\n", lines


@contextlib.contextmanager
def _serve_without_v1() -> Iterator[str]:
    """An emulator whose /v1 routes are gone: a target breaking REV-V1-PATH."""

    app = create_app(EmulatorConfig())
    app.router.routes = [
        r for r in app.router.routes if not getattr(r, "path", "").startswith("/v1/")
    ]
    with serving_app(app, lifespan="on", what="the emulator without /v1") as url:
        yield url


def test_the_v1_suite_fails_by_its_rule_on_a_target_without_v1(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    with _serve_without_v1() as url:
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                str(REPO / "suites" / "test_api_versions.py"),
                "-p",
                "no:cacheprovider",
                "-q",
                "--target",
                url,
                "--api-key",
                "emulator-key",
                "--results",
                str(results),
                f"--rootdir={REPO}",
            ],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=300,
        )
    assert run.returncode == 1, run.stdout[-3000:]
    assert "[REV-V1-PATH]" in run.stdout
    data = json.loads(results.read_text("utf-8"))
    assert data["revision"] == NEWEST
    assert data["rules"]["REV-V1-PATH"]["status"] == "failed"


# -- by shape -------------------------------------------------------------------------------

STEPS_RESOURCE: dict[str, Any] = {
    "id": "v1_x",
    "status": "completed",
    "steps": [{"type": "model_output", "content": [{"type": "text", "text": "391"}]}],
}
OUTPUTS_RESOURCE: dict[str, Any] = {
    "id": "v1_x",
    "status": "completed",
    "outputs": [{"type": "text", "text": "391"}],
}


@pytest.mark.parametrize(
    ("payload", "revision"),
    [
        (STEPS_RESOURCE, NEWEST),
        (OUTPUTS_RESOURCE, OLD),
        ({"event_type": "step.start", "index": 0, "step": {"type": "model_output"}}, NEWEST),
        ({"event_type": "content.delta", "index": 0, "delta": {}}, OLD),
        ({"event_type": "interaction.start", "interaction": {"id": "v1_x"}}, OLD),
        ({"event_type": "interaction.status_update", "status": "in_progress"}, None),
        ({"error": {"code": "not_found", "message": "gone"}}, None),
        ({}, None),
    ],
)
def test_a_payload_shows_its_era(payload: Any, revision: str | None) -> None:
    found = payload_revision(payload)
    assert (found[0] if found else None) == revision


@pytest.mark.parametrize(
    ("body", "revision"),
    [
        ({"model": "m", "input": "hi"}, None),  # both eras accept it
        ({"model": "m", "input": [{"role": "user", "content": "hi"}]}, OLD),
        ({"model": "m", "input": "hi", "response_mime_type": "application/json"}, OLD),
        ({"model": "m", "input": [{"type": "user_input", "content": []}]}, NEWEST),
        ({"model": "m", "input": "hi", "response_format": {"type": "text"}}, NEWEST),
    ],
)
def test_a_request_shows_its_era_only_when_it_can(body: Any, revision: str | None) -> None:
    found = request_revision(body)
    assert (found[0] if found else None) == revision


def test_the_response_decides_before_the_request() -> None:
    # An old-shaped request answered by today's API: the answer is checked by today's schema.
    legacy_request = {"model": "m", "input": [{"role": "user", "content": "hi"}]}
    answered = from_interaction(STEPS_RESOURCE)
    sent = Request("POST", answered.request.url, {}, json.dumps(legacy_request).encode())
    assert revision_by_shape([Exchange(sent, Response(400))]).revision == OLD  # type: ignore[union-attr]
    guess = revision_by_shape([Exchange(sent, answered.response)])
    assert guess is not None
    assert guess.revision == NEWEST
    assert '"steps" in the Interaction of exchange 0\'s response' in guess.reason


def _jsonl(path: Path, resource: dict[str, Any]) -> Path:
    line = {
        "request": {"method": "GET", "url": "https://example.test/v1/interactions/v1_x"},
        "response": {
            "status": 200,
            "headers": {"content-type": "application/json"},
            "body": resource,
        },
    }
    path.write_text(json.dumps(line) + "\n")
    return path


@pytest.mark.parametrize(
    ("resource", "revision"), [(STEPS_RESOURCE, NEWEST), (OUTPUTS_RESOURCE, OLD)]
)
def test_check_chooses_a_files_revision_by_its_shape_and_says_so(
    resource: dict[str, Any], revision: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _jsonl(tmp_path / "traffic.jsonl", resource)
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    key = "steps" if revision == NEWEST else "outputs"
    assert f'{path}: revision {revision} (by its shape: "{key}" in the Interaction' in out, out
    assert f"against revision {revision}: 0 violations" in out
    assert main(["check", str(path), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)["files"][0]
    assert report["revision"] == revision
    assert report["revision_chosen"].startswith("by its shape:")


def test_check_says_when_nothing_shows_and_uses_the_newest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "error.jsonl"
    line = {
        "request": {"method": "GET", "url": "https://example.test/v1/interactions/nope"},
        "response": {
            "status": 404,
            "headers": {"content-type": "application/json"},
            "body": {
                "error": {"code": "not_found", "message": "Interaction 'nope' was not found."}
            },
        },
    }
    path.write_text(json.dumps(line) + "\n")
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"{path}: revision {NEWEST} (the default: no metadata, and no shape says)" in out


def test_check_by_shape_has_teeth(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A steps stream whose first event is not interaction.created: read as the newest revision,
    # STREAM-START-FIRST breaks (under 2025-12 the same events would break other rules instead).
    events = [
        {
            "event_type": "interaction.status_update",
            "interaction_id": "v1_x",
            "status": "in_progress",
        },
        {"event_type": "step.start", "index": 0, "step": {"type": "model_output"}},
        {"event_type": "step.stop", "index": 0},
        {
            "event_type": "interaction.completed",
            "interaction": {"id": "v1_x", "status": "completed"},
        },
    ]
    guess = revision_by_shape([from_events(events)])
    assert guess is not None
    assert guess.revision == NEWEST
    chunks = [f"event: {e['event_type']}\ndata: {json.dumps(e)}\n\n" for e in events]
    line = {
        "request": {
            "method": "POST",
            "url": "https://example.test/v1/interactions",
            "body": ASK | {"stream": True},
        },
        "response": {
            "status": 200,
            "headers": {"content-type": "text/event-stream"},
            "chunks": chunks,
        },
    }
    path = tmp_path / "stream.jsonl"
    path.write_text(json.dumps(line) + "\n")
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "[STREAM-START-FIRST] the first event is not interaction.created" in out
    assert f"revision {NEWEST} (by its shape: a step.start event" in out


# -- the proxy, header-less ---------------------------------------------------------------


@pytest.mark.parametrize("upstream_revision", [OLD, NEWEST])
@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_the_proxy_checks_a_header_less_client_by_its_traffics_shape(
    upstream_revision: str, stream: bool, tmp_path: Path
) -> None:
    live = io.StringIO()
    log = tmp_path / "proxy.jsonl"
    with (
        running_emulator(revision=upstream_revision) as upstream,
        running_proxy(upstream, live=live, log_path=log) as proxy,
    ):
        response = httpx.post(
            f"{proxy.url}/v1/interactions", json={**ASK, "stream": stream}, headers=KEY
        )
        assert response.status_code == 200
        assert proxy.proxy.wait_idle()
    assert ("outputs" in response.text or "content.start" in response.text) == (
        upstream_revision == OLD
    )
    assert live.getvalue() == ""  # no violation, no drift: checked by the era it speaks
    assert proxy.proxy.violations == {}
    [entry] = [
        e for e in map(json.loads, log.read_text("utf-8").splitlines()) if e["kind"] == "exchange"
    ]
    assert entry["revision"] == upstream_revision  # the log says which


def test_the_proxys_revision_option_still_wins_over_the_shape() -> None:
    # Teeth: told 2025-12, the proxy flags today's steps answer to a header-less client.
    live = io.StringIO()
    with running_emulator() as upstream, running_proxy(upstream, live=live, revision=OLD) as proxy:
        httpx.post(f"{proxy.url}/v1/interactions", json=ASK, headers=KEY)
        assert proxy.proxy.wait_idle()
    assert "SCHEMA-OUTPUTS-ERA" in proxy.proxy.violations, live.getvalue()
