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
from hypothesis import settings
from hypothesis.errors import InvalidArgument

# A conformance run is reproducible: the generated suite draws the same examples every run
# (derandomized), unless HYPOTHESIS_PROFILE names another registered profile (deep, live).
settings.register_profile("conformance", max_examples=25, deadline=None, derandomize=True)
try:
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or "conformance")
except InvalidArgument:
    settings.load_profile("conformance")


@pytest.fixture
def small(profile: Any) -> dict[str, Any]:
    """generation_config that keeps live runs cheap."""
    return {"max_output_tokens": profile.max_output_tokens}
