"""The README's figures are the ones the code prints today, and `run` itself is clean on the
emulator under every revision with the seed users get (issue 14 item 6, issue 15 item 9)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from interactions_conformance._spec import DEFAULT_REVISION, available_revisions

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text("utf-8")
CLI = [sys.executable, "-m", "interactions_conformance._cli"]


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("GEMINI_API_KEY", "HYPOTHESIS"))
    }
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, cwd=cwd, timeout=600, env=env
    )


def _counts(line: str) -> str:
    """The rule counts and drift of a rules line (requests and tokens move with every suite
    change and are not figures the README promises)."""
    match = re.search(r"rules: (.*?; drift: \d+)", line)
    assert match, line
    return match.group(1)


@pytest.mark.parametrize("revision", available_revisions())
def test_run_is_clean_on_the_emulator_from_an_empty_directory(
    tmp_path: Path, revision: str
) -> None:
    """`interactions-conformance run` exactly as a user runs it (default, derandomized seed):
    no false alarm, nothing left behind but the results asked for."""
    done = cli(tmp_path, "run", "-q", "--revision", revision, "--results", "results.json")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]
    results = json.loads((tmp_path / "results.json").read_text("utf-8"))
    assert results["summary"]["failed"] == 0
    line = next(line for line in done.stdout.splitlines() if line.startswith("rules: "))
    if revision == DEFAULT_REVISION:  # the README's example run: the default one
        readme = next(
            line
            for line in README.splitlines()
            if line.startswith("rules: ") and " 0 failed" in line  # not the fault example's
        )
        assert _counts(readme) == _counts(line), "README.md's rules line is stale"


def test_readme_revision_table_counts_match_the_catalogues(tmp_path: Path) -> None:
    for revision in available_revisions():
        first = cli(tmp_path, "rules", "--revision", revision).stdout.splitlines()[0]
        count = re.search(r": (\d+) rules", first)
        assert count, first
        row = next(line for line in README.splitlines() if line.startswith(f"| `{revision}`"))
        assert f"{count.group(1)} rules" in row, (row, first)


def test_readme_diff_figures_match_what_diff_prints(tmp_path: Path) -> None:
    printed = cli(tmp_path, "diff", "2025-12", "2026-05").stdout
    headline = next(line for line in README.splitlines() if re.match(r"\d+ changes, ", line))
    assert headline in printed
    rows = [
        line
        for line in README.splitlines()
        if re.match(r"\| (request|resource|streaming|errors|rules) \| \d", line)
    ]
    assert rows
    for row in rows:
        assert row in printed, row
