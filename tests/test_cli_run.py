"""`interactions-conformance run`, as a user runs it: from any directory, exit codes, results."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "interactions_conformance._cli", "run", *args]
    # Never the live API from the project's tests, whatever the developer's environment holds.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEMINI_API_KEY")}
    return subprocess.run(
        command, capture_output=True, text=True, cwd=tmp_path, timeout=300, env=env
    )


def test_run_passes_on_the_emulator_and_writes_results(tmp_path: Path) -> None:
    results = tmp_path / "out.json"
    run = _run(
        tmp_path, "-q", "-k", "test_string_input or test_delete_removes", "--results", str(results)
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    data = json.loads(results.read_text("utf-8"))
    assert data["rules"]["BASIC-CREATE"]["status"] == "passed"
    assert data["rules"]["DELETE-REMOVES"]["status"] == "passed"
    assert "per area (rules)" in run.stdout
    assert "interactions-conformance" in run.stdout


def test_run_fails_with_the_rule_on_a_faulty_emulator(tmp_path: Path) -> None:
    results = tmp_path / "out.json"
    run = _run(
        tmp_path, "-q", "-k", "test_streamed_text", "--emulator-fault", "stream-no-start",
        "--results", str(results),
    )  # fmt: skip
    assert run.returncode == 1, run.stdout[-2000:]
    # the default run speaks the newest revision, whose stream starts with interaction.created
    assert "[STREAM-START-FIRST] the first event is not interaction.created" in run.stdout
    assert "curl -sS -N -X POST" in run.stdout
    assert (
        json.loads(results.read_text("utf-8"))["rules"]["STREAM-START-FIRST"]["status"] == "failed"
    )


def test_run_usage_error(tmp_path: Path) -> None:
    run = _run(tmp_path, "--target", "live", "--api-key", "")
    assert run.returncode == 4, run.stdout + run.stderr  # pytest's usage error
    assert "--target live needs an API key" in run.stderr


def test_run_exits_3_when_the_run_is_incomplete(tmp_path: Path) -> None:
    results = tmp_path / "out.json"
    run = _run(
        tmp_path, "-q", "-k", "test_string_input", "--token-budget", "0", "--results", str(results)
    )
    assert run.returncode == 3, run.stdout[-2000:] + run.stderr[-2000:]
    assert "INCOMPLETE: the token budget was spent before every test ran" in run.stdout
    assert json.loads(results.read_text("utf-8"))["complete"] is False
