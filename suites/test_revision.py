"""What revision 2026-05 (steps) adds: the header, steps as input and output, the legacy shape
refused (API-SURFACE section 8). Every test here cites 2026-05 rules only, so under 2025-12 the
plugin skips it with the reason."""

from __future__ import annotations

from typing import Any

import pytest

from interactions_conformance import _probes as probes
from interactions_conformance._assertions import expect_error, expect_ok, require
from interactions_conformance._suite import final_text, interaction_id, where_output
from interactions_conformance.checks import check_structured_output

pytestmark = pytest.mark.revision

_USER_INPUT = "user_input"


def _steps(body: Any) -> list[dict[str, Any]]:
    steps = body.get("steps") if isinstance(body, dict) else None
    return [s for s in steps if isinstance(s, dict)] if isinstance(steps, list) else []


def _step_types(body: Any) -> list[Any]:
    return [s.get("type") for s in _steps(body)]


@pytest.mark.rule("REV-HEADER")
def test_the_revision_header_is_answered_in_steps(
    api: Any, model: str, small: dict[str, Any]
) -> None:
    exchange = api.create(
        {"model": model, "input": probes.SHORT_PROMPT, "generation_config": small}
    )
    body = expect_ok("REV-HEADER", exchange)
    require(
        "REV-HEADER",
        "steps" in body and "outputs" not in body,
        f"a request with Api-Revision {api.api_revision} was not answered in the steps schema",
        expected="a resource with steps and no outputs",
        actual=sorted(body),
        exchange=exchange,
    )


@pytest.mark.rule("LEGACY-REJECTED")
def test_a_legacy_request_is_rejected(api: Any, model: str) -> None:
    # Sent as written (request(), not create()): the 2025-12 shape MIG names as removed.
    legacy = {
        "model": model,
        "input": probes.PERSON_PROMPT,
        "response_format": probes.PERSON_SCHEMA,
        "response_mime_type": "application/json",
    }
    exchange = api.request("POST", "interactions", json_body=legacy)
    error = expect_error(
        "LEGACY-REJECTED",
        exchange,
        400,
        what="a 2025-12 request (response_format as a bare schema + response_mime_type)",
    )
    require(
        "LEGACY-REJECTED",
        error.get("code") == "invalid_request",
        "the legacy request was refused with another error code",
        expected="invalid_request",
        actual=error.get("code"),
        where="/error/code",
        exchange=exchange,
    )


@pytest.mark.rule("BASIC-INPUT-STEPS")
def test_a_list_of_steps_is_accepted_as_input(api: Any, model: str, small: dict[str, Any]) -> None:
    steps = [{"type": _USER_INPUT, "content": [{"type": "text", "text": probes.ARITHMETIC_PROMPT}]}]
    exchange = api.create({"model": model, "input": steps, "generation_config": small})
    body = expect_ok("BASIC-INPUT-STEPS", exchange, what="input as a list of steps")
    require(
        "BASIC-INPUT-STEPS",
        probes.contains_answer(final_text(body), probes.ARITHMETIC_ANSWER),
        "the answer does not use the user_input step",
        expected=f"a final text containing {probes.ARITHMETIC_ANSWER}",
        actual=final_text(body),
        where=where_output(body, -1),
        exchange=exchange,
    )


@pytest.mark.rule("CONV-STEPS-RESENT", "CONV-STATELESS-HISTORY")
def test_response_steps_are_accepted_back_as_history(
    api: Any, model: str, small: dict[str, Any]
) -> None:
    first_input = [
        {"type": _USER_INPUT, "content": [{"type": "text", "text": probes.introduce_name()}]}
    ]
    first = expect_ok(
        "CONV-STEPS-RESENT",
        api.create(
            {"model": model, "input": first_input, "store": False, "generation_config": small}
        ),
    )
    history = [
        *first_input,
        *_steps(first),  # unchanged, as the response gave them
        {"type": _USER_INPUT, "content": [{"type": "text", "text": probes.ask_name()}]},
    ]
    exchange = api.create(
        {"model": model, "input": history, "store": False, "generation_config": small}
    )
    body = expect_ok(
        "CONV-STEPS-RESENT", exchange, what="the response's steps sent back as history"
    )
    require(
        "CONV-STATELESS-HISTORY",
        probes.contains_answer(final_text(body), probes.NAME),
        "the history sent back as steps was not used",
        expected=f"an answer containing {probes.NAME!r}",
        actual=final_text(body),
        where=where_output(body, -1),
        exchange=exchange,
    )


@pytest.mark.rule("POST-STEPS-NO-INPUT")
def test_post_holds_output_steps_and_get_adds_the_input(
    api: Any, model: str, small: dict[str, Any]
) -> None:
    created_exchange = api.create(
        {"model": model, "input": probes.SHORT_PROMPT, "generation_config": small}
    )
    created = expect_ok("POST-STEPS-NO-INPUT", created_exchange)
    require(
        "POST-STEPS-NO-INPUT",
        _USER_INPUT not in _step_types(created),
        "the POST response echoes the input as a step",
        expected="only output steps",
        actual=_step_types(created),
        where="/steps",
        exchange=created_exchange,
    )
    ident = interaction_id("POST-STEPS-NO-INPUT", created, created_exchange)
    exchange = api.get(ident)
    got = expect_ok("POST-STEPS-NO-INPUT", exchange)
    require(
        "POST-STEPS-NO-INPUT",
        _step_types(got)[:1] == [_USER_INPUT]
        and _steps(got)[len(_steps(got)) - len(_steps(created)) :] == _steps(created),
        "GET does not give the user_input step followed by the output steps",
        expected=[_USER_INPUT, *_step_types(created)],
        actual=_step_types(got),
        where="/steps",
        exchange=exchange,
    )


@pytest.mark.rule("SERVICE-TIER")
def test_the_service_tier_is_named(api: Any, model: str, small: dict[str, Any]) -> None:
    exchange = api.create(
        {
            "model": model,
            "input": probes.SHORT_PROMPT,
            "service_tier": "standard",
            "generation_config": small,
        }
    )
    body = expect_ok("SERVICE-TIER", exchange, what="a request with service_tier standard")
    require(
        "SERVICE-TIER",
        isinstance(body.get("service_tier"), str) and body["service_tier"] != "",
        "the response does not name the tier that served it",
        expected="service_tier (flex, standard or priority)",
        actual=body.get("service_tier", "<absent>"),
        where="/service_tier",
        exchange=exchange,
    )
    expect_error(
        "SERVICE-TIER",
        api.create({"model": model, "input": probes.SHORT_PROMPT, "service_tier": "turbo"}),
        400,
        what="service_tier 'turbo'",
    )


@pytest.mark.rule("STATUS-INCOMPLETE")
def test_a_cut_interaction_is_incomplete_or_completed(api: Any, model: str) -> None:
    exchange = api.create(
        {
            "model": model,
            "input": probes.FIB_PROMPT,
            "generation_config": {"max_output_tokens": 1},
        }
    )
    body = expect_ok("STATUS-INCOMPLETE", exchange, what="max_output_tokens 1")
    require(
        "STATUS-INCOMPLETE",
        body.get("status") in ("incomplete", "completed"),
        "an interaction cut by max_output_tokens ends in another status",
        expected="incomplete or completed",
        actual=body.get("status"),
        where="/status",
        exchange=exchange,
    )


@pytest.mark.rule("SO-RESPONSE-FORMAT", "SO-VALID-JSON")
@pytest.mark.feature("structured_output")
def test_structured_output_in_the_text_format(api: Any, model: str) -> None:
    # Written in 2026-05's own spelling (the client leaves it as it is).
    response_format = {
        "type": "text",
        "mime_type": "application/json",
        "schema": probes.PERSON_SCHEMA,
    }
    request = {"model": model, "input": probes.PERSON_PROMPT, "response_format": response_format}
    exchange = api.create(request)
    body = expect_ok("SO-RESPONSE-FORMAT", exchange, what="a text response_format with a schema")
    require(
        "SO-VALID-JSON",
        body.get("status") == "completed" and final_text(body) != "",
        "structured output did not complete with a final text",
        expected="status completed and a final JSON text",
        actual={"status": body.get("status"), "text": final_text(body)[:80]},
        where=where_output(body, -1),
        exchange=exchange,
    )
    # The JSON against the schema: the check the checker runs on all traffic, asked directly
    # so this test fails by itself on a target whose answer is not the JSON asked for.
    violations = check_structured_output(body, request, revision="2026-05")
    if violations:
        raise violations[0].with_context(reproduce=exchange.reproduce)
