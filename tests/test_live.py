"""The live API, when a key is given: skipped with the reason otherwise.

Revision 2025-12 was removed from the live API on 2026-06-08 (shared/guide/API-SURFACE.md,
section 8): a request in its shape now gets HTTP 400 ``invalid_request``. So the smoke test here
sends one 2025-12 create (no tokens are spent on a 400) and accepts exactly two answers: a valid
2025-12 interaction (an endpoint still serving the old schema), or the documented retirement
error in the documented error body. Anything else is a finding. The full live suite is
``interactions-conformance run --target live`` (see README); it needs revision 2026-05.
"""

from __future__ import annotations

import os

import pytest

from interactions_conformance import load_revision
from interactions_conformance._client import ApiClient
from interactions_conformance._targets import LIVE_BASE_URL
from interactions_conformance.checks import check_exchange

KEY = os.environ.get("GEMINI_API_KEY")
pytestmark = pytest.mark.skipif(
    not KEY,
    reason="GEMINI_API_KEY is not set: the live-API tests need a key (they spend no tokens)",
)


def test_live_answers_a_2025_12_request_as_documented() -> None:
    with ApiClient(LIVE_BASE_URL, KEY, max_retries=2) as client:
        exchange = client.create(
            {
                "model": "gemini-2.5-flash-lite",
                "input": "Say OK.",
                "generation_config": {"max_output_tokens": 8},
            }
        )
    result = check_exchange(exchange, load_revision("2025-12"))
    status = exchange.response.status
    if status == 200:
        assert result.ok, "\n\n".join(v.render() for v in result.violations)
        return
    assert status == 400, f"unexpected HTTP {status}: {exchange.response.body[:300]!r}"
    assert result.ok, "\n\n".join(v.render() for v in result.violations)  # ERR-BODY and friends
    error = exchange.response.json()["error"]
    assert error["code"] == "invalid_request"
    assert "legacy" in error["message"].lower(), error["message"]
    assert KEY not in exchange.reproduce
