"""The live API, when a key is given: skipped with the reason otherwise.

Revision 2025-12 was removed from the live API on 2026-06-08 (shared/guide/API-SURFACE.md,
section 8): a request in its shape now gets HTTP 400 ``invalid_request``. So the smoke test here
sends one 2025-12 create (no tokens are spent on a 400) and accepts exactly two answers: a valid
2025-12 interaction (an endpoint still serving the old schema), or the documented retirement
error in the documented error body. Anything else is a finding. Then one tiny create in the
steps schema (revision 2026-05, the live API's today: a few tokens) must check clean.

The same tests run against the emulator serving the live API's default (2026-05), so their logic
is proven offline too. The full live suite is ``interactions-conformance run --target live``
(the live profiles pin no revision: the newest; see README).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from interactions_conformance import load_revision
from interactions_conformance._client import ApiClient
from interactions_conformance._targets import LIVE_BASE_URL
from interactions_conformance.checks import check_exchange

KEY = os.environ.get("GEMINI_API_KEY")
EMULATOR_KEY = "emulator-key"


@pytest.fixture(params=["emulator", "live"])
def endpoint(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """(base URL, key): the emulator speaking 2026-05 by default, as the live API does; live."""
    if request.param == "live":
        if not KEY:
            pytest.skip("GEMINI_API_KEY is not set: the live-API tests need a key")
        yield LIVE_BASE_URL, KEY
        return
    from interactions_conformance.emulator import running_emulator

    with running_emulator(api_keys=(EMULATOR_KEY,), revision="2026-05") as url:
        yield url, EMULATOR_KEY


def test_live_answers_a_2025_12_request_as_documented(endpoint: tuple[str, str]) -> None:
    base_url, key = endpoint
    # Spelled in 2025-12 (the client's default is the newest revision, which has no such field).
    with ApiClient(base_url, key, max_retries=2, revision="2025-12") as client:
        # response_mime_type exists only in 2025-12: the request is unambiguously legacy
        # (a bare string input alone is valid in both shapes and would be answered in steps).
        exchange = client.create(
            {
                "model": "gemini-2.5-flash-lite",
                "input": "Say OK.",
                "response_mime_type": "text/plain",
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
    assert key not in exchange.reproduce


def test_a_tiny_steps_create_checks_clean(endpoint: tuple[str, str]) -> None:
    base_url, key = endpoint
    steps = load_revision("2026-05")
    with ApiClient(
        base_url,
        key,
        max_retries=2,
        revision=steps.name,
        api_revision=steps.meta["api_revision_header"],
    ) as client:
        exchange = client.create(
            {
                "model": "gemini-2.5-flash-lite",
                "input": "Say OK.",
                "generation_config": {"max_output_tokens": 8},
            }
        )
    assert exchange.response.status == 200, exchange.response.body[:300]
    result = check_exchange(exchange, steps)
    assert result.ok, "\n\n".join(v.render() for v in result.violations)
    assert "steps" in exchange.response.json()
    assert key not in exchange.reproduce
