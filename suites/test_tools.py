"""Built-in tools and remote MCP (G11 G12 G24)."""

from __future__ import annotations

from typing import Any

import pytest

from interactions_conformance import _probes as probes
from interactions_conformance._assertions import expect_error, expect_ok, require
from interactions_conformance._suite import output_blocks, outputs_of, texts, where_output

pytestmark = pytest.mark.tools

MCP_TOOL = {"type": "mcp_server", "name": "weather_service", "url": "https://mcp.example.com/mcp"}


def _types(body: dict[str, Any]) -> list[str]:
    return [str(o.get("type")) for o in outputs_of(body)]


def _tool_run(
    api: Any, model: str, rule: str, tool: dict[str, Any], prompt: str, call: str, result: str
) -> dict[str, Any]:
    exchange = api.create({"model": model, "input": prompt, "tools": [tool]})
    body = expect_ok(rule, exchange, what=f"a request with the {tool['type']} tool")
    kinds = _types(body)
    require(
        rule,
        call in kinds and result in kinds,
        f"the outputs lack the {call} / {result} contents",
        expected=f"outputs containing {call} and {result}",
        actual=kinds,
        where=where_output(body),
        exchange=exchange,
    )
    require(
        rule,
        texts(body) != "",
        "the outputs have no text",
        expected="a text output (G11)",
        actual=kinds,
        where=where_output(body),
        exchange=exchange,
    )
    calls = {o.get("id") for o in outputs_of(body) if o.get("type") == call}
    for where, output in output_blocks(body):
        if output.get("type") == result:
            require(
                "TOOL-RESULT-MATCHES-CALL",
                output.get("call_id") in calls,
                "a tool result matches no call",
                expected=f"call_id one of {sorted(str(c) for c in calls)}",
                actual=output.get("call_id"),
                where=f"{where}/call_id",
                exchange=exchange,
            )
    return body


@pytest.mark.rule("TOOL-GOOGLE-SEARCH", "TOOL-RESULT-MATCHES-CALL", "TOOL-ORDER")
@pytest.mark.feature("builtin_tools")
def test_google_search(api: Any, model: str) -> None:
    _tool_run(
        api,
        model,
        "TOOL-GOOGLE-SEARCH",
        {"type": "google_search"},
        probes.SEARCH_PROMPT,
        "google_search_call",
        "google_search_result",
    )


@pytest.mark.rule("TOOL-CODE-EXECUTION", "TOOL-RESULT-MATCHES-CALL")
@pytest.mark.feature("builtin_tools")
def test_code_execution_computes(api: Any, model: str) -> None:
    body = _tool_run(
        api,
        model,
        "TOOL-CODE-EXECUTION",
        {"type": "code_execution"},
        probes.FIB_PROMPT,
        "code_execution_call",
        "code_execution_result",
    )
    require(
        "TOOL-CODE-EXECUTION",
        probes.contains_answer(texts(body), probes.FIB_50),
        "the computed answer is missing",
        expected=probes.FIB_50,
        actual=texts(body),
    )


@pytest.mark.rule("TOOL-URL-CONTEXT", "TOOL-RESULT-MATCHES-CALL")
@pytest.mark.feature("builtin_tools")
def test_url_context(api: Any, model: str) -> None:
    _tool_run(
        api,
        model,
        "TOOL-URL-CONTEXT",
        {"type": "url_context"},
        probes.URL_PROMPT,
        "url_context_call",
        "url_context_result",
    )


@pytest.mark.rule("TOOL-MCP")
@pytest.mark.feature("mcp")
def test_remote_mcp(api: Any, model: str) -> None:
    _tool_run(
        api,
        model,
        "TOOL-MCP",
        MCP_TOOL,
        probes.WEATHER_PROMPT.replace(" Use the get_weather tool.", ""),
        "mcp_server_tool_call",
        "mcp_server_tool_result",
    )


@pytest.mark.rule("TOOL-MCP-NAME")
def test_mcp_name_with_dash_is_rejected(api: Any, model: str) -> None:
    tool = {**MCP_TOOL, "name": "weather-service"}
    expect_error(
        "TOOL-MCP-NAME",
        api.create({"model": model, "input": "hi", "tools": [tool]}),
        400,
        what="an mcp_server name with '-'",
    )


@pytest.mark.rule("TOOL-MCP-GEMINI3")
def test_mcp_on_gemini_3(api: Any) -> None:
    exchange = api.create(
        {
            "model": "gemini-3-pro-preview",
            "input": "What is the weather in Paris?",
            "tools": [MCP_TOOL],
        }
    )
    if exchange.response.status == 400:
        return  # rejected: one of the two accepted answers
    body = expect_ok("TOOL-MCP-GEMINI3", exchange)
    require(
        "TOOL-MCP-GEMINI3",
        not any(t.startswith("mcp_server_tool") for t in _types(body)),
        "remote MCP ran on Gemini 3",
        expected="a 400, or no mcp_server_tool_* outputs",
        actual=_types(body),
        exchange=exchange,
    )


@pytest.mark.rule("TOOL-COMBINATION")
def test_mcp_function_and_builtin_together_are_rejected(api: Any, model: str) -> None:
    tools = [MCP_TOOL, probes.WEATHER_TOOL, {"type": "google_search"}]
    expect_error(
        "TOOL-COMBINATION",
        api.create({"model": model, "input": "hi", "tools": tools}),
        400,
        what="MCP, function and built-in tools in one request",
    )


@pytest.mark.rule("TOOL-UNKNOWN-TYPE")
def test_unknown_tool_type_is_rejected(api: Any, model: str) -> None:
    exchange = api.create(
        {"model": model, "input": "hi", "tools": [{"type": "invalid_tool_type_xyz"}]}
    )
    expect_error("TOOL-UNKNOWN-TYPE", exchange, 400, what="an unknown tool type")
