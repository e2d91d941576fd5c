"""What changed between two spec revisions, and whether each change breaks a client.

``diff(old, new)`` compares two loaded revisions (``Revision``): pure data in, a ``Diff`` out, no
HTTP and no file access. ``to_markdown`` and ``to_json`` render it (`interactions-conformance diff`).

What is compared
----------------
Schemas, structurally: each schema file's top level and each ``$defs`` entry against its namesake
in the other revision.

* schema files and definitions added or removed;
* properties added or removed, with their JSON pointer. A property whose schema is ``false`` or
  ``{"not": {}}`` counts as absent: that is how a revision forbids a legacy field;
* properties that became required or optional;
* ``type`` changes (the types of ``anyOf`` / ``oneOf`` branches count when there is no ``type``);
* enum values (and a ``const``) added or removed, and enums opened or closed (``x-open``);
* ``$ref`` targets that changed (a ``$ref`` facing an inline schema is followed and compared);
* ``items``. Non-conditional ``allOf`` members are merged into their object first; conditional
  dispatch (``if``/``then``) is not walked: its targets are definitions, compared on their own.

Not compared: descriptions, ``x-rule``, numeric and string constraints (``minimum``, ``pattern``
...), ``additionalProperties``, conditional branches, and an enum that appears on or vanishes
from a value (``anyOf`` forms make that ambiguous).

Unions (a file whose top level dispatches on a discriminator: ``event_type`` of sse-event.json,
``type`` of delta.json, content.json, step.json, tool.json ...) also come out as their own lists
of values added, removed, renamed and moved (``TypeList``).

Renames and moves are DECLARED, not guessed: ``RENAMES`` and ``MOVES`` below cite API-SURFACE
section 8 (the 2026-05-07 "Steps schema" row). A rename applies only
where the old name exists in the old revision alone and the new name in the new revision alone,
so the table is harmless for other pairs (and works in reverse). ``MOVES`` names which unions
exchange values (content -> step); which values and definitions moved is read from the data.
``HINTS`` adds what a client does instead to the removals API-SURFACE 8 explains (a removal of
that name, or anything removed under it).

Rules: added, removed (with the reason from ``DROPPED_RULES``), level changed, statement changed.

Breaking or not, for a client
-----------------------------
A client writes requests (area ``request``) and reads everything else (``resource``,
``streaming``, ``errors``). The classification follows from that direction:

reads (a response, a stream, an error body):
  * a property, schema or enum value removed: BREAKING (what a client reads is gone; a client
    waiting for ``interaction.complete`` never sees it);
  * a property added, required or not: non-breaking (clients skip what they do not read); a
    property that became required: non-breaking;
  * a property that became optional: BREAKING (a client relying on it can find it missing);
  * a value added to an open (``x-open``) enum: non-breaking (the revision tells clients to
    tolerate unknown values); to a closed enum: BREAKING for exhaustive clients (a ``switch``
    without a default case); an enum opened: BREAKING for exhaustive clients, closed: non-breaking;
  * a type added: BREAKING (a client parsing the old type meets another); only removed: non-breaking.
writes (a create request, GET parameters):
  * a field or value removed: BREAKING (a client sending it is rejected);
  * a new required field, a field that became required: BREAKING;
  * a new optional field, a new value or type, a field that became optional: non-breaking;
  * a type removed: BREAKING; only added: non-breaking; an enum closed: BREAKING, opened: not.
both directions:
  * a schema file added: non-breaking (nothing a client sent or read before changes);
  * a rename or a move: BREAKING (the old name is gone);
  * a ``$ref`` target changed: BREAKING (the shape under that name is another schema), unless
    both targets have the same shape (a definition inlined, split or moved is no change);
  * a definition added, removed, renamed or moved: non-breaking (definitions are how the spec
    factors its schemas; what the wire gains or loses shows as property and value changes).
rules (what a client may rely on):
  * removed at MUST or SHOULD: BREAKING; removed at MAY: non-breaking;
  * added: non-breaking (a new guarantee), except in area ``revision`` (the header, the schema
    swap, legacy requests rejected): BREAKING;
  * level weakened (MUST > SHOULD > MAY): BREAKING; strengthened: non-breaking;
  * statement changed: non-breaking (restated; the wire changes are the schema changes).

Areas: request (create-request, generation-config, agent-config, tool, get-params, turn, and any
``input-*`` / ``request-*`` definition), resource (interaction, step, content, usage,
delete-response, file), streaming (sse-event, delta), errors (error), rules.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Iterator
from typing import Any

from ._spec import Revision

__all__ = [
    "AREAS",
    "DROPPED_RULES",
    "FORMAT_VERSION",
    "HINTS",
    "MOVES",
    "RENAMES",
    "Change",
    "Diff",
    "Rename",
    "TypeList",
    "diff",
    "to_json",
    "to_markdown",
]

FORMAT_VERSION = 1
AREAS = ("request", "resource", "streaming", "errors", "rules")
_LEVELS = {"MUST": 3, "SHOULD": 2, "MAY": 1}

_AREA_OF_SCHEMA = {
    "create-request": "request",
    "generation-config": "request",
    "agent-config": "request",
    "tool": "request",
    "get-params": "request",
    "turn": "request",
    "interaction": "resource",
    "step": "resource",
    "content": "resource",
    "usage": "resource",
    "delete-response": "resource",
    "file": "resource",
    "sse-event": "streaming",
    "delta": "streaming",
    "error": "errors",
}

# What each union's values are called, for the lists (unions not named here: "<file> types").
_UNION_NAMES = {"sse-event": "Event types", "delta": "Delta types", "step": "Step types"}


@dataclasses.dataclass(frozen=True)
class Rename:
    """One declared rename: a ``property`` of the object at ``at``, a ``definition``, or a
    ``value`` of the enums of the property named ``at``, in schema file ``schema``."""

    kind: str
    schema: str
    at: str
    old: str
    new: str
    says: str = ""  # plain words for the top of the report (property renames)


_STEPS_ROW = "API-SURFACE 8, 2026-05-07 (py 2.0.0): "
_EVENT_RENAMES = (
    ("interaction.start", "interaction.created"),
    ("content.start", "step.start"),
    ("content.delta", "step.delta"),
    ("content.stop", "step.stop"),
    ("interaction.complete", "interaction.completed"),
)

# Sources: API-SURFACE section 8, row 2026-05-07 ("`outputs` → `steps` ...; SSE
# `interaction.start`→`interaction.created`, `content.start/delta/stop`→`step.start/delta/stop`,
# `interaction.complete`→`interaction.completed`; delta `text_annotation`→`text_annotation_delta`")
RENAMES: tuple[Rename, ...] = (
    Rename(
        "property",
        "interaction",
        "",
        "outputs",
        "steps",
        "The Interaction's `outputs` array is now `steps`: a list of typed steps (`user_input`, "
        "`model_output` holding `content[]`, `thought`, one step per tool call and result), "
        "no longer a list of contents.",
    ),
    Rename(
        "property",
        "sse-event",
        "/$defs/content.start",
        "content",
        "step",
        "A `step.start` event carries the starting `step` where `content.start` carried `content`.",
    ),
    *(Rename("definition", "sse-event", "", old, new) for old, new in _EVENT_RENAMES),
    *(Rename("value", "sse-event", "event_type", old, new) for old, new in _EVENT_RENAMES),
    Rename("value", "delta", "type", "text_annotation", "text_annotation_delta"),
)

# (from union, to union): values of the first union's discriminator that the new revision has in
# the second one moved there, and so did same-named definitions (API-SURFACE 8: "`outputs` →
# `steps` (... `thought{signature, summary}`, and one step type per tool call/result)").
MOVES: tuple[tuple[str, str], ...] = (("content", "step"),)

# (schema, name) -> what a client does instead, for a change at or under a property, value or
# schema of that name (one sentence each; the first lines of the report repeat the breaking ones).
HINTS: dict[tuple[str, str], str] = {
    ("create-request", "response_mime_type"): (
        "`response_mime_type` is gone from the create request: the mime type goes inside "
        '`response_format` ({"type": "text", "mime_type": "application/json", "schema": ...}) '
        "(API-SURFACE 8)."
    ),
    ("create-request", "response_format"): (
        "`response_format` is a typed format object ({type: text|image|audio|video, ...}) or a "
        "list of them, no longer a bare JSON Schema (API-SURFACE 8)."
    ),
    ("turn", ""): (
        "Turns (`{role, content}`) are gone from `input`: the history is a list of steps "
        "(`user_input`, `model_output`, ...) (API-SURFACE 8)."
    ),
    ("usage", "total_reasoning_tokens"): (
        "`usage.total_reasoning_tokens` is gone: read `usage.total_thought_tokens` "
        "(API-SURFACE 8, 2025-12-17)."
    ),
    ("delta", "function_call"): (
        "The `function_call` delta is gone: function-call arguments stream as "
        "`arguments_delta` string fragments (API-SURFACE 8)."
    ),
}

# (old, new) -> the big changes in plain words, curated, first in the report (a diff between
# these two revisions says them before what the walk finds). Sources: API-SURFACE section 8,
# google-genai 3.6.1 _gaos/types/interactions, spec/2026-11/EXCLUDED.md.
BIG_CHANGES: dict[tuple[str, str], tuple[str, ...]] = {
    ("2026-05", "2026-11"): (
        "No `Api-Revision` header any more (google-genai stopped sending it in 2.11.0; "
        "@google/genai 3.3.0 sends none) and the SDKs post to `/v1/interactions` by default "
        "(google-genai 3.x, API-SURFACE 8); the wire is the steps schema of 2026-05, grown.",
        "New statuses: `queued` (background work waiting to start), `requires_continuation` "
        "(a long decode paused: resume with `continuation_token`), `idle`; revision.json lists "
        "which are terminal.",
        "New Interaction fields: `errors[]` ({code, message}), `continuation_token`, `labels`, "
        "`safety_settings`, `generation_config`; `service_tier` gains `deferred`.",
        "`step.stop` carries `usage` and `step_usage`; usage gains `initial_input_tokens`.",
        "New step and delta types: `tool_search_call`/`_result` (with the `tool_search` tool and "
        "`defer_loading` functions), `processing_call`/`_result`, `retrieval_call`/`_result`.",
        "Values the live API sends that 2026-05 lacked: `thinking_level` `xhigh`, `agent_config` "
        "`antigravity` and `code-mender`, computer_use `environment` `desktop`/`mobile`, more "
        "document and audio mime types, code execution `bash`.",
        "Stale or invented fields of 2026-05 removed: the Interaction's `role`, "
        "file_search_result's `result`, `signature` on function_result and MCP steps and deltas, "
        "the function_result delta's `call_id` (now drift if seen).",
    ),
}

# Rules a revision drops from the one before it, each with the reason (tests/
# test_catalogue_2026_05.py checks that these are exactly the dropped ids).
DROPPED_RULES: dict[str, dict[str, str]] = {
    "2026-05": {
        "BASIC-INPUT-TURNS": "turns are gone: history is a list of steps (BASIC-INPUT-STEPS)",
        "CONV-MODEL-TURN-OUTPUTS": "no model turns: output steps are sent back (CONV-STEPS-RESENT)",
        "CONV-TURN-ROLE": "no roles in input: a turn is a legacy field (REQ-NO-LEGACY-FIELDS)",
        "SO-WITHOUT-MIME": "response_mime_type is removed (MIG); the mime type is in response_format",
        "SO-WITH-MIME": (
            "response_mime_type is removed (MIG); a request with it is REQ-NO-LEGACY-FIELDS"
        ),
        "SCHEMA-OUTPUTS-ERA": (
            "the 2025-12 guard against steps; its 2026-05 counterpart is REV-STEPS-SCHEMA"
        ),
        "STREAM-STATUS-EVENT": "merged into STATUS-EVENTS: one rule for the status event",
        "BASIC-SDK-COMPAT": (
            "it runs google-genai 1.55.0, which does not read the steps schema (API-SURFACE 8: "
            "py/JS 1.x break for Interactions)"
        ),
    },
}


@dataclasses.dataclass(frozen=True)
class Change:
    """One difference. ``where`` is ``<file>.json#<pointer>`` (a rule id for area rules)."""

    area: str
    kind: str
    where: str
    breaking: bool
    reason: str
    old: str = ""
    new: str = ""
    hint: str = ""

    def sort_key(self) -> tuple[int, bool, str, str, str, str]:
        return (
            AREAS.index(self.area),
            not self.breaking,
            self.where,
            self.kind,
            self.old,
            self.new,
        )


@dataclasses.dataclass(frozen=True)
class TypeList:
    """The values of one union's discriminator, old against new."""

    schema: str
    field: str
    area: str
    open: bool
    added: tuple[str, ...]
    removed: tuple[str, ...]
    renamed: tuple[tuple[str, str], ...]
    moved_in: tuple[tuple[str, str], ...]  # (value, from schema)
    moved_out: tuple[tuple[str, str], ...]  # (value, to schema)
    unchanged: tuple[str, ...]

    @property
    def title(self) -> str:
        return _UNION_NAMES.get(self.schema, f"{self.schema} types")

    def changed(self) -> bool:
        return bool(self.added or self.removed or self.renamed or self.moved_in or self.moved_out)


@dataclasses.dataclass(frozen=True)
class Diff:
    old: str
    new: str
    changes: tuple[Change, ...]
    types: tuple[TypeList, ...]
    highlights: tuple[str, ...]

    def counts(self) -> dict[str, dict[str, int]]:
        counts = {area: {"breaking": 0, "non_breaking": 0} for area in AREAS}
        for change in self.changes:
            counts[change.area]["breaking" if change.breaking else "non_breaking"] += 1
        return counts

    def __bool__(self) -> bool:
        return bool(self.changes)


# -- classification ----------------------------------------------------------------------------


def _classify(kind: str, writes: bool, **fact: Any) -> tuple[bool, str]:
    """(breaking, one-line reason) for a schema change; see the module docstring."""
    if kind in ("property-renamed", "value-renamed"):
        return True, "the old name is gone"
    if kind == "value-moved":
        return True, f"now in {fact['to']}: the old place no longer has it"
    if kind == "reference-changed":
        return True, "the shape under this name changed"
    if kind.startswith("definition-"):
        return (
            False,
            "spec-internal definition; wire effects are listed as property and value changes",
        )
    if kind == "schema-added":
        return False, "a new schema: nothing a client sent or read before changes"
    if kind == "schema-removed":
        return True, "a client sending it is rejected" if writes else "what a client reads is gone"
    if kind == "property-added":
        if writes:
            return (
                (True, "a new required field: older requests lack it")
                if fact["required"]
                else (False, "a new optional field")
            )
        return False, "a new field: clients skip what they do not read"
    if kind in ("property-removed", "value-removed"):
        thing = "field" if kind == "property-removed" else "value"
        return True, (
            f"an accepted {thing} is gone: a client sending it is rejected"
            if writes
            else f"a {thing} a client reads is gone"
        )
    if kind == "required-added":
        return (
            (True, "requests without it are rejected")
            if writes
            else (
                False,
                "now always present",
            )
        )
    if kind == "required-removed":
        return (
            (False, "requests may leave it out")
            if writes
            else (
                True,
                "a client relying on it can find it missing",
            )
        )
    if kind == "value-added":
        if writes:
            return False, "a new accepted value"
        if fact["open"]:
            return False, "a new value of an open enum: clients tolerate unknown values"
        return True, "a new value of a closed enum: breaks exhaustive clients (no default case)"
    if kind == "enum-opened":
        return (
            (False, "more values accepted")
            if writes
            else (
                True,
                "unknown values may now arrive: breaks exhaustive clients",
            )
        )
    if kind == "enum-closed":
        return (
            (True, "values outside the list are now rejected")
            if writes
            else (
                False,
                "the values are now a known list",
            )
        )
    if kind == "type-changed":
        if writes:
            return (
                (True, "a type a client may send is no longer accepted")
                if fact["removed"]
                else (
                    False,
                    "more types accepted",
                )
            )
        return (
            (True, "a new type a client parsing the old one meets")
            if fact["added"]
            else (
                False,
                "fewer types to handle",
            )
        )
    raise ValueError(f"unknown change kind {kind!r}")  # a bug in this module, not in the data


def _rule_level_change(old: str, new: str) -> tuple[bool, str]:
    if _LEVELS.get(new, 0) < _LEVELS.get(old, 0):
        return True, f"weakened from {old} to {new}: a client can no longer rely on it"
    return False, f"strengthened from {old} to {new}"


# -- schema helpers ----------------------------------------------------------------------------


def _forbidden(node: Any) -> bool:
    """``false`` or ``{"not": {}}``: how a revision forbids a (legacy) property."""
    return node is False or (isinstance(node, dict) and node.get("not") == {})


def _flatten(node: Any) -> dict[str, Any]:
    """The node with its non-conditional ``allOf`` members merged in (properties and required)."""
    if not isinstance(node, dict):
        return {}
    merged = {key: value for key, value in node.items() if key != "allOf"}
    members = node.get("allOf")
    for member in members if isinstance(members, list) else []:
        if not isinstance(member, dict) or "if" in member:
            continue
        for key, value in _flatten(member).items():
            if key == "properties" and isinstance(value, dict):
                known = merged.get("properties")
                props = dict(known) if isinstance(known, dict) else {}
                for name, schema in value.items():
                    props[name] = (
                        _flatten({"allOf": [props[name], schema]}) if name in props else schema
                    )
                merged["properties"] = props
            elif key == "required" and isinstance(value, list):
                merged["required"] = sorted(_required(merged) | _required({"required": value}))
            else:
                merged.setdefault(key, value)
    return merged


def _required(node: dict[str, Any]) -> set[str]:
    names = node.get("required")
    return {n for n in names if isinstance(n, str)} if isinstance(names, list) else set()


def _properties(node: dict[str, Any]) -> dict[str, Any]:
    props = node.get("properties", {})
    if not isinstance(props, dict):
        return {}
    return {name: schema for name, schema in props.items() if not _forbidden(schema)}


def _types(node: dict[str, Any]) -> set[str] | None:
    declared = node.get("type")
    if isinstance(declared, str):
        return {declared}
    if isinstance(declared, list):
        return {str(t) for t in declared}
    for keyword in ("anyOf", "oneOf"):
        branches = node.get(keyword)
        if isinstance(branches, list) and branches:
            found: set[str] = set()
            for branch in branches:
                types = _types(branch) if isinstance(branch, dict) else None
                if types is None:
                    return None
                found |= types
            return found
    return None


def _values(node: dict[str, Any]) -> list[Any] | None:
    if isinstance(node.get("enum"), list):
        return list(node["enum"])
    if "const" in node:
        return [node["const"]]
    return None


def _show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _unions(revision: Revision) -> dict[str, tuple[str, list[str], bool]]:
    """schema -> (discriminator, values, open) for every file whose top level dispatches on one."""
    found: dict[str, tuple[str, list[str], bool]] = {}
    for stem, doc in revision.schemas.items():
        props = _properties(doc)
        members = doc.get("allOf")
        for member in members if isinstance(members, list) else []:
            condition = member.get("if") if isinstance(member, dict) else None
            tests = condition.get("properties") if isinstance(condition, dict) else None
            for field, test in tests.items() if isinstance(tests, dict) else ():
                target = props.get(field)
                if (
                    isinstance(test, dict)
                    and "const" in test
                    and isinstance(target, dict)
                    and isinstance(target.get("enum"), list)
                ):
                    values = [_show(v) for v in target["enum"]]
                    found[stem] = (field, values, bool(target.get("x-open")))
    return found


def _area(stem: str, definition: str = "") -> str:
    if definition.startswith(("input-", "request-")):
        return "request"
    return _AREA_OF_SCHEMA.get(stem, "resource")


# -- the walk ----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Side:
    """One side of a comparison: the node, the document its relative $refs resolve in, and the
    pointer where it is reported."""

    node: Any
    stem: str
    at: str


class _Walk:
    """One comparison of two revisions: walks them and collects the changes."""

    def __init__(self, old: Revision, new: Revision) -> None:
        self.old, self.new = old, new
        self.changes: list[Change] = []
        self.depth = 0  # nesting of `equivalent` comparisons
        self.applied: list[Rename] = []
        self.old_unions = _unions(old)
        self.new_unions = _unions(new)
        self.moved_defs: dict[tuple[str, str], str] = {}  # (from schema, def) -> to schema
        for source, target in MOVES:
            old_defs = _defs(old.schemas.get(source))
            new_source = _defs(new.schemas.get(source))
            new_target = _defs(new.schemas.get(target))
            old_target = _defs(old.schemas.get(target))
            for name in old_defs:
                if name not in new_source and name in new_target and name not in old_target:
                    self.moved_defs[(source, name)] = target

    # -- reporting --

    def emit(
        self,
        area: str,
        kind: str,
        where: str,
        *,
        hint_key: tuple[str, str] = ("", ""),
        old: str = "",
        new: str = "",
        **fact: Any,
    ) -> None:
        breaking, reason = _classify(kind, area == "request", **fact)
        self.changes.append(
            Change(area, kind, where, breaking, reason, old, new, _hint(kind, where, hint_key))
        )

    def _rename(
        self, kind: str, schema: str, at: str, removed: Iterable[str], added: Iterable[str]
    ) -> list[Rename]:
        removed, added = set(removed), set(added)
        found = []
        for rename in RENAMES:
            if rename.kind != kind or rename.schema != schema or rename.at != at:
                continue
            for old, new in ((rename.old, rename.new), (rename.new, rename.old)):  # either way
                if old in removed and new in added:
                    # `says` is written for the declared direction only.
                    says = rename.says if old == rename.old else ""
                    pair = dataclasses.replace(rename, old=old, new=new, says=says)
                    found.append(pair)
                    if pair not in self.applied:
                        self.applied.append(pair)
        return found

    # -- files and definitions --

    def walk(self) -> None:
        old_stems, new_stems = set(self.old.schemas), set(self.new.schemas)
        for stem in sorted(old_stems | new_stems):
            area = _area(stem)
            if stem not in new_stems:
                self.emit(area, "schema-removed", f"{stem}.json", old=stem, hint_key=(stem, ""))
                continue
            if stem not in old_stems:
                self.emit(area, "schema-added", f"{stem}.json", new=stem)
                continue
            old_doc, new_doc = self.old.schemas[stem], self.new.schemas[stem]
            top_old = {k: v for k, v in old_doc.items() if k != "$defs"}
            top_new = {k: v for k, v in new_doc.items() if k != "$defs"}
            self.compare(_Side(top_old, stem, ""), _Side(top_new, stem, ""), stem, area, "")
            self.walk_definitions(stem)
        for (source, name), target in sorted(self.moved_defs.items()):
            at_old, at_new = f"/$defs/{_escape(name)}", f"/$defs/{_escape(name)}"
            area = _area(target, name)
            self.emit(
                area,
                "definition-moved",
                f"{target}.json#{at_new}",
                old=f"{source}.json#{at_old}",
                new=f"{target}.json#{at_new}",
            )
            self.compare(
                _Side(self.old.schemas[source]["$defs"][name], source, at_old),
                _Side(self.new.schemas[target]["$defs"][name], target, at_new),
                target,
                area,
                "",
            )

    def walk_definitions(self, stem: str) -> None:
        old_defs, new_defs = _defs(self.old.schemas[stem]), _defs(self.new.schemas[stem])
        removed = [n for n in old_defs if n not in new_defs]
        added = [n for n in new_defs if n not in old_defs]
        pairs = [(n, n) for n in old_defs if n in new_defs]
        for rename in self._rename("definition", stem, "", removed, added):
            pairs.append((rename.old, rename.new))
            removed.remove(rename.old)
            added.remove(rename.new)
            self.emit(
                _area(stem, rename.new),
                "definition-renamed",
                f"{stem}.json#/$defs/{_escape(rename.new)}",
                old=rename.old,
                new=rename.new,
            )
        for name in removed:
            if (stem, name) in self.moved_defs:
                continue
            self.emit(
                _area(stem, name),
                "definition-removed",
                f"{stem}.json#/$defs/{_escape(name)}",
                old=name,
            )
        for name in added:
            self.emit(
                _area(stem, name),
                "definition-added",
                f"{stem}.json#/$defs/{_escape(name)}",
                new=name,
            )
        for old_name, new_name in pairs:
            at_old, at_new = f"/$defs/{_escape(old_name)}", f"/$defs/{_escape(new_name)}"
            self.compare(
                _Side(old_defs[old_name], stem, at_old),
                _Side(new_defs[new_name], stem, at_new),
                stem,
                _area(stem, new_name),
                "",
            )

    # -- one node against another --

    def resolve(self, revision: Revision, side: _Side, hops: int = 8) -> _Side:
        """Follow a bare ``$ref`` (with sibling keywords merged in) until an inline schema."""
        node = side.node
        stem = side.stem
        while hops and isinstance(node, dict) and isinstance(node.get("$ref"), str):
            target = _lookup(revision, stem, node["$ref"])
            if target is None:
                break
            stem, found = target
            rest = {k: v for k, v in node.items() if k != "$ref"}
            node = _flatten({"allOf": [found, rest]}) if rest else found
            hops -= 1
        return _Side(node, stem, side.at)

    def ref_key(self, side: _Side, ref: str, *, old: bool) -> str:
        file, _, fragment = ref.partition("#")
        stem = file[: -len(".json")] if file.endswith(".json") else (file or side.stem)
        if old:
            name = _unescape(fragment[len("/$defs/") :]) if fragment.startswith("/$defs/") else ""
            for rename in self.applied:
                if rename.kind == "definition" and rename.schema == stem and rename.old == name:
                    fragment = f"/$defs/{_escape(rename.new)}"
            if (stem, name) in self.moved_defs:
                stem = self.moved_defs[(stem, name)]
        return f"{stem}.json#{fragment}" if fragment else f"{stem}.json"

    def equivalent(self, old: _Side, new: _Side, report: str) -> bool:
        """Whether two differently named ``$ref`` targets have the same shape (a definition
        inlined, split or moved is no change). Nested differing references count as different
        beyond a few levels, which keeps the comparison finite."""
        if self.depth >= 3:
            return False
        found, self.changes = self.changes, []
        self.depth += 1
        try:
            self.compare(
                self.resolve(self.old, old), self.resolve(self.new, new), report, "resource", ""
            )
            return not self.changes
        finally:
            self.changes = found
            self.depth -= 1

    def compare(self, old: _Side, new: _Side, report: str, area: str, name: str) -> None:
        """Compare two subschemas; ``report`` is the file changes are reported in, ``name`` the
        property the subschemas describe (for value renames and hints)."""
        o, n = _flatten(old.node), _flatten(new.node)
        where = f"{report}.json#{new.at}"
        o_ref, n_ref = o.get("$ref"), n.get("$ref")
        if isinstance(o_ref, str) and isinstance(n_ref, str):
            o_key, n_key = self.ref_key(old, o_ref, old=True), self.ref_key(new, n_ref, old=False)
            if o_key != n_key and not self.equivalent(old, new, report):
                self.emit(area, "reference-changed", where, old=o_key, new=n_key)
        elif isinstance(o_ref, str) or isinstance(n_ref, str):
            old = self.resolve(self.old, _Side(o, old.stem, old.at))
            new = self.resolve(self.new, _Side(n, new.stem, new.at))
            o, n = _flatten(old.node), _flatten(new.node)
            if isinstance(o.get("$ref"), str) or isinstance(n.get("$ref"), str):
                return  # an unresolvable $ref: the spec's own tests report it
        self.compare_types(o, n, where, area)
        self.compare_values(o, n, where, area, report, name)
        self.compare_properties(old, new, o, n, report, area)
        o_items, n_items = o.get("items"), n.get("items")
        if isinstance(o_items, dict) and isinstance(n_items, dict):
            self.compare(
                _Side(o_items, old.stem, f"{old.at}/items"),
                _Side(n_items, new.stem, f"{new.at}/items"),
                report,
                area,
                name,
            )

    def compare_types(self, o: dict[str, Any], n: dict[str, Any], where: str, area: str) -> None:
        o_types, n_types = _types(o), _types(n)
        if o_types is None or n_types is None or o_types == n_types:
            return
        self.emit(
            area,
            "type-changed",
            where,
            old="|".join(sorted(o_types)),
            new="|".join(sorted(n_types)),
            added=sorted(n_types - o_types),
            removed=sorted(o_types - n_types),
        )

    def compare_values(
        self, o: dict[str, Any], n: dict[str, Any], where: str, area: str, report: str, name: str
    ) -> None:
        o_values, n_values = _values(o), _values(n)
        if o_values is None or n_values is None:
            return
        old_keys = {json.dumps(v, sort_keys=True): _show(v) for v in o_values}
        new_keys = {json.dumps(v, sort_keys=True): _show(v) for v in n_values}
        removed = [v for k, v in old_keys.items() if k not in new_keys]
        added = [v for k, v in new_keys.items() if k not in old_keys]
        constant = "enum" not in o and "enum" not in n
        for rename in self._rename("value", report, name, removed, added):
            removed.remove(rename.old)
            added.remove(rename.new)
            if not constant:  # a const of a renamed definition: the rename is reported once
                self.emit(area, "value-renamed", where, old=rename.old, new=rename.new)
        is_open = bool(n.get("x-open"))
        for value in removed:
            target = self.moved_values_target(report, name, value)
            if target:
                self.emit(
                    area, "value-moved", where, old=value, new=f"{target}.json", to=f"{target}.json"
                )
            else:
                self.emit(area, "value-removed", where, old=value, hint_key=(report, value))
        for value in added:
            self.emit(area, "value-added", where, new=value, open=is_open)
        if not constant and bool(o.get("x-open")) != is_open:
            self.emit(area, "enum-opened" if is_open else "enum-closed", where)

    def moved_values_target(self, schema: str, field: str, value: str) -> str:
        for source, target in MOVES:
            union = self.new_unions.get(target)
            if source == schema and union and union[0] == field and value in union[1]:
                return target
        return ""

    def compare_properties(
        self, old: _Side, new: _Side, o: dict[str, Any], n: dict[str, Any], report: str, area: str
    ) -> None:
        o_props, n_props = _properties(o), _properties(n)
        o_required, n_required = _required(o), _required(n)
        removed = [p for p in o_props if p not in n_props]
        added = [p for p in n_props if p not in o_props]
        pairs = [(p, p) for p in o_props if p in n_props]
        # The table names the parent in the declared old naming: `new.at` when run backwards.
        renames = self._rename("property", report, old.at, removed, added)
        for rename in renames or self._rename("property", report, new.at, removed, added):
            removed.remove(rename.old)
            added.remove(rename.new)
            pairs.append((rename.old, rename.new))
            self.emit(
                area,
                "property-renamed",
                f"{report}.json#{new.at}/properties/{_escape(rename.new)}",
                old=rename.old,
                new=rename.new,
            )
        for prop in removed:
            self.emit(
                area,
                "property-removed",
                f"{report}.json#{old.at}/properties/{_escape(prop)}",
                old=prop,
                hint_key=(report, prop),
            )
        for prop in added:
            self.emit(
                area,
                "property-added",
                f"{report}.json#{new.at}/properties/{_escape(prop)}",
                new=prop,
                required=prop in n_required,
            )
        renamed = dict(pairs)
        for old_name, new_name in sorted(pairs):
            where = f"{report}.json#{new.at}/properties/{_escape(new_name)}"
            was, now = old_name in o_required, new_name in n_required
            if now and not was:
                self.emit(area, "required-added", where, new=new_name)
            elif was and not now:
                self.emit(area, "required-removed", where, old=old_name)
            self.compare(
                _Side(o_props[old_name], old.stem, f"{old.at}/properties/{_escape(old_name)}"),
                _Side(n_props[new_name], new.stem, f"{new.at}/properties/{_escape(new_name)}"),
                report,
                area,
                new_name,
            )
        # `required` naming no declared property here (its fields come through a $ref).
        declared = set(o_props) | set(n_props) | set(renamed.values())
        for prop in sorted((n_required - o_required) - declared):
            self.emit(area, "required-added", f"{report}.json#{new.at}/required", new=prop)
        for prop in sorted((o_required - n_required) - declared):
            self.emit(area, "required-removed", f"{report}.json#{new.at}/required", old=prop)


def _hint(kind: str, where: str, key: tuple[str, str]) -> str:
    """The HINTS entry for a removal: by its own key, else by the nearest property or
    definition named in its pointer. Hints say what replaces a removed thing, so other kinds
    of change (and removals in a diff run backwards, which are additions there) get none."""
    if not kind.endswith("-removed") or kind == "required-removed":
        return ""
    if key in HINTS:
        return HINTS[key]
    stem, _, pointer = where.partition(".json")
    for token in reversed([t for t in pointer.lstrip("#").split("/") if t]):
        if (stem, _unescape(token)) in HINTS:
            return HINTS[(stem, _unescape(token))]
    return ""


def _defs(doc: Any) -> dict[str, Any]:
    defs = doc.get("$defs", {}) if isinstance(doc, dict) else {}
    return defs if isinstance(defs, dict) else {}


def _lookup(revision: Revision, stem: str, ref: str) -> tuple[str, Any] | None:
    """(document, node) a ``$ref`` names inside the revision, or None."""
    file, _, fragment = ref.partition("#")
    target = file[: -len(".json")] if file.endswith(".json") else (file or stem)
    node: Any = revision.schemas.get(target)
    for token in fragment.split("/")[1:] if fragment else []:
        if not isinstance(node, dict):
            return None
        node = node.get(_unescape(token))
    return None if node is None else (target, node)


# -- unions, rules, highlights -----------------------------------------------------------------


def _type_lists(walk: _Walk) -> list[TypeList]:
    renames: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for rename in walk.applied:
        if rename.kind == "value":
            renames.setdefault((rename.schema, rename.at), []).append((rename.old, rename.new))
    lists = []
    for stem in sorted(set(walk.old_unions) | set(walk.new_unions)):
        now = walk.new_unions.get(stem)
        before = walk.old_unions.get(stem)
        field, is_open = (
            (now[0], now[2]) if now else (before[0], before[2]) if before else ("", False)
        )
        new_values = now[1] if now else []
        old_values = before[1] if before and before[0] == field else []
        pairs = [
            (a, b) for a, b in renames.get((stem, field), []) if a in old_values and b in new_values
        ]
        moved_out = []
        for value in old_values:
            target = walk.moved_values_target(stem, field, value)
            if value not in new_values and target:
                moved_out.append((value, f"{target}.json"))
        moved_in = []
        for source, target in MOVES:
            src = walk.old_unions.get(source)
            src_now = walk.new_unions.get(source)
            if target != stem or src is None or src[0] != field:
                continue
            for value in new_values:
                left = src_now is None or value not in src_now[1]
                if value not in old_values and value in src[1] and left:
                    moved_in.append((value, f"{source}.json"))
        taken_old = {a for a, _ in pairs} | {v for v, _ in moved_out}
        taken_new = {b for _, b in pairs} | {v for v, _ in moved_in}
        lists.append(
            TypeList(
                schema=stem,
                field=field,
                area=_area(stem),
                open=is_open,
                added=tuple(v for v in new_values if v not in old_values and v not in taken_new),
                removed=tuple(v for v in old_values if v not in new_values and v not in taken_old),
                renamed=tuple(pairs),
                moved_in=tuple(moved_in),
                moved_out=tuple(moved_out),
                unchanged=tuple(v for v in new_values if v in old_values),
            )
        )
    order = list(_UNION_NAMES)
    return sorted(
        lists,
        key=lambda t: (order.index(t.schema) if t.schema in order else len(order), t.schema),
    )


_RESTATED = "restated for the revision; the wire changes are the schema changes"


def _rule_changes(old: Revision, new: Revision) -> Iterator[Change]:
    dropped = DROPPED_RULES.get(new.name, {})
    for rule_id in sorted(set(old.rules) | set(new.rules)):
        before, after = old.rules.get(rule_id), new.rules.get(rule_id)
        if after is None and before is not None:
            reason = dropped.get(rule_id, "")
            breaking = before.level in ("MUST", "SHOULD")
            why = (
                f"a {before.level} guarantee a client may rely on is gone"
                if breaking
                else "a MAY: nothing a client could rely on"
            )
            yield Change(
                "rules",
                "rule-removed",
                rule_id,
                breaking,
                f"{why}; dropped: {reason}" if reason else why,
                old=f"{before.level}: {before.statement}",
            )
        elif before is None and after is not None:
            breaking = after.area == "revision"
            yield Change(
                "rules",
                "rule-added",
                rule_id,
                breaking,
                "the revision itself changes what clients send and read"
                if breaking
                else "a new guarantee",
                new=f"{after.level}: {after.statement}",
            )
        elif before is not None and after is not None:
            if before.level != after.level:
                breaking, why = _rule_level_change(before.level, after.level)
                yield Change(
                    "rules", "rule-level-changed", rule_id, breaking, why, before.level, after.level
                )
            if before.statement != after.statement:
                yield Change(
                    "rules",
                    "rule-statement-changed",
                    rule_id,
                    False,
                    after.changed or _RESTATED,  # the catalogue's own word, when it has one
                    before.statement,
                    after.statement,
                )
            elif after.changed and before.changed != after.changed:
                yield Change("rules", "rule-decision-changed", rule_id, False, after.changed)


def _highlights(walk: _Walk, types: list[TypeList], changes: list[Change]) -> list[str]:
    """The big changes in plain words, for the top of the report."""
    lines = [
        r.says or f"`{r.old}` is now `{r.new}` ({r.schema}.json)."
        for r in walk.applied
        if r.kind == "property"
    ]
    for union in types:
        if union.renamed:
            pairs = ", ".join(f"`{a}` → `{b}`" for a, b in union.renamed)
            lines.append(f"{union.title} renamed ({union.schema}.json `{union.field}`): {pairs}.")
    for union in types:
        by_target: dict[str, list[str]] = {}
        for value, target in union.moved_out:
            by_target.setdefault(target, []).append(value)
        for target, values in by_target.items():
            what = _UNION_NAMES.get(target.removesuffix(".json"), f"{target} types").lower()
            lines.append(
                f"{len(values)} {union.schema} types are now {what} ({target}): "
                + ", ".join(f"`{v}`" for v in values)
                + "; read and send them as steps."
            )
    for change in changes:
        if change.breaking and change.hint and change.hint not in lines:
            lines.append(change.hint)
    return lines


def diff(old: Revision, new: Revision) -> Diff:
    """Every difference from ``old`` to ``new``, classified for a client (module docstring)."""
    walk = _Walk(old, new)
    walk.walk()
    changes = sorted({*walk.changes, *_rule_changes(old, new)}, key=Change.sort_key)
    types = _type_lists(walk)
    return Diff(
        old=old.name,
        new=new.name,
        changes=tuple(changes),
        types=tuple(types),
        highlights=(
            *BIG_CHANGES.get((old.name, new.name), ()),
            *_highlights(walk, types, changes),
        ),
    )


# -- rendering ---------------------------------------------------------------------------------


def to_json(result: Diff) -> dict[str, Any]:
    """The diff as one JSON document (shape: diff.schema.json beside this module)."""
    counts = result.counts()
    return {
        "format_version": FORMAT_VERSION,
        "from": result.old,
        "to": result.new,
        "summary": {
            **counts,
            "total": {
                "breaking": sum(c["breaking"] for c in counts.values()),
                "non_breaking": sum(c["non_breaking"] for c in counts.values()),
            },
        },
        "highlights": list(result.highlights),
        "types": [
            {
                "schema": t.schema,
                "field": t.field,
                "area": t.area,
                "open": t.open,
                "added": list(t.added),
                "removed": list(t.removed),
                "renamed": [{"old": a, "new": b} for a, b in t.renamed],
                "moved_in": [{"value": v, "from": s} for v, s in t.moved_in],
                "moved_out": [{"value": v, "to": s} for v, s in t.moved_out],
                "unchanged": list(t.unchanged),
            }
            for t in result.types
        ],
        "changes": [dataclasses.asdict(c) for c in result.changes],
    }


_KIND_WORDS = {
    "schema-added": "schema added",
    "schema-removed": "schema removed",
    "definition-added": "definition added",
    "definition-removed": "definition removed",
    "definition-renamed": "definition renamed",
    "definition-moved": "definition moved",
    "property-added": "property added",
    "property-removed": "property removed",
    "property-renamed": "property renamed",
    "required-added": "now required",
    "required-removed": "now optional",
    "type-changed": "type changed",
    "reference-changed": "now refers to another schema",
    "value-added": "values added",
    "value-removed": "values removed",
    "value-renamed": "values renamed",
    "value-moved": "values moved",
    "enum-opened": "enum opened",
    "enum-closed": "enum closed",
    "rule-added": "rule added",
    "rule-removed": "rule removed",
    "rule-level-changed": "level changed",
    "rule-statement-changed": "statement changed",
    "rule-decision-changed": "decision changed",
}


def _what(change: Change) -> str:
    if change.kind in ("value-moved", "value-removed", "property-removed", "required-removed"):
        return f"`{change.old}`"
    if change.kind in (
        "value-renamed",
        "type-changed",
        "reference-changed",
        "definition-renamed",
        "definition-moved",
        "property-renamed",
        "rule-level-changed",
    ):
        return f"`{change.old}` → `{change.new}`"
    return f"`{change.new or change.old}`" if (change.new or change.old) else ""


def _schema_lines(changes: Iterable[Change]) -> list[str]:
    """One bullet per (where, kind, reason): the values of one enum change share a line."""
    groups: dict[tuple[str, str, str, str], list[Change]] = {}
    for change in changes:
        groups.setdefault((change.where, change.kind, change.reason, change.hint), []).append(
            change
        )
    lines = []
    for (where, kind, reason, hint), items in groups.items():
        what = ", ".join(w for w in (_what(c) for c in items) if w)
        line = (
            f"- {_KIND_WORDS.get(kind, kind)}{' ' + what if what else ''} at `{where}`: {reason}."
        )
        if hint:
            line += f" Migration: {hint}"
        lines.append(line)
    return lines


def _rule_lines(changes: Iterable[Change]) -> list[str]:
    lines = []
    for change in changes:
        words = _KIND_WORDS[change.kind]
        if change.kind == "rule-statement-changed":
            lines.append(f"- **{change.where}** {words}: {change.old} → {change.new}")
            if change.reason != _RESTATED:  # the catalogue's `changed` note
                lines.append(f"  ({change.reason})")
        elif change.kind == "rule-decision-changed":
            lines.append(f"- **{change.where}** {words}: {change.reason}")
        elif change.kind == "rule-level-changed":
            lines.append(
                f"- **{change.where}** {words} {change.old} → {change.new}: {change.reason}."
            )
        else:
            lines.append(
                f"- **{change.where}** {words} ({change.old or change.new}): {change.reason}."
            )
    return lines


def _type_section(union: TypeList) -> list[str]:
    flag = "open: clients tolerate unknown values" if union.open else "closed"
    lines = [f"### {union.title} ({union.schema}.json `{union.field}`, {flag})", ""]
    rows = [
        *(f"| `{a}` → `{b}` | renamed | yes |" for a, b in union.renamed),
        *(f"| `{v}` | moved to {to} | yes |" for v, to in union.moved_out),
        *(f"| `{v}` | removed | yes |" for v in union.removed),
        *(f"| `{v}` | moved from {src} | no |" for v, src in union.moved_in),
        *(
            f"| `{v}` | added | {'no' if union.open or union.area == 'request' else 'yes (closed enum)'} |"
            for v in union.added
        ),
    ]
    lines += ["| value | change | breaking |", "|---|---|---|", *rows]
    if union.unchanged:
        lines += ["", "Unchanged: " + ", ".join(f"`{v}`" for v in union.unchanged) + "."]
    return [*lines, ""]


def to_markdown(result: Diff) -> str:
    """The diff for someone migrating a client: big changes, counts, breaking changes first."""
    out = [f"# Spec changes from {result.old} to {result.new}", ""]
    if not result:
        return "\n".join([*out, "No differences.", ""])
    counts = result.counts()
    breaking = sum(c["breaking"] for c in counts.values())
    total = len(result.changes)
    out += [f"{total} changes, {breaking} of them breaking for a client.", ""]
    if result.highlights:
        out += ["## The big changes", "", *(f"- {line}" for line in result.highlights), ""]
    out += ["## Summary", "", "| area | breaking | non-breaking |", "|---|---:|---:|"]
    out += [f"| {a} | {counts[a]['breaking']} | {counts[a]['non_breaking']} |" for a in AREAS]
    out += [f"| **total** | **{breaking}** | **{total - breaking}** |", ""]
    for title, want in (("Breaking changes", True), ("Non-breaking changes", False)):
        out += [f"## {title}", ""]
        for area in AREAS:
            items = [c for c in result.changes if c.area == area and c.breaking is want]
            if items:
                lines = _rule_lines(items) if area == "rules" else _schema_lines(items)
                out += [f"### {area} ({len(items)})", "", *lines, ""]
        if want:
            changed = [t for t in result.types if t.changed()]
            if changed:
                out += ["## Union types", ""]
                for union in changed:
                    out += _type_section(union)
    return "\n".join(out).rstrip() + "\n"
