"""The pytest plugin, tested with pytester (STYLE.md habit 6).

These tests need no server (one starts the emulator only to spend a token budget): they
cover options, markers, usage errors, skips with reasons, per-rule deviations, readable
failures, scores and workers. A third-party target end to end is test_deviant_target.py.
"""

from __future__ import annotations

import json

import pytest

pytest_plugins = ["pytester"]


def test_markers_are_registered_with_help(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(
        [
            "@pytest.mark.rule(*ids): the catalogue rules this test exercises*",
            "@pytest.mark.feature(*names): target features this test needs*",
            "@pytest.mark.streaming: conformance area: SSE streaming and resume*",
        ]
    )


def test_options_are_grouped(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(
        ["Interactions API conformance:", "*--target=TARGET*", "*--strict-schema*"]
    )


def test_live_without_key_is_a_usage_error_before_any_request(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    pytester.makepyfile("def test_x(api):\n    raise AssertionError('must not run')\n")
    result = pytester.runpytest("--target", "live")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--target live needs an API key*no request was sent*"])


def test_bad_target_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(conformance):\n    pass\n")
    result = pytester.runpytest("--target", "ftp://x")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*--target 'ftp://x' is not emulator, live, cassettes, or an http(s) URL*"]
    )


def test_unknown_rule_id_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        @pytest.mark.rule("NO-SUCH-RULE")
        def test_x():
            pass
        """
    )
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*cites rules that no revision defines: NO-SUCH-RULE*"])


def test_a_rule_of_another_revision_is_skipped_with_the_reason(pytester: pytest.Pytester) -> None:
    # LEGACY-REJECTED is a 2026-05 rule; BASIC-INPUT-TURNS exists only in 2025-12.
    pytester.makepyfile(
        """
        import pytest
        @pytest.mark.rule("LEGACY-REJECTED")
        def test_steps_only():
            pass
        @pytest.mark.rule("BASIC-INPUT-TURNS")
        def test_turns_only():
            pass
        """
    )
    result = pytester.runpytest("-rs", "--revision", "2025-12")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*not in revision 2025-12: LEGACY-REJECTED*"])
    result = pytester.runpytest("-rs", "--revision", "2026-05")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*not in revision 2026-05: BASIC-INPUT-TURNS*"])


def test_unsupported_feature_is_skipped_with_the_profiles_reason(pytester: pytest.Pytester) -> None:
    profile = pytester.makefile(
        ".toml",
        mine='name = "mine"\n[features]\nagents = false\n[unsupported]\nagents = "we have no agents"\n',
    )
    pytester.makepyfile(
        """
        import pytest
        @pytest.mark.rule("AGENT-POLL-TERMINAL")
        @pytest.mark.feature("agents")
        def test_agents():
            raise AssertionError("must not run")
        """
    )
    result = pytester.runpytest("-rs", "--profile", str(profile), "--target", "http://127.0.0.1:9")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*unsupported: we have no agents*"])


_TWO_RULES = """
import pytest
from interactions_conformance import Violation

def broken(rule):
    return Violation(rule, "it broke", expected="x", actual="y", where="/x")

@pytest.mark.rule("STREAM-EVENT-ID", "STREAM-START-FIRST")
def test_event_id_broken():
    raise broken("STREAM-EVENT-ID")

@pytest.mark.rule("STREAM-EVENT-ID", "STREAM-START-FIRST")
def test_start_broken():
    raise broken("STREAM-START-FIRST")

@pytest.mark.rule("STREAM-ONE-TERMINAL")
def test_done_held():
    pass
"""


def _results(pytester: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, dict[str, str]]:
    result = pytester.runpytest("-p", "no:randomly", "--results", "r.json", *args)
    data = json.loads((pytester.path / "r.json").read_text("utf-8"))
    return result, {
        rule: entry["status"] for rule, entry in data["rules"].items() if entry["tests"]
    }


def test_a_known_deviation_tolerates_its_rule_only(pytester: pytest.Pytester) -> None:
    profile = pytester.makefile(
        ".toml", mine='name = "mine"\n[deviations]\nSTREAM-EVENT-ID = "no ids yet"\n'
    )
    pytester.makepyfile(_TWO_RULES)
    result, without = _results(pytester)
    result.assert_outcomes(passed=1, failed=2)
    assert without == {
        "STREAM-EVENT-ID": "failed",
        "STREAM-START-FIRST": "failed",
        "STREAM-ONE-TERMINAL": "passed",
    }
    result, declared = _results(pytester, "--profile", str(profile))
    # The deviated rule's violation is tolerated (the test passes); the same test's other rule
    # and the other test keep their outcomes.
    result.assert_outcomes(passed=2, failed=1)
    assert declared == {**without, "STREAM-EVENT-ID": "deviation"}
    result.stdout.fnmatch_lines(["known deviations: STREAM-EVENT-ID"])


def test_a_deviation_that_held_is_fixed_and_fails_only_when_strict(
    pytester: pytest.Pytester,
) -> None:
    profile = pytester.makefile(
        ".toml", mine='name = "mine"\n[deviations]\nSTREAM-ONE-TERMINAL = "was broken"\n'
    )
    pytester.makepyfile(_TWO_RULES)
    result, statuses = _results(pytester, "--profile", str(profile), "-k", "done")
    assert result.ret == 0
    assert statuses == {"STREAM-ONE-TERMINAL": "deviation fixed"}
    result.stdout.fnmatch_lines(
        ["deviations fixed: STREAM-ONE-TERMINAL", "*remove it from the profile's [[]deviations]*"]
    )
    result, _ = _results(pytester, "--profile", str(profile), "-k", "done", "--strict-deviations")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*--strict-deviations: the run fails*"])


def test_an_unknown_deviation_is_a_usage_error_naming_the_closest(
    pytester: pytest.Pytester,
) -> None:
    profile = pytester.makefile(
        ".toml", mine='name = "mine"\n[deviations]\nSTREAM-EVENTID = "typo"\n'
    )
    pytester.makepyfile(_TWO_RULES)
    result = pytester.runpytest("--profile", str(profile))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [
            "*[[]deviations]: 'STREAM-EVENTID' is not a rule of any revision; did you mean STREAM-EVENT-ID*"
        ]
    )


def test_a_failure_shows_its_rule_block_and_a_rerun_line(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(_TWO_RULES)
    # -k test_start: "start" alone would also match test_event_id_broken, whose rules (keywords
    # since -k RULE-ID selects a rule's tests) include STREAM-START-FIRST
    result = pytester.runpytest("-p", "no:randomly", "-k", "test_start", "--emulator-fault", "x")
    result.stdout.fnmatch_lines(
        [
            "*_ test_start_broken _*",
            "violated STREAM-START-FIRST: it broke at /x",
            "*= interactions-conformance =*",
            "[[]STREAM-START-FIRST] it broke",
            "  rule:      The first event is interaction.*. (MUST)",
            "  expected:  x",
            "  actual:    y",
            "  where:     /x",
            "  test:      test_a_failure_shows_its_rule_block_and_a_rerun_line.py::test_start_broken",
            "  rerun:     interactions-conformance run --rule STREAM-START-FIRST --emulator-fault x",
        ]
    )
    assert "Traceback" not in result.stdout.str()
    assert "raise broken" not in result.stdout.str()
    # -v (or --tb) brings pytest's traceback back, the rules beside it
    result = pytester.runpytest("-p", "no:randomly", "-k", "test_start", "-v")
    result.stdout.fnmatch_lines(["*raise broken(*", "*- conformance violations -*"])


def test_bad_profile_is_a_usage_error(pytester: pytest.Pytester) -> None:
    profile = pytester.makefile(".toml", bad="[features]\nteleport = true\n")
    pytester.makepyfile(
        """
        import pytest
        @pytest.mark.rule("BASIC-CREATE")
        def test_x():
            pass
        """
    )
    result = pytester.runpytest("--profile", str(profile))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown features*teleport*"])


def test_a_spent_token_budget_makes_the_run_incomplete(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        @pytest.mark.rule("BASIC-CREATE")
        def test_x(api):
            raise AssertionError("must not run: the budget is spent")
        """
    )
    result, statuses = _results(pytester, "--token-budget", "0")
    assert result.ret == 0  # nothing failed; `run` turns this into exit 3
    assert statuses == {"BASIC-CREATE": "skipped"}
    data = json.loads((pytester.path / "r.json").read_text("utf-8"))
    assert data["complete"] is False
    assert data["incomplete"][0] == "the token budget was spent before every test ran"
    result.stdout.fnmatch_lines(["INCOMPLETE: the token budget was spent before every test ran*"])


def test_workers_ship_their_records_to_the_rules_summary(pytester: pytest.Pytester) -> None:
    # pytest-xdist: each test's record travels in its report; the controller's summary and
    # results JSON are the same as in one process.
    pytest.importorskip("xdist")
    pytester.makepyfile(_TWO_RULES)
    _, alone = _results(pytester)
    result, workers = _results(pytester, "-n", "2")
    assert (
        workers
        == alone
        == {
            "STREAM-EVENT-ID": "failed",
            "STREAM-START-FIRST": "failed",
            "STREAM-ONE-TERMINAL": "passed",
        }
    )
    result.stdout.fnmatch_lines(["[[]STREAM-EVENT-ID] it broke", "*rerun:*--rule STREAM-EVENT-ID*"])


def test_a_rule_of_a_feature_turned_off_is_never_failed(pytester: pytest.Pytester) -> None:
    profile = pytester.makefile(
        ".toml", mine='name = "mine"\n[features]\nmcp = false\n[unsupported]\nmcp = "no MCP"\n'
    )
    pytester.makepyfile(
        """
        import pytest
        from interactions_conformance import Violation

        @pytest.mark.rule("TOOL-MCP")
        @pytest.mark.feature("mcp")
        def test_mcp():
            raise AssertionError("must not run")

        @pytest.mark.rule("TOOL-COMBINATION")
        def test_combination_accepted():
            # what the checks would find in an answer the target should not have given
            raise Violation("TOOL-MCP", "an MCP call", expected="none", actual="one")
        """
    )
    result, statuses = _results(pytester, "--profile", str(profile))
    result.assert_outcomes(passed=1, skipped=1)
    assert statuses == {"TOOL-MCP": "skipped", "TOOL-COMBINATION": "not exercised"}
    data = json.loads((pytester.path / "r.json").read_text("utf-8"))
    assert data["rules"]["TOOL-MCP"]["reason"].startswith("unsupported: no MCP (1 violation(s)")
    assert data["rules"]["TOOL-MCP"]["evidence"][0]["message"] == "an MCP call"


def test_compact_output_names_failures_no_rule_block_covers(pytester: pytest.Pytester) -> None:
    # run passes -q --tb=no -rN --conformance-compact: pytest prints no traceback, so a test
    # that fails without a rule violation must still be named, with what it raised.
    pytester.makepyfile(
        """
        import pytest

        @pytest.fixture
        def broken():
            raise RuntimeError("fixture blew up")

        def test_plain():
            assert 1 == 2, "one is not two"

        def test_error(broken):
            pass
        """
    )
    result = pytester.runpytest("-q", "--tb=no", "-rN", "--conformance-compact")
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        [
            "failed without a rule violation (2; --tb=short shows why):",
            "*test_plain (call): AssertionError: one is not two",
            "*test_error (setup): RuntimeError: fixture blew up",
        ]
    )
    assert "Traceback" not in result.stdout.str()
