"""`interactions-conformance check`: recorded traffic re-checked, output snapshot-tested.

The text output is compared exactly with ``COLUMNS=80 NO_COLOR=1`` (STYLE.md habit 6).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from interactions_conformance._cli import main
from interactions_conformance._sources import (
    SourceError,
    from_events,
    from_interaction,
    read_source,
    source_files,
)

ID = "v1_abc"
REQUEST = {"model": "gemini-2.5-flash-lite", "input": "What is 17*23?"}
USAGE = {
    "total_tokens": 8,
    "total_input_tokens": 4,
    "input_tokens_by_modality": [{"modality": "text", "tokens": 4}],
    "total_cached_tokens": 0,
    "total_output_tokens": 4,
    "total_tool_use_tokens": 0,
    "total_thought_tokens": 0,
}
INTERACTION: dict[str, Any] = {
    "id": ID,
    "status": "completed",
    "outputs": [{"type": "text", "text": "391"}],
    "usage": USAGE,
    "role": "model",
    "created": "2025-12-20T10:00:00Z",
    "updated": "2025-12-20T10:00:00Z",
    "object": "interaction",
    "model": "gemini-2.5-flash-lite",
}
EVENTS: list[dict[str, Any]] = [
    {"event_type": "interaction.status_update", "status": "in_progress", "interaction_id": ID},
    {"event_type": "content.start", "index": 0, "content": {"type": "text"}},
    {"event_type": "content.delta", "index": 0, "delta": {"type": "text", "text": "391"}},
    {"event_type": "content.stop", "index": 0},
    {
        "event_type": "interaction.complete",
        "interaction": {k: v for k, v in INTERACTION.items() if k != "outputs"},
    },
]
for number, event in enumerate(EVENTS):
    event["event_id"] = f"evt_{number:04d}"

SHAPE = '(by its shape: "outputs" in the Interaction of exchange 0\'s response)'
SNAPSHOT = f"""\
{{dir}}/traffic.jsonl: revision 2025-12 {SHAPE}
{{dir}}/traffic.jsonl
  exchange 0 POST /v1beta/interactions (200)
    [USAGE-TOTAL-SUM] total_tokens is not the sum of its parts
      expected: 8 = total_input_tokens 4 + total_output_tokens 4 + total_thought_tokens 0 + total_tool_use_tokens 0
      actual:   9
      where:    exchange 0 /usage/total_tokens
  exchange 1 POST /v1beta/interactions (200)
    [STREAM-START-FIRST] the first event is not interaction.start
      expected: "interaction.start"
      actual:   "interaction.status_update"
      where:    exchange 1 event 0 /event_type
  drift: unknown property "service_tier" at /service_tier (interaction.json#)

{{dir}}/clean.har: revision 2025-12 {SHAPE}
checked 3 exchanges in 2 files against revision 2025-12: 2 violations (2 rules), 1 drift
"""


@pytest.fixture
def traffic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("NO_COLOR", "1")
    url = "https://example.test/v1beta/interactions"
    bad_usage = {**INTERACTION, "usage": {**USAGE, "total_tokens": 9}, "service_tier": "standard"}
    chunks = [f"event: {e['event_type']}\ndata: {json.dumps(e)}\n\n" for e in EVENTS]
    lines = [
        "# a create, then a streamed create",
        json.dumps(
            {
                "request": {"method": "POST", "url": url, "body": REQUEST},
                "response": {
                    "status": 200,
                    "headers": {"content-type": "application/json"},
                    "body": bad_usage,
                },
            }
        ),
        "",
        json.dumps(
            {
                "request": {"method": "POST", "url": url, "body": {**REQUEST, "stream": True}},
                "response": {
                    "status": 200,
                    "headers": {"content-type": "text/event-stream"},
                    "chunks": chunks,
                },
            }
        ),
    ]
    (tmp_path / "traffic.jsonl").write_text("\n".join(lines) + "\n")
    har = {
        "log": {
            "version": "1.2",
            "creator": {"name": "test", "version": "1"},
            "entries": [
                {
                    "request": {"method": "GET", "url": f"{url}/{ID}", "headers": []},
                    "response": {
                        "status": 200,
                        "headers": [],
                        "content": {
                            "mimeType": "application/json",
                            "text": json.dumps(INTERACTION),
                        },
                    },
                }
            ],
        }
    }
    (tmp_path / "clean.har").write_text(json.dumps(har))
    return tmp_path


def test_text_output_snapshot(traffic: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", str(traffic / "traffic.jsonl"), str(traffic / "clean.har")])
    assert capsys.readouterr().out == SNAPSHOT.format(dir=traffic)
    assert code == 1


def test_a_folder_is_searched_and_clean_traffic_exits_0(
    traffic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert source_files([traffic]) == [traffic / "clean.har", traffic / "traffic.jsonl"]
    assert main(["check", str(traffic / "clean.har")]) == 0
    assert capsys.readouterr().out == (
        f"{traffic / 'clean.har'}: revision 2025-12 {SHAPE}\n"
        "checked 1 exchange in 1 file against revision 2025-12: 0 violations (0 rules), 0 drift\n"
    )


def test_strict_schema_makes_drift_a_violation(
    traffic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(traffic), "--strict-schema", "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["summary"]["strict_schema"] is True
    assert "SCHEMA-STRICT" in report["summary"]["rules"]


def test_json_output_gives_every_finding_with_its_exchange(
    traffic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(traffic), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["summary"] == {
        "revision": "2025-12",
        "strict_schema": False,
        "files": 2,
        "unreadable": 0,
        "empty": 0,
        "exchanges": 3,
        "violations": 2,
        "rules": ["STREAM-START-FIRST", "USAGE-TOTAL-SUM"],
        "drift": 1,
        "checker_errors": 0,
    }
    jsonl = report["files"][1]
    assert jsonl["kind"] == "jsonl"
    assert [(v["rule"], v["exchange"]) for v in jsonl["violations"]] == [
        ("USAGE-TOTAL-SUM", 0),
        ("STREAM-START-FIRST", 1),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["absent.jsonl"], "check: no such file or folder: absent.jsonl"),
        (["{dir}/clean.har", "--revision", "1999-01"], "check: "),
        (["{dir}/bad.jsonl"], "bad.jsonl:2: not an exchange: it has no request and response"),
        (["{dir}/notes.txt"], "notes.txt: unknown kind of file"),
    ],
)
def test_usage_errors_exit_2(
    traffic: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    (traffic / "bad.jsonl").write_text('\n{"response": {}}\n')
    (traffic / "notes.txt").write_text("x")
    assert main(["check", *(a.format(dir=traffic) for a in args)]) == 2
    assert message in capsys.readouterr().err


def test_har_bodies_in_base64_and_broken_har(tmp_path: Path) -> None:
    import base64

    body = base64.b64encode(json.dumps(INTERACTION).encode()).decode()
    entry = {
        "request": {"method": "GET", "url": f"https://h/v1beta/interactions/{ID}"},
        "response": {
            "status": 200,
            "content": {"mimeType": "application/json", "encoding": "base64", "text": body},
        },
    }
    path = tmp_path / "x.har"
    path.write_text(json.dumps({"log": {"entries": [entry]}}))
    exchange = read_source(path).exchanges[0]
    assert exchange.response.json() == INTERACTION
    assert exchange.response.content_type == "application/json"
    path.write_text("{}")
    with pytest.raises(SourceError, match="not a HAR file"):
        read_source(path)


def test_bare_payloads_become_exchanges() -> None:
    get = from_interaction(INTERACTION, label="x")
    assert get.request.method == "GET"
    assert get.request.url.endswith(f"/v1beta/interactions/{ID}")
    stream = from_events(EVENTS, request=REQUEST, done=True)
    assert stream.response.chunks is not None
    assert len(stream.response.chunks) == len(EVENTS) + 1
    assert stream.response.chunks[0].startswith(b"event: interaction.status_update\ndata: {")
    assert stream.request.json() == {"stream": True, **REQUEST}


def test_check_reads_payload_recordings_and_exchange_files(tmp_path: Path) -> None:
    """`.json`: the shared corpus's {_meta, payload} files and the proxy's {request, response}."""
    import json as _json

    from interactions_conformance._sources import read_source

    payload = tmp_path / "p.json"
    payload.write_text(
        _json.dumps(
            {"_meta": {"kind": "interaction"}, "payload": {"id": "v1_x", "status": "done?"}}
        )
    )
    [exchange] = read_source(payload).exchanges
    assert exchange.request.method == "GET"
    recorded = tmp_path / "e.json"
    recorded.write_text(
        _json.dumps(
            {
                "request": {"method": "GET", "url": "http://h/v1beta/interactions/x"},
                "response": {
                    "status": 404,
                    "body": {"error": {"code": "not_found", "message": "m"}},
                },
            }
        )
    )
    assert read_source(recorded).exchanges[0].response.status == 404
    request_only = tmp_path / "r.json"
    request_only.write_text(_json.dumps({"_meta": {"kind": "request"}, "payload": {"model": "m"}}))
    from interactions_conformance._sources import SourceError

    with pytest.raises(SourceError, match="a request alone has no response to check"):
        read_source(request_only)


def test_each_cassette_is_checked_by_the_revision_it_was_recorded_under(
    capsys: pytest.CaptureFixture[str],
) -> None:
    cassettes = Path(__file__).resolve().parents[1] / "cassettes"
    if not (cassettes / "2026-05").is_dir():
        pytest.skip("no 2026-05 recordings to check")
    # Both eras at once: each file by its metadata revision, so both are clean.
    assert main(["check", str(cassettes), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["summary"]["revision"] == ["2025-12", "2026-05"]
    by_era = {f["revision"] for f in report["files"] if "/2026-05/" in f["file"]}
    assert by_era == {"2026-05"}
    # --revision overrides it: steps traffic read as 2025-12 breaks that revision's schema.
    assert main(["check", str(cassettes / "2026-05"), "--revision", "2025-12"]) == 1
    assert "[SCHEMA-OUTPUTS-ERA]" in capsys.readouterr().out  # steps, where 2025-12 has outputs
