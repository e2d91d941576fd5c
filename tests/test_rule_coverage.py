"""Every rule is exercised, and everything that cites a rule cites a real one (STYLE.md habit 2).

For every revision (2025-12, 2026-05, 2026-11):

- every catalogue rule marked ``exercised: http`` is cited by a suite test's ``rule`` marker;
- every rule a suite test cites exists in the catalogue of some revision (the plugin skips a
  test whose rules the target's revision lacks);
- every rule id a check can emit under a revision exists in its catalogue, every check cites
  at least one, and a check of rules the catalogue lacks does not run under it;
- every ``exercised: traffic`` rule has a check or a schema ``x-rule`` that can break it, but
  for the permissions listed (with why) in ``PERMISSIONS``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from interactions_conformance import Revision, available_revisions, load_revision

SUITES = Path(__file__).resolve().parents[1] / "suites"
REVISIONS = ("2025-12", "2026-05", "2026-11")


@pytest.fixture(params=REVISIONS)
def revision(request: pytest.FixtureRequest) -> Revision:
    """Each revision in turn (this module's tests hold for every one)."""
    return load_revision(request.param)


def test_every_revision_is_covered_here() -> None:
    assert set(REVISIONS) == set(available_revisions())


def _cited_by_suites() -> dict[str, list[str]]:
    """rule id -> the suite tests citing it, read from the ``rule(...)`` markers in the source."""
    cited: dict[str, list[str]] = {}
    for path in sorted(SUITES.glob("test_*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for decorator in node.decorator_list:
                if (
                    isinstance(decorator, ast.Call)
                    and isinstance(decorator.func, ast.Attribute)
                    and decorator.func.attr == "rule"
                ):
                    for arg in decorator.args:
                        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                            cited.setdefault(arg.value, []).append(f"{path.name}::{node.name}")
    return cited


def test_every_http_rule_is_exercised_by_a_suite_test(revision: Revision) -> None:
    cited = _cited_by_suites()
    missing = sorted(
        rule.id
        for rule in revision.rules.values()
        if rule.exercised == "http" and rule.id not in cited
    )
    assert not missing, (
        f"{len(missing)} rules marked 'exercised: http' are cited by no suite test "
        f"(add @pytest.mark.rule(...) to a test in suites/, or say in rules.yaml why it cannot be): "
        + ", ".join(missing)
    )


def test_suites_cite_only_catalogue_rules() -> None:
    known = {rule for name in REVISIONS for rule in load_revision(name).rules}
    unknown = {rule: tests for rule, tests in _cited_by_suites().items() if rule not in known}
    assert not unknown, f"suite tests cite rules that are in no catalogue: {unknown}"


def test_checks_cite_only_catalogue_rules() -> None:
    from interactions_conformance.checks import registered_checks

    known = {rule for name in REVISIONS for rule in load_revision(name).rules}
    registry = registered_checks()
    assert registry, "no checks are registered"
    for name, rules in registry.items():
        assert rules, f"check {name} cites no rule"
        unknown = [r for r in rules if r not in known]
        assert not unknown, f"check {name} cites rules that are in no catalogue: {unknown}"


def test_a_check_runs_only_under_a_revision_with_its_rules(revision: Revision) -> None:
    from interactions_conformance.checks import registered_checks

    everything = registered_checks()
    running = registered_checks(revision.name)
    for name, rules in everything.items():
        cited = [r for r in rules if r in revision.rules]
        if cited:
            assert running.get(name) == tuple(cited), name
        else:
            assert name not in running, f"{name} runs under {revision.name} citing {rules}"


def test_the_coverage_scan_sees_markers() -> None:
    # The scan has teeth: it finds the markers of a known suite test.
    assert "BASIC-CREATE" in _cited_by_suites()


def _schema_rules(revision: Revision) -> set[str]:
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("x-rule"), str):
                found.add(node["x-rule"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for schema in revision.schemas.values():
        walk(schema)
    return found


# ``exercised: traffic`` rules of 2026-05 that no traffic can break: each permits something, and
# the checks honour it (the test named), so there is nothing to fail. Reported to the catalogue's
# owner: mark them ``exercised: none: a permission ...`` (as 2025-12 does USAGE-THOUGHT-NAME),
# then drop them here.
PERMISSIONS: dict[str, dict[str, str]] = {
    "2025-12": {},
    "2026-05": {
        "SCHEMA-VALID": "the umbrella of every schema rule; each 2026-05 schema names its own "
        "top x-rule, so it is never the one reported",
        "STATUS-OPEN": "a later status is drift (x-open enum): "
        "test_checks_2026_05.py::test_a_later_status_is_drift_not_a_violation",
        "STORE-FALSE-ID": "with store false BASIC-ID is not checked: test_real_traffic_check.py"
        "::test_steps_store_false_ids_are_accepted_only_with_the_request",
        "STREAM-THOUGHT-DELTA": "a MAY: a thought streamed otherwise is STREAM-DELTA-TYPE's",
        "TOOL-ORDER": "text before tool steps passes BASIC-FINAL-TEXT-LAST: "
        "test_checks_2026_05.py::test_text_before_tool_steps_is_allowed",
        "USAGE-THOUGHT-NAME": "its decision makes total_reasoning_tokens drift, not a violation: "
        "test_checks_2026_05.py::test_the_thought_count_is_total_thought_tokens_only",
    },
}
# 2026-11 started as a copy of 2026-05: the same permissions, for the same reasons.
PERMISSIONS["2026-11"] = dict(PERMISSIONS["2026-05"])


def test_every_traffic_rule_has_a_check_or_a_schema(revision: Revision) -> None:
    """A rule checked on all traffic needs something that can break it: a check or a schema x-rule."""
    from interactions_conformance.checks import registered_checks

    emitted = {rule for rules in registered_checks(revision.name).values() for rule in rules}
    emitted |= _schema_rules(revision)
    missing = {
        r.id for r in revision.rules.values() if r.exercised == "traffic" and r.id not in emitted
    }
    assert missing <= set(PERMISSIONS[revision.name]), (
        "traffic rules that no check and no schema can break (add a check or an x-rule, or "
        f"list a permission in PERMISSIONS with why): {sorted(missing)}"
    )
