"""Rule ids reach pytest's JUnit XML as test properties, for CI dashboards (pytester)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

pytest_plugins = ["pytester"]


def test_each_test_carries_its_rule_ids_as_junit_properties(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.rule("BASIC-CREATE", "BASIC-ID")
        def test_two_rules():
            pass

        @pytest.mark.rule("STREAM-START-FIRST")
        def test_fails():
            raise AssertionError("no")

        def test_no_rule():
            pass
        """
    )
    result = pytester.runpytest("--junitxml=junit.xml", "-p", "no:randomly")
    result.assert_outcomes(passed=2, failed=1)
    root = ET.parse(pytester.path / "junit.xml").getroot()
    properties = {
        case.get("name"): [(p.get("name"), p.get("value")) for p in case.iter("property")]
        for case in root.iter("testcase")
    }
    assert properties == {
        "test_two_rules": [("rule", "BASIC-CREATE"), ("rule", "BASIC-ID")],
        "test_fails": [("rule", "STREAM-START-FIRST")],
        "test_no_rule": [],
    }


def test_a_failure_names_the_rule_it_violated_not_only_the_declared_ones(
    pytester: pytest.Pytester,
) -> None:
    # Declared STREAM-RESUME, broke STREAM-START-FIRST (the issue-15 case): JUnit says which.
    pytester.makepyfile(
        """
        import pytest
        from interactions_conformance import Violation

        @pytest.mark.rule("STREAM-RESUME")
        def test_resume():
            raise Violation(
                "STREAM-START-FIRST", "the first event is not interaction.start",
                expected='"interaction.start"', actual='"content.start"', where="event 0",
            )
        """
    )
    for args in ((), ("-v",)):  # readable failures, and pytest's traceback
        result = pytester.runpytest("--junitxml=junit.xml", "-p", "no:randomly", *args)
        result.assert_outcomes(failed=1)
        case = next(ET.parse(pytester.path / "junit.xml").getroot().iter("testcase"))
        properties = [(p.get("name"), p.get("value")) for p in case.iter("property")]
        assert properties == [("rule", "STREAM-RESUME"), ("violated", "STREAM-START-FIRST")]
        failure = case.find("failure")
        assert failure is not None
        assert "STREAM-START-FIRST" in (failure.get("message") or ""), args
