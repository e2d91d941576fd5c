"""The 2025-12 JSON Schemas: true to the SDK 1.55.0 types, the guide and the recordings.

The structure every revision shares (metadata, draft 2020-12, ``$ref``, ``x-rule``, closed
objects, no ``oneOf``, open enums) is checked in tests/test_spec_structure.py. Here:

* the field names and enums match the SDK 1.55.0 types, with each deviation named;
* every REST body of the guide validates as a create request;
* every ``2025-12__*`` recording validates under 2025-12, except the documented
  contradictions of ``EXPECTED_2025_12``, which must fail exactly as listed;
* every ``2026-steps__*`` recording checked against 2025-12 yields drift or
  violations (the error envelope excepted) and never raises.
"""

from __future__ import annotations

import json
import re
import typing
from pathlib import Path
from typing import Any

import pytest

from _support import load_recording, pairs, real_traffic_files, rule_ids, validate_recording
from interactions_conformance import Revision

BASE = "https://interactions-conformance.example/spec/2025-12/"

# 2025-12 recordings that are documented contradictions: each must produce exactly these
# violations (rule, where), for the reason given. Everything else must have none.
EXPECTED_2025_12: dict[str, tuple[str, set[tuple[str, str]]]] = {
    "2025-12__interaction__docs-dec2025-function-call-nested.json": (
        "API-SURFACE 9 contradiction 3: REF-Dec25's example nests the call "
        '({"type":"function_call","function_call":{name,arguments}}) without an id; '
        "SDK155 function_call_content.py, the same page's schema and every recording are flat "
        "{type,id,name,arguments}. The catalogue keeps the flat shape, so id, name and "
        "arguments are missing (FC-CALL-SHAPE) and the nested key is drift.",
        {
            ("FC-CALL-SHAPE", "/outputs/0/id"),
            ("FC-CALL-SHAPE", "/outputs/0/name"),
            ("FC-CALL-SHAPE", "/outputs/0/arguments"),
        },
    ),
}

# Drift the 2025-12 recordings may show, each a name that a later SDK release added.
KNOWN_2025_12_DRIFT = {
    "service_tier": "Interaction.service_tier, SDK 1.69.0 (recorded 2026-05 on the legacy schema)",
    "image_config": "generation_config.image_config, SDK 1.58.0 (migration guide's legacy example)",
    "search_type": "google_search_call.search_type, hand-written vercel fixture",
    "search_suggestions": "google_search_result item, SDK 1.68.0 (hand-written vercel fixture)",
    "type": "typed url_citation annotations, SDK 1.68.0 (hand-written vercel fixture)",
    "url": "typed url_citation annotations, SDK 1.68.0",
    "title": "typed url_citation annotations, SDK 1.68.0",
    "text_annotation": "delta type text_annotation, SDK 1.73.0 (hand-written vercel stream)",
    "function_call": "the nested REF-Dec25 function_call key (EXPECTED_2025_12)",
}


def _rule_ids() -> set[str]:
    """The 2025-12 rule ids (tests/test_schema_negative.py imports this name from here)."""
    return rule_ids("2025-12")


# -- agreement with the SDK 1.55.0 types -------------------------------------------------


def _union_members(alias: Any) -> list[Any]:
    args = typing.get_args(alias)
    if args and typing.get_origin(alias) is typing.Annotated:
        return _union_members(args[0])
    return list(args)


def _literal(model: Any, field: str = "type") -> str:
    (value,) = typing.get_args(
        typing.get_args(model.model_fields[field].annotation)[0]
    ) or typing.get_args(model.model_fields[field].annotation)
    return str(value)


def _wire_fields(model: Any) -> set[str]:
    return {info.alias or name for name, info in model.model_fields.items()}


def _properties(revision: Revision, name: str, pointer: str) -> set[str]:
    node = revision.registry.resolver(base_uri=f"{BASE}{name}.json").lookup(f"#{pointer}").contents
    while "properties" not in node and "$ref" in node:
        node = (
            revision.registry.resolver(base_uri=f"{BASE}{name}.json").lookup(node["$ref"]).contents
        )
    return set(node["properties"])


def _sdk() -> Any:
    pytest.importorskip(
        "google.genai", reason="the SDK of the guide's release (dev extra) is not installed"
    )
    from google.genai._interactions import types
    from google.genai._interactions.types import content_delta, interaction, tool

    return types, content_delta, interaction, tool


def test_content_types_and_fields_match_sdk(revision: Revision) -> None:
    _, _, interaction, _ = _sdk()
    members = {_literal(m): m for m in _union_members(interaction.Output)}
    assert len(members) == 17
    assert set(members) == set(revision.schemas["content"]["properties"]["type"]["enum"])
    for kind, model in members.items():
        assert _properties(revision, "content", f"/$defs/{kind}") == _wire_fields(model), kind


def test_delta_types_and_fields_match_sdk(revision: Revision) -> None:
    _, content_delta, _, _ = _sdk()
    members = {_literal(m): m for m in _union_members(content_delta.Delta)}
    ours = set(revision.schemas["delta"]["properties"]["type"]["enum"])
    assert ours - set(members) == {"thought"}  # the guide's thought delta (STREAM-THOUGHT-DELTA)
    assert set(members) <= ours
    for kind, model in members.items():
        assert _properties(revision, "delta", f"/$defs/{kind}") == _wire_fields(model), kind


def test_tool_types_and_fields_match_sdk(revision: Revision) -> None:
    _, _, _, tool = _sdk()
    members = {_literal(m): m for m in _union_members(tool.Tool)}
    assert set(members) == set(revision.schemas["tool"]["properties"]["type"]["enum"])
    for kind, model in members.items():
        # computer_use keeps the camelCase alias excludedPredefinedFunctions on the wire
        assert _properties(revision, "tool", f"/$defs/{kind}") == _wire_fields(model), kind


def test_resources_match_sdk(revision: Revision) -> None:
    types, _, _, _ = _sdk()
    # SCHEMA-OUTPUTS-ERA: `steps` is declared only to reject it (a 2026-05 field).
    assert set(revision.schemas["interaction"]["properties"]) == _wire_fields(types.Interaction) | {
        "steps"
    }
    # USAGE-THOUGHT-NAME: the live API's total_thought_tokens besides SDK155's total_reasoning_tokens
    assert set(revision.schemas["usage"]["properties"]) == _wire_fields(types.Usage) | {
        "total_thought_tokens"
    }
    assert set(revision.schemas["generation-config"]["properties"]) == _wire_fields(
        types.GenerationConfig
    )
    events = {
        "interaction.start": types.InteractionEvent,
        "interaction.complete": types.InteractionEvent,
        "interaction.status_update": types.InteractionStatusUpdate,
        "content.start": types.ContentStart,
        "content.delta": types.ContentDelta,
        "content.stop": types.ContentStop,
        "error": types.ErrorEvent,
    }
    for event_type, model in events.items():
        # STREAM-INDEX-FIELD: content_index is declared only to reject it (the guide table's name).
        declared = _properties(revision, "sse-event", f"/$defs/{event_type}") - {"content_index"}
        assert declared == _wire_fields(model), event_type


def test_create_request_fields_match_sdk(revision: Revision) -> None:
    _sdk()
    from google.genai._interactions.types import interaction_create_params as params

    def keys(cls: Any) -> set[str]:
        return (set(cls.__required_keys__) | set(cls.__optional_keys__) | {"stream"}) - {
            "api_version"
        }

    assert _properties(revision, "create-request", "/$defs/model-request") == keys(
        params.BaseCreateModelInteractionParams
    )
    assert _properties(revision, "create-request", "/$defs/agent-request") == keys(
        params.BaseCreateAgentInteractionParams
    )


def test_enums_match_sdk(revision: Revision) -> None:
    types, _, _, _ = _sdk()
    status = typing.get_args(types.Interaction.model_fields["status"].annotation)
    assert revision.schemas["interaction"]["properties"]["status"]["enum"] == list(status)
    # GEN-THINKING-LEVEL: the docs' four levels include SDK155's two
    assert set(typing.get_args(types.ThinkingLevel)) < set(
        revision.schemas["generation-config"]["properties"]["thinking_level"]["enum"]
    )
    content = revision.schemas["content"]["$defs"]
    for def_name, alias in [
        ("image-mime-type", types.ImageMimeType),
        ("audio-mime-type", types.AudioMimeType),
        ("video-mime-type", types.VideoMimeType),
    ]:
        literal = next(a for a in typing.get_args(alias) if typing.get_origin(a) is typing.Literal)
        assert content[def_name]["enum"] == list(typing.get_args(literal)), def_name


# -- the guide's REST bodies --------------------------------------------------------------

# The body of a curl `-d '...'`, up to the `}'` that ends a line; the second turn of
# two examples is commented out with `# ` prefixes, which are stripped.
_CURL_BODY = re.compile(r"-d '(?P<body>\{.*?\n(?:#[ \t]*)?\})'[ \t]*$", re.S | re.M)
# `"'"$(base64 -w0 car.png)"'"`: the shell closes the quote, splices the file's base64,
# and reopens it. A tiny valid base64 stands in for the file (the media examples of G6).
_SHELL_BASE64 = re.compile(r"'\"\$\(base64 [^)]*\)\"'")
BASE64_STAND_IN = "iVBORw0KGgo="


def guide_bodies(text: str) -> list[tuple[int, Any]]:
    bodies = []
    for match in _CURL_BODY.finditer(text):
        body = match.group("body")
        lines = body.splitlines()
        if all(line.startswith("#") for line in lines[1:]):
            body = "\n".join([lines[0], *(re.sub(r"^#[ \t]?", "", line) for line in lines[1:])])
        body = _SHELL_BASE64.sub(BASE64_STAND_IN, body)
        bodies.append((text.count("\n", 0, match.start()) + 1, json.loads(body)))
    return bodies


def test_every_guide_rest_body_is_a_valid_create_request(
    revision: Revision, guide_text: str
) -> None:
    bodies = guide_bodies(guide_text)
    # Not one `-d '` of the guide may be skipped or missed by the extraction.
    assert len(bodies) == guide_text.count("-d '") >= 20
    failures = []
    for line, body in bodies:
        for strict in (False, True):
            found = revision.validate(body, "create-request", strict=strict)
            if found.violations or found.drift:
                failures.append((line, strict, [v.render() for v in found.violations], found.drift))
    assert not failures


def test_guide_bodies_cover_the_input_forms(guide_text: str) -> None:
    bodies = [body for _, body in guide_bodies(guide_text)]
    inputs = [body["input"] for body in bodies]
    assert any(isinstance(i, str) for i in inputs)
    assert any(isinstance(i, list) and "role" in i[0] for i in inputs)
    assert any(isinstance(i, list) and "type" in i[0] for i in inputs)
    assert any("agent" in body for body in bodies)
    assert {t["type"] for body in bodies for t in body.get("tools", [])} >= {
        "function",
        "google_search",
        "code_execution",
        "url_context",
        "mcp_server",
    }


# -- recorded traffic ---------------------------------------------------------------------

RECORDED_2025_12 = real_traffic_files("2025-12__")
RECORDED_STEPS = real_traffic_files("2026-steps__")


@pytest.mark.parametrize("path", RECORDED_2025_12, ids=lambda p: p.name)
def test_2025_12_recording_validates(revision: Revision, shared_dir: Path, path: Path) -> None:
    violations, drift = validate_recording(revision, path)
    found = pairs(violations)
    if path.name in EXPECTED_2025_12:
        _reason, expected = EXPECTED_2025_12[path.name]
        assert found == expected, "\n\n".join(v.render() for v in violations)
    else:
        assert not violations, "\n\n".join(v.render() for v in violations)
    assert {d.name for d in drift} <= set(KNOWN_2025_12_DRIFT), [d.render() for d in drift]


def test_expected_contradictions_are_in_the_corpus(shared_dir: Path) -> None:
    names = {p.name for p in RECORDED_2025_12}
    assert set(EXPECTED_2025_12) <= names
    assert len(RECORDED_2025_12) >= 40


@pytest.mark.parametrize("path", RECORDED_STEPS, ids=lambda p: p.name)
def test_steps_recording_is_not_2025_12(revision: Revision, shared_dir: Path, path: Path) -> None:
    meta, _ = load_recording(path)
    violations, drift = validate_recording(revision, path)  # never raises
    if meta["kind"] == "error":
        # The error envelope {"error": {code, message}} did not change with the steps schema
        # (ERRDOC; the SSE error event of REF-Dec25 has the same shape): it must validate.
        assert not violations
        assert not drift
    else:
        assert violations or drift
