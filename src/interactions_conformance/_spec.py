"""Spec revisions as data: schemas, the rules catalogue, and validation.

A revision is a folder ``spec/<revision>/`` holding ``revision.json``
(metadata), ``schemas/*.json`` (JSON Schema 2020-12, one ``$id`` each) and
``rules.yaml`` (the catalogue). Cross-file ``$ref``s resolve through a
``referencing`` registry built from those files only: nothing is ever
retrieved from the network.

Schema conventions the validator relies on (spec/README.md explains them):

* objects are closed (``additionalProperties: false``); an unknown property
  is *drift* in lenient mode and a violation in strict mode;
* an ``enum`` whose subschema has ``"x-open": true`` is extensible: an
  unknown value (a new content type, event type, status) is drift in
  lenient mode;
* ``"x-rule": "RULE-ID"`` on a subschema names the catalogue rule that a
  failure inside it breaks; the nearest enclosing one in the same document
  wins, and every document has one at its top.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from collections.abc import Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import referencing
import referencing.exceptions
import yaml
from referencing.jsonschema import DRAFT202012

from ._findings import Drift, Violation, excerpt

__all__ = [
    "DEFAULT_REVISION",
    "Revision",
    "Rule",
    "SpecError",
    "ValidationResult",
    "available_revisions",
    "load_revision",
    "spec_root",
]

DEFAULT_REVISION = "2025-12"
STRICT_RULE = "SCHEMA-STRICT"

_SCHEMA_BASE = "https://interactions-conformance.example/spec/"


class SpecError(Exception):
    """The spec data itself is broken or absent (not the traffic under test)."""


def spec_root() -> Path:
    """The folder holding every revision.

    An installed wheel carries a copy under ``_spec_data``; a source
    checkout (editable install, tests) reads ``spec/`` at the repo top.
    """
    packaged = resources.files(__package__).joinpath("_spec_data")
    if packaged.is_dir():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parents[2] / "spec"
    if checkout.is_dir():
        return checkout
    raise SpecError(
        "no spec data found: neither the installed package's _spec_data nor a "
        f"checkout's spec/ folder (looked in {checkout})"
    )


def available_revisions() -> list[str]:
    """The names of the revisions this installation carries (``["2025-12", ...]``)."""
    root = spec_root()
    return sorted(p.name for p in root.iterdir() if (p / "revision.json").is_file())


@dataclasses.dataclass(frozen=True)
class Source:
    kind: str  # guide | sdk | recorded | reference | decision
    ref: str  # "G15", "interaction.py Interaction.status", a file name, ...
    quote: str = ""


@dataclasses.dataclass(frozen=True)
class Rule:
    id: str
    area: str
    level: str  # MUST | SHOULD | MAY
    statement: str
    sources: tuple[Source, ...]
    decision: str = ""
    exercised: str = "http"  # http | traffic | none (why it cannot be exercised)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Rule:
        sources = tuple(
            Source(kind=s["kind"], ref=s["ref"], quote=s.get("quote", ""))
            for s in data.get("sources", ())
        )
        return cls(
            id=data["id"],
            area=data["area"],
            level=data["level"],
            statement=data["statement"],
            sources=sources,
            decision=data.get("decision", ""),
            exercised=data.get("exercised", "http"),
        )


@dataclasses.dataclass
class ValidationResult:
    """What validating one instance found. Truthy when there is no violation."""

    violations: list[Violation]
    drift: list[Drift]

    def __bool__(self) -> bool:
        return not self.violations

    @property
    def ok(self) -> bool:
        return not self.violations


@dataclasses.dataclass(frozen=True)
class _Place:
    document: str  # schema file stem, e.g. "content"
    pointer: str  # JSON pointer inside that document
    rule: str  # nearest x-rule


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def pointer(path: Any) -> str:
    """A JSON pointer from a sequence of keys and indices."""
    return "".join(f"/{_escape(str(p))}" for p in path)


class Revision:
    """One spec revision: its schemas, its rules, and a validator for both."""

    def __init__(self, name: str, folder: Path) -> None:
        self.name = name
        self.folder = folder
        try:
            self.meta: dict[str, Any] = json.loads((folder / "revision.json").read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise SpecError(f"revision {name}: unreadable revision.json: {exc}") from exc
        self.schemas: dict[str, dict[str, Any]] = {}
        for path in sorted((folder / "schemas").glob("*.json")):
            try:
                self.schemas[path.stem] = json.loads(path.read_text("utf-8"))
            except ValueError as exc:
                raise SpecError(f"revision {name}: {path.name} is not JSON: {exc}") from exc
        self.base_uri = f"{_SCHEMA_BASE}{name}/"
        self.registry = self._build_registry()
        self._places: dict[int, _Place] = {}
        for stem, schema in self.schemas.items():
            self._index_places(stem, schema, "", schema.get("x-rule", "SCHEMA-VALID"))
        self.rules: dict[str, Rule] = {}
        rules_path = folder / "rules.yaml"
        if rules_path.is_file():
            raw = yaml.safe_load(rules_path.read_text("utf-8")) or {}
            for item in raw.get("rules", []):
                rule = Rule.from_data(item)
                self.rules[rule.id] = rule
        self.areas: dict[str, str] = dict(raw.get("areas", {})) if rules_path.is_file() else {}

    def __repr__(self) -> str:
        return f"<Revision {self.name}: {len(self.schemas)} schemas, {len(self.rules)} rules>"

    # -- loading ---------------------------------------------------------------

    def _build_registry(self) -> referencing.Registry[Any]:
        def refuse(uri: str) -> referencing.Resource[Any]:
            # No network retrieval, ever: an unknown $ref is a bug in the spec data.
            raise referencing.exceptions.NoSuchResource(ref=uri)  # type: ignore[call-arg]  # attrs __init__

        pairs = []
        for stem, schema in self.schemas.items():
            expected = f"{self.base_uri}{stem}.json"
            if schema.get("$id") != expected:
                raise SpecError(
                    f"revision {self.name}: schemas/{stem}.json has $id "
                    f"{schema.get('$id')!r}, expected {expected!r}"
                )
            pairs.append((expected, DRAFT202012.create_resource(schema)))
        registry: referencing.Registry[Any] = referencing.Registry(retrieve=refuse)  # type: ignore[call-arg]
        return registry.with_resources(pairs).crawl()

    def _index_places(self, stem: str, node: Any, at: str, rule: str) -> None:
        if isinstance(node, dict):
            rule = node.get("x-rule", rule)
            self._places[id(node)] = _Place(stem, at, rule)
            for key, value in node.items():
                if key in ("const", "enum", "examples", "default"):
                    continue  # values, not subschemas
                self._index_places(stem, value, f"{at}/{_escape(key)}", rule)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                self._index_places(stem, value, f"{at}/{i}", rule)

    @functools.cache  # noqa: B019 - revisions live as long as the process
    def _validator(self, name: str) -> jsonschema.protocols.Validator:
        stem, _, fragment = name.partition("#")
        if stem not in self.schemas:
            known = ", ".join(sorted(self.schemas))
            raise SpecError(f"revision {self.name} has no schema {stem!r}; known: {known}")
        uri = f"{self.base_uri}{stem}.json"
        schema: Any = self.schemas[stem]
        if fragment:
            # A $ref keeps the fragment's base URI, so "#/$defs/..." inside it still resolves.
            schema = {"$schema": schema.get("$schema"), "$ref": f"{uri}#{fragment}"}
        cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
        return cls(schema, registry=self.registry)

    # -- queries ---------------------------------------------------------------

    def rule(self, rule_id: str) -> Rule:
        try:
            return self.rules[rule_id]
        except KeyError:
            raise SpecError(f"revision {self.name} has no rule {rule_id!r}") from None

    def statement(self, rule_id: str) -> str:
        rule = self.rules.get(rule_id)
        return rule.statement if rule else ""

    def schema_uri(self, name: str) -> str:
        return f"{self.base_uri}{name}.json"

    def validate(
        self, instance: Any, schema: str, *, strict: bool = False, at: str = ""
    ) -> ValidationResult:
        """Validate ``instance`` against the named schema (a file stem, optionally ``#fragment``).

        ``at`` prefixes every reported location (``event 3``, ``exchange 2``).
        """
        validator = self._validator(schema)
        violations: list[Violation] = []
        drift: list[Drift] = []
        for error in validator.iter_errors(instance):
            for item in self._classify(error, strict=strict, schema=schema):
                if isinstance(item, Drift):
                    drift.append(
                        dataclasses.replace(item, where=f"{at} {item.where}".strip())
                        if at
                        else item
                    )
                else:
                    violations.append(item.with_context(where_prefix=at) if at else item)
        return ValidationResult(violations, drift)

    def is_valid(self, instance: Any, schema: str) -> bool:
        """True when the instance has neither violation nor drift."""
        return bool(self._validator(schema).is_valid(instance))

    # -- error classification --------------------------------------------------

    def _place(self, error: jsonschema.ValidationError) -> _Place:
        place = self._places.get(id(error.schema))
        return place or _Place("?", "", "SCHEMA-VALID")

    def _classify(
        self, error: jsonschema.ValidationError, *, strict: bool, schema: str
    ) -> Iterator[Violation | Drift]:
        place = self._place(error)
        where = pointer(error.absolute_path)
        schema_path = f"{place.document}.json#{place.pointer}/{error.validator}"
        keyword = error.validator
        sub = error.schema if isinstance(error.schema, dict) else {}

        if keyword in ("additionalProperties", "unevaluatedProperties") and isinstance(
            error.instance, dict
        ):
            known = set(sub.get("properties", {}))
            patterns = [re.compile(p) for p in sub.get("patternProperties", {})]
            extras = [
                k
                for k in error.instance
                if k not in known and not any(p.search(k) for p in patterns)
            ]
            for extra in extras:
                at = f"{where}/{_escape(extra)}"
                if strict:
                    yield Violation(
                        STRICT_RULE,
                        f"unknown property {extra!r} (strict mode)",
                        expected=f"only the properties of {place.document}.json#{place.pointer}: "
                        + ", ".join(sorted(known)),
                        actual=f"{extra!r}: {excerpt(error.instance[extra], 60)}",
                        where=at,
                        schema_path=schema_path,
                        statement=self.statement(STRICT_RULE),
                    )
                else:
                    yield Drift("property", extra, at, f"{place.document}.json#{place.pointer}")
            return

        if keyword == "enum" and sub.get("x-open") and not strict:
            yield Drift(
                sub.get("x-open-what", "enum value"),
                str(error.instance),
                where,
                f"{place.document}.json#{place.pointer}",
            )
            return

        rule = place.rule
        if keyword == "enum" and sub.get("x-open"):
            rule = STRICT_RULE
        expected, actual = _expected_actual(error)
        if keyword == "required":
            missing = _missing_property(error)
            if missing is not None:
                where = f"{where}/{_escape(missing)}"
        yield Violation(
            rule,
            _message(error),
            expected=expected,
            actual=actual,
            where=where or "/",
            schema_path=schema_path,
            statement=self.statement(rule),
        )


def _missing_property(error: jsonschema.ValidationError) -> str | None:
    if isinstance(error.validator_value, list) and isinstance(error.instance, dict):
        for name in error.validator_value:
            if name not in error.instance and f"{name!r}" in error.message:
                return str(name)
    return None


_JSON_TYPES = {
    dict: "object",
    list: "array",
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    type(None): "null",
}


def _json_type(value: Any) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _message(error: jsonschema.ValidationError) -> str:
    text = error.message
    return text if len(text) <= 200 else f"{text[:185]}... (cut)"


def _expected_actual(error: jsonschema.ValidationError) -> tuple[str, str]:
    keyword, instance = error.validator, error.instance
    value: Any = error.validator_value
    actual = f"{excerpt(instance)} ({_json_type(instance)})"
    if keyword == "type":
        types = value if isinstance(value, list) else [value]
        return "type " + " or ".join(repr(t) for t in types), actual
    if keyword == "enum":
        return "one of " + ", ".join(excerpt(v, 40) for v in value), excerpt(instance)
    if keyword == "const":
        return f"exactly {excerpt(value)}", excerpt(instance)
    if keyword == "required":
        missing = _missing_property(error)
        return f"required property {missing!r}", "<absent>"
    if keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return f"{keyword} {value}", excerpt(instance)
    if keyword in ("minLength", "maxLength", "minItems", "maxItems"):
        size = len(instance) if isinstance(instance, str | list) else "?"
        return f"{keyword} {value}", f"{excerpt(instance)} (length {size})"
    if keyword == "pattern":
        return f"a string matching {value!r}", excerpt(instance)
    if keyword in ("not", None) or value is False:
        return "no value here", actual
    return f"{keyword}: {excerpt(value, 80)}", actual


@functools.cache
def load_revision(name: str = DEFAULT_REVISION) -> Revision:
    """Load a revision by name (``2025-12``); cached for the process."""
    folder = spec_root() / name
    if not (folder / "revision.json").is_file():
        known = ", ".join(available_revisions()) or "none"
        raise SpecError(f"unknown revision {name!r}; available: {known}")
    return Revision(name, folder)
