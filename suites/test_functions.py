"""Function calling: the call, requires_action, the result, server and client state (G9 G10)."""

from __future__ import annotations

from typing import Any

import pytest

from interactions_conformance import _probes as probes
from interactions_conformance._assertions import expect_error, expect_ok, require
from interactions_conformance._suite import final_text, interaction_id, outputs_of, where_output

pytestmark = pytest.mark.functions


def _calls(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [o for o in outputs_of(body) if o.get("type") == "function_call"]


def _ask_weather(
    api: Any, model: str, small: dict[str, Any], **extra: Any
) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    exchange = api.create(
        {
            "model": model,
            "input": probes.WEATHER_PROMPT,
            "tools": [probes.WEATHER_TOOL],
            "generation_config": small,
            **extra,
        }
    )
    body = expect_ok("FC-CALL-SHAPE", exchange)
    calls = _calls(body)
    require(
        "FC-CALL-SHAPE",
        len(calls) >= 1,
        "the model did not call the declared function",
        expected="a function_call output for get_weather",
        actual=outputs_of(body),
        where=where_output(body),
        exchange=exchange,
    )
    return exchange, body, calls[0]


@pytest.mark.rule(
    "FC-CALL-SHAPE", "FC-REQUIRES-ACTION", "FC-NAME-DECLARED", "FC-ARGS-VALID", "FC-CALL-IDS-UNIQUE"
)
def test_function_call_requires_action(api: Any, model: str, small: dict[str, Any]) -> None:
    exchange, body, call = _ask_weather(api, model, small)
    require(
        "FC-REQUIRES-ACTION",
        body.get("status") == "requires_action",
        "a pending client call is not requires_action",
        expected="status 'requires_action'",
        actual=body.get("status"),
        where="/status",
        exchange=exchange,
    )
    require(
        "FC-NAME-DECLARED",
        call.get("name") == "get_weather",
        "the call names another function",
        expected="get_weather",
        actual=call.get("name"),
        exchange=exchange,
    )
    arguments = call.get("arguments")
    require(
        "FC-ARGS-VALID",
        isinstance(arguments, dict) and "paris" in str(arguments.get("location", "")).lower(),
        "the arguments do not carry the city asked for",
        expected={"location": "Paris"},
        actual=arguments,
        exchange=exchange,
    )


@pytest.mark.rule("FC-RESULT-CONTINUES", "FC-RESULT-NAME-OPTIONAL")
@pytest.mark.parametrize("with_name", [True, False], ids=["with-name", "without-name"])
def test_function_result_with_previous_interaction(
    api: Any, model: str, small: dict[str, Any], with_name: bool
) -> None:
    first_exchange, first, call = _ask_weather(api, model, small)
    result: dict[str, Any] = {
        "type": "function_result",
        "call_id": call.get("id"),
        "result": probes.WEATHER_RESULT,
    }
    if with_name:
        result["name"] = call.get("name")
    exchange = api.create(
        {
            "model": model,
            "input": [result],
            "tools": [probes.WEATHER_TOOL],
            "previous_interaction_id": interaction_id("FC-RESULT-CONTINUES", first, first_exchange),
            "generation_config": small,
        }
    )
    rule = "FC-RESULT-CONTINUES" if with_name else "FC-RESULT-NAME-OPTIONAL"
    body = expect_ok(rule, exchange, what="the function_result turn")
    require(
        rule,
        body.get("status") == "completed",
        "the turn after the result did not complete",
        expected="status 'completed'",
        actual=body.get("status"),
        where="/status",
        exchange=exchange,
    )
    text = final_text(body).lower()
    require(
        "FC-RESULT-CONTINUES",
        "21" in text or "sunny" in text,
        "the answer does not use the function's result",
        expected="a text mentioning 21 or sunny",
        actual=final_text(body),
        where=where_output(body, -1) + "/text",
        exchange=exchange,
    )


@pytest.mark.rule("FC-CLIENT-STATE")
def test_function_loop_without_server_state(api: Any, model: str, small: dict[str, Any]) -> None:
    _, first, call = _ask_weather(api, model, small, store=False)
    history = [
        {"role": "user", "content": probes.WEATHER_PROMPT},
        {"role": "model", "content": outputs_of(first)},
        {
            "role": "user",
            "content": [
                {
                    "type": "function_result",
                    "name": "get_weather",
                    "call_id": call.get("id"),
                    "result": probes.WEATHER_RESULT,
                }
            ],
        },
    ]
    exchange = api.create(
        {
            "model": model,
            "input": history,
            "tools": [probes.WEATHER_TOOL],
            "store": False,
            "generation_config": small,
        }
    )
    body = expect_ok("FC-CLIENT-STATE", exchange)
    text = final_text(body).lower()
    require(
        "FC-CLIENT-STATE",
        body.get("status") == "completed" and ("21" in text or "sunny" in text),
        "the stateless loop did not complete with the result",
        expected="completed, mentioning 21 or sunny",
        actual={"status": body.get("status"), "text": final_text(body)},
        exchange=exchange,
    )


@pytest.mark.rule("FC-RESULT-CALL-ID")
def test_result_for_an_unknown_call_is_rejected(
    api: Any, model: str, small: dict[str, Any]
) -> None:
    first_exchange, first, _ = _ask_weather(api, model, small)
    exchange = api.create(
        {
            "model": model,
            "input": [
                {
                    "type": "function_result",
                    "name": "get_weather",
                    "call_id": "no-such-call",
                    "result": "x",
                }
            ],
            "tools": [probes.WEATHER_TOOL],
            "previous_interaction_id": interaction_id("FC-RESULT-CALL-ID", first, first_exchange),
        }
    )
    expect_error(
        "FC-RESULT-CALL-ID", exchange, 400, what="a function_result for a call that was never made"
    )


@pytest.mark.rule("FC-TOOL-SHAPE")
def test_function_tool_without_name_is_rejected(api: Any, model: str) -> None:
    tool = {k: v for k, v in probes.WEATHER_TOOL.items() if k != "name"}
    expect_error(
        "FC-TOOL-SHAPE",
        api.create({"model": model, "input": "hi", "tools": [tool]}),
        400,
        what="a function tool without a name",
    )
