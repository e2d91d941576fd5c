"""The public API is a curated list; changing it is a decision, not an accident."""

from __future__ import annotations

import interactions_conformance

EXPECTED = {
    "DEFAULT_REVISION",
    "ConformanceFailure",
    "Drift",
    "Exchange",
    "Request",
    "Response",
    "Revision",
    "Rule",
    "SpecError",
    "ValidationResult",
    "Violation",
    "available_revisions",
    "load_revision",
}


def test_exported_names_are_the_curated_list() -> None:
    assert set(interactions_conformance.__all__) == EXPECTED


def test_every_exported_name_exists_and_is_documented() -> None:
    for name in interactions_conformance.__all__:
        value = getattr(interactions_conformance, name)
        if callable(value):
            assert value.__doc__, f"{name} has no docstring"


def test_private_modules_are_private() -> None:
    public = {
        name
        for name in dir(interactions_conformance)
        # "@py_..." names are pytest's assertion rewriting (the package is a pytest plugin).
        if not name.startswith(("_", "@")) and name not in EXPECTED
    }
    # Subpackages are public namespaces of their own.
    assert public <= {"checks", "emulator", "strategies", "annotations"}, public
