"""`check` at corpus scale: streamed inputs in bounded memory, and ``--jobs N`` equal to one job.

A JSON Lines file is read line by line and checked as scenarios of `SCENARIO_BYTES` (here made
small, so that a few kilobytes make many segments); ``--jobs 2`` spreads files and segments over
processes and must print exactly what ``--jobs 1`` prints, with the same exit code, including
the exchange numbers (renumbered per segment) and the file:line of a bad entry mid-file.
"""

from __future__ import annotations

import itertools
import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from interactions_conformance import _sources
from interactions_conformance._cli import main
from interactions_conformance._sources import jsonl_segments, open_source, read_source

URL = "https://example.test/v1beta/interactions"
USAGE = {
    "total_tokens": 8,
    "total_input_tokens": 4,
    "total_output_tokens": 4,
    "total_thought_tokens": 0,
    "total_tool_use_tokens": 0,
}
INTERACTION: dict[str, Any] = {
    "id": "v1_x",
    "status": "completed",
    "object": "interaction",
    "model": "gemini-2.5-flash-lite",
    "role": "model",
    "created": "2025-12-20T10:00:00Z",
    "updated": "2025-12-20T10:00:00Z",
    "outputs": [{"type": "text", "text": "391"}],
    "usage": USAGE,
}
JSON = {"content-type": "application/json"}


def _get(ident: str, bad: bool = False) -> dict[str, Any]:
    usage = {**USAGE, "total_tokens": 9} if bad else USAGE
    body = {**INTERACTION, "id": ident, "usage": usage}
    return {
        "request": {"method": "GET", "url": f"{URL}/{ident}"},
        "response": {"status": 200, "headers": JSON, "body": body},
    }


def _deleted_then_read(ident: str) -> list[dict[str, Any]]:
    """A create, its DELETE, then a GET that still answers 200: DELETE-REMOVES."""
    create = {
        "request": {
            "method": "POST",
            "url": URL,
            "headers": JSON,
            "body": {"model": "gemini-2.5-flash-lite", "input": "What is 17*23?"},
        },
        "response": {"status": 200, "headers": JSON, "body": {**INTERACTION, "id": ident}},
    }
    delete = {
        "request": {"method": "DELETE", "url": f"{URL}/{ident}"},
        "response": {"status": 200, "headers": JSON, "body": {}},
    }
    return [create, delete, _get(ident)]


def _corpus(path: Path, copies: int = 40, bad_line_at: int | None = None) -> Path:
    """Clean GETs, a violation every 7th, and a delete-then-read every 10th copy."""
    lines: list[str] = ["# a corpus"]
    for n in range(copies):
        items = [_get(f"v1_{n}_a"), _get(f"v1_{n}_b", bad=n % 7 == 3)]
        if n % 10 == 5:
            items += _deleted_then_read(f"v1_{n}_d")
        lines += [json.dumps(i) for i in items]
        if n % 9 == 0:
            lines.append("")
    if bad_line_at is not None:
        lines.insert(bad_line_at - 1, '{"request": {"url": 3}, "response": {"status": 200}}')
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


@pytest.fixture
def small_scenarios(monkeypatch: pytest.MonkeyPatch) -> int:
    size = 4096  # a few exchanges a scenario: the corpus below is some 20 segments
    monkeypatch.setattr(_sources, "SCENARIO_BYTES", size)
    return size


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["check", *args])
    out, err = capsys.readouterr()
    return code, out, err


# -- segments ----------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 50, 333, 4096, 10**9])
def test_segments_cover_the_file_at_line_ends_with_their_line_numbers(
    tmp_path: Path, size: int
) -> None:
    path = _corpus(tmp_path / "c.jsonl", copies=12)
    data = path.read_bytes()
    segments = jsonl_segments(path, size)
    assert segments[0].start == 0
    assert segments[-1].end == len(data)
    for before, after in itertools.pairwise(segments):
        assert before.end == after.start  # no gap, no overlap
        assert data[after.start - 1 : after.start] == b"\n"  # cut at a line end
    for segment in segments:
        assert segment.first_line == data[: segment.start].count(b"\n") + 1
        assert segment.end > segment.start
    if size >= len(data):
        assert len(segments) == 1
    # read segment by segment, the exchanges are those of the whole file, in order
    pieces = [e for s in segments for e in open_source(path, s).exchanges]
    assert pieces == read_source(path).exchanges


def test_a_file_over_the_scenario_size_is_checked_as_several_scenarios(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], small_scenarios: int
) -> None:
    """Rules across exchanges hold within a scenario: each delete-then-read is caught, and the
    exchange it names is numbered in the file, not in its segment."""
    path = _corpus(tmp_path / "c.jsonl")
    assert len(jsonl_segments(path, small_scenarios)) > 10
    code, out, err = _run(capsys, str(path), "--format", "json")
    assert (code, err) == (1, "")
    (report,) = json.loads(out)["files"]
    found = [v for v in report["violations"] if v["rule"] == "DELETE-REMOVES"]
    assert len(found) == 4  # copies 5, 15, 25, 35
    lines = [json.loads(t) for t in path.read_text().splitlines() if t.startswith("{")]
    for v in found:
        read, deleted = v["exchange"], int(v["expected"].rsplit(" ", 1)[1].rstrip(")"))
        assert lines[read]["request"]["method"] == "GET"
        assert lines[deleted]["request"]["method"] == "DELETE"
        assert lines[read]["request"]["url"] == lines[deleted]["request"]["url"]
    usage = [v for v in report["violations"] if v["rule"] == "USAGE-TOTAL-SUM"]
    assert [lines[v["exchange"]]["response"]["body"]["id"] for v in usage] == [
        f"v1_{n}_b" for n in range(40) if n % 7 == 3
    ]


def test_a_checker_error_in_a_later_segment_names_the_exchange_of_the_file(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    small_scenarios: int,
) -> None:
    from interactions_conformance.checks import _exchange

    real = _exchange._check_json

    def flaky(exchange: Any, *args: Any) -> Any:
        if exchange.request.url.endswith("/v1_30_a"):
            raise KeyError("boom")
        return real(exchange, *args)

    monkeypatch.setattr(_exchange, "_check_json", flaky)
    path = _corpus(tmp_path / "c.jsonl")
    lines = [json.loads(t) for t in path.read_text().splitlines() if t.startswith("{")]
    index = next(i for i, e in enumerate(lines) if e["request"]["url"].endswith("/v1_30_a"))
    assert jsonl_segments(path, small_scenarios)[1].start < path.read_text().index("/v1_30_a")
    code, _, err = _run(capsys, str(path))
    assert code == 3
    assert f"check: {path}: exchange {index}: checker error KeyError: 'boom'" in err


# -- --jobs 2 is --jobs 1 ----------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Several files of every kind: a big JSON Lines file, a clean one, an unreadable one, an
    empty one, a HAR file and a cassette of the project's own."""
    _corpus(tmp_path / "a-big.jsonl")
    _corpus(tmp_path / "b-clean.jsonl", copies=1)
    (tmp_path / "c-empty.jsonl").write_text("# nothing\n", "utf-8")
    _corpus(tmp_path / "d-bad.jsonl", copies=30, bad_line_at=50)
    har = {"log": {"entries": [_har_entry(_get("v1_h", bad=True)), _har_entry(_get("v1_i"))]}}
    (tmp_path / "e.har").write_text(json.dumps(har), "utf-8")
    cassette = Path(__file__).resolve().parent.parent / "cassettes/2025-12/emulator/test_basic"
    (tmp_path / "f.yaml").write_bytes(next(cassette.glob("*.yaml")).read_bytes())
    return tmp_path


def _har_entry(item: dict[str, Any]) -> dict[str, Any]:
    response = item["response"]
    return {
        "request": {"method": item["request"]["method"], "url": item["request"]["url"]},
        "response": {
            "status": response["status"],
            "content": {"mimeType": "application/json", "text": json.dumps(response["body"])},
        },
    }


@pytest.mark.parametrize("form", ["text", "json"])
def test_jobs_2_prints_what_jobs_1_prints(
    folder: Path, capsys: pytest.CaptureFixture[str], small_scenarios: int, form: str
) -> None:
    one = _run(capsys, str(folder), "--format", form, "--jobs", "1")
    two = _run(capsys, str(folder), "--format", form, "--jobs", "2")
    auto = _run(capsys, str(folder), "--format", form, "--jobs", "auto")
    assert one == two == auto
    code, out, err = one
    assert code == 2  # d-bad.jsonl is unreadable; the others are still checked
    assert f"{folder / 'd-bad.jsonl'}:50: not an exchange: request.url is a number" in err
    assert f"check: no exchanges in {folder / 'c-empty.jsonl'}" in err
    if form == "json":
        summary = json.loads(out)["summary"]
        assert (summary["files"], summary["unreadable"], summary["empty"]) == (6, 1, 1)
        assert summary["rules"] == ["DELETE-REMOVES", "USAGE-TOTAL-SUM"]
    else:
        assert "exchange 3 GET /v1beta/interactions/v1_1_b (200)" not in out  # clean
        assert "exchange 7 GET /v1beta/interactions/v1_3_b (200)" in out


def test_jobs_2_from_a_threaded_program_uses_forkserver_and_prints_the_same(
    folder: Path,
    capsys: pytest.CaptureFixture[str],
    small_scenarios: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import multiprocessing

    from interactions_conformance import _corpus

    one = _run(capsys, str(folder), "--jobs", "1")
    used: list[str] = []
    real = multiprocessing.get_context

    def spy(method: str | None = None) -> Any:
        used.append(str(method))
        return real(method)

    monkeypatch.setattr(_corpus.threading, "active_count", lambda: 2)
    monkeypatch.setattr(_corpus.multiprocessing, "get_context", spy)
    assert _run(capsys, str(folder), "--jobs", "2") == one
    assert used == ["forkserver"]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_exit_codes_hold_under_jobs(
    folder: Path, capsys: pytest.CaptureFixture[str], small_scenarios: int, jobs: str
) -> None:
    assert _run(capsys, str(folder / "b-clean.jsonl"), "--jobs", jobs)[0] == 0
    assert _run(capsys, str(folder / "a-big.jsonl"), "--jobs", jobs)[0] == 1
    code, out, err = _run(capsys, str(folder / "d-bad.jsonl"), "--jobs", jobs)
    assert code == 2
    assert err.strip() == (
        f"check: {folder / 'd-bad.jsonl'}:50: not an exchange: request.url is a number, "
        'not a string; expected {"request": {"method", "url", ...}, "response": {"status", ...}}'
    )
    assert out.strip() == "nothing checked: 1 file unreadable (see above)"


def test_jobs_must_be_a_number_of_processes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", ".", "--jobs", "0"]) == 2
    assert "'0' is not a number of processes" in capsys.readouterr().err


def test_a_bad_entry_after_the_first_segments_is_said_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], small_scenarios: int
) -> None:
    path = _corpus(tmp_path / "x.jsonl", copies=60, bad_line_at=140)
    segments = jsonl_segments(path, small_scenarios)
    assert segments[0].first_line < 140
    assert any(s.first_line > 140 for s in segments)
    for jobs in ("1", "2"):
        code, _, err = _run(capsys, str(path), "--jobs", jobs)
        assert code == 2
        assert err.startswith(f"check: {path}:140: not an exchange: request.url is a number")


def test_the_proxys_log_is_never_cut_into_segments(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], small_scenarios: int
) -> None:
    """Its lines name recordings: the log is read whole, line by line, and each recording is
    checked (here as scenarios of 4 kB, by the size of the exchanges read)."""
    log = []
    for n in range(40):
        recording = tmp_path / f"{n:06d}.json"
        recording.write_text(json.dumps(_get(f"v1_{n}", bad=n == 33)), "utf-8")
        log.append({"kind": "exchange", "exchange": n, "recording": str(recording)})
    path = tmp_path / "proxy.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in log), "utf-8")
    assert path.stat().st_size > small_scenarios
    assert len(jsonl_segments(path, small_scenarios)) == 1
    for jobs in ("1", "2"):
        code, out, err = _run(capsys, str(path), "--jobs", jobs)
        assert (code, err) == (1, "")
        assert "exchange 33 GET /v1beta/interactions/v1_33 (200)" in out
        assert out.splitlines()[-1].startswith("checked 40 exchanges in 1 file")


# -- a HAR file too large to read whole -------------------------------------------------------


def test_a_har_file_over_the_limit_is_read_entry_by_entry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = [_har_entry(_get(f"v1_{n}", bad=n == 7)) for n in range(30)]
    path = tmp_path / "big.har"
    path.write_text(json.dumps({"log": {"version": "1.2", "entries": entries}}), "utf-8")
    whole = _run(capsys, str(path))
    monkeypatch.setattr(_sources, "MAX_SOURCE_BYTES", 2000)  # the file is ~15 kB: streamed
    assert path.stat().st_size > 2000
    assert _run(capsys, str(path)) == whole
    assert whole[0] == 1
    assert "exchange 7 GET /v1beta/interactions/v1_7 (200)" in whole[1]
    # a bad entry is said with its number; an entry over the limit is refused unbuilt
    entries[12] = {"request": "GET /", "response": {}}
    path.write_text(json.dumps({"log": {"entries": entries}}), "utf-8")
    code, _, err = _run(capsys, str(path))
    assert (code, err.strip()) == (
        2,
        f"check: {path}: entry 12: not a HAR entry: request is a string, not an object",
    )
    entries[12] = _har_entry(_get("v1_long"))
    entries[12]["response"]["content"]["text"] = "x" * 5000
    path.write_text(json.dumps({"log": {"entries": entries}}), "utf-8")
    code, _, err = _run(capsys, str(path))
    assert code == 2
    assert "entry 12: over 2,000 bytes read without a whole entry" in err
    path.write_text(json.dumps({"log": {"pages": []}, "padding": "x" * 2400}), "utf-8")
    code, _, err = _run(capsys, str(path))
    assert code == 2
    assert "not a HAR file (expected an object with log.entries, a list)" in err


# -- memory and Ctrl-C, in a process of their own -----------------------------------------------


def test_a_200_mb_json_lines_file_is_checked_within_a_384_mib_address_space(
    tmp_path: Path,
) -> None:
    """Read whole, this file needs over 1 GiB (each line holds a list of 100,000 numbers);
    streamed, `check` reads it under a 384 MiB cap on its address space."""
    numbers = json.dumps(list(range(100_000)))
    path = tmp_path / "big.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for n in range(300):
            line = json.dumps(_get(f"v1_{n}", bad=n == 250))
            out.write(f'{line[:-1]}, "note": {numbers}}}\n')
    assert path.stat().st_size > 200_000_000
    cap = 384 << 20

    def capped() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    whole = subprocess.run(
        [sys.executable, "-c", f"import json; x = [json.loads(t) for t in open({str(path)!r})]"],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=capped,
    )
    assert whole.returncode != 0
    assert "MemoryError" in whole.stderr
    command = [sys.executable, "-m", "interactions_conformance._cli", "check", str(path)]
    done = subprocess.run(
        [*command, "--revision", "2025-12"],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=capped,
    )
    assert done.returncode == 1, done.stderr
    assert "exchange 250 GET /v1beta/interactions/v1_250 (200)" in done.stdout
    assert done.stdout.splitlines()[-1].startswith("checked 300 exchanges in 1 file")


def test_ctrl_c_under_jobs_exits_130_with_one_line_and_stops_the_workers(tmp_path: Path) -> None:
    path = _corpus(tmp_path / "c.jsonl", copies=3000)  # some 20 s of checking
    script = (
        "import sys; from interactions_conformance import _sources; "
        "_sources.SCENARIO_BYTES = 64 << 10; "
        "from interactions_conformance._cli import main; sys.exit(main(sys.argv[1:]))"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script, "check", str(path), "--jobs", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's Ctrl-C reaches it
    )
    deadline = time.monotonic() + 30
    while len(_children(process.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    workers = _children(process.pid)
    assert len(workers) >= 2, "the workers did not start"
    time.sleep(0.5)
    os.killpg(process.pid, signal.SIGINT)
    start = time.monotonic()
    out, err = process.communicate(timeout=30)
    assert time.monotonic() - start < 10
    assert process.returncode == 130
    assert err == "check: interrupted\n"
    assert "Traceback" not in out
    time.sleep(0.2)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()], "workers left running"


def test_a_worker_that_dies_is_exit_3_with_one_line(tmp_path: Path) -> None:
    """A worker killed (the OOM killer, a signal) is the checker failing, never 'violations'."""
    path = _corpus(tmp_path / "c.jsonl", copies=3000)
    script = (
        "import sys; from interactions_conformance import _sources; "
        "_sources.SCENARIO_BYTES = 64 << 10; "
        "from interactions_conformance._cli import main; sys.exit(main(sys.argv[1:]))"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script, "check", str(path), "--jobs", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while len(_children(process.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in _children(process.pid):
        os.kill(pid, signal.SIGKILL)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 3
    assert err.startswith("check: a worker process died (")
    assert err.count("\n") == 1
    assert "Traceback" not in err + out


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found
