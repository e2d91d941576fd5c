"""`interactions-conformance report`: runs side by side, the comparison, the results format.

Two hand-made results files (OLD: the emulator; NEW: a third-party target
with a fault) drive the renderings; the text output is snapshot-tested at
``COLUMNS=80 NO_COLOR=1`` (STYLE.md habit 6). The results schema is checked
against a real run of one suite module, and the HTML is opened in headless
Chromium when it is installed.
"""

from __future__ import annotations

import copy
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from interactions_conformance._cli import main
from interactions_conformance._report import (
    Report,
    ReportError,
    compare,
    load_run,
    render_html,
    render_markdown,
    results_schema,
)

ROOT = Path(__file__).resolve().parents[1]
CURL = (
    "curl -sS -X POST http://127.0.0.1:8080/v1beta/interactions -H 'content-type: application/json'"
    ' -H "x-goog-api-key: $GEMINI_API_KEY" -d \'{"input": "hi", "model": "gemini-2.5-flash"}\''
)


def _rule(status: str, area: str, statement: str, **extra: Any) -> dict[str, Any]:
    entry = {
        "status": status,
        "area": area,
        "level": "MUST",
        "statement": statement,
        "tests": [],
        "reason": "",
        "evidence": [],
    }
    entry.update(extra)
    return entry


def _results(name: str, profile: str, faults: list[str], rules: dict[str, Any]) -> dict[str, Any]:
    counts = dict.fromkeys(("passed", "failed", "skipped", "deviation", "not exercised"), 0)
    for entry in rules.values():
        counts[entry["status"]] += 1
    return {
        "format_version": 1,
        "tool": {"name": "interactions_conformance", "version": "0.1.0"},
        "target": {"name": name, "base_url": name, "profile": profile, "faults": faults},
        "revision": "2099-01",  # unknown to the spec: areas in alphabetical order, no titles
        "strict_schema": False,
        "started": "2026-01-02T03:04:05Z",
        "finished": "2026-01-02T03:04:09Z",
        "summary": counts,
        "requests": 12,
        "tokens": 345,
        "rules": rules,
        "drift": [],
    }


OLD = _results(
    "emulator",
    "emulator",
    [],
    {
        "BASIC-CREATE": _rule("passed", "basic", "A create returns 200 and an Interaction."),
        "BASIC-ID": _rule("passed", "basic", "A stored interaction has an id."),
        "STREAM-START-FIRST": _rule("passed", "streaming", "The first event is interaction.start."),
        "STREAM-RESUME": _rule(
            "skipped",
            "streaming",
            "A resume sends the events after last_event_id.",
            reason="unsupported: resume",
        ),
        "ERR-BODY": _rule(
            "deviation",
            "errors",
            "An error body is the documented shape.",
            reason="known deviation: ERR-BODY: the proxy rewrites errors",
        ),
        "USAGE-THOUGHT-NAME": _rule("not exercised", "schema", "Thought tokens are named so."),
    },
)
NEW = copy.deepcopy(OLD)
NEW.update(
    _results(
        "http://127.0.0.1:8080",
        "third-party",
        ["stream-no-start"],
        {
            **OLD["rules"],
            "BASIC-ID": _rule(
                "failed",
                "basic",
                "A stored interaction has an id.",
                tests=["suites/test_basic.py::test_id"],
                evidence=[
                    {
                        "kind": "violation",
                        "rule": "BASIC-ID",
                        "message": "the interaction has no id",
                        "expected": "a non-empty string",
                        "actual": "<absent>",
                        "where": "/id",
                        "schema_path": "",
                        "reproduce": CURL,
                    }
                ],
            ),
            "STREAM-START-FIRST": _rule(
                "failed",
                "streaming",
                "The first event is interaction.start.",
                tests=["suites/test_streaming.py::test_streamed_text"],
                evidence=[
                    {
                        "kind": "violation",
                        "rule": "STREAM-START-FIRST",
                        "message": "the first event is not interaction.start",
                        "expected": '"interaction.start"',
                        "actual": '"interaction.status_update"',
                        "where": "event 0 /event_type",
                        "schema_path": "",
                        "reproduce": CURL.replace("-sS", "-sS -N"),
                    }
                ],
            ),
            "STREAM-RESUME": _rule("passed", "streaming", "A resume sends the events after it."),
            "USAGE-THOUGHT-NAME": _rule(
                "skipped", "schema", "Thought tokens are named so.", reason="unsupported: thinking"
            ),
        },
    )
)
NEW["drift"] = [
    {
        "kind": "drift",
        "what": "property",
        "name": "new_field",
        "where": "/outputs/0",
        "schema": "content.json",
    }
]


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps(OLD), "utf-8")
    new.write_text(json.dumps(NEW), "utf-8")
    return old, new


def _report(*data: dict[str, Any]) -> Report:
    return Report([(Path(f"run{i}.json"), d) for i, d in enumerate(data)])


def _run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, str, str]:
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("NO_COLOR", "1")
    code = main(["report", *args])
    out, err = capsys.readouterr()
    return code, out, err


# -- text ------------------------------------------------------------------------------

TEXT_SNAPSHOT = """\
interactions-conformance report: 2 runs, revision 2099-01

  A  emulator
     old.json, finished 2026-01-02T03:04:09Z
     3 passed, 0 failed, 1 deviation, 1 skipped, 1 not exercised; drift 0
     held 3/6 (50%), MUST 3/6 (50%), coverage 4/6 (66%) INCOMPLETE
     incomplete: coverage 66% (4 of 6 applicable rules exercised) is below 80%
  B  127.0.0.1:8080 (third-party) [stream-no-start]
     new.json, finished 2026-01-02T03:04:09Z
     2 passed, 2 failed, 1 deviation, 1 skipped, 0 not exercised; drift 1
     held 2/6 (33%), MUST 2/6 (33%), coverage 5/6 (83%)

  score (% of applicable rules)                A               B
                                   pass MUST  cov   pass MUST  cov
  basic                           100% 100% 100%   50%  50% 100%
  errors                            0%   0% 100%    0%   0% 100%
  schema                            0%   0%   0%    0%   0%   0%
  streaming                        50%  50%  50%   50%  50% 100%
  all                              50%  50%  66%   33%  33%  83%

failures in A (1)
  ERR-BODY (known deviation)

failures in B (3)
  BASIC-ID
    /id: expected a non-empty string, got <absent>
  ERR-BODY (known deviation)
  STREAM-START-FIRST
    event 0 /event_type: expected "interaction.start", got "interaction.statu...

drift
  B  unknown property "new_field" at /outputs/0 (content.json)

changes from A to B
  newly failing (2)
    BASIC-ID, STREAM-START-FIRST
  newly passing (1)
    STREAM-RESUME
  newly skipped (1)
    USAGE-THOUGHT-NAME
  newly drifting (1)
    unknown property "new_field" at /outputs/0 (content.json)
"""


def test_text_output_snapshot(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = _run(capsys, monkeypatch, *map(str, files))
    assert (code, err) == (0, "")
    assert out == TEXT_SNAPSHOT
    assert max(len(line) for line in out.splitlines()) <= 80


def test_compare_exits_1_when_a_rule_newly_fails(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    old, new = map(str, files)
    assert _run(capsys, monkeypatch, old, new, "--compare")[0] == 1
    code, out, _ = _run(capsys, monkeypatch, new, old, "--compare")
    assert code == 0  # going back fixes them: nothing newly fails
    assert "newly passing (2)\n    BASIC-ID, STREAM-START-FIRST\n" in out
    assert "drift gone (1)" in out
    code, out, _ = _run(capsys, monkeypatch, old, old, "--compare")
    assert code == 0
    assert out.endswith(
        "changes from A to B\n  none: every rule has the same status, and the drift is the same\n"
    )


def test_compare_and_files_usage_errors(
    files: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old, new = map(str, files)
    code, _, err = _run(capsys, monkeypatch, old, new, old, "--compare")
    assert code == 2
    assert "--compare takes exactly two results files (OLD NEW), got 3" in err
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({**OLD, "summary": {"passed": -1}}), "utf-8")
    code, _, err = _run(capsys, monkeypatch, str(broken))
    assert code == 2
    assert f"{broken}: not a results file (results.schema.json): at /summary" in err
    code, _, err = _run(capsys, monkeypatch, str(tmp_path / "missing.json"))
    assert code == 2
    assert "missing.json: cannot read" in err


def test_compare_keys_drift_by_shape_not_by_index() -> None:
    moved = copy.deepcopy(NEW)
    moved["drift"] = [{**NEW["drift"][0], "where": "/outputs/3"}]
    report = _report(NEW, moved)
    assert report.comparison is not None
    assert report.comparison.unchanged
    diff = compare(report.runs[1], report.runs[0])
    assert diff.newly_drifting == []


def test_three_runs_have_no_comparison_and_score_per_area() -> None:
    report = _report(OLD, NEW, OLD)
    assert report.comparison is None
    assert [r.key for r in report.runs] == ["A", "B", "C"]
    # held / applicable: skipped and not exercised rules count (as not held), so a target does
    # not score higher by declaring fewer features; coverage shows how much was reached.
    streaming = report.score(report.runs[1], "streaming")
    assert (streaming.passed, streaming.applicable, streaming.exercised) == (1, 2, 2)
    overall = report.score(report.runs[1])
    assert (overall.passed, overall.applicable, overall.exercised) == (2, 6, 5)
    assert (overall.must_passed, overall.must_applicable) == (2, 6)
    schema = report.score(report.runs[0], "schema")
    assert (schema.passed, schema.applicable, schema.exercised) == (0, 1, 0)


# -- Markdown ---------------------------------------------------------------------------


def test_markdown_has_the_matrix_scores_drift_and_failures_with_their_curl_line() -> None:
    text = render_markdown(_report(OLD, NEW))
    assert text.startswith("# interactions-conformance report\n")
    assert (
        "| **B** | 127.0.0.1:8080 (third-party) [stream-no-start]<br>`http://127.0.0.1:8080` |"
        in text
    )
    assert (
        "| [streaming](#area-streaming) | 1/2 (50%) | 1/2 (50%) | 1/2 (50%) "
        "| 1/2 (50%) | 1/2 (50%) | 2/2 (100%) |" in text
    )
    assert (
        "**A is INCOMPLETE**: coverage 66% (4 of 6 applicable rules exercised) is below 80%" in text
    )
    assert (
        "| `BASIC-ID` | MUST | ✓ | [✗](#fail-b-basic-id) | A stored interaction has an id. |"
        in text
    )
    assert "| `STREAM-RESUME` | MUST | ⊘ | ✓ |" in text
    assert "**Newly failing** (2): [`BASIC-ID`](#fail-b-basic-id), [`STREAM-START-FIRST`]" in text
    assert '<a id="fail-b-basic-id"></a>\n\n### B · BASIC-ID\n' in text
    assert f"  ```sh\n  {CURL}\n  ```" in text
    assert '- unknown property "new_field" at /outputs/0 (content.json)' in text
    # every link to an anchor in the document lands on one
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', text))
    assert set(re.findall(r"\]\(#([^)]+)\)", text)) <= anchors


# -- HTML -------------------------------------------------------------------------------


class _Links(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: set[str] = set()
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        href = values.get("href") or ""
        if href.startswith("#"):
            self.hrefs.add(href[1:])
        for name in ("src", "href"):
            if re.match(r"^(https?:)?//", values.get(name) or ""):
                self.external.append(f"{tag} {name}={values[name]}")


def test_html_is_self_contained_and_every_internal_link_lands() -> None:
    page = render_html(_report(OLD, NEW))
    links = _Links()
    links.feed(page)
    assert links.external == []
    assert "<style>" in page
    assert "@import" not in page
    assert "url(" not in page
    assert links.hrefs <= links.ids, links.hrefs - links.ids
    for anchor in ("summary", "scores", "changes", "rules", "drift", "failures", "area-basic"):
        assert anchor in links.ids
    assert "fail-b-stream-start-first" in links.ids
    assert "fail-a-err-body" in links.ids  # a known deviation has its evidence too


def test_html_escapes_what_it_shows() -> None:
    hostile = copy.deepcopy(NEW)
    hostile["rules"]["BASIC-ID"]["evidence"][0]["actual"] = "<script>alert(1)</script>"
    page = render_html(_report(OLD, hostile))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_report_writes_html_and_markdown(
    files: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out_html, out_md = tmp_path / "r.html", tmp_path / "r.md"
    code, out, _ = _run(
        capsys, monkeypatch, *map(str, files), "--html", str(out_html), "--markdown", str(out_md)
    )
    assert code == 0
    assert out.endswith(f"written: {out_html}\nwritten: {out_md}\n")
    assert out_html.read_text("utf-8").startswith("<!DOCTYPE html>")
    assert out_md.read_text("utf-8").startswith("# interactions-conformance report")


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (apt-get install chromium): the HTML is not opened in a browser",
)
def test_a_person_sees_the_matrix_scores_and_a_failure_with_its_curl_line(
    tmp_path: Path,
) -> None:
    assert CHROMIUM is not None
    page = tmp_path / "report.html"
    page.write_text(render_html(_report(OLD, NEW)), "utf-8")
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", page.as_uri(),
    ]  # fmt: skip
    dom = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True).stdout
    text = _visible_text(dom)
    # the summary and the scores
    assert "B 127.0.0.1:8080 (third-party) [stream-no-start]" in text
    assert "streaming 1/2 (50%) 1/2 (50%) 1/2 (50%) 1/2 (50%) 1/2 (50%) 2/2 (100%)" in text
    assert "A is INCOMPLETE : coverage 66% (4 of 6 applicable rules exercised) is below 80%" in text
    # the matrix: a rule row with a status per run
    assert "STREAM-START-FIRST MUST ✓ ✗ The first event is interaction.start." in text
    # a failure: its rule id and the curl line that reproduces it
    assert "B · STREAM-START-FIRST" in text
    assert "curl -sS -N -X POST http://127.0.0.1:8080/v1beta/interactions" in text


def _visible_text(dom: str) -> str:
    """What the page shows: the body's text, without style and script, spaces collapsed."""
    body = re.sub(r"(?s)<(style|script)[^>]*>.*?</\1>", " ", dom)
    body = re.sub(r"<[^>]+>", " ", body)
    return " ".join(html.unescape(body).split())


# -- the results format -------------------------------------------------------------------


def test_results_schema_is_a_valid_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(results_schema())
    for data in (OLD, NEW):
        jsonschema.Draft202012Validator(results_schema()).validate(data)


def test_a_real_run_writes_results_the_schema_accepts(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEMINI_API_KEY")}
    run = subprocess.run(
        [
            sys.executable, "-m", "pytest", "suites/test_basic.py", "-q", "-p", "no:cacheprovider",
            "-p", "no:randomly", "--results", str(results),
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    data = load_run(results)  # validates against results.schema.json
    assert data["format_version"] == 2
    assert data["rules"]["BASIC-CREATE"]["status"] == "passed"
    report = _report(data)
    assert "basic" in report.by_area
    basic = report.score(report.runs[0], "basic")
    assert basic.passed == basic.applicable == basic.exercised > 0
    assert data["score"]["areas"]["basic"] == basic.as_dict()  # one formula, plugin and report
    assert data["complete"] is True


def test_load_run_names_the_file_and_the_place(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(json.dumps({**OLD, "format_version": 99}), "utf-8")
    with pytest.raises(ReportError, match=r"r\.json: not a results file .*at /format_version"):
        load_run(path)
    path.write_text("{", "utf-8")
    with pytest.raises(ReportError, match=r"r\.json: not JSON"):
        load_run(path)
