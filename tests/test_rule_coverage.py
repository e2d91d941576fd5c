"""Every rule is exercised, and everything that cites a rule cites a real one (STYLE.md habit 2).

- every catalogue rule marked ``exercised: http`` is cited by a suite test's ``rule`` marker;
- every rule a suite test cites exists in the catalogue;
- every rule id a check can emit exists in the catalogue, and every check cites at least one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from interactions_conformance import Revision

SUITES = Path(__file__).resolve().parents[1] / "suites"


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


def test_suites_cite_only_catalogue_rules(revision: Revision) -> None:
    unknown = {
        rule: tests for rule, tests in _cited_by_suites().items() if rule not in revision.rules
    }
    assert not unknown, f"suite tests cite rules that are not in the catalogue: {unknown}"


def test_checks_cite_only_catalogue_rules(revision: Revision) -> None:
    checks = pytest.importorskip("interactions_conformance.checks")
    registry = checks.registered_checks()
    assert registry, "no checks are registered"
    for name, rules in registry.items():
        assert rules, f"check {name} cites no rule"
        unknown = [r for r in rules if r not in revision.rules]
        assert not unknown, f"check {name} cites rules missing from the catalogue: {unknown}"


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


def test_every_traffic_rule_has_a_check_or_a_schema(revision: Revision) -> None:
    """A rule checked on all traffic needs something that can break it: a check or a schema x-rule."""
    from interactions_conformance.checks import registered_checks

    emitted = {rule for rules in registered_checks().values() for rule in rules}
    emitted |= _schema_rules(revision)
    missing = sorted(
        r.id for r in revision.rules.values() if r.exercised == "traffic" and r.id not in emitted
    )
    assert not missing, f"traffic rules that no check and no schema can break: {missing}"
