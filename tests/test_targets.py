"""Profiles: the built-in ones load, bad ones are refused with a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest

from interactions_conformance._spec import DEFAULT_REVISION, available_revisions, newest_revision
from interactions_conformance._targets import FEATURES, ProfileError, builtin_profile, load_profile


@pytest.mark.parametrize("name", ["emulator", "live-free", "live-paid", "third-party"])
def test_builtin_profiles_load(name: str) -> None:
    profile = builtin_profile(name)
    assert profile.name == name
    assert set(profile.features) <= set(FEATURES)
    # Every unsupported feature of a built-in profile says why.
    for feature, on in profile.features.items():
        if not on and name != "third-party":
            assert feature in profile.unsupported_reasons or feature in ("strict_fields",), feature


def test_live_profiles_differ_by_tier() -> None:
    assert builtin_profile("live-free").tier == "free"
    assert builtin_profile("live-paid").tier == "paid"


def test_unknown_feature_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text("[features]\ntelepathy = true\n", "utf-8")
    with pytest.raises(ProfileError, match="unknown features \\['telepathy'\\]"):
        load_profile(path)


def test_unknown_key_and_bad_toml_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('colour = "blue"\n', "utf-8")
    with pytest.raises(ProfileError, match="unknown keys \\['colour'\\]"):
        load_profile(path)
    path.write_text("[features\n", "utf-8")
    with pytest.raises(ProfileError, match="not valid TOML"):
        load_profile(path)


def test_unsupported_reason_defaults_to_the_feature_meaning() -> None:
    profile = builtin_profile("third-party")
    assert "deep research agent" in profile.why_unsupported("agents") or profile.why_unsupported(
        "agents"
    )
    assert "remote MCP" in profile.why_unsupported("mcp")


def test_live_profiles_speak_the_revision_the_live_api_serves() -> None:
    # The live API answers every request in today's schema (it ignores Api-Revision since
    # 2026-06-08, API-SURFACE section 8): no profile pins a revision, so each run speaks the
    # newest one, the same value as DEFAULT_REVISION.
    for name in ("live-free", "live-paid", "emulator"):
        assert builtin_profile(name).revision is None, name
    assert DEFAULT_REVISION == newest_revision() == available_revisions()[-1]


def test_a_profile_revision_must_be_a_string(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('name = "p"\nrevision = 2026\n')
    with pytest.raises(ProfileError, match="revision must be a string"):
        load_profile(path)
