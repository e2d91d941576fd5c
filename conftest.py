"""Repository-wide pytest configuration.

The conformance plugin itself is registered by entry point (pyproject.toml,
``pytest11``), so it is active wherever the package is installed; this file
only holds what is specific to running from a checkout.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# Hypothesis profiles: "ci" is fast (seconds), "deep" explores, "live" spends little.
# Choose with HYPOTHESIS_PROFILE; CI=true selects "ci".
settings.register_profile("ci", max_examples=25, deadline=None, derandomize=False)
settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile(
    "deep", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("live", max_examples=10, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
