"""Per-step usage on step.stop and usage.initial_input_tokens (revision 2026-11:
USAGE-STEP-CUMULATIVE, USAGE-STEP-WITHIN, USAGE-INITIAL-INPUT). The rules are checked on
every exchange; these tests make the traffic that carries them."""

from __future__ import annotations

from typing import Any

import pytest

from interactions_conformance import _probes as probes
from interactions_conformance._assertions import expect_ok, require


@pytest.mark.rule("USAGE-STEP-CUMULATIVE", "USAGE-STEP-WITHIN", "USAGE-INITIAL-INPUT")
@pytest.mark.feature("streaming")
def test_a_stream_with_several_steps_reports_step_usage(
    api: Any, conformance: Any, small: dict[str, Any]
) -> None:
    # A thinking model streams a thought step and a model_output step: two step.stop events.
    exchange = api.create(
        {
            "model": conformance.profile.model("thinking"),
            "input": probes.ARITHMETIC_PROMPT,
            "stream": True,
            "generation_config": small,
        }
    )
    require(
        "USAGE-STEP-CUMULATIVE",
        exchange.response.status == 200,
        "a streamed request was not accepted",
        expected="HTTP 200",
        actual=f"HTTP {exchange.response.status}",
        exchange=exchange,
    )


@pytest.mark.rule("USAGE-INITIAL-INPUT")
def test_usage_of_a_second_turn(api: Any, model: str, small: dict[str, Any]) -> None:
    first = expect_ok(
        "USAGE-INITIAL-INPUT",
        api.create(
            {"model": model, "input": probes.remember_code_word(), "generation_config": small}
        ),
    )
    expect_ok(
        "USAGE-INITIAL-INPUT",
        api.create(
            {
                "model": model,
                "input": probes.ask_code_word(),
                "previous_interaction_id": first.get("id"),
                "generation_config": small,
            }
        ),
    )
