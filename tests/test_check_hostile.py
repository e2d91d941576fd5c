"""`check` on hostile and broken recordings: one line and a documented exit code, never a crash.

One minimal reproducer per root cause of issue 16 ("check crashes on malformed recordings", "a
477-byte cassette exhausts memory", "a 100k-event stream is parsed twice") and the `check` inputs
of issue 15 (a truncated cassette, one bad file aborting a folder, an empty file exiting 0, the
proxy's own --log refused). Exit codes: 0 clean, 1 violations, 2 unreadable or empty input or a
usage error, 3 the checker itself failed.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from interactions_conformance import Exchange, Request, Response
from interactions_conformance import checks as C
from interactions_conformance._cli import main
from interactions_conformance._sources import SourceError, from_events, read_source
from interactions_conformance._traffic import MAX_JSON_DEPTH, loads_json
from interactions_conformance._wire import output_blocks

ROOT = Path(__file__).resolve().parent.parent
CLEAN_CASSETTE = ROOT / "cassettes/2025-12/emulator/test_basic"
URL = "https://example.test/v1beta/interactions"
INTERACTION: dict[str, Any] = {
    "id": "v1_x",
    "status": "completed",
    "object": "interaction",
    "model": "gemini-2.5-flash-lite",
    "role": "model",
    "created": "2025-12-20T10:00:00Z",
    "updated": "2025-12-20T10:00:00Z",
    "outputs": [{"type": "text", "text": "391"}],
    "usage": {
        "total_tokens": 8,
        "total_input_tokens": 4,
        "total_output_tokens": 4,
        "total_thought_tokens": 0,
        "total_tool_use_tokens": 0,
    },
}


def _check(capsys: pytest.CaptureFixture[str], *paths: Path | str) -> tuple[int, str, str]:
    code = main(["check", *map(str, paths)])
    out, err = capsys.readouterr()
    return code, out, err


def _one_line(err: str) -> str:
    """stderr holds exactly one line, and no traceback."""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def _jsonl(path: Path, *items: Any) -> Path:
    path.write_text("".join(json.dumps(i) + "\n" for i in items), "utf-8")
    return path


def _line(response: str, request: str = f'{{"url": "{URL}"}}') -> str:
    """One JSON Lines exchange from the JSON texts of its request and response."""
    return '{"request": ' + request + ', "response": ' + response + "}"


def _cassette(path: Path, interaction: str) -> Path:
    path.write_text(f"interactions:\n{interaction}version: 1\n", "utf-8")
    return path


GOOD_INTERACTION = """\
- request:
    method: POST
    uri: https://example.test/v1beta/interactions
    body: '{"model": "gemini-2.5-flash-lite", "input": "hi"}'
    headers: {content-type: [application/json]}
  response:
    status: {code: 200, message: OK}
    headers: {content-type: [application/json]}
    body: {string: '{}'}
"""


# -- YAML: syntax, structure, tags, aliases ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD_INTERACTION[:120], "not valid YAML"),  # truncated inside a quoted scalar
        ("interactions:\n- request: {method: POST\n", "not valid YAML"),  # parser
        ("interactions: []\n---\ninteractions: []\n", "not valid YAML"),  # composer
        ("interactions: @x\n", "not valid YAML"),  # scanner: a reserved indicator
        ("- just\n- a list\n", "not a cassette"),
        ("interactions: 3\n", "not a cassette"),
    ],
)
def test_yaml_that_is_no_cassette_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(text, "utf-8")
    code, out, err = _check(capsys, path)
    assert code == 2
    line = _one_line(err)
    assert line.startswith(f"check: {path}")
    assert message in line
    assert out.strip() == "nothing checked: 1 file unreadable (see above)"


def test_a_yaml_syntax_error_names_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("interactions:\n- request:\n    method: 'POST\n", "utf-8")
    code, _, err = _check(capsys, path)
    assert code == 2
    assert _one_line(err) == f"check: {path}:4: not valid YAML (found unexpected end of stream)"


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("{code: null}", "response.status.code is null, not an HTTP status code"),
        ("{code: .inf}", "response.status.code is a number Infinity, not an HTTP status code"),
        ("{code: OK}", 'response.status.code is a string "OK", not an HTTP status code'),
        ("{code: 99999}", "not an HTTP status code (0-999)"),
        ("[200]", "response.status.code is a list"),
    ],
)
def test_a_cassette_status_of_the_wrong_type(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], status: str, message: str
) -> None:
    text = GOOD_INTERACTION.replace("{code: 200, message: OK}", status)
    code, _, err = _check(capsys, _cassette(tmp_path / "x.yaml", text))
    assert code == 2
    line = _one_line(err)
    assert "interaction 0 (line 2)" in line
    assert message in line


def test_a_cassette_response_that_is_a_list(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "- request: {method: GET, uri: 'https://h/v1beta/interactions/x'}\n  response: [1, 2]\n"
    code, _, err = _check(capsys, _cassette(tmp_path / "x.yaml", text))
    assert code == 2
    assert "response is a list, not an object" in _one_line(err)


def test_python_tags_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = GOOD_INTERACTION.replace("{string: '{}'}", "!!python/tuple [a, b]")
    code, _, err = _check(capsys, _cassette(tmp_path / "x.yaml", text))
    assert code == 2
    assert "the YAML tag !!python/tuple is refused" in _one_line(err)
    text = GOOD_INTERACTION.replace("{string: '{}'}", "!!python/object/apply:os.system [echo]")
    code, _, err = _check(capsys, _cassette(tmp_path / "y.yaml", text))
    assert code == 2
    assert "is refused" in _one_line(err)


LAUGHS = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(
        f"{chr(ord('b') + i)}: &{chr(ord('b') + i)} [{','.join(['*' + chr(ord('a') + i)] * 9)}]\n"
        for i in range(8)
    )
    + "interactions: [*i]\n"
)


def test_a_billion_laughs_cassette_is_refused_under_a_memory_cap(tmp_path: Path) -> None:
    """The 9^9 expansion is refused before anything walks it: 1 GiB of address space is plenty."""
    path = tmp_path / "laughs.yaml"
    path.write_text(LAUGHS, "utf-8")
    assert len(LAUGHS) < 600

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "interactions_conformance._cli", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=cap,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert done.returncode == 2, done.stderr
    assert "YAML anchors and aliases are refused" in _one_line(done.stderr)
    assert time.monotonic() - started < 30


def test_replay_reads_cassettes_as_safely(tmp_path: Path) -> None:
    from interactions_conformance._cassettes import Cassette, CassetteError

    path = tmp_path / "laughs.yaml"
    path.write_text(LAUGHS, "utf-8")
    with pytest.raises(CassetteError, match="YAML anchors and aliases are refused"):
        Cassette(path, "none")


def test_deep_yaml_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("interactions: " + "[" * 200 + "]" * 200 + "\n", "utf-8")
    code, _, err = _check(capsys, path)
    assert code == 2
    assert "nested deeper than 64 levels" in _one_line(err)


# -- HAR and JSON Lines --------------------------------------------------------------------------


def _har(path: Path, entry: Any) -> Path:
    path.write_text(json.dumps({"log": {"version": "1.2", "entries": [entry]}}), "utf-8")
    return path


HAR_ENTRY: dict[str, Any] = {
    "request": {"method": "GET", "url": f"{URL}/v1_x", "headers": []},
    "response": {
        "status": 200,
        "headers": [{"name": "content-type", "value": "application/json"}],
        "content": {"mimeType": "application/json", "text": json.dumps(INTERACTION)},
    },
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"request": "GET /"}, "entry 0: not a HAR entry: request is a string, not an object"),
        ({"response": [1]}, "entry 0: not a HAR entry: response is a list, not an object"),
        ({"response": {"status": 200, "content": "{}"}}, "response.content is a string"),
        ({"response": {"status": 200, "content": [1]}}, "response.content is a list"),
        ({"response": {"status": None}}, "response.status is null"),
        ({"response": {"status": True}}, "response.status is a boolean"),
        ({"response": {"status": float("inf")}}, "Infinity is not JSON"),
        ({"request": {"method": "GET", "url": "http://[::1/x"}}, "request.url is not a URL"),
        (
            {"response": {"status": 200, "content": {"encoding": "base64", "text": "!!"}}},
            "response.content.text is not base64",
        ),
    ],
)
def test_har_entries_of_the_wrong_shape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict[str, Any], message: str
) -> None:
    code, _, err = _check(capsys, _har(tmp_path / "x.har", {**HAR_ENTRY, **change}))
    assert code == 2
    assert message in _one_line(err), err


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"request": "x", "response": {"status": 200}}', "request is a string, not an object"),
        (_line("[]"), "response is a list, not an object"),
        (
            _line('{"status": Infinity}'),
            "Infinity is not JSON",
        ),
        (_line('{"status": NaN}'), "NaN is not JSON"),
        ('{"request": {"url": 3}, "response": {"status": 200}}', "request.url is a number"),
        (
            _line('{"status": 200, "chunks": "data: {}"}'),
            "response.chunks is a string, not a list of texts",
        ),
        ("[" * 5000 + "]" * 5000, "nested deeper than 64 levels"),
        (_line('{"status": ' + "9" * 5000 + "}"), "digits"),
        ("[1, 2", "not JSON (Expecting ',' delimiter, column 6)"),
    ],
)
def test_json_lines_of_the_wrong_shape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str, message: str
) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text("\n" + line + "\n", "utf-8")
    code, _, err = _check(capsys, path)
    assert code == 2
    first = _one_line(err)
    assert first.startswith(f"check: {path}:2: ")
    assert message in first


@pytest.mark.parametrize("status", ['"400"', "null", "4.5", "1e400", "[400]"])
def test_a_payload_recording_meta_status_that_is_no_int(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], status: str
) -> None:
    path = tmp_path / "error.json"
    path.write_text(
        '{"_meta": {"kind": "error", "status": ' + status + '}, "payload": {"error": {}}}', "utf-8"
    )
    code, _, err = _check(capsys, path)
    assert code == 2
    assert "_meta.status is" in _one_line(err)


# -- deep nesting in bodies ------------------------------------------------------------------------


def test_deep_bodies_read_as_not_json_and_are_violations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """~990 levels (json's own limit) and just past ours: a violation with evidence, no crash."""
    for depth in (MAX_JSON_DEPTH + 1, 990, 5000):
        deep = "[" * depth + "]" * depth
        exchange = Exchange(
            Request("POST", URL, {"content-type": "application/json"}, deep.encode()),
            Response(200, {"content-type": "application/json"}, deep.encode()),
        )
        assert exchange.request.json() is None
        assert exchange.response.json() is None
        found = C.check_scenario([exchange])
        assert found.errors == []
        assert [v.rule for v in found.violations] == ["SCHEMA-INTERACTION"]
    with pytest.raises(ValueError, match="nested deeper than 64 levels"):
        loads_json("[" * 65 + "]" * 65)
    assert loads_json("[" * 64 + "]" * 64) is not None
    assert loads_json('["[[[[' + "[" * 100 + '"]') == ["[[[[" + "[" * 100]  # brackets in strings


def test_reassembly_copies_without_recursion() -> None:
    """copy.deepcopy failed near 900 levels during stream reassembly; deltas nest freely."""
    value: Any = "leaf"
    for _ in range(5000):
        value = {"a": [value]}
    events = [
        {"event_type": "content.start", "index": 0, "content": {"type": "function_call"}},
        {"event_type": "content.delta", "index": 0, "delta": {"type": "function_call", "x": value}},
    ]
    (block,) = C.reassemble_outputs(events, revision="2025-12")
    assert block["x"] is not value  # a copy (`==` would recurse 5,000 levels itself)
    assert block["x"]["a"][0] is not value["a"][0]
    assert block["x"]["a"][0]["a"][0]["a"][0].keys() == {"a"}


# -- check functions on odd values -------------------------------------------------------------


def test_check_functions_on_odd_values_give_violations() -> None:
    complete = {"event_type": "interaction.complete", "interaction": {"status": ["completed"]}}
    found = C.check_complete_usage([complete], revision="2025-12")
    assert "STREAM-COMPLETE-USAGE" in {v.rule for v in found}
    big = 10**4299
    usage = {"total_tokens": 1, "total_input_tokens": 9 * big, "total_output_tokens": 9 * big}
    assert C.check_usage_total({"usage": usage}) == []  # past int64: no count, the sum skipped
    assert C.check_usage_counts({"usage": usage})  # a count out of range is reported
    status_update = {"event_type": "interaction.status_update", "status": {"a": 1}}
    assert isinstance(C.check_status_events([status_update, {"status": ["x"]}]), list)
    stop_then_start = [
        {"event_type": "content.stop", "index": 0},
        {"event_type": "content.start", "index": 0, "content": {"type": "text"}},
    ]
    (reopened,) = C.check_index_order(stop_then_start, revision="2025-12")
    assert reopened.expected == "a new index 1"
    delta = {"event_type": "content.delta", "index": 0, "delta": {"type": {"text": 1}}}
    assert C.reassemble_outputs([delta], revision="2025-12") == [{}]
    step_delta = {"event_type": "step.delta", "index": 0, "delta": {"type": ["text"]}}
    assert C.reassemble_outputs([step_delta], revision="2026-05") == [{}]
    assert output_blocks({"steps": [{"type": ["model_output"]}, {"type": {"a": 1}}]}) == [
        ("/steps/0", {"type": ["model_output"]}),
        ("/steps/1", {"type": {"a": 1}}),
    ]


def test_a_malformed_ipv6_url_is_checked_and_its_curl_line_keeps_no_key() -> None:
    url = "http://[::1/v1beta/interactions?key=AIzaSyA0000000000000000000000000000000"
    exchange = Exchange(
        Request("POST", url, {"content-type": "application/json"}, b'{"stream": true}'),
        Response(200, {"content-type": "application/json"}, json.dumps(INTERACTION).encode()),
    )
    found = C.check_scenario([exchange])
    assert found.errors == []
    assert C.classify(exchange).kind == "other"
    assert "AIza" not in exchange.reproduce
    assert "$GEMINI_API_KEY" in exchange.reproduce


def test_lone_surrogates_are_printed_escaped(tmp_path: Path) -> None:
    """Text output of a lone surrogate (recorded JSON "\\ud800") raised UnicodeEncodeError."""
    body = json.dumps({**INTERACTION, "role": "\ud800"})  # JSON escape: valid JSON text
    path = tmp_path / "s.jsonl"
    response = '{"status": 200, "headers": {"content-type": "application/json"}, "body": '
    path.write_text(_line(response + body + "}", f'{{"url": "{URL}/v1_x"}}') + "\n", "utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "interactions_conformance._cli", "check", str(path)],
        capture_output=True,
        timeout=60,
        env={**os.environ, "PYTHONIOENCODING": "utf-8:strict"},
    )
    assert b"Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1, done.stderr
    assert b"\\ud800" in done.stdout


# -- a folder, empty input, exit codes ------------------------------------------------------------


def test_one_unreadable_file_does_not_stop_the_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a-bad.jsonl").write_text('{"request": 1}\n', "utf-8")
    (tmp_path / "b-truncated.yaml").write_text("interactions:\n- request: {method: 'P\n", "utf-8")
    bad = {**INTERACTION, "usage": {**INTERACTION["usage"], "total_tokens": 9}}
    _jsonl(
        tmp_path / "c-good.jsonl",
        {
            "request": {"method": "GET", "url": f"{URL}/v1_x"},
            "response": {
                "status": 200,
                "headers": {"content-type": "application/json"},
                "body": bad,
            },
        },
    )
    code, out, err = _check(capsys, tmp_path)
    assert code == 2  # unreadable input wins over violations, and both are said
    assert [line.split(": ")[1].rsplit("/", 1)[-1].split(":")[0] for line in err.splitlines()] == [
        "a-bad.jsonl",
        "b-truncated.yaml",
    ]
    assert "[USAGE-TOTAL-SUM]" in out
    assert out.splitlines()[-1].endswith(
        "1 violation (1 rule), 0 drift; 2 files unreadable (see above)"
    )
    assert out.splitlines()[-1].startswith("checked 1 exchange in 1 file ")


def test_exit_codes_are_distinct(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _check(capsys, CLEAN_CASSETTE)[0] == 0
    bad = {**INTERACTION, "usage": {**INTERACTION["usage"], "total_tokens": 9}}
    item = {
        "request": {"method": "GET", "url": f"{URL}/v1_x"},
        "response": {"status": 200, "headers": {"content-type": "application/json"}, "body": bad},
    }
    assert _check(capsys, _jsonl(tmp_path / "v.jsonl", item))[0] == 1
    assert _check(capsys, tmp_path / "nothing-here.jsonl")[0] == 2
    (tmp_path / "bad.har").write_text("{", "utf-8")
    assert _check(capsys, tmp_path / "bad.har")[0] == 2


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("empty.jsonl", ""),
        ("comments.jsonl", "# nothing\n\n"),
        ("empty.yaml", ""),
        ("empty-list.yaml", "interactions: []\nversion: 1\n"),
        ("empty.har", '{"log": {"entries": []}}'),
    ],
)
def test_empty_input_says_so_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, text: str
) -> None:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    code, out, err = _check(capsys, path)
    assert code == 2
    assert _one_line(err) == f"check: no exchanges in {path}"
    assert out.strip() == "nothing checked: no exchanges in 1 file"


def test_an_empty_file_among_others_is_said_but_not_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty.jsonl").write_text("", "utf-8")
    code, _, err = _check(capsys, tmp_path, CLEAN_CASSETTE)
    assert code == 0
    assert _one_line(err) == f"check: no exchanges in {tmp_path / 'empty.jsonl'}"


def test_files_over_the_size_cap_are_refused_unread(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from interactions_conformance import _cassettes, _sources

    monkeypatch.setattr(_sources, "MAX_SOURCE_BYTES", 100)
    monkeypatch.setattr(_cassettes, "MAX_CASSETTE_BYTES", 100)
    (tmp_path / "big.jsonl").write_text(" " * 101, "utf-8")
    (tmp_path / "big.json").write_text(" " * 101, "utf-8")
    (tmp_path / "big.yaml").write_text("#" * 101, "utf-8")
    code, _, err = _check(capsys, tmp_path)
    assert code == 2
    # Files read whole are refused by their size; JSON Lines is streamed, so by one line's.
    assert err.count("101 bytes, over the 100-byte limit") == 2
    assert "big.jsonl:1: a line over the 100-byte limit for one exchange" in err


def test_a_check_that_raises_is_a_checker_error_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Totality is the goal; should a check raise all the same, the exchange gets a one-line
    checker error, the other exchanges are still checked, and the exit is 3, never 1."""
    from interactions_conformance.checks import _exchange

    real = _exchange._check_json

    def flaky(exchange: Exchange, *args: Any) -> Any:
        if exchange.request.url.endswith("/boom"):
            raise KeyError("boom")
        return real(exchange, *args)

    monkeypatch.setattr(_exchange, "_check_json", flaky)
    bad = {**INTERACTION, "usage": {**INTERACTION["usage"], "total_tokens": 9}}
    items = [
        {
            "request": {"method": "GET", "url": f"{URL}/{name}"},
            "response": {
                "status": 200,
                "headers": {"content-type": "application/json"},
                "body": bad,
            },
        }
        for name in ("boom", "v1_x")
    ]
    code, out, err = _check(capsys, _jsonl(tmp_path / "x.jsonl", *items))
    assert code == 3
    line = _one_line(err)
    assert "exchange 0: checker error KeyError: 'boom' at test_check_hostile.py:" in line
    assert "please report" in line
    assert "exchange 1 GET /v1beta/interactions/v1_x (200)" in out  # still checked
    assert out.splitlines()[-1].endswith("; 1 checker error (see above)")


def test_a_crash_of_check_is_exit_3_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from interactions_conformance import _corpus

    def crash(path: Path, segment: Any = None) -> Any:
        raise RuntimeError("unexpected")

    monkeypatch.setattr(_corpus, "open_source", crash)
    code, _, err = _check(capsys, CLEAN_CASSETTE)
    assert code == 3
    line = _one_line(err)
    assert line.startswith("check: internal error (checker error RuntimeError: unexpected at ")
    assert "please report" in line


# -- the proxy's own files -------------------------------------------------------------------------


@pytest.mark.parametrize("record", [True, False], ids=["with-recordings", "log-only"])
def test_check_reads_the_proxys_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], record: bool
) -> None:
    """With --record, the log's exchanges are re-read from their recordings and checked again;
    without, the violations the proxy logged are reported as logged. Either way: exit 1."""
    import httpx

    from interactions_conformance._proxy import running_proxy
    from interactions_conformance.emulator import running_emulator

    log = tmp_path / "proxy.jsonl"
    options: dict[str, Any] = {"log_path": log, "live": None}
    if record:
        options["record_dir"] = tmp_path / "rec"
        options["record_dir"].mkdir()
    body = {"model": "gemini-2.5-flash", "input": "Hello", "stream": True}
    with (
        running_emulator(faults=("stream-no-start",)) as upstream,
        running_proxy(upstream, **options) as proxy,
    ):
        headers = {"x-goog-api-key": "emulator-key"}
        httpx.post(f"{proxy.url}/v1beta/interactions", json=body, headers=headers).read()
        assert proxy.proxy.wait_idle()
    code, out, err = _check(capsys, log)
    assert (code, err) == (1, "")
    assert "[STREAM-START-FIRST]" in out
    if record:
        assert "exchange 0 POST /v1beta/interactions (200)" in out
        assert "logged by the proxy" not in out
    else:
        assert "logged by the proxy, line" in out
    source = read_source(log)
    assert source.kind == "proxy-log"
    assert len(source.exchanges) == (1 if record else 0)


def test_a_recording_with_base64_bodies_is_read(tmp_path: Path) -> None:
    """The proxy writes body_base64 / chunks_base64 when a body is not UTF-8."""
    import base64

    frames = from_events([{"event_type": "interaction.start"}]).response.chunks or ()
    path = tmp_path / "000001-POST-interactions.json"
    path.write_text(
        json.dumps(
            {
                "format": "interactions-conformance/exchange",
                "request": {"method": "POST", "url": URL, "body_base64": "/w=="},
                "response": {
                    "status": 200,
                    "headers": {"content-type": "text/event-stream"},
                    "chunks_base64": [base64.b64encode(f).decode() for f in frames],
                },
            }
        ),
        "utf-8",
    )
    (exchange,) = read_source(path).exchanges
    assert exchange.request.body == b"\xff"
    assert exchange.response.chunks == frames


# -- memory and time: a stream is parsed once --------------------------------------------------


def test_a_big_stream_is_parsed_once_per_exchange(monkeypatch: pytest.MonkeyPatch) -> None:
    from interactions_conformance.checks import _exchange

    events = [{"event_type": "interaction.start", "interaction": {"id": "v1_a"}}]
    events += [
        {"event_type": "content.delta", "index": 0, "delta": {"type": "text", "text": "x"}}
    ] * 20_000
    exchange = from_events(events, request={"model": "m", "input": "x"})
    calls: list[int] = []
    real = _exchange.parse_payloads  # the parser check_exchange uses (payloads, no SSEEvents)

    def counted(data: Any) -> Any:
        calls.append(1)
        return real(data)

    monkeypatch.setattr(_exchange, "parse_payloads", counted)
    found = C.check_scenario([exchange])
    assert found.errors == []
    assert len(calls) == 1


def test_a_long_stream_is_checked_under_a_memory_cap(tmp_path: Path) -> None:
    """25,000 events (a 4 MB file) are checked within 1 GiB of address space, in one pass."""
    events: list[dict[str, Any]] = [
        {"event_type": "interaction.start", "interaction": {"id": "v1_a", "status": "in_progress"}},
        {"event_type": "content.start", "index": 0, "content": {"type": "text"}},
    ]
    events += [
        {"event_type": "content.delta", "index": 0, "delta": {"type": "text", "text": "x"}}
    ] * 25_000
    exchange = from_events(events, request={"model": "m", "input": "x"})
    chunks = [c.decode() for c in exchange.response.chunks or ()]
    line = {
        "request": {"method": "POST", "url": URL, "body": {"model": "m", "stream": True}},
        "response": {
            "status": 200,
            "headers": {"content-type": "text/event-stream"},
            "chunks": chunks,
        },
    }
    path = _jsonl(tmp_path / "long.jsonl", line)

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    done = subprocess.run(
        [sys.executable, "-m", "interactions_conformance._cli", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=cap,
    )
    assert done.returncode == 1, done.stderr  # the stream is truncated (no stop, no complete)
    assert "STREAM-TERMINAL" in done.stdout or "STREAM-CONTENT-BRACKETS" in done.stdout
    assert done.stdout.splitlines()[-1].startswith("checked 1 exchange in 1 file")


def test_source_error_carries_file_where_and_why(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "x.jsonl", {"request": {"url": URL}, "response": {"status": "x"}})
    with pytest.raises(SourceError) as info:
        read_source(path)
    assert (info.value.path, info.value.where) == (path, "line 1")
    assert info.value.why.startswith('not an exchange: response.status is a string "x"')


# -- schemas the traffic brings: bounded regexes, no remote $ref --------------------------------

# `(a+)+$` against forty a's and a "!" takes Python's re minutes; a back-reference needs a
# backtracking engine, whose limit stops it on a long enough text.
FORTY = "a" * 40 + "!"
HOSTILE_PATTERNS = [
    ("(a+)+$", FORTY, True),
    ("^(a|aa)+$", FORTY, True),
    (r"^(\w+)\1+x$", FORTY, True),
    (r"(\w+)\1+x", "a" * 5000 + "!", False),
]


def _structured(pattern: str, text: str) -> tuple[dict[str, Any], dict[str, Any]]:
    schema = {"type": "object", "properties": {"s": {"type": "string", "pattern": pattern}}}
    body = {**INTERACTION, "outputs": [{"type": "text", "text": json.dumps({"s": text})}]}
    return body, {"model": "gemini-2.5-flash-lite", "input": "x", "response_format": schema}


@pytest.mark.parametrize(("pattern", "text", "decidable"), HOSTILE_PATTERNS)
def test_a_catastrophic_pattern_in_response_format_is_decided_in_bounded_time(
    tmp_path: Path, pattern: str, text: str, decidable: bool
) -> None:
    body, request = _structured(pattern, text)
    line = {
        "request": {"method": "POST", "url": URL, "body": request},
        "response": {"status": 200, "headers": {"content-type": "application/json"}, "body": body},
    }
    path = _jsonl(tmp_path / "redos.jsonl", line)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "interactions_conformance._cli", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=60,  # Python's re would not finish this within the hour
    )
    assert time.monotonic() - started < 30
    assert "Traceback" not in done.stderr
    if decidable:  # a linear engine decides it: the text does not match, a violation
        assert done.returncode == 1, done.stdout + done.stderr
        assert "[SO-VALID-JSON]" in done.stdout
        assert "-> /s" in done.stdout
    else:  # past the backtracking limit nothing is decided, so nothing is claimed
        assert done.returncode == 0, done.stdout + done.stderr
        assert "SO-VALID-JSON" not in done.stdout


def test_a_matching_text_still_passes_and_a_plain_mismatch_still_fails() -> None:
    body, request = _structured("^a+$", "aaaa")
    assert C.check_structured_output(body, request, revision="2025-12") == []
    body, request = _structured("^a+$", "aab")
    [v] = C.check_structured_output(body, request, revision="2025-12")
    assert (v.rule, v.where) == ("SO-VALID-JSON", "/outputs/0/text -> /s")
    assert "does not match" in v.message


def test_a_catastrophic_pattern_in_function_parameters_is_bounded() -> None:
    parameters = {"type": "object", "properties": {"q": {"type": "string", "pattern": "(a+)+$"}}}
    tool = {"type": "function", "name": "f", "parameters": parameters}
    call = {"type": "function_call", "id": "c1", "name": "f", "arguments": {"q": FORTY}}
    body = {**INTERACTION, "status": "requires_action", "outputs": [call]}
    started = time.monotonic()
    found = C.check_function_call_arguments(body, {"tools": [tool]}, revision="2025-12")
    assert time.monotonic() - started < 5
    assert [(v.rule, v.where) for v in found] == [("FC-ARGS-VALID", "/outputs/0/arguments/q")]


def test_a_remote_ref_in_response_format_is_never_fetched() -> None:
    import http.server
    import threading

    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"type": "integer"}')

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        schema = {"$ref": f"http://127.0.0.1:{server.server_port}/schema.json"}
        body = {**INTERACTION, "outputs": [{"type": "text", "text": '"text"'}]}
        request = {"model": "m", "input": "x", "response_format": schema}
        assert C.check_structured_output(body, request, revision="2025-12") == []
    finally:
        server.shutdown()
        server.server_close()
    assert hits == []  # the checker sent no request on the traffic's behalf
