"""`interactions-conformance rules`: grouped by area with counts, filters, JSON, and its text output.

The text output is snapshot-tested with ``COLUMNS=80`` (STYLE.md habit 6): exactly, on a small
fixed catalogue so that editing rules.yaml never breaks the snapshot, and on the real catalogue for
the header line (its counts come from the data) and the one short area block (``files``).
"""

from __future__ import annotations

import json
import types
from collections import Counter

import pytest

from interactions_conformance import Revision
from interactions_conformance import _cmd_rules as cmd_rules
from interactions_conformance._cli import main
from interactions_conformance._spec import (
    Rule,
    Source,
    available_revisions,
    load_revision,
    newest_revision,
)


@pytest.fixture(autouse=True)
def _terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("NO_COLOR", "1")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``rules`` on the 2025-12 catalogue (the ``revision`` fixture) unless argv names one: the
    snapshots below are of that catalogue, and the default (the newest) is tested on its own."""
    pinned = [] if "--revision" in argv else ["--revision", "2025-12"]
    code = main(["rules", *pinned, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_default_catalogue_is_the_newest_revision(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    newest = load_revision(newest_revision())
    header = capsys.readouterr().out.splitlines()[0]
    assert header.startswith(f"revision {newest.name}: {len(newest.rules)} rules"), header
    assert newest.name == available_revisions()[-1] != "2025-12"


# -- the real catalogue ------------------------------------------------------------------------


def test_rules_are_grouped_by_area_with_counts(
    capsys: pytest.CaptureFixture[str], revision: Revision
) -> None:
    code, out, _ = run(capsys)
    assert code == 0
    per_area = Counter(r.area for r in revision.rules.values())
    for area, title in revision.areas.items():
        assert f"\n{area} ({per_area[area]}): {title}\n" in out
    for rule_id in revision.rules:
        assert f"  {rule_id} " in out


def test_header_line_snapshot(capsys: pytest.CaptureFixture[str], revision: Revision) -> None:
    levels = Counter(r.level for r in revision.rules.values())
    _, out, _ = run(capsys)
    assert out.splitlines()[0] == (
        f"revision 2025-12: {len(revision.rules)} rules in {len(revision.areas)} areas "
        f"(MUST {levels['MUST']}, SHOULD {levels['SHOULD']}, MAY {levels['MAY']})"
    )


FILES_BLOCK = """\
files (3): Files API and remote URIs as content
  FILES-UPLOAD-ACTIVE          MUST   An uploaded file reaches state ACTIVE.
  FILES-URI-USABLE             MUST   The uri of an ACTIVE file is usable as a
                                      content uri.
  FILES-REMOTE-URI             SHOULD An https URL is accepted as a content uri.
"""


def test_area_block_snapshot(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys)
    assert "\n\n" + FILES_BLOCK in out


def test_area_filter(capsys: pytest.CaptureFixture[str], revision: Revision) -> None:
    code, out, _ = run(capsys, "--area", "streaming")
    assert code == 0
    streaming = [r.id for r in revision.rules.values() if r.area == "streaming"]
    assert out.splitlines()[0].startswith(f"revision 2025-12: {len(streaming)} rules in 1 area ")
    assert f"\nstreaming ({len(streaming)}): " in out
    listed = [
        line.split()[0] for line in out.splitlines() if line.startswith("  ") and line[2] != " "
    ]
    assert listed == streaming
    assert "BASIC-CREATE" not in out


def test_level_filter(capsys: pytest.CaptureFixture[str], revision: Revision) -> None:
    code, out, _ = run(capsys, "--level", "MAY")
    assert code == 0
    may = [r.id for r in revision.rules.values() if r.level == "MAY"]
    assert out.splitlines()[0].startswith(f"revision 2025-12: {len(may)} rules in ")
    assert out.splitlines()[0].endswith(f"(MAY {len(may)})")
    assert all(f"  {rule_id} " in out for rule_id in may)


def test_unknown_area_exits_2_and_lists_the_areas(
    capsys: pytest.CaptureFixture[str], revision: Revision
) -> None:
    code, out, err = run(capsys, "--area", "nope")
    assert code == 2
    assert out == ""
    assert "no area 'nope'" in err
    assert "areas: " + ", ".join(revision.areas) in err


def test_unknown_revision_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--revision", "1999-01")
    assert code == 2
    assert "unknown revision '1999-01'" in err


def test_bad_level_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--level", "MAYBE")
    assert code == 2
    assert "invalid choice" in err


def test_json_parses_and_matches_the_catalogue(
    capsys: pytest.CaptureFixture[str], revision: Revision
) -> None:
    code, out, _ = run(capsys, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["revision"] == "2025-12"
    assert data["count"] == len(revision.rules)
    assert list(data["areas"]) == list(revision.areas)
    assert sum(a["count"] for a in data["areas"].values()) == data["count"]
    assert sum(data["levels"].values()) == data["count"]
    first = data["areas"]["basic"]["rules"][0]
    assert set(first) == {"id", "level", "statement", "exercised", "decided"}


def test_json_with_area_filter(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "--json", "--area", "streaming")
    data = json.loads(out)
    assert list(data["areas"]) == ["streaming"]
    assert data["count"] == data["areas"]["streaming"]["count"]


# -- exact snapshot on a fixed catalogue -------------------------------------------------------


def _rule(rule_id: str, area: str, level: str, statement: str) -> Rule:
    return Rule(rule_id, area, level, statement, (Source("guide", "G1", "q"),))


FAKE = types.SimpleNamespace(
    name="2099-01",
    areas={"alpha": "The first area", "beta": "The second area", "empty": "No rules here"},
    rules={
        r.id: r
        for r in [
            _rule("B-ONE", "beta", "SHOULD", "A short statement."),
            _rule(
                "A-LONG-RULE-ID",
                "alpha",
                "MUST",
                "A statement long enough that at eighty columns it wraps onto a second line "
                "and then onto a third one.",
            ),
            _rule("A-TWO", "alpha", "MAY", "Another statement."),
        ]
    },
)

FAKE_SNAPSHOT = """\
revision 2099-01: 3 rules in 2 areas (MUST 1, SHOULD 1, MAY 1)

alpha (2): The first area
  A-LONG-RULE-ID               MUST   A statement long enough that at eighty
                                      columns it wraps onto a second line and
                                      then onto a third one.
  A-TWO                        MAY    Another statement.

beta (1): The second area
  B-ONE                        SHOULD A short statement.
"""


def test_text_output_snapshot(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cmd_rules, "load_revision", lambda name: FAKE)
    code, out, _ = run(capsys)
    assert code == 0
    assert out == FAKE_SNAPSHOT


def test_narrow_terminal_puts_statements_on_their_own_lines(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cmd_rules, "load_revision", lambda name: FAKE)
    monkeypatch.setenv("COLUMNS", "50")
    _, out, _ = run(capsys, "--area", "beta")
    assert out.splitlines()[-2:] == [
        "  B-ONE                        SHOULD",
        "    A short statement.",
    ]


def test_a_declared_area_without_rules_is_not_an_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cmd_rules, "load_revision", lambda name: FAKE)
    code, out, _ = run(capsys, "--area", "empty")
    assert code == 0
    assert out == "revision 2099-01: 0 rules in 0 areas\n"
