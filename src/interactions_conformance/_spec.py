"""Spec revisions as data: schemas, the rules catalogue, and validation.

A revision is a folder ``spec/<revision>/`` holding ``revision.json``
(metadata), ``schemas/*.json`` (JSON Schema 2020-12, one ``$id`` each) and
``rules.yaml`` (the catalogue). Cross-file ``$ref``s resolve through a
``referencing`` registry built from those files only: nothing is ever
retrieved from the network.

Schema conventions the validator relies on (spec/README.md explains them):

* objects are closed (``additionalProperties: false``); an unknown property
  is *drift* in lenient mode and a violation in strict mode;
* one policy for values a revision does not know (spec/README.md). In what a
  server sends (every schema but ``REQUEST_SCHEMAS``) every ``enum`` is open in
  lenient mode: an unknown value (a new step, content, delta or event type, a
  status, a tier) is drift, unless its subschema says ``"x-open": false`` (a
  catalogue rule closed it; the nearest ``x-rule`` names it). In a request an
  enum is closed unless it says ``"x-open": true``: the server rejects an
  unknown value with 400 (the recorded answer to an unknown tool type). Strict
  mode makes every unknown value a violation: of SCHEMA-STRICT where the enum
  is open, else of the nearest ``x-rule``;
* ``"x-rule": "RULE-ID"`` on a subschema names the catalogue rule that a
  failure inside it breaks; the nearest enclosing one in the same document
  wins, and every document has one at its top.

Fast accept, slow explain. Every exchange is validated, and nearly every
instance is fine, so a compiled validator (``jsonschema-rs``) answers first.
Because the schemas are closed, "valid" there means no violation *and* no
drift: the result is empty and nothing else runs. When it finds only
unknown properties and unknown values of open enums (the usual shape of live
traffic, lenient mode), those errors are turned into the same drift the slow
path gives. Anything else, strict mode, or an instance it cannot read goes to
python-jsonschema, which explains each failure (rule, expected, actual,
where). tests/test_spec_fast_path.py holds the two paths to the same answers.
Without the ``jsonschema-rs`` wheel every call takes the slow path.
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
from urllib.parse import unquote

import jsonschema
import referencing
import referencing.exceptions
import yaml
from referencing.jsonschema import DRAFT202012

from ._findings import Drift, Violation, excerpt

jsonschema_rs: Any
try:
    import jsonschema_rs
except ImportError:  # pragma: no cover - a dependency; without its wheel, the slow path only
    jsonschema_rs = None

__all__ = [
    "DEFAULT_REVISION",
    "Revision",
    "Rule",
    "SpecError",
    "ValidationResult",
    "available_revisions",
    "load_revision",
    "newest_revision",
    "spec_root",
]

STRICT_RULE = "SCHEMA-STRICT"
# What a client sends: enums closed unless marked open. Everything else is what a server sends.
REQUEST_SCHEMAS = frozenset({"create-request", "get-params"})

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


def newest_revision() -> str:
    """The newest revision carried: the last folder by name (names are dates, ``YYYY-MM``).

    The one place "newest" is decided; ``DEFAULT_REVISION`` is its value at import, so a
    new ``spec/<revision>/`` folder becomes the default of ``run``, ``check``, ``proxy``,
    ``serve`` and the checks' ``revision=`` without another edit.
    """
    names = available_revisions()
    if not names:
        raise SpecError(f"no revision folder (with a revision.json) in {spec_root()}")
    return names[-1]


try:
    DEFAULT_REVISION = newest_revision()
except SpecError:  # no spec data at all: load_revision() says so, with the places it looked
    DEFAULT_REVISION = ""


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
    changed: str = ""  # what differs from the same id in the revision before (one line)

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
            changed=data.get("changed", ""),
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

    def __init__(self, name: str, folder: Path, *, fast: bool = True) -> None:
        """``fast=False`` validates with python-jsonschema alone (the benchmarks compare)."""
        self.name = name
        self.folder = folder
        self.fast = fast and jsonschema_rs is not None
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
        self._keyword_places: dict[str, tuple[_Place, dict[str, Any]]] = {}
        for stem, schema in self.schemas.items():
            self._index_places(stem, schema, "", schema.get("x-rule", "SCHEMA-VALID"))
        self.rules: dict[str, Rule] = {}
        rules_path = folder / "rules.yaml"
        if rules_path.is_file():
            # libyaml where present (10x faster; the same safe constructor): every run loads
            # every revision's catalogue at start.
            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            raw = yaml.load(rules_path.read_text("utf-8"), Loader=loader) or {}
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

    def _stem(self, name: str) -> tuple[str, str]:
        stem, _, fragment = name.partition("#")
        if stem not in self.schemas:
            known = ", ".join(sorted(self.schemas))
            raise SpecError(f"revision {self.name} has no schema {stem!r}; known: {known}")
        return stem, fragment

    @functools.cache  # noqa: B019 - revisions live as long as the process
    def _validator(self, name: str) -> jsonschema.protocols.Validator:
        stem, fragment = self._stem(name)
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
        """Validate ``instance`` (a JSON value, as ``json.loads`` gives it) against the named
        schema (a file stem, optionally ``#fragment``).

        ``at`` prefixes every reported location (``event 3``, ``exchange 2``). Drift comes in
        instance order (by location), whichever path found it.
        """
        fast = self._fast_validator(schema)
        if fast is not None:
            try:
                if fast.is_valid(instance):
                    return ValidationResult([], [])
                if not strict:
                    drift = self._fast_drift(fast, instance, request=_is_request(schema))
                    if drift is not None:
                        return ValidationResult([], _placed(drift, at))
            except (ValueError, UnicodeError):
                pass  # not JSON the compiled validator can read (a lone surrogate, ...)
        return self._validate_slow(instance, schema, strict=strict, at=at)

    def _validate_slow(
        self, instance: Any, schema: str, *, strict: bool = False, at: str = ""
    ) -> ValidationResult:
        """python-jsonschema alone: every error, classified (the explaining path)."""
        validator = self._validator(schema)
        violations: list[Violation] = []
        drift: list[Drift] = []
        for error in validator.iter_errors(instance):
            for item in self._classify(error, strict=strict, schema=schema):
                if isinstance(item, Drift):
                    drift.append(item)
                else:
                    violations.append(item.with_context(where_prefix=at) if at else item)
        return ValidationResult(violations, _placed(drift, at))

    def is_valid(self, instance: Any, schema: str) -> bool:
        """True when the instance has neither violation nor drift."""
        fast = self._fast_validator(schema)
        if fast is not None:
            try:
                return bool(fast.is_valid(instance))
            except (ValueError, UnicodeError):
                pass
        return bool(self._validator(schema).is_valid(instance))

    # -- the fast path ---------------------------------------------------------

    @functools.cache  # noqa: B019 - revisions live as long as the process
    def _fast_validator(self, name: str) -> Any:
        """The compiled validator of a schema, or None (no jsonschema-rs, or it refused the schema)."""
        stem, fragment = self._stem(name)
        if not self.fast or jsonschema_rs is None:
            return None
        ref = f"{self.base_uri}{stem}.json" + (f"#{fragment}" if fragment else "")
        try:
            return jsonschema_rs.Draft202012Validator(
                {"$ref": ref},
                registry=self._fast_registry(),
                retriever=_refuse_retrieval,
                validate_formats=False,  # as python-jsonschema: format is an annotation
            )
        except (ValueError, jsonschema_rs.ReferencingError):  # pragma: no cover - spec data bug
            return None

    @functools.cache  # noqa: B019 - revisions live as long as the process
    def _fast_registry(self) -> Any:
        assert jsonschema_rs is not None
        return jsonschema_rs.Registry(
            [(f"{self.base_uri}{stem}.json", schema) for stem, schema in self.schemas.items()],
            draft=jsonschema_rs.Draft202012,
            retriever=_refuse_retrieval,
        )

    def _fast_drift(self, fast: Any, instance: Any, *, request: bool) -> list[Drift] | None:
        """The drift, when every error the compiled validator finds is drift; else None.

        Mirrors `_classify` in lenient mode: an ``additionalProperties`` error gives one drift
        per unknown property, an open ``enum`` one drift for its value.
        """
        assert jsonschema_rs is not None
        kinds = jsonschema_rs.ValidationErrorKind
        drift: list[Drift] = []
        for error in fast.iter_errors(instance):
            kind = error.kind
            if not isinstance(kind, kinds.AdditionalProperties | kinds.Enum):
                return None
            found = self._keyword_place(error.absolute_keyword_location)
            if found is None:
                return None
            place, sub = found
            value = _at_path(instance, error.instance_path)
            where = pointer(error.instance_path)
            schema_name = f"{place.document}.json#{place.pointer}"
            if isinstance(kind, kinds.Enum):
                if not _lenient_open(sub, request=request):
                    return None
                drift.append(
                    Drift(sub.get("x-open-what", "enum value"), str(value), where, schema_name)
                )
            elif isinstance(value, dict):
                drift.extend(
                    Drift("property", extra, f"{where}/{_escape(extra)}", schema_name)
                    for extra in _extras(sub, value)
                )
            else:  # pragma: no cover - additionalProperties fails objects only
                return None
        return drift

    def _keyword_place(self, location: str | None) -> tuple[_Place, dict[str, Any]] | None:
        """Where a compiled validator's failing keyword lives: the place and the subschema."""
        if location is None:
            return None
        cached = self._keyword_places.get(location)
        if cached is None:
            uri, _, fragment = location.partition("#")
            stem = uri.removeprefix(self.base_uri).removesuffix(".json")
            node: Any = self.schemas.get(stem) if uri.startswith(self.base_uri) else None
            tokens = [unquote(t).replace("~1", "/").replace("~0", "~") for t in fragment.split("/")]
            for token in tokens[1:-1]:  # the leading "" and the keyword itself
                if isinstance(node, dict):
                    node = node.get(token)
                elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                    node = node[int(token)]
                else:
                    node = None
            place = self._places.get(id(node)) if isinstance(node, dict) else None
            if place is None or not isinstance(node, dict):
                return None
            cached = self._keyword_places[location] = (place, node)
        return cached

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
            for extra in _extras(sub, error.instance):
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

        request = _is_request(schema)
        if keyword == "enum" and _lenient_open(sub, request=request) and not strict:
            yield Drift(
                sub.get("x-open-what", "enum value"),
                str(error.instance),
                where,
                f"{place.document}.json#{place.pointer}",
            )
            return

        rule = place.rule
        if keyword == "enum" and _lenient_open(sub, request=request):
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


def _is_request(schema: str) -> bool:
    return schema.partition("#")[0] in REQUEST_SCHEMAS


def _lenient_open(sub: Mapping[str, Any], *, request: bool) -> bool:
    """Whether an unknown value of this enum is drift (lenient mode) rather than a violation.

    In what a server sends, every enum is open unless a rule closed it (``"x-open": false``):
    an unknown property, enum value, step, content, delta or event type is drift, and only
    ``--strict-schema`` makes it a violation. In a request, an enum is closed unless marked
    ``"x-open": true``: a value the revision does not know is one the server rejects.
    """
    if request:
        return sub.get("x-open") is True
    return sub.get("x-open", True) is not False


def _refuse_retrieval(uri: str) -> Any:
    # No network retrieval, ever: an unknown $ref is a bug in the spec data.
    raise ValueError(f"no such schema in the revision: {uri}")


def _extras(sub: Mapping[str, Any], instance: Mapping[str, Any]) -> list[str]:
    """The properties of an object that its closed subschema does not know, in instance order."""
    known = sub.get("properties", {})
    patterns = [re.compile(p) for p in sub.get("patternProperties", {})]
    return [k for k in instance if k not in known and not any(p.search(k) for p in patterns)]


def _at_path(instance: Any, path: Any) -> Any:
    for step in path:
        instance = instance[step]
    return instance


def _drift_order(item: Drift) -> tuple[Any, ...]:
    steps = tuple(
        (0, int(t), "") if t.isascii() and t.isdigit() else (1, 0, t) for t in item.where.split("/")
    )
    return (steps, item.schema, item.what, item.name)


def _placed(drift: list[Drift], at: str) -> list[Drift]:
    """Drift in instance order (both paths agree on it), its locations prefixed with ``at``."""
    drift.sort(key=_drift_order)
    if at:
        return [dataclasses.replace(d, where=f"{at} {d.where}".strip()) for d in drift]
    return drift


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
