"""The pytest plugin, tested with pytester (STYLE.md habit 6).

These tests need no server: they cover options, markers, usage errors,
skips with reasons and strict expected failures. Runs against the emulator
are in test_plugin_emulator.py.
"""

from __future__ import annotations

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


def test_known_deviation_is_a_strict_expected_failure(pytester: pytest.Pytester) -> None:
    profile = pytester.makefile(
        ".toml", mine='name = "mine"\n[deviations]\nSTREAM-EVENT-ID = "no ids yet"\n'
    )
    pytester.makepyfile(
        """
        import pytest
        @pytest.mark.rule("STREAM-EVENT-ID")
        def test_still_broken():
            raise AssertionError("no event_id")

        @pytest.mark.rule("STREAM-EVENT-ID")
        def test_fixed_now():
            pass
        """
    )
    result = pytester.runpytest("-o", "xfail_strict=true", "--profile", str(profile))
    # The broken one is an expected failure; the fixed one fails loudly (XPASS(strict)),
    # so the team notices and removes the deviation from the profile.
    result.assert_outcomes(xfailed=1, failed=1)
    result.stdout.fnmatch_lines(["*XPASS(strict)*known deviation: STREAM-EVENT-ID: no ids yet*"])


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
