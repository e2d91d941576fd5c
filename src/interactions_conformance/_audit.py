"""Keep a hand-written revision true to the SDK, the way mypy's stubtest keeps stubs true.

``_audit_walk`` dumps the installed google-genai's Interactions types (pydantic models,
Literals, open unions) as JSON, in whatever interpreter has that SDK. This module pairs them
with a revision's schemas, structurally, from four roots (the two create-request bodies, the
Interaction, the SSE event union) and lists every difference:

* ``missing-field Class.field``: the SDK type has a wire field the paired schema lacks;
* ``missing-value Class.field=value``: a literal the SDK knows and the schema's enum lacks;
* ``missing-variant Class``: a variant of a discriminated union (a step, content, delta,
  tool, event type) with no branch in the schema;
* ``extra-field Class.field``: a property the schema has that no SDK type paired with it has;
* ``extra-value Class.field=value`` / ``extra-variant Class.field=value``: an enum value or a
  union branch the schema has and the SDK does not.

A schema property with no ``enum`` accepts every literal (the SDK's ``model`` literals against
a free string). Fields the SDK documents as "added by the SDK" (``output_text``) are not wire
fields and are skipped. ``spec/<revision>/audit-allow.txt`` explains accepted differences, one
per line, ``<kind> <name-or-glob>  # reason``; an entry that matches nothing, or has no reason,
is itself reported. Nothing here does I/O but reading the allow file: ``_cmd_audit`` runs the
walker.
"""

from __future__ import annotations

import dataclasses
import fnmatch
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ._spec import Revision

__all__ = ["AllowEntry", "AuditItem", "AuditResult", "audit", "read_allow"]

# SDK root type -> the schema it is the wire shape of.
ROOTS = {
    "CreateModelInteraction": "create-request#/$defs/model-request",
    "CreateAgentInteraction": "create-request#/$defs/agent-request",
    "Interaction": "interaction",
    "InteractionSSEEvent": "sse-event",
}
ALLOW_FILE = "audit-allow.txt"

_Node = tuple[str, str]  # (schema document stem, JSON pointer inside it)


@dataclasses.dataclass(frozen=True)
class AuditItem:
    kind: str  # missing-field | missing-value | missing-variant | extra-field | extra-value | ...
    name: str  # Class.field, Class.field=value, Class
    sdk: str  # where in the SDK: "textcontent.py TextContent.text"
    spec: str  # where in the revision: "content.json#/$defs/text"
    hint: str
    allowed_by: str = ""  # the allow entry's reason, when one explains it

    @property
    def key(self) -> str:
        return f"{self.kind} {self.name}"


@dataclasses.dataclass(frozen=True)
class AllowEntry:
    line: int
    kind: str
    pattern: str
    reason: str

    def matches(self, item: AuditItem) -> bool:
        return self.kind == item.kind and fnmatch.fnmatchcase(item.name, self.pattern)


@dataclasses.dataclass
class AuditResult:
    sdk_version: str
    python: str
    revision: str
    items: list[AuditItem]  # every difference, allowed or not
    problems: list[AuditItem]  # allow-file problems: unused entries, entries without a reason
    fields: int = 0  # wire fields walked
    fields_known: int = 0  # ... of them in the revision
    values: int = 0  # literal values walked (discriminators included)
    values_known: int = 0
    sdk_only: list[str] = dataclasses.field(default_factory=list)
    unreached: list[str] = dataclasses.field(default_factory=list)
    # SDK types reached from the roots but paired with no schema object: the schema holds a free
    # object, a forbidden field or nothing there (EXCLUDED.md says why), so their fields are not
    # compared. Printed so that the audit never looks more complete than it is.
    not_compared: list[str] = dataclasses.field(default_factory=list)

    @property
    def unexplained(self) -> list[AuditItem]:
        return [i for i in self.items if not i.allowed_by] + self.problems


def read_allow(path: Path) -> tuple[list[AllowEntry], list[AuditItem]]:
    """The entries of an allow file and the lines that are not entries (reported, never fatal)."""
    entries: list[AllowEntry] = []
    bad: list[AuditItem] = []
    if not path.is_file():
        return entries, bad
    for n, raw in enumerate(path.read_text("utf-8").splitlines(), start=1):
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        body, _, reason = text.partition("#")
        words = body.split()
        if len(words) != 2 or not reason.strip():
            bad.append(
                AuditItem(
                    "allow-malformed",
                    f"{path.name}:{n}",
                    "",
                    f"{path.name} line {n}",
                    "an entry is `<kind> <name or glob>  # reason` (one reason each): " + text,
                )
            )
            continue
        entries.append(AllowEntry(n, words[0], words[1], reason.strip()))
    return entries, bad


class _Schemas:
    """Read-only navigation of a revision's schema documents by (stem, pointer)."""

    def __init__(self, revision: Revision) -> None:
        self.docs = revision.schemas

    def get(self, node: _Node) -> dict[str, Any]:
        doc, ptr = node
        value: Any = self.docs.get(doc, {})
        for token in ptr.split("/")[1:]:
            token = token.replace("~1", "/").replace("~0", "~")
            if isinstance(value, list):
                value = value[int(token)]
            else:
                value = value.get(token, {}) if isinstance(value, dict) else {}
        return value if isinstance(value, dict) else {}

    def ref(self, node: _Node) -> _Node | None:
        target = self.get(node).get("$ref")
        if not isinstance(target, str):
            return None
        file, _, fragment = target.partition("#")
        doc = file.removesuffix(".json") if file else node[0]
        return (doc, fragment)

    def parts(self, node: _Node, depth: int = 0) -> Iterator[_Node]:
        """The node, what it $refs, and its plain allOf members (not if/then dispatch)."""
        if depth > 20:
            return
        yield node
        target = self.ref(node)
        if target is not None:
            yield from self.parts(target, depth + 1)
        for i, member in enumerate(self.get(node).get("allOf", [])):
            if isinstance(member, dict) and "if" not in member:
                yield from self.parts((node[0], f"{node[1]}/allOf/{i}"), depth + 1)

    def alternatives(self, node: _Node, depth: int = 0) -> Iterator[_Node]:
        """Every schema an instance at ``node`` may match: through $ref, anyOf/oneOf, items."""
        if depth > 20:
            return
        for part in self.parts(node):
            yield part
            sub = self.get(part)
            for key in ("anyOf", "oneOf"):
                for i, _ in enumerate(sub.get(key, [])):
                    yield from self.alternatives((part[0], f"{part[1]}/{key}/{i}"), depth + 1)
            if isinstance(sub.get("items"), dict):
                yield from self.alternatives((part[0], f"{part[1]}/items"), depth + 1)
            # Structural dispatch (``if: {type: object}``, ``if: {required: [model]}``): both arms.
            arms = [(part[1], sub)] if "if" in sub else []
            arms += [
                (f"{part[1]}/allOf/{i}", m)
                for i, m in enumerate(sub.get("allOf", []))
                if isinstance(m, dict) and "if" in m
            ]
            for at, member in arms:
                if _is_const_dispatch(member["if"]):
                    continue
                for arm in ("then", "else"):
                    if isinstance(member.get(arm), dict):
                        yield from self.alternatives((part[0], f"{at}/{arm}"), depth + 1)
            if isinstance(sub.get("additionalProperties"), dict):
                yield from self.alternatives(
                    (part[0], f"{part[1]}/additionalProperties"), depth + 1
                )

    def properties(self, node: _Node) -> dict[str, _Node]:
        found: dict[str, _Node] = {}
        for part in self.parts(node):
            for name in self.get(part).get("properties", {}):
                found.setdefault(name, (part[0], f"{part[1]}/properties/{_esc(name)}"))
        return found

    def branches(self, node: _Node, key: str) -> dict[str, _Node]:
        """Discriminator value -> branch, from ``allOf: [{if: {properties: {key: {const}}}, then}]``."""
        found: dict[str, _Node] = {}
        for alt in self.alternatives(node):
            for i, member in enumerate(self.get(alt).get("allOf", [])):
                if not isinstance(member, dict) or "if" not in member:
                    continue
                cond = member["if"].get("properties", {}).get(key, {})
                value = cond.get("const")
                if isinstance(value, str) and "then" in member:
                    found.setdefault(value, (alt[0], f"{alt[1]}/allOf/{i}/then"))
        return found

    def values(self, node: _Node) -> set[str] | None:
        """Every enum/const value reachable at ``node``; None when some alternative is free."""
        found: set[str] = set()
        constrained = False
        free = False
        for alt in self.alternatives(node):
            sub = self.get(alt)
            if "enum" in sub:
                found.update(str(v) for v in sub["enum"])
                constrained = True
            elif "const" in sub:
                found.add(str(sub["const"]))
                constrained = True
            elif sub.get("type") == "string" or sub.get("type") == ["string"]:
                free = True
        return found if constrained and not free else None

    def objects(self, node: _Node) -> list[_Node]:
        return [a for a in self.alternatives(node) if self.get(a).get("properties")]


def _is_const_dispatch(cond: Any) -> bool:
    props = cond.get("properties", {}) if isinstance(cond, dict) else {}
    return any(isinstance(v, dict) and "const" in v for v in props.values())


def _esc(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _where(node: _Node) -> str:
    return f"{node[0]}.json#{node[1]}"


def _literals(t: dict[str, Any]) -> list[Any]:
    """Literal values in a type, not descending into models."""
    kind = t.get("kind")
    if kind == "literal":
        return list(t["values"])
    if kind in ("list", "dict"):
        return _literals(t["of"])
    if kind == "union":
        return [v for member in t["of"] for v in _literals(member)]
    return []


def _show(t: dict[str, Any]) -> str:
    kind = t.get("kind")
    if kind == "literal":
        text = "Literal[" + ", ".join(repr(v) for v in t["values"][:6])
        text += ", ...]" if len(t["values"]) > 6 else "]"
        return text + (" | str" if t.get("open") else "")
    if kind == "model":
        return str(t["name"])
    if kind == "list":
        return f"List[{_show(t['of'])}]"
    if kind == "dict":
        return f"Dict[str, {_show(t['of'])}]"
    if kind == "union":
        if t.get("variants"):
            return f"Union[{len(t['variants'])} variants by {t['discriminator']}]"
        return "Union[" + ", ".join(_show(m) for m in t["of"]) + "]"
    return str(t.get("name", "?"))


class _Auditor:
    def __init__(self, sdk: dict[str, Any], revision: Revision) -> None:
        self.sdk = sdk
        self.models: dict[str, Any] = sdk["models"]
        self.schemas = _Schemas(revision)
        self.items: dict[str, AuditItem] = {}
        self.seen: set[tuple[str, _Node]] = set()
        self.paired: dict[_Node, set[str]] = {}
        self.fields: set[str] = set()
        self.fields_known: set[str] = set()
        self.values: set[str] = set()
        self.values_known: set[str] = set()
        self.sdk_only: set[str] = set()
        self.union_use: dict[tuple[str, _Node], tuple[str, dict[str, _Node], set[str], Any]] = {}

    def add(self, item: AuditItem) -> None:
        self.items.setdefault(item.key, item)

    def sdk_at(self, cls: str, field: str = "") -> str:
        module = self.models.get(cls, {}).get("module", "?")
        return f"{module} {cls}.{field}" if field else f"{module} {cls}"

    def pair(self, cls: str, node: _Node) -> None:
        if (cls, node) in self.seen or not self.models.get(cls, {}).get("fields"):
            return  # seen, or a model without declared fields (a free-form object)
        self.seen.add((cls, node))
        self.paired.setdefault(node, set()).add(cls)
        props = self.schemas.properties(node)
        for wire, field in self.models[cls]["fields"].items():
            name = f"{cls}.{wire}"
            if field["sdk_only"]:
                self.sdk_only.add(name)
                continue
            self.fields.add(name)
            if wire not in props:
                self.add(
                    AuditItem(
                        "missing-field",
                        name,
                        f"{self.sdk_at(cls, wire)}: {_show(field['type'])}",
                        f"{_where(node)} has no property {wire!r}",
                        f"add {wire!r} to {_where(node)}/properties"
                        + (" (deprecated in the SDK)" if field["deprecated"] else ""),
                    )
                )
                continue
            self.fields_known.add(name)
            self.match(cls, wire, field["type"], props[wire])

    def match(self, cls: str, wire: str, t: dict[str, Any], node: _Node) -> None:
        name = f"{cls}.{wire}"
        literals = _literals(t)
        if literals:
            allowed = self.schemas.values(node)
            for value in literals:
                self.values.add(f"{name}={value}")
                if allowed is None or str(value) in allowed:
                    self.values_known.add(f"{name}={value}")
                    continue
                self.add(
                    AuditItem(
                        "missing-value",
                        f"{name}={value}",
                        f"{self.sdk_at(cls, wire)}: {_show(t)}",
                        f"{_where(node)} enum lacks {value!r}",
                        f"add {value!r} to the enum at {_where(node)}",
                    )
                )
            if allowed is not None:
                for value in sorted(allowed - {str(v) for v in literals}):
                    self.add(
                        AuditItem(
                            "extra-value",
                            f"{name}={value}",
                            f"{self.sdk_at(cls, wire)}: {_show(t)}",
                            f"{_where(node)} enum has {value!r}",
                            "the SDK does not know this value: remove it, or allow it with "
                            "the source that shows it",
                        )
                    )
        self.models_in(cls, wire, t, node)

    def models_in(self, cls: str, wire: str, t: dict[str, Any], node: _Node) -> None:
        kind = t.get("kind")
        if kind in ("list", "dict"):
            self.models_in(cls, wire, t["of"], node)
        elif kind == "union" and t.get("variants"):
            self.variants(cls, wire, t, node)
        elif kind == "union":
            for member in t["of"]:
                self.models_in(cls, wire, member, node)
        elif kind == "model":
            target = t["name"]
            disc = self.models.get(target, {}).get("fields", {}).get("type", {}).get("type", {})
            if disc.get("kind") == "literal" and len(disc["values"]) == 1:
                value = str(disc["values"][0])
                branches = self.schemas.branches(node, "type")
                if value in branches:
                    self.pair(target, branches[value])
                    return
                if branches:  # a union without this variant: not paired with another branch
                    self.missing_variant(target, "type", value, f"{cls}.{wire}", node)
                    return
            objects = self.schemas.objects(node)
            if objects:  # an untagged union (SpeakerConfig | List[SpeechConfig]): best overlap
                fields = set(self.models.get(target, {}).get("fields", {}))
                best = max(objects, key=lambda o: len(fields & set(self.schemas.properties(o))))
                self.pair(target, best)

    def variants(self, cls: str, wire: str, t: dict[str, Any], node: _Node) -> None:
        key = t["discriminator"]
        branches = self.schemas.branches(node, key)
        name = f"{cls}.{wire}"
        seen = self.union_use.setdefault((name, node), (key, branches, set(), t))[2]
        for value, variant in t["variants"].items():
            seen.add(value)
            self.values.add(f"{name}={value}")
            if value in branches:
                self.values_known.add(f"{name}={value}")
                self.pair(variant, branches[value])
            else:
                self.missing_variant(variant, key, value, name, node)

    def missing_variant(self, variant: str, key: str, value: str, name: str, node: _Node) -> None:
        self.add(
            AuditItem(
                "missing-variant",
                variant,
                f"{self.sdk_at(variant)} ({key} {value!r}, in {name})",
                f"{_where(node)} has no branch for {key} {value!r}",
                f"add a {value!r} branch (and its $defs) to {_where(node)}",
            )
        )

    def extras(self) -> None:
        # A field may hold several discriminated unions (input: steps or contents): a branch
        # is extra only when none of them has its value.
        for (name, _node), (key, branches, seen, t) in sorted(
            self.union_use.items(), key=lambda kv: kv[0][0]
        ):
            cls, _, wire = name.partition(".")
            for value in sorted(set(branches) - seen):
                self.add(
                    AuditItem(
                        "extra-variant",
                        f"{name}={value}",
                        f"{self.sdk_at(cls, wire)}: {_show(t)}",
                        f"{_where(branches[value])}",
                        f"the SDK has no {key} {value!r} here: remove the branch, or allow it "
                        "with the source that shows it",
                    )
                )
        for node, classes in sorted(self.paired.items()):
            known = {w for c in classes for w in self.models[c]["fields"]}
            for prop in self.schemas.properties(node):
                if prop in known:
                    continue
                owner = "|".join(sorted(classes))
                self.add(
                    AuditItem(
                        "extra-field",
                        f"{owner}.{prop}",
                        f"{', '.join(self.sdk_at(c) for c in sorted(classes))} has no {prop!r}",
                        f"{_where(node)}/properties/{prop}",
                        "not in the SDK: remove it (stale or invented), or allow it with the "
                        "source that shows it on the wire",
                    )
                )


def audit(
    sdk: dict[str, Any], revision: Revision, allow: list[AllowEntry] | None = None
) -> AuditResult:
    """Compare an ``_audit_walk`` dump with a revision; ``allow`` explains accepted differences."""
    auditor = _Auditor(sdk, revision)
    for root, schema in ROOTS.items():
        t = sdk["roots"].get(root)
        doc, _, fragment = schema.partition("#")
        if t is None or doc not in revision.schemas:
            continue
        node: _Node = (doc, fragment)
        if t.get("kind") == "model":
            auditor.pair(t["name"], node)
        else:
            auditor.models_in(root, "", t, node)
    auditor.extras()
    entries = allow or []
    used: set[int] = set()
    items: list[AuditItem] = []
    for item in sorted(auditor.items.values(), key=lambda i: (i.kind, i.name)):
        for entry in entries:
            if entry.matches(item):
                used.add(entry.line)
                item = dataclasses.replace(item, allowed_by=entry.reason)
                break
        items.append(item)
    problems = [
        AuditItem(
            "unused-allow",
            f"{ALLOW_FILE}:{e.line}",
            "",
            f"{ALLOW_FILE} line {e.line}: {e.kind} {e.pattern}",
            "this entry explains no difference any more: delete it",
        )
        for e in entries
        if e.line not in used
    ]
    return AuditResult(
        sdk_version=str(sdk.get("version", "?")),
        python=str(sdk.get("python", "")),
        revision=revision.name,
        items=items,
        problems=problems,
        fields=len(auditor.fields),
        fields_known=len(auditor.fields_known),
        values=len(auditor.values),
        values_known=len(auditor.values_known),
        sdk_only=sorted(auditor.sdk_only),
        unreached=list(sdk.get("unreached", [])),
        not_compared=sorted(
            name
            for name, model in auditor.models.items()
            if model.get("fields") and not any(name in c for c in auditor.paired.values())
        ),
    )


def to_text(result: AuditResult, *, show_allowed: bool = False) -> str:
    """The report: each unexplained difference with its SDK type, spec place and hint."""

    def pct(a: int, b: int) -> str:
        return f"{100 * a / b:.0f}%" if b else "-"

    lines = [
        f"audit: google-genai {result.sdk_version} ({result.python}) against revision "
        f"{result.revision}"
    ]
    shown = [i for i in result.items if show_allowed or not i.allowed_by] + result.problems
    for item in shown:
        lines.append(f"{item.key}" + ("  (allowed)" if item.allowed_by else ""))
        if item.sdk:
            lines.append(f"  sdk:   {item.sdk}")
        lines.append(f"  spec:  {item.spec}")
        lines.append(f"  hint:  {item.allowed_by or item.hint}")
    allowed = sum(1 for i in result.items if i.allowed_by)
    lines.append(
        f"wire fields: {result.fields_known} of {result.fields} in the revision "
        f"({pct(result.fields_known, result.fields)}); literal values: {result.values_known} "
        f"of {result.values} ({pct(result.values_known, result.values)}); "
        f"skipped as SDK-side: {', '.join(result.sdk_only) or 'none'}"
    )
    if result.not_compared:
        lines.append(
            f"not compared (no schema object to pair with): {', '.join(result.not_compared)}"
        )
    lines.append(
        f"{len(result.items)} differences: {len(result.unexplained)} unexplained, "
        f"{allowed} allowed ({ALLOW_FILE})"
    )
    return "\n".join(lines)


def to_json(result: AuditResult) -> dict[str, Any]:
    return {
        "sdk_version": result.sdk_version,
        "python": result.python,
        "revision": result.revision,
        "fields": {"walked": result.fields, "in_revision": result.fields_known},
        "values": {"walked": result.values, "in_revision": result.values_known},
        "sdk_only": result.sdk_only,
        "unreached": result.unreached,
        "not_compared": result.not_compared,
        "unexplained": len(result.unexplained),
        "items": [dataclasses.asdict(i) | {"key": i.key} for i in result.items + result.problems],
    }
