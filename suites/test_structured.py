"""Structured output: response_format alone, with response_mime_type, and with tools (G13 G14)."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from interactions_conformance import _probes as probes
from interactions_conformance._assertions import expect_error, expect_ok, require
from interactions_conformance._suite import final_text, texts, where_output

pytestmark = pytest.mark.structured


def _require_valid_json(
    rule: str, text: str, schema: dict[str, Any], exchange: Any, body: Any
) -> None:
    where = where_output(body, -1) + "/text"
    try:
        value = json.loads(text)
    except ValueError as exc:
        require(
            rule,
            False,
            "the final text is not JSON",
            expected="JSON valid against response_format",
            actual=f"{text[:120]!r} ({exc})",
            where=where,
            exchange=exchange,
        )
        return
    errors = sorted(
        jsonschema.Draft202012Validator(schema).iter_errors(value), key=lambda e: list(e.path)
    )
    require(
        rule,
        not errors,
        "the JSON does not validate against response_format",
        expected=f"an instance of {json.dumps(schema)}",
        actual=f"{value!r}: {errors[0].message if errors else ''}",
        where=where,
        exchange=exchange,
    )


@pytest.mark.rule("SO-VALID-JSON", "SO-WITHOUT-MIME")
@pytest.mark.feature("structured_output")
def test_response_format_alone(api: Any, model: str) -> None:
    exchange = api.create(
        {"model": model, "input": probes.PERSON_PROMPT, "response_format": probes.PERSON_SCHEMA}
    )
    body = expect_ok("SO-WITHOUT-MIME", exchange, what="response_format without response_mime_type")
    _require_valid_json("SO-VALID-JSON", final_text(body), probes.PERSON_SCHEMA, exchange, body)


@pytest.mark.rule("SO-WITH-MIME", "SO-VALID-JSON")
@pytest.mark.feature("structured_output")
def test_response_format_with_mime_type(api: Any, model: str) -> None:
    exchange = api.create(
        {
            "model": model,
            "input": probes.PERSON_PROMPT,
            "response_format": probes.PERSON_SCHEMA,
            "response_mime_type": "application/json",
        }
    )
    body = expect_ok("SO-WITH-MIME", exchange)
    _require_valid_json("SO-VALID-JSON", final_text(body), probes.PERSON_SCHEMA, exchange, body)


@pytest.mark.rule("SO-WITH-TOOLS")
@pytest.mark.feature("structured_output", "builtin_tools")
@pytest.mark.parametrize("tool", ["google_search", "url_context"])
def test_response_format_with_builtin_tools(api: Any, model: str, tool: str) -> None:
    schema = {
        "type": "object",
        "properties": {"answer": {"type": "string"}},
        "required": ["answer"],
    }
    exchange = api.create(
        {
            "model": model,
            "input": probes.SEARCH_PROMPT if tool == "google_search" else probes.URL_PROMPT,
            "tools": [{"type": tool}],
            "response_format": schema,
        }
    )
    body = expect_ok("SO-WITH-TOOLS", exchange)
    # The guide finds the text among tool outputs by type (G11 G14).
    _require_valid_json("SO-WITH-TOOLS", final_text(body) or texts(body), schema, exchange, body)


@pytest.mark.rule("SO-SCHEMA-TYPE")
def test_response_format_must_be_an_object(api: Any, model: str) -> None:
    exchange = api.create({"model": model, "input": "hi", "response_format": "json please"})
    expect_error("SO-SCHEMA-TYPE", exchange, 400, what="a response_format that is a string")
