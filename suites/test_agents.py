"""Agents and background jobs: deep research, polling, cancel (G8 G21)."""

from __future__ import annotations

from typing import Any

import pytest

from interactions_conformance import _probes as probes
from interactions_conformance._assertions import expect_error, expect_ok, require
from interactions_conformance._suite import (
    final_text,
    interaction_id,
    outputs_of,
    wait_until_done,
    where_output,
)

pytestmark = pytest.mark.agents

RESEARCH = (
    "Research briefly: what is the boiling point of water at sea level? Answer in one sentence."
)


def _start(api: Any, conformance: Any, rule: str, **extra: Any) -> tuple[Any, dict[str, Any]]:
    exchange = api.create(
        {
            "agent": conformance.profile.model("agent"),
            "input": RESEARCH,
            "background": True,
            **extra,
        }
    )
    return exchange, expect_ok(rule, exchange, what="a background agent request")


@pytest.mark.rule(
    "AGENT-RETURNS-AT-ONCE", "AGENT-NO-OUTPUTS-RUNNING", "AGENT-POLL-TERMINAL", "AGENT-FINAL-TEXT"
)
@pytest.mark.feature("agents")
def test_deep_research_runs_in_the_background(api: Any, conformance: Any) -> None:
    exchange, started = _start(api, conformance, "AGENT-RETURNS-AT-ONCE")
    ident = interaction_id("AGENT-RETURNS-AT-ONCE", started, exchange)
    require(
        "AGENT-RETURNS-AT-ONCE",
        started.get("status") == "in_progress",
        "the create call did not return at once",
        expected="status 'in_progress'",
        actual=started.get("status"),
        where="/status",
        exchange=exchange,
    )
    require(
        "AGENT-NO-OUTPUTS-RUNNING",
        not outputs_of(started),
        "a running interaction already has outputs",
        expected="no outputs",
        actual=outputs_of(started),
        where=where_output(started),
        exchange=exchange,
    )
    done = wait_until_done(api, ident)
    require(
        "AGENT-POLL-TERMINAL",
        done.get("status") == "completed",
        "the agent did not complete",
        expected="status 'completed'",
        actual=done.get("status"),
        where="/status",
    )
    require(
        "AGENT-FINAL-TEXT",
        final_text(done) != "",
        "the completed agent has no final report text",
        expected="outputs[-1] of type text",
        actual=outputs_of(done)[-1:],
        where=where_output(done, -1),
    )


@pytest.mark.rule("AGENT-BACKGROUND-REQUIRED")
def test_agent_without_background_is_rejected(api: Any, conformance: Any) -> None:
    exchange = api.create({"agent": conformance.profile.model("agent"), "input": RESEARCH})
    expect_error(
        "AGENT-BACKGROUND-REQUIRED", exchange, 400, what="an agent request without background"
    )


@pytest.mark.rule("AGENT-UNKNOWN")
def test_unknown_agent_is_rejected(api: Any) -> None:
    exchange = api.create({"agent": "no-such-agent-0", "input": RESEARCH, "background": True})
    expect_error("AGENT-UNKNOWN", exchange, (400, 404), what="an unknown agent")


@pytest.mark.rule("BG-STORE-REQUIRED")
def test_background_needs_store(api: Any, model: str) -> None:
    exchange = api.create(
        {"model": model, "input": probes.SHORT_PROMPT, "background": True, "store": False}
    )
    expect_error("BG-STORE-REQUIRED", exchange, 400, what="background=true with store=false")


@pytest.mark.rule("BG-MODEL")
@pytest.mark.feature("background")
def test_model_interaction_in_the_background(api: Any, model: str, small: dict[str, Any]) -> None:
    exchange = api.create(
        {
            "model": model,
            "input": probes.ARITHMETIC_PROMPT,
            "background": True,
            "generation_config": small,
        }
    )
    started = expect_ok("BG-MODEL", exchange)
    done = wait_until_done(api, interaction_id("BG-MODEL", started, exchange))
    require(
        "BG-MODEL",
        probes.contains_answer(final_text(done), probes.ARITHMETIC_ANSWER),
        "the background model interaction did not answer",
        expected=probes.ARITHMETIC_ANSWER,
        actual=final_text(done),
    )


@pytest.mark.rule("CANCEL-RUNNING", "CANCEL-STICKY")
@pytest.mark.feature("agents", "cancel")
def test_cancel_a_running_agent(api: Any, conformance: Any) -> None:
    exchange, started = _start(api, conformance, "CANCEL-RUNNING")
    ident = interaction_id("CANCEL-RUNNING", started, exchange)
    cancel = api.cancel(ident)
    body = expect_ok("CANCEL-RUNNING", cancel, what="cancel of a running background interaction")
    require(
        "CANCEL-RUNNING",
        body.get("status") == "cancelled",
        "cancel did not cancel",
        expected="status 'cancelled'",
        actual=body.get("status"),
        where="/status",
        exchange=cancel,
    )
    later = wait_until_done(api, ident)
    require(
        "CANCEL-STICKY",
        later.get("status") == "cancelled" and not outputs_of(later),
        "a cancelled interaction went on",
        expected="status 'cancelled' and no outputs",
        actual={"status": later.get("status"), "outputs": len(outputs_of(later))},
    )


@pytest.mark.rule("CANCEL-NOT-RUNNING")
@pytest.mark.feature("cancel")
def test_cancel_of_a_finished_interaction_is_refused(
    api: Any, model: str, small: dict[str, Any]
) -> None:
    created = api.create({"model": model, "input": probes.SHORT_PROMPT, "generation_config": small})
    ident = interaction_id("CANCEL-NOT-RUNNING", expect_ok("CANCEL-NOT-RUNNING", created), created)
    expect_error(
        "CANCEL-NOT-RUNNING",
        api.cancel(ident),
        (400, 409),
        what="cancel of a completed foreground interaction",
    )


@pytest.mark.rule("CANCEL-UNKNOWN")
@pytest.mark.feature("cancel")
def test_cancel_unknown_is_404(api: Any) -> None:
    expect_error(
        "CANCEL-UNKNOWN", api.cancel("v1_does-not-exist"), 404, what="cancel of an unknown id"
    )
