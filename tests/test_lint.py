"""Strict from day one: ruff and mypy --strict run as part of the tests (STYLE.md habit 10)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if not found:
        pytest.skip(f"{name} is not installed (pip install -e '.[dev]')")
    return found


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=300)


def test_ruff_check() -> None:
    run = _run(_tool("ruff"), "check", ".")
    assert run.returncode == 0, run.stdout + run.stderr


def test_ruff_format() -> None:
    run = _run(_tool("ruff"), "format", "--check", ".")
    assert run.returncode == 0, run.stdout + run.stderr


def test_mypy_strict_on_the_package() -> None:
    run = _run(_tool("mypy"))
    assert run.returncode == 0, run.stdout + run.stderr
