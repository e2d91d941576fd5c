"""`interactions-conformance selfcheck`: the spec data checks itself.

Every schema is valid JSON Schema 2020-12, every ``$ref`` resolves within the
revision, and the rules catalogue validates against ``spec/rules.schema.json``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from typing import Any

import jsonschema
import referencing.exceptions
import yaml

from ._spec import Revision, SpecError, available_revisions, load_revision, spec_root


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--revision", action="append", help="only this revision (repeatable; default: all)"
    )


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref
        for key, value in node.items():
            if key not in ("const", "enum", "examples", "default"):
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def problems(revision: Revision) -> list[str]:
    found: list[str] = []
    meta = jsonschema.Draft202012Validator(jsonschema.Draft202012Validator.META_SCHEMA)
    for name, schema in revision.schemas.items():
        for error in meta.iter_errors(schema):
            found.append(f"schemas/{name}.json: not valid JSON Schema 2020-12: {error.message}")
        resolver = revision.registry.resolver(base_uri=revision.schema_uri(name))
        for ref in _refs(schema):
            try:
                resolver.lookup(ref)
            except referencing.exceptions.Unresolvable as exc:
                found.append(f"schemas/{name}.json: $ref {ref!r} does not resolve ({exc})")
    for name in revision.meta.get("schemas", {}):
        if name not in revision.schemas:
            found.append(f"revision.json lists schema {name!r} but schemas/{name}.json is missing")
    catalogue_schema = json.loads((spec_root() / "rules.schema.json").read_text("utf-8"))
    raw = yaml.safe_load((revision.folder / "rules.yaml").read_text("utf-8"))
    for error in jsonschema.Draft202012Validator(catalogue_schema).iter_errors(raw):
        where = "/".join(str(p) for p in error.absolute_path)
        found.append(f"rules.yaml /{where}: {error.message}")
    for rule in revision.rules.values():
        if rule.area not in revision.areas:
            found.append(f"rules.yaml: rule {rule.id} has undeclared area {rule.area!r}")
    return found


def run(args: argparse.Namespace) -> int:
    names = args.revision or available_revisions()
    failed = False
    for name in names:
        try:
            revision = load_revision(name)
            found = problems(revision)
        except (SpecError, OSError, ValueError) as exc:
            found = [str(exc)]
            revision = None
        if found:
            failed = True
            print(f"revision {name}: {len(found)} problem(s)")
            for line in found:
                print(f"  - {line}")
        elif revision is not None:
            print(
                f"revision {name}: ok ({len(revision.schemas)} schemas, "
                f"{len(revision.rules)} rules in {len(revision.areas)} areas)"
            )
    return 1 if failed else 0
