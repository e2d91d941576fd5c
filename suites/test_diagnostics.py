"""The errors array of an Interaction (revision 2026-11: ERRORS-ITEM)."""

from __future__ import annotations

from typing import Any

import pytest

from interactions_conformance._assertions import expect_ok, require
from interactions_conformance._suite import interaction_id, wait_until_done

# The emulator's failure probe (emulator/_behaviour.py FAIL_PROMPT): nothing documented makes a
# job fail on another target.
FAIL_PROMPT = "Emulator probe: fail this background job."


@pytest.mark.rule("ERRORS-ITEM")
@pytest.mark.feature("background")
def test_a_failed_job_lists_its_errors(api: Any, model: str, conformance: Any) -> None:
    if conformance.profile.name != "emulator":
        pytest.skip("only the emulator has a documented way to make a background job fail")
    exchange = api.create({"model": model, "input": FAIL_PROMPT, "background": True})
    started = expect_ok("ERRORS-ITEM", exchange, what="a background job")
    done = wait_until_done(api, interaction_id("ERRORS-ITEM", started, exchange))
    # The automatic checks validate each errors item (check_errors_items).
    require(
        "ERRORS-ITEM",
        done.get("status") == "failed" and isinstance(done.get("errors"), list) and done["errors"],
        "the failed job lists no errors",
        expected="status failed with a non-empty errors array",
        actual={k: done.get(k) for k in ("status", "errors")},
        where="/errors",
    )
