"""The strategies of interactions_conformance.strategies, tested by purpose.

* validity: every valid example validates against create-request (lenient and strict);
* near-valid: every example breaks its labelled rule (schema) or its labelled server rule;
* arguments: validated eagerly, with a clear error naming the known values;
* repr: shows how the strategy was built;
* surface: the curated public names, and the layer rule (no pytest, HTTP or emulator).
"""

from __future__ import annotations

import ast
import base64
import binascii
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from interactions_conformance import load_revision, strategies
from interactions_conformance.strategies import (
    MUTATIONS,
    NearValid,
    create_requests,
    from_schema,
    near_valid_requests,
)

REVISION = load_revision("2025-12")
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SEARCH = settings(max_examples=2000, deadline=None, database=None, phases=[Phase.generate])
MEDIA = ("image", "audio", "video", "document")
FEATURES_ALL = {
    "agents", "background", "builtin_tools", "mcp", "multimodal_input", "streaming",
    "structured_output",
}  # fmt: skip
# Server rules a schema cannot express: the request is well formed, the server must refuse it.
SERVER_RULES = {
    "BASIC-MODEL-XOR-AGENT",  # neither: the schema's else-branch catches it; both: it does too
    "MM-BASE64",
    "BG-STORE-REQUIRED",
    "AGENT-BACKGROUND-REQUIRED",
    "BASIC-UNKNOWN-MODEL",
    "CONV-PREVIOUS-UNKNOWN",
    "ERR-MALFORMED-JSON",
    "AUTH-REQUIRED",  # the body is valid: only the key is missing
    "AUTH-INVALID",  # the body is valid: only the key is unknown
}


def _contents(body: dict[str, Any]) -> list[dict[str, Any]]:
    value = body["input"]
    if isinstance(value, str):
        return []
    if isinstance(value, dict):
        return [value]
    found: list[dict[str, Any]] = []
    for item in value:
        if "role" in item:
            content = item["content"]
            found += content if isinstance(content, list) else []
        else:
            found.append(item)
    return found


# -- validity ---------------------------------------------------------------------


@FAST
@given(create_requests())
def test_valid_requests_validate_strict_and_lenient(body: dict[str, Any]) -> None:
    assert REVISION.validate(body, "create-request", strict=True).ok
    assert REVISION.validate(body, "create-request").ok
    assert REVISION.is_valid(body, "create-request")


@FAST
@given(create_requests())
def test_valid_requests_keep_the_semantic_rules(body: dict[str, Any]) -> None:
    assert ("model" in body) != ("agent" in body)
    assert not (body.get("store") is False and body.get("background") is True)
    if "agent" in body:
        assert body["background"] is True
    else:
        # A structured answer gets at least 256 tokens: a smaller cap cuts the JSON short.
        cap = 256 if "response_format" in body else 16
        assert 1 <= body["generation_config"]["max_output_tokens"] <= cap
    for content in _contents(body):
        if content["type"] in MEDIA:
            base64.b64decode(content["data"], validate=True)
    kinds = {t["type"] for t in body.get("tools", [])}
    assert "mcp_server" not in kinds or kinds == {"mcp_server"}  # TOOL-COMBINATION


@FAST
@given(create_requests(features=()))
def test_no_features_means_plain_text_requests(body: dict[str, Any]) -> None:
    assert "agent" not in body
    assert body.get("stream") is not True
    assert body.get("background") is not True
    assert "response_format" not in body
    assert all(c["type"] not in MEDIA for c in _contents(body))
    assert {t["type"] for t in body.get("tools", [])} <= {"function"}


def test_the_simplest_request_is_a_plain_foreground_one() -> None:
    """Hypothesis starts from the simplest example and shrinks towards it: it must be the
    plain case (a failure shrinks to it; a run's first example is no slow agent job)."""
    everything = create_requests(features=FEATURES_ALL)
    simplest = find(everything, lambda _: True, settings=SEARCH)
    assert "model" in simplest
    assert "agent" not in simplest
    for field in ("stream", "background", "response_format", "response_modalities", "tools"):
        assert not simplest.get(field), (field, simplest)


def test_packed_choices_keep_the_designed_shares() -> None:
    """A request's flags are drawn packed into a few choices (fewer, larger choices per draw);
    each must still fire about as often as designed: agents 1 in 8, background on a quarter of
    the model requests (never with store=false) and every agent request, streams on half,
    structured output on a quarter. (Drawn one by one, Hypothesis's skew gave background 16%.)"""
    bodies: list[dict[str, Any]] = []

    @settings(SEARCH, max_examples=400, derandomize=True)
    @given(create_requests(features=FEATURES_ALL))
    def collect(body: dict[str, Any]) -> None:
        bodies.append(body)

    collect()

    def share(flag: Any) -> float:
        return sum(1 for b in bodies if flag(b)) / len(bodies)

    assert 1 / 16 <= share(lambda b: "agent" in b) <= 1 / 4
    assert 0.18 <= share(lambda b: b.get("background") is True) <= 0.4
    assert 0.25 <= share(lambda b: b.get("stream") is True) <= 0.5
    assert 0.12 <= share(lambda b: "response_format" in b) <= 0.35
    assert 0.3 <= share(lambda b: "system_instruction" in b) <= 0.7


def _form(body: dict[str, Any]) -> str:
    value = body["input"]
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "content"
    return "turns" if any("role" in v for v in value) else "contents"


def _types(body: dict[str, Any]) -> set[str]:
    found = {c["type"] for c in _contents(body)}
    for item in body["input"] if isinstance(body["input"], list) else []:
        if isinstance(item.get("content"), list):
            found.update(c["type"] for c in item["content"])
    return found


@pytest.mark.parametrize("form", ["string", "content", "contents", "turns"])
def test_every_input_form_is_generated(form: str) -> None:
    found = find(create_requests(), lambda b: _form(b) == form, settings=SEARCH)
    assert _form(found) == form


@pytest.mark.parametrize(
    "kind", REVISION.schemas["content"]["$defs"]["input-content"]["properties"]["type"]["enum"]
)
def test_every_request_content_type_is_generated(kind: str) -> None:
    found = find(create_requests(), lambda b: kind in _types(b), settings=SEARCH)
    assert REVISION.validate(found, "create-request", strict=True).ok


@pytest.mark.parametrize(
    "name",
    [
        "generation-config",
        "tool#/$defs/request-tool",
        "content#/$defs/input-content",
        "turn",
        "agent-config",
    ],
)
def test_from_schema_examples_validate(name: str) -> None:
    @FAST
    @given(from_schema(name))
    def check(value: Any) -> None:
        assert REVISION.validate(value, name, strict=True).ok, value

    check()


# -- near-valid ---------------------------------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(near_valid_requests())
def test_near_valid_requests_break_their_rule(case: NearValid) -> None:
    assert case.mutation in MUTATIONS
    assert case.rule in REVISION.rules
    # ERR-MESSAGE-FIELD: the suite declares it for the mutations whose 400 names a field
    assert bool(case.field) == MUTATIONS[case.mutation].names_field, case
    if case.raw is not None:
        assert case.mutation == "malformed-json"
        with pytest.raises(ValueError):  # noqa: PT011 - json.JSONDecodeError is a ValueError
            __import__("json").loads(case.raw)
        return
    assert case.body is not None
    found = REVISION.validate(case.body, "create-request", strict=True).violations
    if case.rule in SERVER_RULES:
        body = case.body
        if case.rule == "MM-BASE64":
            data = [c["data"] for c in _contents(body) if c["type"] in MEDIA]
            with pytest.raises((binascii.Error, ValueError)):  # noqa: PT012
                for value in data:
                    base64.b64decode(value, validate=True)
        elif case.rule == "BG-STORE-REQUIRED":
            assert body["store"] is False
            assert body["background"] is True
        elif case.rule == "AGENT-BACKGROUND-REQUIRED":
            assert "agent" in body
            assert body.get("background") is not True
        elif case.rule == "BASIC-MODEL-XOR-AGENT":
            assert ("model" in body) == ("agent" in body)
        elif case.rule in ("AUTH-REQUIRED", "AUTH-INVALID"):
            assert found == [], case  # a valid body, so that nothing but the key is wrong
            assert case.key_argument() in ({"api_key": None}, {"api_key": case.unknown_key})
            assert case.rule == "AUTH-REQUIRED" or case.unknown_key.startswith("unknown-key-")
        return
    assert found, f"{case.mutation} left the request valid: {case.body}"
    # The schema says SCHEMA-STRICT where the catalogue's HTTP rule is ERR-UNKNOWN-FIELD.
    expected = "SCHEMA-STRICT" if case.rule == "ERR-UNKNOWN-FIELD" else case.rule
    assert expected in {v.rule for v in found}, (case.rule, found)


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_each_mutation_can_be_drawn_alone(mutation: str) -> None:
    @settings(max_examples=10, deadline=None, database=None)
    @given(near_valid_requests(mutations=[mutation]))
    def check(case: NearValid) -> None:
        assert case.mutation == mutation

    check()


def test_unknown_field_needs_strict_fields() -> None:
    with pytest.raises(InvalidArgument, match="none of the mutations"):
        near_valid_requests(features={"streaming"}, mutations=["unknown-field"])


# -- arguments ---------------------------------------------------------------------


@pytest.mark.parametrize("factory", [create_requests, near_valid_requests])
def test_unknown_revision_fails_at_once_listing_the_known(factory: Any) -> None:
    with pytest.raises(
        InvalidArgument, match=r"'1999-01' is not a known revision; available: 2025-12"
    ):
        factory(revision="1999-01")


def test_a_revision_without_request_generators_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="cover only 2025-12"):
        create_requests(revision="2026-05")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"features": {"teleport"}}, r"unknown features \['teleport'\]; known: agents"),
        ({"features": "streaming"}, "must be a collection of feature names"),
        ({"model": ""}, "model='' must be a non-empty string"),
        ({"max_output_tokens": 0}, r"must be an integer in \[1, 1024\]"),
        ({"max_output_tokens": True}, "must be an integer"),
    ],
)
def test_bad_arguments_fail_at_once(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(InvalidArgument, match=match):
        create_requests(**kwargs)


def test_bad_mutation_names_fail_at_once() -> None:
    with pytest.raises(InvalidArgument, match="unknown mutations \\['shout'\\]; known: wrong-type"):
        near_valid_requests(mutations=["shout"])
    with pytest.raises(InvalidArgument, match="not a string"):
        near_valid_requests(mutations="wrong-type")


def test_from_schema_refuses_an_unknown_schema() -> None:
    with pytest.raises(InvalidArgument, match="has no schema 'nope'; known: agent-config"):
        from_schema("nope")
    with pytest.raises(InvalidArgument, match="does not exist"):
        from_schema("content#/$defs/nope")


def test_a_profile_feature_table_is_accepted() -> None:
    strategy = create_requests(features={"streaming": True, "agents": False})
    assert "streaming" in repr(strategy)
    assert "agents" not in repr(strategy)


# -- repr ------------------------------------------------------------------------------


def test_repr_shows_how_the_strategy_was_built() -> None:
    assert repr(create_requests()) == "create_requests()"
    assert (
        repr(create_requests(features={"streaming", "background"}, max_output_tokens=8))
        == "create_requests(features=('background', 'streaming'), max_output_tokens=8)"
    )
    assert (
        repr(near_valid_requests(mutations=["bad-base64"]))
        == "near_valid_requests(mutations=('bad-base64',))"
    )
    assert repr(from_schema("generation-config")) == "from_schema(name='generation-config')"


def test_near_valid_repr_names_mutation_and_rule() -> None:
    case = NearValid("missing-input", "ERR-INPUT-REQUIRED", {"model": "m"}, field="input")
    assert repr(case).startswith("NearValid('missing-input', rule='ERR-INPUT-REQUIRED'")


# -- surface -------------------------------------------------------------------------


def test_public_names_are_curated() -> None:
    assert set(strategies.__all__) == {
        "MUTATIONS",
        "Mutation",
        "NearValid",
        "create_requests",
        "from_schema",
        "near_valid_requests",
    }
    for name in strategies.__all__:
        value = getattr(strategies, name)
        if callable(value):
            assert value.__doc__, name


def test_strategies_import_no_pytest_http_or_emulator() -> None:
    folder = Path(strategies.__file__).parent
    forbidden = ("pytest", "httpx", "interactions_conformance.emulator", "starlette")
    for path in folder.glob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                assert not name.startswith(forbidden), f"{path.name} imports {name}"
                if isinstance(node, ast.ImportFrom) and node.level:
                    assert name not in ("emulator", "_plugin", "_client"), path.name


@given(st.sampled_from(sorted(MUTATIONS)))
def test_every_mutation_cites_a_catalogue_rule_or_the_schema(name: str) -> None:
    rule = MUTATIONS[name].rule
    assert rule == "schema" or rule in REVISION.rules
