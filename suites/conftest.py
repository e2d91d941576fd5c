"""Fixtures shared by the conformance suites.

The plugin provides ``api``, ``api2``, ``conformance``, ``model``, ``profile``
and ``clock``; every exchange made through ``api`` is checked automatically
against the revision. Tests here add what one exchange alone cannot show:
behaviour across requests, probe answers, expected errors.
"""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def small(profile: Any) -> dict[str, Any]:
    """generation_config that keeps live runs cheap."""
    return {"max_output_tokens": profile.max_output_tokens}
