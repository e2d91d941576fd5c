"""Interaction checks: usage, function calls, tools, final text, identity, on hand-made resources."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from _support import pinned
from interactions_conformance.checks import (
    check_builtin_tools,
    check_final_text_last,
    check_function_call_arguments,
    check_function_call_shape,
    check_id,
    check_max_output_tokens,
    check_model_echo,
    check_object,
    check_requires_action,
    check_structured_output,
    check_timestamps,
    check_tool_results_match_calls,
    check_usage_counts,
    check_usage_total,
    run_interaction_checks,
)

# The events and resources below are hand-made in the 2025-12 shape, and the checks default to
# the newest revision (DEFAULT_REVISION): the checks taking revision= are pinned to 2025-12 here
# (test_checks_2026_05.py covers the steps wire).
(
    check_builtin_tools,
    check_final_text_last,
    check_function_call_arguments,
    check_function_call_shape,
    check_id,
    check_max_output_tokens,
    check_model_echo,
    check_object,
    check_requires_action,
    check_structured_output,
    check_timestamps,
    check_tool_results_match_calls,
    check_usage_counts,
    check_usage_total,
    run_interaction_checks,
) = pinned(
    "2025-12",
    check_builtin_tools,
    check_final_text_last,
    check_function_call_arguments,
    check_function_call_shape,
    check_id,
    check_max_output_tokens,
    check_model_echo,
    check_object,
    check_requires_action,
    check_structured_output,
    check_timestamps,
    check_tool_results_match_calls,
    check_usage_counts,
    check_usage_total,
    run_interaction_checks,
)

# -- builders ----------------------------------------------------------------------------


def usage(**counts: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "total_input_tokens": 7,
        "total_output_tokens": 20,
        "total_thought_tokens": 3,
    }
    base["total_tokens"] = sum(base.values())
    base.update(counts)
    return base


def text(value: str = "Hello") -> dict[str, Any]:
    return {"type": "text", "text": value}


def call(ident: str = "c1", name: str = "get_weather", **arguments: Any) -> dict[str, Any]:
    return {
        "type": "function_call",
        "id": ident,
        "name": name,
        "arguments": arguments or {"city": "Paris"},
    }


def interaction(
    *outputs: dict[str, Any], status: str = "completed", **fields: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "v1_abc",
        "object": "interaction",
        "model": "gemini-2.5-flash",
        "status": status,
        "created": "2025-12-11T10:00:00Z",
        "updated": "2025-12-11T10:00:01Z",
        "outputs": list(outputs) if outputs else [text()],
        "usage": usage(),
    }
    body.update(fields)
    return body


WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "weather",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}


def request(**fields: Any) -> dict[str, Any]:
    return {"model": "gemini-2.5-flash", "input": "hi", **fields}


def rules_where(found: list[Any]) -> list[tuple[str, str]]:
    return [(v.rule, v.where) for v in found]


# -- usage -------------------------------------------------------------------------------


def test_usage_counts() -> None:
    assert check_usage_counts(interaction()) == []
    assert check_usage_counts({"status": "in_progress"}) == []
    body = interaction(usage={**usage(), "total_output_tokens": -1, "total_tokens": True})
    body["usage"]["input_tokens_by_modality"] = [{"modality": "text", "tokens": 1.5}]
    assert rules_where(check_usage_counts(body)) == [
        ("SCHEMA-USAGE", "/usage/total_output_tokens"),
        ("SCHEMA-USAGE", "/usage/total_tokens"),
        ("SCHEMA-USAGE", "/usage/input_tokens_by_modality/0/tokens"),
    ]
    [v] = check_usage_counts(interaction(usage=[1, 2]))
    assert (v.rule, v.where, v.actual) == ("SCHEMA-USAGE", "/usage", "[1, 2] (array)")
    [v] = check_usage_counts(interaction(usage={"output_tokens_by_modality": {"x": 1}}))
    assert v.where == "/usage/output_tokens_by_modality"


def test_usage_total_sum() -> None:
    assert check_usage_total(interaction()) == []
    # the SDK 1.55.0 name is counted the same way; absent counts are 0
    assert (
        check_usage_total(
            interaction(
                usage={"total_input_tokens": 1, "total_reasoning_tokens": 2, "total_tokens": 3}
            )
        )
        == []
    )
    [v] = check_usage_total(interaction(usage=usage(total_tokens=31)))
    assert (v.rule, v.where) == ("USAGE-TOTAL-SUM", "/usage/total_tokens")
    assert v.expected == (
        "30 = total_input_tokens 7 + total_output_tokens 20 + total_thought_tokens 3 + total_tool_use_tokens 0"
    )
    assert (
        check_usage_total(interaction(usage=usage(total_tokens=31, total_input_tokens="7"))) == []
    )


def test_max_output_tokens() -> None:
    limited = request(generation_config={"max_output_tokens": 20})
    assert check_max_output_tokens(interaction(), limited) == []
    assert check_max_output_tokens(interaction(), None) == []
    [v] = check_max_output_tokens(
        interaction(), request(generation_config={"max_output_tokens": 10})
    )
    assert (v.rule, v.where, v.actual) == (
        "GEN-MAX-OUTPUT-TOKENS",
        "/usage/total_output_tokens",
        "20",
    )


# -- function calls ----------------------------------------------------------------------


def test_function_call_shape() -> None:
    assert check_function_call_shape(interaction(call(), status="requires_action")) == []
    nested = {"type": "function_call", "function_call": {"name": "get_weather", "arguments": {}}}
    assert rules_where(check_function_call_shape(interaction(nested))) == [
        ("FC-CALL-SHAPE", "/outputs/0/id"),
        ("FC-CALL-SHAPE", "/outputs/0/name"),
        ("FC-CALL-SHAPE", "/outputs/0/arguments"),
    ]
    [v] = check_function_call_shape(interaction({**call(), "arguments": "{}"}))
    assert (v.where, v.actual) == ("/outputs/0/arguments", '"{}" (string)')


def test_function_call_ids_unique() -> None:
    assert check_function_call_shape(interaction(call("a"), call("b"))) == []
    [v] = check_function_call_shape(interaction(call("a"), call("a")))
    assert (v.rule, v.where) == ("FC-CALL-IDS-UNIQUE", "/outputs/1/id")


def test_function_name_declared() -> None:
    declared = request(tools=[WEATHER_TOOL])
    assert check_function_call_arguments(interaction(call()), declared) == []
    assert check_function_call_arguments(interaction(call(name="nope")), None) == []
    [v] = check_function_call_arguments(interaction(call(name="get_wether")), declared)
    assert (v.rule, v.where, v.expected) == (
        "FC-NAME-DECLARED",
        "/outputs/0/name",
        "one of get_weather",
    )


def test_function_args_valid() -> None:
    declared = request(tools=[WEATHER_TOOL])
    [v] = check_function_call_arguments(interaction(call(city=5)), declared)
    assert (v.rule, v.where) == ("FC-ARGS-VALID", "/outputs/0/arguments/city")
    assert v.expected == 'type: "string"'
    [v] = check_function_call_arguments(interaction(call(town="Paris")), declared)
    assert (v.rule, v.where) == ("FC-ARGS-VALID", "/outputs/0/arguments")
    assert '"city" is a required property' in v.message


def test_a_broken_declared_schema_is_not_the_responses_fault() -> None:
    for parameters in (
        {"type": "nonsense"},
        {"$ref": "https://example.com/s.json"},
        {"pattern": "("},
    ):
        tool = {
            **WEATHER_TOOL,
            "parameters": {"type": "object", "properties": {"city": parameters}},
        }
        assert check_function_call_arguments(interaction(call()), request(tools=[tool])) == []


def test_requires_action() -> None:
    assert check_requires_action(interaction(call(), status="requires_action")) == []
    assert check_requires_action(interaction()) == []
    [v] = check_requires_action(interaction(text(), status="requires_action"))
    assert (v.rule, v.where) == ("FC-REQUIRES-ACTION", "/outputs/0/type")
    [v] = check_requires_action(interaction(text(), call()))
    assert (v.rule, v.where, v.actual) == ("FC-REQUIRES-ACTION", "/status", '"completed"')
    assert check_requires_action({"status": "requires_action"}) == []  # no outputs: nothing to say


# -- tools -------------------------------------------------------------------------------


def test_tool_results_match_calls() -> None:
    good = interaction(
        {"type": "google_search_call", "id": "g1", "arguments": {"queries": ["x"]}},
        {"type": "google_search_result", "call_id": "g1", "result": []},
        text(),
    )
    assert check_tool_results_match_calls(good) == []
    bad = copy.deepcopy(good)
    bad["outputs"][1]["call_id"] = "g2"
    [v] = check_tool_results_match_calls(bad)
    assert (v.rule, v.where, v.expected) == (
        "TOOL-RESULT-MATCHES-CALL",
        "/outputs/1/call_id",
        "the id of an earlier google_search_call: g1",
    )
    wrong_tool = interaction(
        {"type": "url_context_call", "id": "g1", "arguments": {"urls": []}},
        {"type": "google_search_result", "call_id": "g1"},
    )
    [v] = check_tool_results_match_calls(wrong_tool)
    assert v.expected == "the id of an earlier google_search_call (there is none)"


@pytest.mark.parametrize(
    ("tool", "rule", "call_type", "result_type"),
    [
        ("google_search", "TOOL-GOOGLE-SEARCH", "google_search_call", "google_search_result"),
        ("code_execution", "TOOL-CODE-EXECUTION", "code_execution_call", "code_execution_result"),
        ("url_context", "TOOL-URL-CONTEXT", "url_context_call", "url_context_result"),
        ("mcp_server", "TOOL-MCP", "mcp_server_tool_call", "mcp_server_tool_result"),
    ],
)
def test_builtin_tools(tool: str, rule: str, call_type: str, result_type: str) -> None:
    asked = request(tools=[{"type": tool}])
    good = interaction(
        {"type": call_type, "id": "t1"}, {"type": result_type, "call_id": "t1"}, text()
    )
    assert check_builtin_tools(good, asked) == []
    [v] = check_builtin_tools(interaction(text()), asked)
    assert (v.rule, v.where) == (rule, "/outputs")
    assert (
        v.message
        == f"the request has the {tool} tool but the outputs lack {call_type}, {result_type}"
    )
    assert check_builtin_tools(interaction(text()), request()) == []


def test_mcp_on_gemini_3_may_produce_no_calls() -> None:
    asked = request(
        model="gemini-3-flash-preview", tools=[{"type": "mcp_server", "name": "w", "url": "u"}]
    )
    assert check_builtin_tools(interaction(text(), model="gemini-3-flash-preview"), asked) == []


# -- the final text ----------------------------------------------------------------------


def test_final_text_last() -> None:
    assert check_final_text_last(interaction({"type": "thought", "signature": "s"}, text())) == []
    assert check_final_text_last(interaction(call(), status="requires_action")) == []
    [v] = check_final_text_last(interaction(text(), {"type": "thought", "signature": "s"}))
    assert (v.rule, v.where, v.actual) == ("BASIC-FINAL-TEXT-LAST", "/outputs/1/type", '"thought"')
    [v] = check_final_text_last(interaction(outputs=[]))
    assert (v.rule, v.where) == ("BASIC-FINAL-TEXT-LAST", "/outputs")
    image_only = request(response_modalities=["IMAGE"])
    assert check_final_text_last(interaction({"type": "image", "data": "AA"}), image_only) == []


PERSON = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}},
    "required": ["name", "age"],
}


def test_structured_output() -> None:
    asked = request(response_format=PERSON)
    good = interaction(text(json.dumps({"name": "Alice", "age": 30})))
    assert check_structured_output(good, asked) == []
    assert check_structured_output(interaction(text("not json")), request()) == []
    [v] = check_structured_output(interaction(text("Alice is 30")), asked)
    assert (v.rule, v.where, v.message) == (
        "SO-VALID-JSON",
        "/outputs/0/text",
        "the final text is not JSON",
    )
    [v] = check_structured_output(interaction(text('{"name": "Alice", "age": -1}')), asked)
    assert (v.rule, v.where) == ("SO-VALID-JSON", "/outputs/0/text -> /age")
    assert (v.expected, v.actual) == ("minimum: 0", "-1 (integer) at /age")
    [v] = check_structured_output(interaction({"type": "thought", "signature": "s"}), asked)
    assert (v.rule, v.where) == ("SO-VALID-JSON", "/outputs")


# -- identity ----------------------------------------------------------------------------


def test_id() -> None:
    assert check_id(interaction()) == []
    body = interaction()
    del body["id"]
    [v] = check_id(body, request())
    assert (v.rule, v.where, v.actual) == ("BASIC-ID", "/id", "<absent>")
    assert check_id(body, request(store=False)) == []  # STORE-FALSE-ID: may have no id
    [v] = check_id(interaction(id=""), None)
    assert v.actual == '"" (string)'


def test_model_echo() -> None:
    assert check_model_echo(interaction(), request()) == []
    assert check_model_echo(interaction(model="models/gemini-2.5-flash"), request()) == []
    [v] = check_model_echo(interaction(model="gemini-2.5-pro"), request())
    assert (v.rule, v.where) == ("BASIC-MODEL-ECHO", "/model")
    agent = {"agent": "deep-research-pro-preview-12-2025", "input": "x"}
    [v] = check_model_echo(interaction(), agent)
    assert (v.where, v.actual) == ("/agent", "<absent>")


def test_timestamps() -> None:
    assert check_timestamps(interaction()) == []
    assert (
        check_timestamps(
            interaction(created="2025-12-11T10:00:00.250Z", updated="2025-12-11T10:00:00.250Z")
        )
        == []
    )
    [v] = check_timestamps(interaction(created="2025-12-11 10:00:00+00:00"))
    assert (v.rule, v.where) == ("BASIC-TIMESTAMPS", "/created")
    [v] = check_timestamps(interaction(updated="2025-12-11T09:59:59Z"))
    assert (v.rule, v.where, v.message) == (
        "BASIC-TIMESTAMPS",
        "/updated",
        "updated is before created",
    )
    [v] = check_timestamps(interaction(updated="2025-13-45T10:00:00Z"))
    assert v.where == "/updated"


def test_object() -> None:
    assert check_object(interaction()) == []
    assert check_object({"id": "x"}) == []
    [v] = check_object(interaction(object="response"))
    assert (v.rule, v.where) == ("BASIC-OBJECT", "/object")


# -- all of them, on anything ------------------------------------------------------------


def test_a_good_interaction_passes_every_check() -> None:
    body = interaction({"type": "thought", "signature": "s"}, call(), status="requires_action")
    assert run_interaction_checks(body, request(tools=[WEATHER_TOOL])) == []


def test_the_where_prefix_places_violations_in_a_stream() -> None:
    [v] = check_object(interaction(object=1), where="event 9 /interaction")
    assert v.where == "event 9 /interaction/object"
    [v] = check_final_text_last(interaction(call()), where="reassembled")
    assert v.where == "reassembled /outputs/0/type"


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
_KEYS = st.sampled_from(
    ["outputs", "usage", "status", "id", "model", "created", "updated", "object"]
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_KEYS, _JSON, max_size=8), _JSON)
def test_arbitrary_json_never_raises(body: dict[str, Any], req: Any) -> None:
    for value in (body, req):
        run_interaction_checks(value, body)
        run_interaction_checks(body, value)


def test_a_list_where_an_object_is_expected_deep_inside() -> None:
    body = interaction(
        [1],  # type: ignore[arg-type]
        {"type": "function_call", "id": [], "name": {}, "arguments": []},
        usage={"total_tokens": []},
    )
    found = run_interaction_checks(body, request(tools=[WEATHER_TOOL, [1]], response_format=[1]))
    assert {v.rule for v in found} >= {"FC-CALL-SHAPE", "SCHEMA-USAGE"}


def test_role_model_or_agent() -> None:
    from interactions_conformance.checks import check_role

    assert check_role({"model": "m", "role": "model"}) == []
    assert check_role({"agent": "a", "role": "agent"}) == []
    assert check_role({"status": "completed"}) == []
    [v] = check_role({"model": "m", "role": "agent"})
    assert (v.rule, v.where, v.expected) == ("BASIC-ROLE", "/role", "'model'")


def test_cached_tokens_bound_by_input() -> None:
    from interactions_conformance.checks import check_usage_cached_bound

    assert (
        check_usage_cached_bound({"usage": {"total_input_tokens": 5, "total_cached_tokens": 5}})
        == []
    )
    [v] = check_usage_cached_bound({"usage": {"total_input_tokens": 5, "total_cached_tokens": 6}})
    assert (v.rule, v.where, v.actual) == ("USAGE-CACHED-BOUND", "/usage/total_cached_tokens", "6")


def test_previous_interaction_echo_is_optional_but_exact() -> None:
    from interactions_conformance.checks import check_previous_echo

    request = {"previous_interaction_id": "v1_a"}
    assert check_previous_echo({"status": "completed"}, request) == []
    assert check_previous_echo({"previous_interaction_id": "v1_a"}, request) == []
    [v] = check_previous_echo({"previous_interaction_id": "v1_b"}, request)
    assert (v.rule, v.where) == ("CONV-PREVIOUS-NOT-ECHOED", "/previous_interaction_id")
