"""Fixtures shared by the conformance suites.

The plugin provides ``api``, ``api2``, ``conformance``, ``model``, ``profile``
and ``clock``; every exchange made through ``api`` is checked automatically
against the revision. Tests here add what one exchange alone cannot show:
behaviour across requests, probe answers, expected errors.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import Phase, settings
from hypothesis.errors import InvalidArgument

# A conformance run is reproducible: the generated suite draws the same examples every run
# (derandomized), unless HYPOTHESIS_PROFILE names another registered profile (the checkout's
# conftest.py adds ci, dev, deep and fault-proof).
settings.register_profile("conformance", max_examples=25, deadline=None, derandomize=True)
# A live target spends little: few examples of each generated test (the near-valid ones, most
# of the requests, cost no tokens), short lifecycles, and no shrinking, which would send the
# failing requests again and again (the failure still shows its curl line). Chosen for
# --target live unless HYPOTHESIS_PROFILE says otherwise; defined here, so it ships.
settings.register_profile(
    "live",
    max_examples=5,
    stateful_step_count=5,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
)
try:
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or "conformance")
except InvalidArgument:
    settings.load_profile("conformance")


def pytest_configure(config: pytest.Config) -> None:
    if not os.environ.get("HYPOTHESIS_PROFILE") and config.getoption("--target", None) == "live":
        settings.load_profile("live")


@pytest.fixture
def small(profile: Any) -> dict[str, Any]:
    """generation_config that keeps live runs cheap."""
    return {"max_output_tokens": profile.max_output_tokens}
