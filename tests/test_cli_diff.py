"""`interactions-conformance diff`: the real 2025-12 -> 2026-05 diff, each classification rule of
`_diff` on tiny revisions built in tmp_path, the JSON shape (diff.schema.json), the CLI's exits.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

import interactions_conformance
from interactions_conformance import Revision, available_revisions, load_revision
from interactions_conformance._cli import main
from interactions_conformance._diff import Change, Diff, diff, to_json, to_markdown

SCHEMA_BASE = "https://interactions-conformance.example/spec/"
DIFF_SCHEMA = Path(interactions_conformance.__file__).parent / "diff.schema.json"

EVENT_RENAMES = [
    ("interaction.start", "interaction.created"),
    ("content.start", "step.start"),
    ("content.delta", "step.delta"),
    ("content.stop", "step.stop"),
    ("interaction.complete", "interaction.completed"),
]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["diff", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def find(result: Diff, kind: str, where: str, **values: str) -> Change:
    """The one change of that kind at that place (with those old/new values)."""
    found = [
        c
        for c in result.changes
        if c.kind == kind
        and c.where == where
        and all(getattr(c, key) == value for key, value in values.items())
    ]
    assert len(found) == 1, (
        f"expected one {kind} at {where} {values}, found {len(found)}; changes there: "
        + repr([(c.kind, c.old, c.new) for c in result.changes if c.where == where])
    )
    return found[0]


# -- the real diff ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real() -> Diff:
    return diff(load_revision("2025-12"), load_revision("2026-05"))


def test_outputs_became_steps_and_that_breaks_clients(real: Diff) -> None:
    change = find(real, "property-renamed", "interaction.json#/properties/steps")
    assert (change.area, change.old, change.new, change.breaking) == (
        "resource",
        "outputs",
        "steps",
        True,
    )
    # The items changed too: a step, not a content.
    items = find(real, "reference-changed", "interaction.json#/properties/steps/items")
    assert (items.old, items.new, items.breaking) == ("content.json", "step.json", True)
    # Not also reported as a removal plus an addition.
    assert not [
        c
        for c in real.changes
        if c.where.startswith("interaction.json")
        and "outputs" in c.old
        and c.kind != "property-renamed"
    ]


@pytest.mark.parametrize(("old", "new"), EVENT_RENAMES)
def test_event_types_are_renamed(real: Diff, old: str, new: str) -> None:
    change = find(real, "value-renamed", "sse-event.json#/properties/event_type", old=old)
    assert (change.new, change.area, change.breaking) == (new, "streaming", True)
    # ... and each event's own definition is paired with its new name, not removed and added.
    find(real, "definition-renamed", f"sse-event.json#/$defs/{new}", old=old)


def test_event_and_delta_types_come_as_their_own_lists(real: Diff) -> None:
    events, deltas = real.types[0], real.types[1]
    assert (events.schema, events.field, events.title) == ("sse-event", "event_type", "Event types")
    assert list(events.renamed) == EVENT_RENAMES
    assert set(events.unchanged) == {"interaction.status_update", "error"}
    assert (deltas.schema, deltas.field) == ("delta", "type")
    assert {"arguments_delta", "text_annotation_delta"} <= set(deltas.added)
    assert "function_call" in deltas.removed
    steps = next(t for t in real.types if t.schema == "step")
    assert ("function_call", "content.json") in steps.moved_in
    assert "user_input" in steps.added


def test_arguments_delta_is_added(real: Diff) -> None:
    change = find(real, "value-added", "delta.json#/properties/type", new="arguments_delta")
    assert not change.breaking  # the delta type enum is open
    assert "open enum" in change.reason


def test_incomplete_status_is_added_to_an_open_enum(real: Diff) -> None:
    change = find(real, "value-added", "interaction.json#/properties/status", new="incomplete")
    assert (change.area, change.breaking) == ("resource", False)
    find(real, "value-added", "interaction.json#/properties/status", new="budget_exceeded")


@pytest.mark.parametrize("variant", ["model-request", "agent-request"])
def test_response_mime_type_is_removed_from_the_request(real: Diff, variant: str) -> None:
    where = f"create-request.json#/$defs/{variant}/properties/response_mime_type"
    change = find(real, "property-removed", where)
    assert (change.area, change.breaking) == ("request", True)
    assert "response_format" in change.hint  # what to do instead


@pytest.mark.parametrize("variant", ["model-request", "agent-request"])
def test_service_tier_is_a_new_optional_request_field(real: Diff, variant: str) -> None:
    change = find(
        real, "property-added", f"create-request.json#/$defs/{variant}/properties/service_tier"
    )
    assert (change.area, change.breaking, change.new) == ("request", False, "service_tier")


def test_rule_changes(real: Diff) -> None:
    dropped = find(real, "rule-removed", "BASIC-INPUT-TURNS")
    assert dropped.breaking
    assert "dropped: turns are gone" in dropped.reason
    restated = find(real, "rule-statement-changed", "STREAM-START-FIRST")
    assert restated.new == "The first event is interaction.created."
    added = find(real, "rule-added", "REV-STEPS-SCHEMA")
    assert added.breaking  # area revision: the revision itself
    assert not find(real, "rule-added", "STATUS-INCOMPLETE").breaking


def test_changes_are_sorted_breaking_first_per_area(real: Diff) -> None:
    assert list(real.changes) == sorted(real.changes, key=Change.sort_key)
    areas = [c.area for c in real.changes]
    assert areas == sorted(areas, key=["request", "resource", "streaming", "errors", "rules"].index)


@pytest.mark.parametrize("name", ["2025-12", "2026-05"])
def test_a_revision_against_itself_is_empty(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    result = diff(load_revision(name), load_revision(name))
    assert not result
    assert not result.highlights
    assert all(not t.changed() for t in result.types)
    code, out, _ = run(capsys, name, name)
    assert code == 0
    assert out == f"# Spec changes from {name} to {name}\n\nNo differences.\n"


# -- output -----------------------------------------------------------------------------------


def test_markdown_reads_top_down_for_a_migrating_client(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "2025-12", "2026-05")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "# Spec changes from 2025-12 to 2026-05"
    assert lines[2].endswith("breaking for a client.")
    assert lines[4] == "## The big changes"
    assert lines[6].startswith("- The Interaction's `outputs` array is now `steps`")
    assert "`interaction.start` → `interaction.created`" in out.split("## Summary")[0]
    order = ["## The big changes", "## Summary", "## Breaking changes", "### Event types",
             "### Delta types", "## Non-breaking changes"]  # fmt: skip
    positions = [out.index(heading) for heading in order]
    assert positions == sorted(positions), order
    breaking = out.split("## Breaking changes")[1].split("## Union types")[0]
    headings = [line for line in breaking.splitlines() if line.startswith("### ")]
    assert [h.split()[1] for h in headings] == ["request", "resource", "streaming", "rules"]
    assert "| request | " in out
    assert "| **total** |" in out
    assert "| `arguments_delta` | added | no |" in out


def test_json_output_validates_and_is_stable(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "2025-12", "2026-05", "--format", "json")
    assert code == 0
    document = json.loads(out)
    schema = json.loads(DIFF_SCHEMA.read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    errors = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(document)]
    assert not errors, errors[:5]
    assert (document["from"], document["to"], document["format_version"]) == (
        "2025-12",
        "2026-05",
        1,
    )
    total = document["summary"]["total"]
    assert total["breaking"] + total["non_breaking"] == len(document["changes"])
    _, again, _ = run(capsys, "2025-12", "2026-05", "--format", "json")
    assert again == out


def test_the_json_schema_rejects_a_broken_document(real: Diff) -> None:
    schema = json.loads(DIFF_SCHEMA.read_text("utf-8"))
    document = to_json(real)
    document["changes"][0]["breaking"] = "yes"
    assert not jsonschema.Draft202012Validator(schema).is_valid(document)


def test_unknown_revision_exits_2_and_lists_the_available(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "2025-12", "1999-01")
    assert code == 2
    assert out == ""
    assert (
        err.strip()
        == f"error: unknown revision '1999-01'; available: {', '.join(available_revisions())}"
    )
    code, _, err = run(capsys, "nope", "2026-05")
    assert code == 2
    assert "'nope'" in err


def test_bad_format_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "2025-12", "2026-05", "--format", "html")
    assert code == 2
    assert "invalid choice" in err


# -- every classification rule, on tiny revisions ---------------------------------------------


def make_revision(
    root: Path,
    name: str,
    schemas: dict[str, dict[str, Any]],
    rules: list[dict[str, Any]] | None = None,
) -> Revision:
    folder = root / name
    (folder / "schemas").mkdir(parents=True)
    (folder / "revision.json").write_text(json.dumps({"revision": name}), "utf-8")
    for stem, schema in schemas.items():
        document = {"$id": f"{SCHEMA_BASE}{name}/{stem}.json", **schema}
        (folder / "schemas" / f"{stem}.json").write_text(json.dumps(document), "utf-8")
    if rules is not None:
        catalogue = {"revision": name, "areas": {"a": "A", "revision": "R"}, "rules": rules}
        (folder / "rules.yaml").write_text(yaml.safe_dump(catalogue), "utf-8")
    return Revision(name, folder)


def pair(
    tmp_path: Path,
    old: dict[str, dict[str, Any]],
    new: dict[str, dict[str, Any]],
    old_rules: list[dict[str, Any]] | None = None,
    new_rules: list[dict[str, Any]] | None = None,
) -> Diff:
    return diff(
        make_revision(tmp_path, "r1", old, old_rules), make_revision(tmp_path, "r2", new, new_rules)
    )


def obj(required: list[str] | None = None, **props: Any) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": required or []}


STR = {"type": "string"}
OPEN = {"type": "string", "enum": ["a", "b"], "x-open": True}
CLOSED = {"type": "string", "enum": ["a", "b"]}

# (case, old schema, new schema, kind, breaking) for a response (interaction.json, read by clients)
# and for a request (create-request.json, written by clients).
READS = [
    ("property removed", obj(x=STR, y=STR), obj(x=STR), "property-removed", True),
    ("optional property added", obj(x=STR), obj(x=STR, y=STR), "property-added", False),
    ("required property added", obj(x=STR), obj(["y"], x=STR, y=STR), "property-added", False),
    ("became optional", obj(["x"], x=STR), obj(x=STR), "required-removed", True),
    ("became required", obj(x=STR), obj(["x"], x=STR), "required-added", False),
    ("value added, open enum", obj(x=OPEN), obj(x={**OPEN, "enum": ["a", "b", "c"]}), "value-added", False),
    ("value added, closed enum", obj(x=CLOSED), obj(x={**CLOSED, "enum": ["a", "b", "c"]}), "value-added", True),
    ("value removed", obj(x=OPEN), obj(x={**OPEN, "enum": ["a"]}), "value-removed", True),
    ("type added", obj(x=STR), obj(x={"type": ["string", "integer"]}), "type-changed", True),
    ("type removed", obj(x={"type": ["string", "integer"]}), obj(x=STR), "type-changed", False),
    ("enum opened", obj(x=CLOSED), obj(x=OPEN), "enum-opened", True),
    ("enum closed", obj(x=OPEN), obj(x=CLOSED), "enum-closed", False),
    ("forbidden counts as absent", obj(x=STR, y=STR), obj(x=STR, y={"not": {}}), "property-removed", True),
]  # fmt: skip
WRITES = [
    ("field removed", obj(x=STR, y=STR), obj(x=STR), "property-removed", True),
    ("optional field added", obj(x=STR), obj(x=STR, y=STR), "property-added", False),
    ("required field added", obj(x=STR), obj(["y"], x=STR, y=STR), "property-added", True),
    ("became required", obj(x=STR), obj(["x"], x=STR), "required-added", True),
    ("became optional", obj(["x"], x=STR), obj(x=STR), "required-removed", False),
    ("value added", obj(x=CLOSED), obj(x={**CLOSED, "enum": ["a", "b", "c"]}), "value-added", False),
    ("value removed", obj(x=CLOSED), obj(x={**CLOSED, "enum": ["a"]}), "value-removed", True),
    ("type removed", obj(x={"type": ["string", "integer"]}), obj(x=STR), "type-changed", True),
    ("type added", obj(x=STR), obj(x={"type": ["string", "integer"]}), "type-changed", False),
    ("enum closed", obj(x=OPEN), obj(x=CLOSED), "enum-closed", True),
    ("enum opened", obj(x=CLOSED), obj(x=OPEN), "enum-opened", False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "old", "new", "kind", "breaking"), READS, ids=[c[0] for c in READS]
)
def test_response_side_classification(
    tmp_path: Path, case: str, old: dict[str, Any], new: dict[str, Any], kind: str, breaking: bool
) -> None:
    result = pair(tmp_path, {"interaction": old}, {"interaction": new})
    assert [(c.area, c.kind, c.breaking) for c in result.changes] == [
        ("resource", kind, breaking)
    ], case


@pytest.mark.parametrize(
    ("case", "old", "new", "kind", "breaking"), WRITES, ids=[c[0] for c in WRITES]
)
def test_request_side_classification(
    tmp_path: Path, case: str, old: dict[str, Any], new: dict[str, Any], kind: str, breaking: bool
) -> None:
    result = pair(tmp_path, {"create-request": old}, {"create-request": new})
    assert [(c.area, c.kind, c.breaking) for c in result.changes] == [
        ("request", kind, breaking)
    ], case


def test_nested_properties_are_reported_with_their_pointer(tmp_path: Path) -> None:
    old = obj(usage=obj(total=STR, gone=STR))
    new = obj(usage=obj(total=STR))
    result = pair(tmp_path, {"interaction": old}, {"interaction": new})
    assert [c.where for c in result.changes] == [
        "interaction.json#/properties/usage/properties/gone"
    ]


def test_schemas_definitions_and_references(tmp_path: Path) -> None:
    old = {
        "interaction": {**obj(x={"$ref": "#/$defs/a"}), "$defs": {"a": STR, "b": STR}},
        "file": obj(),
    }
    new = {"interaction": {**obj(x={"$ref": "#/$defs/c"}), "$defs": {"a": STR, "c": {"type": "integer"}}}, "step": obj()}  # fmt: skip
    result = pair(tmp_path, old, new)
    got = {(c.kind, c.where): c.breaking for c in result.changes}
    assert got == {
        ("schema-removed", "file.json"): True,  # what a client reads is gone
        ("schema-added", "step.json"): False,
        ("definition-removed", "interaction.json#/$defs/b"): False,  # spec factoring
        ("definition-added", "interaction.json#/$defs/c"): False,
        ("reference-changed", "interaction.json#/properties/x"): True,
    }


def test_an_inlined_or_renamed_definition_of_the_same_shape_is_no_change(tmp_path: Path) -> None:
    old = {
        "interaction": {
            **obj(x={"$ref": "#/$defs/a"}, y={"$ref": "#/$defs/a"}),
            "$defs": {"a": STR},
        }
    }
    new = {"interaction": {**obj(x=STR, y={"$ref": "#/$defs/b"}), "$defs": {"b": STR}}}
    result = pair(tmp_path, old, new)
    assert {c.kind for c in result.changes} == {"definition-removed", "definition-added"}


def test_declared_renames_apply_both_ways(tmp_path: Path) -> None:
    old = {"interaction": obj(outputs={"type": "array"}, steps={"not": {}})}
    new = {"interaction": obj(steps={"type": "array"}, outputs={"not": {}})}
    forward = pair(tmp_path / "f", old, new)
    assert [(c.kind, c.old, c.new, c.breaking) for c in forward.changes] == [
        ("property-renamed", "outputs", "steps", True)
    ]
    assert forward.highlights[0].startswith("The Interaction's `outputs` array is now `steps`")
    backward = pair(tmp_path / "b", new, old)
    assert [(c.kind, c.old, c.new) for c in backward.changes] == [
        ("property-renamed", "steps", "outputs")
    ]


def test_renames_apply_only_where_both_names_say_so(tmp_path: Path) -> None:
    # `steps` existed before too: outputs is simply removed.
    old = {"interaction": obj(outputs={"type": "array"}, steps={"type": "array"})}
    new = {"interaction": obj(steps={"type": "array"})}
    result = pair(tmp_path, old, new)
    assert [(c.kind, c.old) for c in result.changes] == [("property-removed", "outputs")]


def union(field: str, values: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {field: {"type": "string", "enum": values, "x-open": True}},
        "allOf": [
            {"if": {"properties": {field: {"const": v}}}, "then": {"$ref": f"#/$defs/{v}"}}
            for v in values
        ],
        "$defs": {v: obj(**{field: {"type": "string", "const": v}}) for v in values},
    }


def test_event_type_renames_and_moves_between_unions(tmp_path: Path) -> None:
    old = {
        "sse-event": union("event_type", ["interaction.start", "error"]),
        "content": union("type", ["text", "function_call"]),
    }
    new = {
        "sse-event": union("event_type", ["interaction.created", "error"]),
        "content": union("type", ["text"]),
        "step": union("type", ["function_call", "user_input"]),
    }
    result = pair(tmp_path, old, new)
    renamed = find(result, "value-renamed", "sse-event.json#/properties/event_type")
    assert (renamed.old, renamed.new, renamed.breaking) == (
        "interaction.start",
        "interaction.created",
        True,
    )
    moved = find(result, "value-moved", "content.json#/properties/type")
    assert (moved.old, moved.new, moved.breaking) == ("function_call", "step.json", True)
    # The renamed event's definition is compared with its namesake, its const not re-reported.
    find(result, "definition-renamed", "sse-event.json#/$defs/interaction.created")
    assert not [
        c
        for c in result.changes
        if c.where.startswith("sse-event.json#/$defs/interaction.created/")
    ]
    events, steps = result.types[0], result.types[1]
    assert events.renamed == (("interaction.start", "interaction.created"),)
    assert (steps.schema, steps.moved_in, steps.added) == (
        "step",
        (("function_call", "content.json"),),
        ("user_input",),
    )


RULE = {"area": "a", "statement": "A thing holds.", "sources": []}


@pytest.mark.parametrize(
    ("old", "new", "kind", "breaking"),
    [
        ([{**RULE, "id": "X-ONE", "level": "MUST"}], [], "rule-removed", True),
        ([{**RULE, "id": "X-ONE", "level": "SHOULD"}], [], "rule-removed", True),
        ([{**RULE, "id": "X-ONE", "level": "MAY"}], [], "rule-removed", False),
        ([], [{**RULE, "id": "X-ONE", "level": "MUST"}], "rule-added", False),
        ([], [{**RULE, "id": "X-ONE", "level": "MUST", "area": "revision"}], "rule-added", True),
        ([{**RULE, "id": "X-ONE", "level": "MUST"}], [{**RULE, "id": "X-ONE", "level": "MAY"}], "rule-level-changed", True),
        ([{**RULE, "id": "X-ONE", "level": "MAY"}], [{**RULE, "id": "X-ONE", "level": "SHOULD"}], "rule-level-changed", False),
        ([{**RULE, "id": "X-ONE", "level": "MAY"}], [{**RULE, "id": "X-ONE", "level": "MAY", "statement": "It holds."}], "rule-statement-changed", False),
    ],
)  # fmt: skip
def test_rule_classification(
    tmp_path: Path, old: list[dict[str, Any]], new: list[dict[str, Any]], kind: str, breaking: bool
) -> None:
    result = pair(tmp_path, {}, {}, old, new)
    assert [(c.area, c.kind, c.where, c.breaking) for c in result.changes] == [
        ("rules", kind, "X-ONE", breaking)
    ]
    assert "| rules | " in to_markdown(result)


def test_odd_schemas_do_not_crash(tmp_path: Path) -> None:
    # What the loader accepts but a walker might trip on: a dangling $ref, a non-list
    # `required` and `enum`, a non-string `type`, boolean subschemas.
    old = {
        "interaction": {
            "type": "object",
            "properties": {"x": {"$ref": "#/$defs/missing"}, "z": True},
            "required": "x",
        }
    }
    new = {
        "interaction": {
            "type": 7,
            "properties": {"x": {"enum": "ab"}, "z": False},
            "items": True,
            "required": [1],
        }
    }
    result = pair(tmp_path, old, new)
    assert [(c.kind, c.old) for c in result.changes] == [("property-removed", "z")]
    assert isinstance(to_markdown(result), str)
    jsonschema.validate(to_json(result), json.loads(DIFF_SCHEMA.read_text("utf-8")))
