"""Revision 2026-11 (google-genai 3.6.1 / @google/genai 3.3.0) and the unknown-value policy.

* the values the live API sends today, which 2026-05 made violations, are valid here;
* the new fields validate, and the fields 2026-05 got stale or invented are drift here;
* every ``2026-steps__*`` recording validates (the same decided deviations as 2026-05);
* one policy for every revision: in what a server sends, an unknown property or enum value
  is drift in lenient mode and a SCHEMA-STRICT violation in strict mode; in a request, an
  unknown enum value is a violation of the rule that closes it, lenient or not;
* the catalogue says what changed wherever a rule differs from its 2026-05 namesake.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from _support import pairs, real_traffic_files, validate_recording
from interactions_conformance import Revision, available_revisions, load_revision
from interactions_conformance._spec import REQUEST_SCHEMAS

REVISION = "2026-11"


@pytest.fixture(scope="module")
def rev() -> Revision:
    return load_revision(REVISION)


def _clean(rev: Revision, instance: Any, schema: str) -> None:
    found = rev.validate(instance, schema, strict=True)
    assert found.ok, [v.render() for v in found.violations]
    assert not found.drift, [str(d) for d in found.drift]


# -- what the live API sends today ---------------------------------------------------------


@pytest.mark.parametrize(
    "status", ["queued", "requires_continuation", "idle", "in_progress", "budget_exceeded"]
)
def test_every_status_of_the_sdk_is_known(rev: Revision, status: str) -> None:
    _clean(rev, {"status": status}, "interaction")
    _clean(
        rev,
        {"event_type": "interaction.status_update", "interaction_id": "i", "status": status},
        "sse-event",
    )


def test_the_new_resource_fields_validate(rev: Revision) -> None:
    _clean(
        rev,
        {
            "id": "v1_abc",
            "status": "requires_continuation",
            "service_tier": "deferred",
            "continuation_token": "opaque",
            "errors": [{"code": "internal", "message": "a tool back-end timed out"}],
            "labels": {"team": "search"},
            "safety_settings": [{"type": "harassment", "threshold": "block_only_high"}],
            "generation_config": {"thinking_level": "xhigh"},
            "agent_config": {"type": "antigravity", "max_total_tokens": 1000},
            "tools": [
                {"type": "computer_use", "environment": "desktop"},
                {"type": "tool_search", "execution": "server"},
                {"type": "function", "name": "f", "defer_loading": True},
            ],
            "usage": {"total_tokens": 10, "initial_input_tokens": 4},
        },
        "interaction",
    )


def test_step_stop_carries_usage_and_step_usage(rev: Revision) -> None:
    usage = {"total_tokens": 3}
    _clean(
        rev,
        {"event_type": "step.stop", "index": 0, "usage": usage, "step_usage": usage},
        "sse-event",
    )


@pytest.mark.parametrize(
    ("step", "delta"),
    [
        (
            {"type": "tool_search_call", "id": "c1", "arguments": {"function_names": ["f"]}},
            {"type": "tool_search_call", "arguments": {"function_names": ["f"]}},
        ),
        (
            {
                "type": "tool_search_result",
                "call_id": "c1",
                "result": [{"type": "function", "name": "f"}],
            },
            {"type": "tool_search_result", "result": []},
        ),
        ({"type": "processing_call", "id": "p1"}, {"type": "processing_call"}),
        ({"type": "processing_result", "call_id": "p1"}, {"type": "processing_result"}),
        (
            {"type": "retrieval_call", "id": "r1", "arguments": {"queries": ["q"]}},
            {"type": "retrieval_call", "arguments": {"queries": ["q"]}},
        ),
        ({"type": "retrieval_result", "call_id": "r1"}, {"type": "retrieval_result"}),
    ],
)
def test_the_new_step_and_delta_types_validate(
    rev: Revision, step: dict[str, Any], delta: dict[str, Any]
) -> None:
    _clean(rev, {"status": "completed", "steps": [step]}, "interaction")
    _clean(rev, {"event_type": "step.delta", "index": 0, "delta": delta}, "sse-event")
    _clean(
        rev, {"event_type": "step.start", "index": 0, "step": {"type": step["type"]}}, "sse-event"
    )


def test_a_request_with_todays_values_is_valid(rev: Revision) -> None:
    _clean(
        rev,
        {
            "model": "gemini-3-flash",
            "input": "hi",
            "service_tier": "deferred",
            "generation_config": {"thinking_level": "xhigh"},
            "labels": {"env": "prod"},
            "safety_settings": [{"type": "dangerous_content", "threshold": "off"}],
            "continuation_token": "opaque",
            "tools": [{"type": "computer_use", "environment": "mobile"}],
        },
        "create-request",
    )
    _clean(
        rev,
        {"agent": "antigravity-preview", "input": "hi", "agent_config": {"type": "antigravity"}},
        "create-request",
    )


@pytest.mark.parametrize(
    ("instance", "schema", "name"),
    [
        ({"status": "completed", "role": "model"}, "interaction", "role"),
        (
            {
                "status": "completed",
                "steps": [{"type": "file_search_result", "call_id": "c", "result": []}],
            },
            "interaction",
            "result",
        ),
        (
            {
                "event_type": "step.delta",
                "index": 0,
                "delta": {"type": "function_result", "call_id": "c", "result": "ok"},
            },
            "sse-event",
            "call_id",
        ),
        (
            {
                "status": "completed",
                "steps": [
                    {"type": "function_result", "call_id": "c", "result": "ok", "signature": ""}
                ],
            },
            "interaction",
            "signature",
        ),
    ],
    ids=["interaction-role", "file-search-result-result", "delta-call-id", "result-signature"],
)
def test_what_2026_05_got_stale_or_invented_is_drift(
    rev: Revision, instance: dict[str, Any], schema: str, name: str
) -> None:
    lenient = rev.validate(instance, schema)
    assert lenient.ok, [v.render() for v in lenient.violations]
    assert [d.name for d in lenient.drift] == [name]
    assert load_revision("2026-05").validate(instance, schema, strict=True).ok  # 2026-05 had it


# -- the recorded steps-era traffic -------------------------------------------------------

# The same decided deviations as 2026-05 (tests/test_spec_2026_05.py says why).
EXPECTED = {
    "2026-steps__interaction__docs-migration-get-with-user-input.json": {
        ("SCHEMA-INTERACTION", "/status")
    },
    "2026-steps__stream__selected-events-function-call-metadata.json": {
        ("STREAM-ARGUMENTS-DELTA", "event 5 /delta/arguments")
    },
}
KNOWN_DRIFT = {"raw_prompt_token"}  # usage.raw_prompt_token, on the wire 2026-08-13, in no SDK


@pytest.mark.parametrize("path", real_traffic_files("2026-steps__"), ids=lambda p: p.name)
def test_steps_recording_validates(rev: Revision, shared_dir: Path, path: Path) -> None:
    violations, drift = validate_recording(rev, path)
    assert pairs(violations) == EXPECTED.get(path.name, set()), [str(v) for v in violations]
    assert {d.name for d in drift} <= KNOWN_DRIFT, drift


# -- one policy for unknown values, every revision -----------------------------------------


def _response_enums(rev: Revision) -> list[tuple[str, str, dict[str, Any]]]:
    """(schema, pointer, subschema) of every enum in a schema a server sends."""
    found: list[tuple[str, str, dict[str, Any]]] = []

    def walk(stem: str, node: Any, at: str) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("enum"), list):
                found.append((stem, at, node))
            for key, value in node.items():
                if key not in ("enum", "const", "examples", "default"):
                    walk(stem, value, f"{at}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(stem, value, f"{at}/{i}")

    for stem, schema in rev.schemas.items():
        if stem not in REQUEST_SCHEMAS:
            walk(stem, schema, "")
    return found


@pytest.mark.parametrize("name", available_revisions())
def test_no_response_enum_is_closed_without_a_rule(name: str) -> None:
    closed = [
        f"{stem}.json#{at}"
        for stem, at, node in _response_enums(load_revision(name))
        if node.get("x-open") is False and "x-rule" not in node
    ]
    assert not closed, f"closed without a rule naming why (x-open false needs an x-rule): {closed}"


# One unknown value per kind of thing a server sends, in each revision's spelling.
UNKNOWN_IN_RESPONSES: dict[str, list[tuple[str, Any, str]]] = {
    "2025-12": [
        ("interaction", {"status": "teleported"}, "/status"),
        (
            "interaction",
            {"status": "completed", "outputs": [{"type": "hologram"}]},
            "/outputs/0/type",
        ),
        ("sse-event", {"event_type": "interaction.warped"}, "/event_type"),
        (
            "usage",
            {"input_tokens_by_modality": [{"modality": "smell", "tokens": 1}]},
            "/input_tokens_by_modality/0/modality",
        ),
    ],
    "2026-05": [
        ("interaction", {"status": "teleported"}, "/status"),
        ("interaction", {"status": "completed", "service_tier": "deferred"}, "/service_tier"),
        ("interaction", {"status": "completed", "steps": [{"type": "hologram"}]}, "/steps/0/type"),
        (
            "interaction",
            {"status": "completed", "tools": [{"type": "computer_use", "environment": "desktop"}]},
            "/tools/0/environment",
        ),
        (
            "interaction",
            {"status": "completed", "agent_config": {"type": "antigravity"}},
            "/agent_config/type",
        ),
        ("sse-event", {"event_type": "interaction.warped"}, "/event_type"),
        (
            "sse-event",
            {"event_type": "step.delta", "index": 0, "delta": {"type": "hologram"}},
            "/delta/type",
        ),
    ],
    "2026-11": [
        ("interaction", {"status": "teleported"}, "/status"),
        ("interaction", {"status": "completed", "service_tier": "ultra"}, "/service_tier"),
        ("interaction", {"status": "completed", "steps": [{"type": "hologram"}]}, "/steps/0/type"),
        (
            "interaction",
            {"status": "completed", "generation_config": {"thinking_level": "xxhigh"}},
            "/generation_config/thinking_level",
        ),
        (
            "interaction",
            {"status": "completed", "tools": [{"type": "computer_use", "environment": "car"}]},
            "/tools/0/environment",
        ),
        ("sse-event", {"event_type": "interaction.warped"}, "/event_type"),
        (
            "sse-event",
            {"event_type": "step.delta", "index": 0, "delta": {"type": "hologram"}},
            "/delta/type",
        ),
    ],
}


def _cases() -> list[tuple[str, str, Any, str]]:
    return [
        (name, schema, instance, where)
        for name in available_revisions()
        for schema, instance, where in UNKNOWN_IN_RESPONSES.get(name, [])
    ]


@pytest.mark.parametrize(("name", "schema", "instance", "where"), _cases())
def test_an_unknown_value_a_server_sends_is_drift_lenient_and_a_violation_strict(
    name: str, schema: str, instance: Any, where: str
) -> None:
    rev = load_revision(name)
    lenient = rev.validate(instance, schema)
    assert lenient.ok, [v.render() for v in lenient.violations]
    assert [d.where for d in lenient.drift] == [where]
    slow = rev._validate_slow(instance, schema)  # the explaining path agrees with the fast one
    assert slow.ok
    assert [d.where for d in slow.drift] == [where]
    strict = rev.validate(instance, schema, strict=True)
    assert pairs(strict.violations) == {("SCHEMA-STRICT", where)}


def test_every_revision_has_cases() -> None:
    assert set(UNKNOWN_IN_RESPONSES) == set(available_revisions())


@pytest.mark.parametrize(
    ("body", "rule", "where"),
    [
        ({"model": "m", "input": "x", "service_tier": "ultra"}, "SERVICE-TIER", "/service_tier"),
        (
            {"model": "m", "input": "x", "tools": [{"type": "teleport"}]},
            "TOOL-UNKNOWN-TYPE",
            "/tools/0/type",
        ),
    ],
)
def test_an_unknown_value_a_client_sends_is_a_violation_even_lenient(
    rev: Revision, body: dict[str, Any], rule: str, where: str
) -> None:
    found = rev.validate(body, "create-request")
    assert (rule, where) in pairs(found.violations), [v.render() for v in found.violations]


# -- the catalogue says what changed --------------------------------------------------------


def _catalogue(name: str) -> dict[str, dict[str, Any]]:
    raw = yaml.safe_load((load_revision(name).folder / "rules.yaml").read_text("utf-8"))
    return {r["id"]: r for r in raw["rules"]}


def test_a_rule_that_differs_from_2026_05_says_what_changed() -> None:
    old, new = _catalogue("2026-05"), _catalogue(REVISION)
    silent = [
        rid
        for rid, rule in new.items()
        if rid in old
        and any(
            rule.get(k) != old[rid].get(k) for k in ("statement", "level", "sources", "decision")
        )
        and not rule.get("changed")
    ]
    assert not silent, f"rules that differ from 2026-05 without a `changed` note: {silent}"
    assert not any("changed" in r for r in old.values())  # 2026-05 is as it was


def test_revision_metadata(rev: Revision) -> None:
    meta = json.loads((rev.folder / "revision.json").read_text("utf-8"))
    assert meta["api_revision_header"] is None
    assert set(meta["schemas"]) == set(rev.schemas)
    assert {"requires_continuation", "completed"} <= set(meta["terminal_statuses"])
    assert "queued" not in meta["terminal_statuses"]
    assert (rev.folder / "EXCLUDED.md").is_file()
