"""Conversations: stateful by previous_interaction_id, stateless by history, and get (G3 G4 G5 G20 G22)."""

from __future__ import annotations

from typing import Any

import pytest

from interactions_conformance import _probes as probes
from interactions_conformance._assertions import expect_error, expect_ok, require
from interactions_conformance._suite import final_text, interaction_id, outputs_of, where_output

pytestmark = pytest.mark.conversation


def _turn(
    api: Any, model: str, small: dict[str, Any], text: str, previous: str | None = None
) -> tuple[Any, dict[str, Any]]:
    request: dict[str, Any] = {"model": model, "input": text, "generation_config": small}
    if previous:
        request["previous_interaction_id"] = previous
    exchange = api.create(request)
    return exchange, expect_ok("CONV-PREVIOUS-CONTEXT", exchange)


@pytest.mark.rule("CONV-PREVIOUS-CONTEXT")
def test_previous_interaction_supplies_the_context(
    api: Any, model: str, small: dict[str, Any]
) -> None:
    first_exchange, first = _turn(api, model, small, probes.introduce_name())
    first_id = interaction_id("CONV-PREVIOUS-CONTEXT", first, first_exchange)
    exchange, second = _turn(api, model, small, probes.ask_name(), previous=first_id)
    require(
        "CONV-PREVIOUS-CONTEXT",
        probes.contains_answer(final_text(second), probes.NAME),
        "turn 2 does not know what turn 1 said",
        expected=f"an answer containing {probes.NAME!r}",
        actual=final_text(second),
        where=where_output(second, -1) + "/text",
        exchange=exchange,
    )


@pytest.mark.rule("CONV-CHAIN-TRANSITIVE")
def test_chain_context_reaches_back_more_than_one_turn(
    api: Any, model: str, small: dict[str, Any]
) -> None:
    ex1, first = _turn(api, model, small, probes.remember_code_word())
    ex2, second = _turn(
        api,
        model,
        small,
        probes.SHORT_PROMPT,
        previous=interaction_id("CONV-CHAIN-TRANSITIVE", first, ex1),
    )
    exchange, third = _turn(
        api,
        model,
        small,
        probes.ask_code_word(),
        previous=interaction_id("CONV-CHAIN-TRANSITIVE", second, ex2),
    )
    require(
        "CONV-CHAIN-TRANSITIVE",
        probes.contains_answer(final_text(third), probes.CODE_WORD),
        "turn 3 lost what turn 1 said: only the previous interaction was used",
        expected=f"an answer containing {probes.CODE_WORD!r}",
        actual=final_text(third),
        exchange=exchange,
    )


@pytest.mark.rule("CONV-PREVIOUS-UNKNOWN")
def test_unknown_previous_interaction_is_rejected(api: Any, model: str) -> None:
    exchange = api.create(
        {
            "model": model,
            "input": probes.SHORT_PROMPT,
            "previous_interaction_id": "v1_does-not-exist",
        }
    )
    expect_error(
        "CONV-PREVIOUS-UNKNOWN", exchange, (400, 404), what="an unknown previous_interaction_id"
    )


@pytest.mark.rule("CONV-GET")
def test_get_returns_the_stored_interaction(api: Any, model: str, small: dict[str, Any]) -> None:
    created_exchange, created = _turn(api, model, small, probes.ARITHMETIC_PROMPT)
    ident = interaction_id("CONV-GET", created, created_exchange)
    exchange = api.get(ident)
    got = expect_ok("CONV-GET", exchange)
    for field in ("id", "status"):
        require(
            "CONV-GET",
            got.get(field) == created.get(field),
            f"GET returns another {field} than the create response",
            expected=created.get(field),
            actual=got.get(field, "<absent>"),
            where=f"/{field}",
            exchange=exchange,
        )
    # The outputs, not the whole list: a 2026-05 GET also holds the user_input step.
    require(
        "CONV-GET",
        outputs_of(got) == outputs_of(created),
        "GET returns other outputs than the create response",
        expected=outputs_of(created),
        actual=outputs_of(got),
        where=where_output(got),
        exchange=exchange,
    )


@pytest.mark.rule("CONV-GET-UNKNOWN")
def test_get_unknown_is_404(api: Any) -> None:
    expect_error("CONV-GET-UNKNOWN", api.get("v1_does-not-exist"), 404, what="GET of an unknown id")


@pytest.mark.rule("CONV-STATELESS-HISTORY", "CONV-MODEL-TURN-OUTPUTS")
def test_stateless_history_with_outputs_as_model_turn(
    api: Any, model: str, small: dict[str, Any]
) -> None:
    first = expect_ok(
        "CONV-STATELESS-HISTORY",
        api.create(
            {
                "model": model,
                "input": probes.introduce_name(),
                "store": False,
                "generation_config": small,
            }
        ),
    )
    history = [
        {"role": "user", "content": probes.introduce_name()},
        {"role": "model", "content": outputs_of(first)},
        {"role": "user", "content": probes.ask_name()},
    ]
    exchange = api.create(
        {"model": model, "input": history, "store": False, "generation_config": small}
    )
    second = expect_ok("CONV-MODEL-TURN-OUTPUTS", exchange)
    require(
        "CONV-STATELESS-HISTORY",
        probes.contains_answer(final_text(second), probes.NAME),
        "the history sent by the client was not used",
        expected=f"an answer containing {probes.NAME!r}",
        actual=final_text(second),
        exchange=exchange,
    )


@pytest.mark.rule("CONV-MODEL-TURN-OUTPUTS")
def test_model_turn_as_plain_string(api: Any, model: str, small: dict[str, Any]) -> None:
    history = [
        {"role": "user", "content": probes.remember_code_word()},
        {"role": "model", "content": "OK."},
        {"role": "user", "content": probes.ask_code_word()},
    ]
    exchange = api.create(
        {"model": model, "input": history, "store": False, "generation_config": small}
    )
    body = expect_ok("CONV-MODEL-TURN-OUTPUTS", exchange)
    require(
        "CONV-MODEL-TURN-OUTPUTS",
        probes.contains_answer(final_text(body), probes.CODE_WORD),
        "a model turn given as a string was not used",
        expected=probes.CODE_WORD,
        actual=final_text(body),
        exchange=exchange,
    )


@pytest.mark.rule("CONV-TURN-ROLE")
def test_unknown_turn_role_is_rejected(api: Any, model: str) -> None:
    exchange = api.create({"model": model, "input": [{"role": "wizard", "content": "hello"}]})
    expect_error("CONV-TURN-ROLE", exchange, 400, what="a turn with role 'wizard'")


@pytest.mark.rule("CONV-MIX-AGENT-MODEL")
@pytest.mark.feature("agents")
def test_model_turn_can_follow_an_agent_turn(
    api: Any, model: str, small: dict[str, Any], conformance: Any
) -> None:
    from interactions_conformance._suite import wait_until_done

    agent = conformance.profile.model("agent")
    started = expect_ok(
        "CONV-MIX-AGENT-MODEL",
        api.create({"agent": agent, "input": probes.remember_code_word(), "background": True}),
    )
    done = wait_until_done(api, interaction_id("CONV-MIX-AGENT-MODEL", started))
    exchange, follow = _turn(api, model, small, probes.ask_code_word(), previous=done["id"])
    require(
        "CONV-MIX-AGENT-MODEL",
        probes.contains_answer(final_text(follow), probes.CODE_WORD),
        "a model turn after an agent turn does not see the agent turn's context",
        expected=probes.CODE_WORD,
        actual=final_text(follow),
        exchange=exchange,
    )


@pytest.mark.rule("CONV-PARAMS-NOT-INHERITED")
def test_tools_do_not_carry_over(api: Any, model: str, small: dict[str, Any]) -> None:
    first = api.create(
        {
            "model": model,
            "input": probes.SHORT_PROMPT,
            "tools": [probes.WEATHER_TOOL],
            "generation_config": small,
        }
    )
    ident = interaction_id(
        "CONV-PARAMS-NOT-INHERITED", expect_ok("CONV-PARAMS-NOT-INHERITED", first), first
    )
    exchange = api.create(
        {
            "model": model,
            "input": probes.WEATHER_PROMPT,
            "previous_interaction_id": ident,
            "generation_config": small,
        }
    )
    body = expect_ok("CONV-PARAMS-NOT-INHERITED", exchange)
    calls = [o for o in outputs_of(body) if o.get("type") == "function_call"]
    require(
        "CONV-PARAMS-NOT-INHERITED",
        not calls,
        "a tool declared only in an earlier turn was called",
        expected="no function_call (no tool declared in this request)",
        actual=calls,
        exchange=exchange,
    )
