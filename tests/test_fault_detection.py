"""Proof of power: every emulator fault mode is caught by the suites, by the right rule.

For each fault, the suite modules of the areas its rules belong to run
against the emulator started in that fault mode; the run must fail and the
results must show at least one of the fault's rules failed. A fault that no
suite catches is a hole in the suites, and this test names it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from interactions_conformance import Revision, load_revision

emulator = pytest.importorskip("interactions_conformance.emulator")
REPO = Path(__file__).resolve().parents[1]
SUITES = REPO / "suites"


def _faults() -> dict[str, tuple[str, ...]]:
    table: Any = getattr(emulator, "FAULTS", {})
    found: dict[str, tuple[str, ...]] = {}
    for name, fault in table.items() if isinstance(table, dict) else ((f.name, f) for f in table):
        found[name] = tuple(getattr(fault, "rules", ()))
    return found


FAULTS = _faults()


def _modules(rules: tuple[str, ...], revision: Revision) -> list[str]:
    """The suite modules that exercise these rules' areas (schema rules: every module checks them)."""
    areas = {revision.rules[r].area for r in rules if r in revision.rules}
    modules = {f"test_{area}.py" for area in areas if (SUITES / f"test_{area}.py").is_file()}
    if not modules or "schema" in areas:
        modules |= {"test_basic.py", "test_streaming.py"}
    return sorted(str(SUITES / m) for m in modules)


def test_there_are_enough_faults() -> None:
    assert len(FAULTS) >= 25, f"only {len(FAULTS)} fault modes: {sorted(FAULTS)}"


# Faults whose rules revision 2026-05 does not carry, with what stands in for them there.
OTHER_RULES_IN_2026_05: dict[str, tuple[str, ...]] = {}


# Every fault under the revisions it breaks: a fault of behaviour new in a revision
# (``Fault.revisions``, the 2026-11 table) under that revision only, the others under both
# older revisions as before.
_REVISIONS_OF = {
    name: tuple(getattr(fault, "revisions", ()) or ("2025-12", "2026-05"))
    for name, fault in getattr(emulator, "FAULTS", {}).items()
}
PAIRS = [(fault, r) for fault in sorted(FAULTS) for r in _REVISIONS_OF.get(fault, ("2025-12",))]


@pytest.mark.parametrize(("fault", "revision_name"), PAIRS)
def test_suites_catch_the_fault_by_its_rule(fault: str, revision_name: str, tmp_path: Path) -> None:
    # Faults apply to the emulator's canonical shape, so each must break either revision's wire.
    revision = load_revision(revision_name)
    declared = FAULTS[fault]
    assert declared, f"fault {fault} names no rule it breaks"
    home = load_revision(_REVISIONS_OF.get(fault, ("2025-12",))[0])
    assert all(r in home.rules for r in declared), f"fault {fault} names unknown rules {declared}"
    rules = tuple(r for r in declared if r in revision.rules) or OTHER_RULES_IN_2026_05.get(
        fault, ()
    )
    assert rules, f"fault {fault}: none of {declared} is in {revision_name}; name its stand-in"
    results = tmp_path / "results.json"
    command = [
        sys.executable, "-m", "pytest", *_modules(rules, revision), "-p", "no:cacheprovider", "-q",
        f"--rootdir={REPO}", "--emulator-fault", fault, "--results", str(results),
        "--revision", revision_name,
    ]  # fmt: skip
    run = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=REPO)
    assert run.returncode != 0, f"the suites passed with fault {fault} on:\n{run.stdout[-3000:]}"
    data = json.loads(results.read_text("utf-8"))
    failed = {rule for rule, outcome in data["rules"].items() if outcome["status"] == "failed"}
    assert failed & set(rules), (
        f"fault {fault} breaks {sorted(rules)}, but the run failed other rules: {sorted(failed)}\n"
        f"{run.stdout[-3000:]}"
    )
