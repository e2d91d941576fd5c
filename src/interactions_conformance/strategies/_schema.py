"""Walking a revision's JSON Schemas: resolve ``$ref``s, read enums, and draw instances.

The schemas follow the conventions of ``spec/README.md`` (closed objects, unions
dispatched by ``if``/``then`` on a discriminator, open enums marked ``x-open``),
and this walker relies on them: it understands the subset of JSON Schema the
spec files use, which `tests/test_strategies.py` checks by validating what it
draws against the same schemas, lenient and strict.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from .._spec import Revision, SpecError, available_revisions, load_revision

__all__ = ["SUPPORTED_REVISIONS", "Node", "SchemaWalker", "revision_for", "walker_for"]

# The request shapes the hand-tuned generators know: content lists and turns (2025-12, the
# canonical shape). The suites draw them and the client spells them in the target's revision
# (_wire.request_to_wire), so a steps revision is covered without generators of its own.
SUPPORTED_REVISIONS = ("2025-12",)

_MAX_ITEMS = 2  # arrays stay tiny: generated traffic must cost little on a live target
_MAX_DEPTH = 6


def revision_for(revision: object, argument: str = "revision") -> Revision:
    """The loaded revision, or InvalidArgument at once naming the known ones."""
    if not isinstance(revision, str):
        raise InvalidArgument(f"{argument}={revision!r} must be a revision name such as '2025-12'")
    if revision in SUPPORTED_REVISIONS:
        loaded = _loaded(revision)
        if loaded is not None:
            return loaded
    known = available_revisions()
    if revision not in known:
        raise InvalidArgument(
            f"{argument}={revision!r} is not a known revision; available: {', '.join(known)}"
        )
    if revision not in SUPPORTED_REVISIONS:
        raise InvalidArgument(
            f"{argument}={revision!r} is a known revision, but the strategies cover only "
            f"{', '.join(SUPPORTED_REVISIONS)} (its request shapes: turns and content lists)"
        )
    try:
        return load_revision(revision)
    except SpecError as exc:  # pragma: no cover - broken spec data is its own test's failure
        raise InvalidArgument(f"{argument}={revision!r}: {exc}") from exc


@functools.cache
def _loaded(revision: str) -> Revision | None:
    """A supported revision, found once: a suite writes its strategy in every example, and
    listing the spec folder each time was most of what writing one cost."""
    if revision not in available_revisions():
        return None
    try:
        return load_revision(revision)
    except SpecError:
        return None  # revision_for raises it, naming the revision


@dataclasses.dataclass(frozen=True)
class Node:
    """A subschema and the document (file stem) its relative ``$ref``s resolve in."""

    doc: str
    schema: Mapping[str, Any]


class SchemaWalker:
    """Reads one revision's schemas: references, enums, and instances of a subschema."""

    def __init__(self, revision: Revision) -> None:
        self.revision = revision

    # -- reading ----------------------------------------------------------------

    def node(self, name: str) -> Node:
        """``content#/$defs/input-image`` or ``generation-config`` as a `Node`."""
        stem, _, fragment = name.partition("#")
        return self._pointer(stem, fragment)

    def _pointer(self, stem: str, fragment: str) -> Node:
        if stem not in self.revision.schemas:
            raise InvalidArgument(
                f"revision {self.revision.name} has no schema {stem!r}; "
                f"known: {', '.join(sorted(self.revision.schemas))}"
            )
        target: Any = self.revision.schemas[stem]
        for part in [p for p in fragment.split("/") if p]:
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(target, list) and part.isdigit() and int(part) < len(target):
                target = target[int(part)]
            elif isinstance(target, Mapping) and part in target:
                target = target[part]
            else:
                raise InvalidArgument(f"schema {stem}#{fragment} does not exist")
        if not isinstance(target, Mapping):
            raise InvalidArgument(f"schema {stem}#{fragment} is not a schema object")
        return Node(stem, target)

    def resolve(self, node: Node) -> Node:
        """Follow a bare ``$ref`` (one with no sibling keywords that constrain)."""
        seen = 0
        while "$ref" in node.schema and seen < 32:
            ref = str(node.schema["$ref"])
            file_part, _, fragment = ref.partition("#")
            stem = file_part.removesuffix(".json") if file_part else node.doc
            target = self._pointer(stem, fragment)
            siblings = {
                k: v for k, v in node.schema.items() if k not in ("$ref", "description", "x-rule")
            }
            if siblings:
                return self._merge(target, Node(node.doc, siblings))
            node = target
            seen += 1
        return node

    def _merge(self, base: Node, extra: Node) -> Node:
        """A flat object schema from a ``$ref`` plus siblings (``required``, ``properties``)."""
        base = self.resolve(base)
        merged: dict[str, Any] = dict(base.schema)
        props = {k: Node(base.doc, v) for k, v in base.schema.get("properties", {}).items()}
        for key, value in extra.schema.get("properties", {}).items():
            props[key] = (
                self._override(props[key], Node(extra.doc, value))
                if key in props
                else Node(extra.doc, value)
            )
        merged["properties"] = props
        merged["required"] = sorted(
            set(base.schema.get("required", [])) | set(extra.schema.get("required", []))
        )
        for key, value in extra.schema.items():
            if key not in ("properties", "required"):
                merged[key] = value
        return Node(base.doc, merged)

    def _override(self, base: Node, extra: Node) -> Node:
        """A property redefined next to a ``$ref``: the sibling's ``enum``/``const`` wins (a closed
        request enum narrows an open response one), the base keeps the rest."""
        resolved = self.resolve(base)
        merged = dict(resolved.schema)
        merged.update({k: v for k, v in extra.schema.items() if k in ("enum", "const")})
        return Node(resolved.doc, merged)

    # Walkers live as long as the process (walker_for) and schemas never change under them, so
    # what a name reads is built once: request strategies ask for the same names every draw.
    @functools.cache  # noqa: B019
    def enum(self, name: str, *, key: str = "enum") -> tuple[Any, ...]:
        """The enum of a subschema (following ``$ref``), e.g. every input content type."""
        node = self.resolve(self.node(name))
        values = node.schema.get(key)
        if not isinstance(values, list):
            raise SpecError(f"{self.revision.name} {name} has no {key}")
        return tuple(values)

    @functools.cache  # noqa: B019
    def properties(self, name: str) -> tuple[str, ...]:
        node = self.resolve(self.node(name))
        return tuple(node.schema.get("properties", {}))

    def number_range(self, name: str) -> tuple[float, float]:
        node = self.resolve(self.node(name))
        return float(node.schema["minimum"]), float(node.schema["maximum"])

    # -- drawing ------------------------------------------------------------------

    @functools.cache  # noqa: B019
    def strategy(self, name: str, omit: tuple[str, ...] = ()) -> st.SearchStrategy[Any]:
        """Instances of a named subschema; valid against it by construction. ``omit`` names
        optional top-level properties never to draw (ones the caller sets itself: drawing a
        value only to drop it costs as much as drawing one that is kept)."""
        node = self.node(name)
        if omit:
            node = self.resolve(node)
            required = set(node.schema.get("required", []))
            if required & set(omit):
                raise InvalidArgument(
                    f"{name}: cannot omit required {sorted(required & set(omit))}"
                )
            props = {k: v for k, v in node.schema.get("properties", {}).items() if k not in omit}
            node = Node(node.doc, {**node.schema, "properties": props})
        return self._strategy(node, 0)

    def _strategy(self, node: Node, depth: int) -> st.SearchStrategy[Any]:
        node = self.resolve(node)
        schema = node.schema
        if "const" in schema:
            return st.just(schema["const"])
        if "enum" in schema:
            return st.sampled_from(list(schema["enum"]))
        union = self._union(node, depth)
        if union is not None:
            return union
        kind = schema.get("type")
        kinds = kind if isinstance(kind, list) else [kind] if kind else []
        if not kinds:
            parts = [
                self.resolve(Node(node.doc, p)).schema
                for p in schema.get("allOf", [])
                if isinstance(p, Mapping) and "if" not in p
            ]
            objecty = "properties" in schema or any(p.get("type") == "object" for p in parts)
            kinds = ["object"] if objecty else ["string", "integer", "boolean"]
        return st.one_of([self._typed(node, k, depth) for k in kinds])

    def _typed(self, node: Node, kind: str, depth: int) -> st.SearchStrategy[Any]:
        schema = node.schema
        for part in schema.get("allOf", []):
            cond = part.get("if", {}) if isinstance(part, Mapping) else {}
            if cond.get("type") == kind and "then" in part and not cond.get("contains"):
                then = self.resolve(Node(node.doc, part["then"]))
                merged = {**{k: v for k, v in schema.items() if k != "allOf"}, **then.schema}
                merged["type"] = kind
                return self._strategy(Node(then.doc, merged), depth)
        if kind == "object":
            return self._object(node, depth)
        if kind == "array":
            items = schema.get("items", {})
            if depth >= _MAX_DEPTH:
                return st.just([])
            item = self._strategy(Node(node.doc, items), depth + 1)
            return st.lists(item, min_size=int(schema.get("minItems", 0)), max_size=_MAX_ITEMS)
        if kind == "string":
            if "pattern" in schema:
                return st.from_regex(str(schema["pattern"]), fullmatch=True).filter(
                    lambda s: len(s) <= 24
                )
            return st.text(
                alphabet="abcdefghijklmnopqrstuvwxyz ",
                min_size=max(int(schema.get("minLength", 0)), 1),
                max_size=12,
            )
        if kind in ("integer", "number"):
            low = schema.get("minimum")
            high = schema.get("maximum")
            low_i = int(low) if low is not None else -1000
            high_i = int(high) if high is not None else 1000
            if kind == "integer":
                return st.integers(min_value=low_i, max_value=high_i)
            floats = st.floats(
                min_value=float(low) if low is not None else -1000.0,
                max_value=float(high) if high is not None else 1000.0,
                allow_nan=False,
                allow_infinity=False,
            ).map(lambda x: round(x, 3))
            if all(b is None or round(b, 3) == b for b in (low, high)):
                return floats  # rounding to a multiple of 0.001 cannot cross such a bound
            return floats.filter(
                lambda x: (low is None or x >= low) and (high is None or x <= high)
            )
        if kind == "boolean":
            return st.booleans()
        if kind == "null":
            return st.none()
        raise InvalidArgument(f"schema type {kind!r} is not supported by the walker")

    def _object(self, node: Node, depth: int) -> st.SearchStrategy[dict[str, Any]]:
        schema = node.schema
        props: dict[str, Node] = {}
        for key, value in schema.get("properties", {}).items():
            props[key] = value if isinstance(value, Node) else Node(node.doc, value)
        required = set(schema.get("required", []))
        for part in schema.get("allOf", []):
            if isinstance(part, Mapping) and "if" not in part:
                inner = self.resolve(Node(node.doc, part))
                required |= set(inner.schema.get("required", []))
                for key, value in inner.schema.get("properties", {}).items():
                    props.setdefault(
                        key, value if isinstance(value, Node) else Node(inner.doc, value)
                    )
                if "anyOf" in inner.schema:  # data-or-uri: satisfy its first branch
                    required |= set(inner.schema["anyOf"][0].get("required", []))
        if depth >= _MAX_DEPTH:
            optional: list[str] = []
        else:
            optional = sorted(set(props) - required)
        fixed = {
            key: self._strategy(props[key], depth + 1) for key in sorted(required) if key in props
        }
        extra = {key: self._strategy(props[key], depth + 1) for key in optional}
        return st.fixed_dictionaries(fixed, optional=extra)

    def _union(self, node: Node, depth: int) -> st.SearchStrategy[Any] | None:
        """A union dispatched on ``type`` (content, tool, agent-config): one branch per value."""
        schema = node.schema
        branches: list[tuple[Any, Mapping[str, Any]]] = []
        for part in schema.get("allOf", []):
            cond = part.get("if", {}) if isinstance(part, Mapping) else {}
            const = cond.get("properties", {}).get("type", {}).get("const")
            if const is not None and "then" in part:
                branches.append((const, part["then"]))
        if not branches:
            return None
        allowed = schema.get("properties", {}).get("type", {}).get("enum")
        options = []
        for const, then in branches:
            if allowed is not None and const not in allowed:
                continue
            # The discriminator is always sent, even where the branch leaves it optional.
            options.append(self._strategy(Node(node.doc, then), depth + 1).map(_with_type(const)))
        return st.one_of(options)


def _with_type(const: Any) -> Callable[[Any], Any]:
    def add(value: Any) -> Any:
        return {**value, "type": const} if isinstance(value, dict) else value

    return add


@functools.cache
def walker_for(revision: str) -> SchemaWalker:
    return SchemaWalker(revision_for(revision))
