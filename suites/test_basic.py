"""Basic interactions: create, the input forms, the Interaction resource (G1 G2 G18 G19 G20)."""

from __future__ import annotations

import re
import warnings
from typing import Any

import pytest

from interactions_conformance import _probes as probes
from interactions_conformance._assertions import expect_error, expect_ok, require
from interactions_conformance._suite import (
    final_text,
    interaction_id,
    output_blocks,
    outputs_of,
    where_output,
)

pytestmark = pytest.mark.basic

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


@pytest.mark.rule(
    "BASIC-CREATE",
    "BASIC-INPUT-STRING",
    "BASIC-STATUS-COMPLETED",
    "BASIC-FINAL-TEXT-LAST",
    "BASIC-ID",
)
def test_string_input_completes_with_final_text(
    api: Any, model: str, small: dict[str, Any]
) -> None:
    exchange = api.create(
        {"model": model, "input": probes.ARITHMETIC_PROMPT, "generation_config": small}
    )
    body = expect_ok("BASIC-CREATE", exchange)
    interaction_id("BASIC-ID", body, exchange)
    require(
        "BASIC-STATUS-COMPLETED",
        body.get("status") == "completed",
        "a plain model interaction did not complete",
        expected="status 'completed'",
        actual=body.get("status"),
        where="/status",
        exchange=exchange,
    )
    require(
        "BASIC-FINAL-TEXT-LAST",
        probes.contains_answer(final_text(body), probes.ARITHMETIC_ANSWER),
        "the last output is not the text answer",
        expected=f"outputs[-1] of type text containing {probes.ARITHMETIC_ANSWER}",
        actual=outputs_of(body)[-1:] or "<no outputs>",
        where=where_output(body, -1),
        exchange=exchange,
    )


@pytest.mark.rule("BASIC-INPUT-CONTENT-LIST")
def test_content_list_input(api: Any, model: str, small: dict[str, Any]) -> None:
    body = expect_ok(
        "BASIC-INPUT-CONTENT-LIST",
        api.create(
            {
                "model": model,
                "input": [{"type": "text", "text": probes.ARITHMETIC_PROMPT}],
                "generation_config": small,
            }
        ),
    )
    assert probes.contains_answer(final_text(body), probes.ARITHMETIC_ANSWER)


@pytest.mark.rule("BASIC-INPUT-TURNS")
def test_turns_input(api: Any, model: str, small: dict[str, Any]) -> None:
    exchange = api.create(
        {
            "model": model,
            "input": [
                {"role": "user", "content": [{"type": "text", "text": probes.ARITHMETIC_PROMPT}]}
            ],
            "generation_config": small,
        }
    )
    body = expect_ok("BASIC-INPUT-TURNS", exchange)
    require(
        "BASIC-INPUT-TURNS",
        probes.contains_answer(final_text(body), probes.ARITHMETIC_ANSWER),
        "a turns input was not answered",
        expected=probes.ARITHMETIC_ANSWER,
        actual=final_text(body),
        exchange=exchange,
    )


@pytest.mark.rule("BASIC-INPUT-SINGLE-CONTENT")
def test_single_content_object_input(api: Any, model: str, small: dict[str, Any]) -> None:
    expect_ok(
        "BASIC-INPUT-SINGLE-CONTENT",
        api.create(
            {
                "model": model,
                "input": {"type": "text", "text": probes.SHORT_PROMPT},
                "generation_config": small,
            }
        ),
    )


@pytest.mark.rule("BASIC-MODEL-ECHO", "BASIC-OBJECT", "BASIC-TIMESTAMPS", "BASIC-ROLE")
def test_resource_fields(api: Any, model: str, small: dict[str, Any]) -> None:
    exchange = api.create(
        {"model": model, "input": probes.SHORT_PROMPT, "generation_config": small}
    )
    body = expect_ok("BASIC-MODEL-ECHO", exchange)
    require(
        "BASIC-MODEL-ECHO",
        body.get("model") == model,
        "the response does not name the model",
        expected=model,
        actual=body.get("model", "<absent>"),
        where="/model",
        exchange=exchange,
    )
    require(
        "BASIC-OBJECT",
        body.get("object", "interaction") == "interaction",
        "object is not 'interaction'",
        expected="'interaction' or absent",
        actual=body.get("object"),
        where="/object",
        exchange=exchange,
    )
    created, updated = body.get("created"), body.get("updated")
    for name, value in (("created", created), ("updated", updated)):
        require(
            "BASIC-TIMESTAMPS",
            value is None or (isinstance(value, str) and ISO_UTC.match(value)),
            f"{name} is not an ISO 8601 UTC time",
            expected="YYYY-MM-DDThh:mm:ssZ",
            actual=value,
            where=f"/{name}",
            exchange=exchange,
        )
    if isinstance(created, str) and isinstance(updated, str):
        require(
            "BASIC-TIMESTAMPS",
            updated >= created,
            "updated is before created",
            expected=f">= {created}",
            actual=updated,
            where="/updated",
            exchange=exchange,
        )
    require(
        "BASIC-ROLE",
        body.get("role", "model") == "model",
        "a model interaction has another role",
        expected="'model' or absent",
        actual=body.get("role"),
        where="/role",
        exchange=exchange,
    )


@pytest.mark.rule("BASIC-NEW-RESOURCE")
def test_every_create_makes_a_new_interaction(api: Any, model: str, small: dict[str, Any]) -> None:
    request = {"model": model, "input": probes.SHORT_PROMPT, "generation_config": small}
    first = expect_ok("BASIC-NEW-RESOURCE", api.create(request))
    second_exchange = api.create(request)
    second = expect_ok("BASIC-NEW-RESOURCE", second_exchange)
    require(
        "BASIC-NEW-RESOURCE",
        first.get("id") != second.get("id"),
        "two creates returned the same id",
        expected="two different ids",
        actual=[first.get("id"), second.get("id")],
        exchange=second_exchange,
    )


@pytest.mark.rule("BASIC-SYSTEM-INSTRUCTION")
def test_system_instruction_is_accepted(api: Any, model: str, small: dict[str, Any]) -> None:
    expect_ok(
        "BASIC-SYSTEM-INSTRUCTION",
        api.create(
            {
                "model": model,
                "system_instruction": "You answer tersely.",
                "input": probes.SHORT_PROMPT,
                "generation_config": small,
            }
        ),
    )


@pytest.mark.rule("BASIC-MODEL-XOR-AGENT")
@pytest.mark.parametrize("variant", ["both", "neither"])
def test_model_xor_agent(api: Any, model: str, variant: str, conformance: Any) -> None:
    body: dict[str, Any] = {"input": probes.SHORT_PROMPT}
    if variant == "both":
        body |= {"model": model, "agent": conformance.profile.model("agent"), "background": True}
    expect_error(
        "BASIC-MODEL-XOR-AGENT",
        api.create(body),
        400,
        what=f"a request with {variant} model and agent",
    )


@pytest.mark.rule("BASIC-UNKNOWN-MODEL")
def test_unknown_model_is_rejected(api: Any) -> None:
    exchange = api.create({"model": "gemini-does-not-exist-0", "input": probes.SHORT_PROMPT})
    expect_error("BASIC-UNKNOWN-MODEL", exchange, (400, 404), what="an unknown model")


@pytest.mark.rule("BASIC-SUPPORTED-MODELS")
@pytest.mark.parametrize(
    "name", ["gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-3-pro-preview"]
)
def test_documented_models_answer(api: Any, name: str, small: dict[str, Any]) -> None:
    expect_ok(
        "BASIC-SUPPORTED-MODELS",
        api.create({"model": name, "input": probes.SHORT_PROMPT, "generation_config": small}),
        what=f"a request to {name}",
    )


@pytest.mark.rule("BASIC-JSON-CONTENT-TYPE", "BASIC-USAGE", "BASIC-OUTPUTS-GENERATED")
def test_json_response_with_usage_and_generated_outputs(
    api: Any, model: str, small: dict[str, Any]
) -> None:
    prompt = f"{probes.SHORT_PROMPT} (request marker 5QX)"
    exchange = api.create({"model": model, "input": prompt, "generation_config": small})
    body = expect_ok("BASIC-USAGE", exchange)
    require(
        "BASIC-JSON-CONTENT-TYPE",
        exchange.response.content_type == "application/json",
        "the response is not labelled JSON",
        expected="content-type application/json",
        actual=exchange.response.content_type or "<absent>",
        exchange=exchange,
    )
    usage = body.get("usage")
    require(
        "BASIC-USAGE",
        isinstance(usage, dict) and isinstance(usage.get("total_tokens"), int),
        "a completed create response has no usage.total_tokens",
        expected="usage.total_tokens",
        actual=usage if usage is not None else "<absent>",
        where="/usage",
        exchange=exchange,
    )
    echoed = [
        where
        for where, o in output_blocks(body)
        if o.get("type") == "text" and o.get("text") == prompt
    ]
    require(
        "BASIC-OUTPUTS-GENERATED",
        not echoed,
        "the outputs echo the request input",
        expected="only generated content in outputs",
        actual=f"the input text at {echoed[0] if echoed else ''}",
        where=where_output(body),
        exchange=exchange,
    )


@pytest.mark.rule("BASIC-SDK-COMPAT")
@pytest.mark.no_cassette(
    "the official SDK talks to the target with its own HTTP client, not through the api fixture"
)
def test_official_sdk_parses_the_responses(
    conformance: Any, model: str, small: dict[str, Any]
) -> None:
    genai = pytest.importorskip(
        "google.genai",
        reason="unsupported: google-genai is not installed (pip install google-genai==1.55.0)",
    )
    client = genai.Client(
        api_key=conformance.api_key, http_options={"base_url": conformance.base_url}
    )
    try:
        with (
            warnings.catch_warnings()
        ):  # the SDK warns that Interactions is experimental: known, not a finding
            warnings.filterwarnings("ignore", message="Interactions usage is experimental")
            created = client.interactions.create(
                model=model, input=probes.ARITHMETIC_PROMPT, generation_config=small
            )
            fetched = client.interactions.get(created.id)
    except Exception as exc:  # the SDK's own parse or HTTP error: that is the finding
        require(
            "BASIC-SDK-COMPAT",
            False,
            "the official SDK could not use the target's responses",
            expected="google-genai 1.55.0 parses create and get",
            actual=f"{type(exc).__name__}: {exc}"[:300],
        )
        return
    require(
        "BASIC-SDK-COMPAT",
        fetched.id == created.id and created.outputs,
        "the SDK parsed an empty interaction",
        expected="the same id and outputs",
        actual={"created": created.id, "fetched": fetched.id},
    )
