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
