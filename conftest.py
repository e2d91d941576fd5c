"""Repository-wide pytest configuration.

The conformance plugin itself is registered by entry point (pyproject.toml,
``pytest11``), so it is active wherever the package is installed; this file
only holds what is specific to running from a checkout.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings
from hypothesis.errors import InvalidArgument

# Hypothesis profiles: "ci" is fast (seconds), "deep" explores, "fault-proof" is
# tests/test_generated_faults.py's. Choose with HYPOTHESIS_PROFILE; CI=true selects "ci".
# "conformance" and "live" (spends little) ship with the suites: suites/conftest.py.
settings.register_profile("ci", max_examples=25, deadline=None, derandomize=False)
settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile(
    "deep", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
# tests/test_generated_faults.py: the ci budget, but a failure is the proof, so no shrinking
# (shrinking only minimises the example) and no example database (every run starts clean).
settings.register_profile(
    "fault-proof",
    parent=settings.get_profile("ci"),
    phases=[Phase.explicit, Phase.generate],
    database=None,
)
try:
    settings.load_profile(
        os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev")
    )
except InvalidArgument:  # a suites profile (conformance, live): suites/conftest.py loads it
    settings.load_profile("dev")
