"""The structure every spec revision's JSON Schemas share, checked for each revision.

Parametrized over ``available_revisions()`` and each revision's schema names, so a new
``spec/<revision>/`` folder gets these checks without a line of test code:

* the revision lists exactly its schema files, and its revision.json has the same keys as
  every other revision's;
* every schema is valid draft 2020-12 and carries its metadata (``$schema``, ``$id``, title,
  description, a top ``x-rule`` of the catalogue);
* every ``$ref`` is relative and resolves through the revision's registry (nothing is fetched);
* every ``x-rule`` names a rule of the revision's ``rules.yaml``;
* every object is closed, except those of ``OPEN_OBJECTS`` (each with its reason);
* unions never use ``oneOf``; every open enum names what is unknown.

What is particular to one revision (SDK fields, the guide, recordings, hand-made payloads)
stays in tests/test_schemas.py (2025-12) and tests/test_spec_2026_05.py (2026-05).
"""

from __future__ import annotations

import jsonschema
import pytest

from _support import (
    SCHEMA_BASE,
    SPEC,
    load_schema,
    revision_meta,
    rule_ids,
    schema_names,
    walk_schema,
)
from interactions_conformance import available_revisions, load_revision

REVISIONS = available_revisions()
SCHEMAS = [
    pytest.param(revision, name, id=f"{revision}/{name}")
    for revision in REVISIONS
    for name in schema_names(revision)
]

# Objects deliberately left open, each with its reason (every other object is closed).
OPEN_OBJECTS: dict[tuple[str, str, str], str] = {
    (
        "2025-12",
        "agent-config",
        "/$defs/dynamic",
    ): "SDK155 DynamicAgentConfig accepts arbitrary extra properties",
    ("2025-12", "create-request", "/$defs/response_format"): "the caller's own JSON Schema (G13)",
    (
        "2026-05",
        "agent-config",
        "/$defs/dynamic",
    ): "SDK250 DynamicAgentConfig accepts arbitrary extra properties",
    (
        "2026-05",
        "create-request",
        "/$defs/input/allOf/1/else/if/contains",
    ): "an if-condition tests a shape, it does not define one",
    (
        "2026-11",
        "agent-config",
        "/$defs/dynamic",
    ): "google-genai 3.6.1 DynamicAgentConfig accepts arbitrary extra properties",
    (
        "2026-11",
        "create-request",
        "/$defs/input/allOf/1/else/if/contains",
    ): "an if-condition tests a shape, it does not define one",
}


def _is_open_object(node: dict[str, object]) -> bool:
    return (
        node.get("type") == "object"
        and "properties" in node
        and "allOf" not in node
        and "$ref" not in node
        and node.get("additionalProperties") is not False
    )


def test_there_are_revisions() -> None:
    assert "2025-12" in REVISIONS
    assert len(REVISIONS) >= 2


@pytest.mark.parametrize("revision", REVISIONS)
def test_revision_lists_exactly_the_schema_files(revision: str) -> None:
    names = schema_names(revision)
    assert names
    on_disk = sorted(p.stem for p in (SPEC / revision / "schemas").glob("*.json"))
    assert on_disk == names
    assert sorted(load_revision(revision).schemas) == names


@pytest.mark.parametrize("revision", REVISIONS)
def test_revision_metadata_has_the_common_keys(revision: str) -> None:
    meta = revision_meta(revision)
    assert meta["revision"] == revision
    for other in REVISIONS:
        assert set(meta) == set(revision_meta(other)), other


@pytest.mark.parametrize(("revision", "name"), SCHEMAS)
def test_schema_metadata(revision: str, name: str) -> None:
    schema = load_schema(revision, name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"{SCHEMA_BASE}{revision}/{name}.json"
    assert schema["title"].strip()
    assert len(schema["description"]) > 40
    assert schema["x-rule"] in rule_ids(revision), "every document names its top rule"


@pytest.mark.parametrize(("revision", "name"), SCHEMAS)
def test_schema_is_valid_draft_2020_12(revision: str, name: str) -> None:
    jsonschema.Draft202012Validator.check_schema(load_schema(revision, name))


@pytest.mark.parametrize(("revision", "name"), SCHEMAS)
def test_every_ref_resolves_within_the_revision(revision: str, name: str) -> None:
    rev = load_revision(revision)
    resolver = rev.registry.resolver(base_uri=rev.schema_uri(name))
    refs = [(at, node["$ref"]) for at, node in walk_schema(rev.schemas[name]) if "$ref" in node]
    for at, ref in refs:
        assert not ref.startswith(("http:", "https:")), f"{name}.json#{at}: absolute $ref {ref}"
        resolved = resolver.lookup(ref).contents
        assert isinstance(resolved, dict), f"{name}.json#{at}: $ref {ref!r} is not a schema"


@pytest.mark.parametrize(("revision", "name"), SCHEMAS)
def test_every_x_rule_is_a_catalogue_rule(revision: str, name: str) -> None:
    known = rule_ids(revision)
    unknown = [
        (at, node["x-rule"])
        for at, node in walk_schema(load_schema(revision, name))
        if "x-rule" in node and node["x-rule"] not in known
    ]
    assert not unknown


@pytest.mark.parametrize(("revision", "name"), SCHEMAS)
def test_objects_are_closed(revision: str, name: str) -> None:
    open_ones = [
        at
        for at, node in walk_schema(load_schema(revision, name))
        if _is_open_object(node) and (revision, name, at) not in OPEN_OBJECTS
    ]
    assert not open_ones


@pytest.mark.parametrize(
    ("revision", "name", "at"),
    [pytest.param(*key, id="/".join(key)) for key in OPEN_OBJECTS],
)
def test_every_open_object_exception_is_still_open(revision: str, name: str, at: str) -> None:
    # An exception that no longer matches an open object would hide the next one silently.
    assert revision in REVISIONS
    assert OPEN_OBJECTS[revision, name, at].strip()
    nodes = dict(walk_schema(load_schema(revision, name)))
    assert at in nodes, f"{name}.json#{at} does not exist"
    assert _is_open_object(nodes[at]), f"{name}.json#{at} is no longer an open object"


@pytest.mark.parametrize(("revision", "name"), SCHEMAS)
def test_unions_never_use_one_of(revision: str, name: str) -> None:
    schema = load_schema(revision, name)
    assert not [at for at, node in walk_schema(schema) if "oneOf" in node or "oneof" in node]


@pytest.mark.parametrize(("revision", "name"), SCHEMAS)
def test_open_enums_name_what_is_unknown(revision: str, name: str) -> None:
    for at, node in walk_schema(load_schema(revision, name)):
        if node.get("x-open"):
            assert "enum" in node, f"{name}.json#{at}"
            assert node.get("x-open-what"), f"{name}.json#{at}"
            assert node.get("type") == "string", (
                f"{name}.json#{at}: a non-string must not pass as drift"
            )
