"""The whole suite passes against the correct emulator five times in a row, each run in another
random order with another seed (pytest-randomly): no test leans on another's state or on luck."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip(
    "pytest_randomly", reason="pytest-randomly is not installed (pip install -e '.[dev]')"
)
REPO = Path(__file__).resolve().parents[1]


def test_five_runs_with_different_seeds_all_pass(tmp_path: Path) -> None:
    for seed in (1, 22, 333, 4444, 55555):
        results = tmp_path / f"results-{seed}.json"
        command = [
            sys.executable, "-m", "pytest", str(REPO / "suites"), "-p", "no:cacheprovider",
            "-p", "randomly", f"--randomly-seed={seed}",
            "--results", str(results), f"--rootdir={REPO}",
        ]  # fmt: skip
        run = subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=600)
        assert run.returncode == 0, f"seed {seed}:\n{run.stdout[-3000:]}"
        assert f"Using --randomly-seed={seed}" in run.stdout, "the run was not shuffled"
        summary = json.loads(results.read_text("utf-8"))["summary"]
        assert summary["failed"] == 0, (seed, summary)
