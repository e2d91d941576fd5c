"""Every revision's rules catalogue lints itself (STYLE.md habits 1-2).

Parametrized over ``available_revisions()``, so a new ``spec/<revision>/rules.yaml`` is
linted without a line of test code:

- ``spec/rules.schema.json`` is valid and rejects broken catalogues; each ``rules.yaml``
  validates against it (unknown keys rejected) and the loader sees every rule and area;
- ids are unique, areas declared and used, statements short, present tense, one sentence,
  no modal verb, starting with a capital or an API name, and unique;
- every rule cites a documentary source of a known kind; recorded sources exist, reference
  sources name a source key;
- a rule citing a decision or a contradiction (``API-SURFACE 9.x``) has a decision text;
- ``exercised: none`` says why, and most rules are exercised over HTTP.

Where one revision deviates for a reason, the deviation is data in a per-revision table
below, and each entry is checked to be still needed. What is particular to a revision (the
2025-12 guide quotes and SDK 1.55.0 files, the contradiction tables, the 2026-05 carry-over
tables) stays in tests/test_catalogue.py and tests/test_catalogue_2026_05.py.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from _support import REAL_TRAFFIC, SPEC, catalogue
from interactions_conformance import available_revisions, load_revision

REVISIONS = available_revisions()

RULE_KEYS = {"id", "area", "level", "statement", "sources", "decision", "changed", "exercised"}
REQUIRED_KEYS = {"id", "area", "level", "statement", "sources", "exercised"}
SOURCE_KINDS = {"guide", "sdk", "reference", "recorded", "decision"}
FORBIDDEN_WORDS = re.compile(r"\b(should|must|shall|will|would|ought)\b", re.IGNORECASE)
MAX_STATEMENT = 160
MIN_NONE_REASON = 10  # characters after "none: "

# Source keys of shared/guide/API-SURFACE.md that a `reference` source may start with.
REFERENCE_KEYS = {
    "SDK155",
    "SDKgit",
    "SDK330",
    "REF-Dec25",
    "REF-Q1-26",
    "REF-Apr26",
    "REF-Jun26",
    "GUIDE-Dec25",
    "MIG",
    "EMAIL",
    "ERRDOC",
    "RELNOTES",
    "VTX",
    "BIGAGI",
}

# -- per-revision deviations, each with its reason --------------------------------------------

# Further keys a revision's `reference` sources may start with.
MORE_REFERENCE_KEYS: dict[str, dict[str, str]] = {
    "2026-05": {
        "API-SURFACE": "2026-05 cites sections of shared/guide/API-SURFACE.md itself (1-9)",
    },
    "2026-11": {
        "API-SURFACE": "2026-11 cites sections of shared/guide/API-SURFACE.md itself (1-10)",
    },
}

# `recorded` sources that name a glob of the corpus rather than one file (must match a file).
RECORDED_GLOBS: dict[str, dict[str, str]] = {
    "2026-05": {
        "2026-steps__*": "SCHEMA-VALID holds for every steps-era recording",
        "2026-steps__stream__*": "SCHEMA-EVENT holds for every recorded steps-era stream",
    },
    "2026-11": {
        "2026-steps__*": "SCHEMA-VALID holds for every steps-era recording",
        "2026-steps__stream__*": "SCHEMA-EVENT holds for every recorded steps-era stream",
    },
}

# Statements that start with a bare lower-case field name (no `_?=./` to mark it as one).
LOWER_CASE_STARTS: dict[str, dict[str, str]] = {
    "2026-05": {
        "BASIC-OBJECT": "starts with the field name object",
        "BASIC-TIMESTAMPS": "starts with the field names created and updated",
        "BASIC-ROLE": "starts with the field name role",
        "BG-STORE-REQUIRED": "starts with the request field store",
    },
    "2026-11": {
        "BASIC-OBJECT": "starts with the field name object",
        "BASIC-TIMESTAMPS": "starts with the field names created and updated",
        "BASIC-ROLE": "starts with the field name role",
        "BG-STORE-REQUIRED": "starts with the request field store",
    },
}

# Rules citing a decision source without a decision text: known catalogue defects, to be fixed
# in the catalogue (then the entry goes, which test_deviations_are_still_needed enforces).
DECISION_WITHOUT_TEXT: dict[str, dict[str, str]] = {}


def _rules(revision: str) -> list[dict[str, Any]]:
    return list(catalogue(revision)["rules"])


def _ids_where(revision: str, broken: Callable[[dict[str, Any]], object]) -> list[str]:
    """The ids of the revision's rules for which ``broken(rule)`` is true."""
    return [r["id"] for r in _rules(revision) if broken(r)]


def _sources(revision: str, kind: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (r["id"], s) for r in _rules(revision) for s in r.get("sources", []) if s["kind"] == kind
    ]


def _starts_well(statement: str) -> bool:
    first = statement.split()[0]
    return first[0].isupper() or bool(re.search(r"[_?=./]", first))


def _rules_schema() -> dict[str, Any]:
    return json.loads((SPEC / "rules.schema.json").read_text("utf-8"))


# -- spec/rules.schema.json itself ------------------------------------------------------------


def test_the_catalogue_schema_is_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(_rules_schema())


@pytest.mark.parametrize(
    ("case", "valid"),
    [
        ({"revision": "2025-12", "areas": {"a": "A"}, "rules": []}, False),  # no rules
        ({"revision": "2025-12", "areas": {"a": "A"}, "rules": [{}], "extra": 1}, False),
    ],
)
def test_the_schema_rejects_broken_catalogues(case: dict[str, Any], valid: bool) -> None:
    assert jsonschema.Draft202012Validator(_rules_schema()).is_valid(case) is valid


GOOD_RULE: dict[str, Any] = {
    "id": "X-RULE",
    "area": "a",
    "level": "MUST",
    "statement": "A thing is accepted.",
    "sources": [{"kind": "guide", "ref": "G1", "quote": "q"}],
    "exercised": "http",
}


@pytest.mark.parametrize(
    ("change", "valid"),
    [
        ({}, True),
        ({"exercised": "traffic"}, True),
        ({"exercised": "none: needs a human"}, True),
        ({"exercised": "none"}, False),
        ({"exercised": "manual"}, False),
        ({"level": "MUST NOT"}, False),
        ({"id": "lower-case"}, False),
        ({"id": "NOKEBAB"}, False),
        ({"statement": "No final period"}, False),
        ({"sources": []}, False),
        ({"sources": [{"kind": "blog", "ref": "x", "quote": "q"}]}, False),
        ({"sources": [{"kind": "guide", "ref": "", "quote": "q"}]}, False),
        ({"sources": [{"kind": "guide", "ref": "G1", "quote": "q", "page": 3}]}, False),
        ({"sources": [{"kind": "guide", "ref": "G1"}]}, False),
        ({"title": "unknown key"}, False),
    ],
)
def test_the_schema_checks_each_rule_field(change: dict[str, Any], valid: bool) -> None:
    case = {"revision": "2025-12", "areas": {"a": "A"}, "rules": [{**GOOD_RULE, **change}]}
    assert jsonschema.Draft202012Validator(_rules_schema()).is_valid(case) is valid, change


# -- shape ------------------------------------------------------------------------------------


@pytest.mark.parametrize("revision", REVISIONS)
def test_top_level(revision: str) -> None:
    raw = catalogue(revision)
    assert set(raw) == {"revision", "areas", "rules"}
    assert raw["revision"] == revision
    assert all(isinstance(t, str) and t for t in raw["areas"].values())


@pytest.mark.parametrize("revision", REVISIONS)
def test_the_catalogue_validates_against_the_schema(revision: str) -> None:
    errors = [
        f"/{'/'.join(str(p) for p in e.absolute_path)}: {e.message}"
        for e in jsonschema.Draft202012Validator(_rules_schema()).iter_errors(catalogue(revision))
    ]
    assert not errors, f"{revision}/rules.yaml breaks spec/rules.schema.json:\n" + "\n".join(errors)


@pytest.mark.parametrize("revision", REVISIONS)
def test_rule_keys_and_values(revision: str) -> None:
    areas = catalogue(revision)["areas"]
    for rule in _rules(revision):
        assert REQUIRED_KEYS <= set(rule) <= RULE_KEYS, rule.get("id")
        assert re.fullmatch(r"[A-Z][A-Z0-9]*(-[A-Z0-9]+)+", rule["id"]), rule["id"]
        assert rule["area"] in areas, rule["id"]
        assert rule["level"] in ("MUST", "SHOULD", "MAY"), rule["id"]
        exercised = rule["exercised"]
        assert exercised in ("http", "traffic") or exercised.startswith("none: "), rule["id"]


@pytest.mark.parametrize("revision", REVISIONS)
def test_ids_are_unique(revision: str) -> None:
    twice = [rule_id for rule_id, n in Counter(r["id"] for r in _rules(revision)).items() if n > 1]
    assert not twice, f"duplicate rule ids: {twice}"


@pytest.mark.parametrize("revision", REVISIONS)
def test_every_area_is_declared_and_used(revision: str) -> None:
    declared = set(catalogue(revision)["areas"])
    used = {r["area"] for r in _rules(revision)}
    assert used <= declared, f"undeclared areas: {sorted(used - declared)}"
    assert declared <= used, f"areas with no rule: {sorted(declared - used)}"


@pytest.mark.parametrize("revision", REVISIONS)
def test_the_loader_sees_every_rule(revision: str) -> None:
    rules = _rules(revision)
    loaded = load_revision(revision)
    assert len(loaded.rules) == len(rules)
    assert set(loaded.rules) == {r["id"] for r in rules}
    assert set(loaded.areas) == set(catalogue(revision)["areas"])
    assert set(loaded.areas) >= {r.area for r in loaded.rules.values()}


# -- statements -------------------------------------------------------------------------------


@pytest.mark.parametrize("revision", REVISIONS)
def test_statements_are_short(revision: str) -> None:
    rules = _rules(revision)
    long = {r["id"]: len(r["statement"]) for r in rules if len(r["statement"]) > MAX_STATEMENT}
    assert not long, f"statements over {MAX_STATEMENT} characters: {long}"


@pytest.mark.parametrize("revision", REVISIONS)
def test_statements_have_no_modal_verbs(revision: str) -> None:
    # "X is rejected", never "X should be rejected": the level says how binding it is.
    bad = {
        r["id"]: m.group(0)
        for r in _rules(revision)
        if (m := FORBIDDEN_WORDS.search(r["statement"]))
    }
    assert not bad, f"statements with a modal or future verb (use present tense): {bad}"


@pytest.mark.parametrize("revision", REVISIONS)
def test_statements_are_one_sentence(revision: str) -> None:
    bad = _ids_where(
        revision,
        lambda r: (
            not r["statement"].endswith(".")
            or re.search(r"[.!?]\s+[A-Z]", r["statement"])
            or r["statement"].count(".") - r["statement"].count("..") < 1
        ),
    )
    assert not bad, f"statements that are not exactly one sentence ending with a period: {bad}"


@pytest.mark.parametrize("revision", REVISIONS)
def test_statements_start_with_a_capital_or_an_api_name(revision: str) -> None:
    allowed = LOWER_CASE_STARTS.get(revision, {})
    bad = _ids_where(
        revision, lambda r: not _starts_well(r["statement"]) and r["id"] not in allowed
    )
    assert not bad, f"statements starting with a lower-case word: {bad}"


@pytest.mark.parametrize("revision", REVISIONS)
def test_statements_are_unique(revision: str) -> None:
    twice = [s for s, n in Counter(r["statement"] for r in _rules(revision)).items() if n > 1]
    assert not twice, f"two rules say the same thing: {twice}"


# -- sources ----------------------------------------------------------------------------------


@pytest.mark.parametrize("revision", REVISIONS)
def test_every_rule_cites_a_source(revision: str) -> None:
    bare = _ids_where(revision, lambda r: not r.get("sources"))
    assert not bare, f"rules without a source: {bare}"
    for rule in _rules(revision):
        for source in rule["sources"]:
            assert set(source) <= {"kind", "ref", "quote"}, rule["id"]
            assert source["kind"] in SOURCE_KINDS, rule["id"]
            assert source["ref"].strip(), rule["id"]


@pytest.mark.parametrize("revision", REVISIONS)
def test_every_rule_cites_a_documentary_source(revision: str) -> None:
    # A decision alone is not a source: something outside this catalogue has to be quoted.
    only_decision = _ids_where(
        revision, lambda r: all(s["kind"] == "decision" for s in r.get("sources", []))
    )
    assert not only_decision, f"rules citing nothing but a decision: {only_decision}"


@pytest.mark.parametrize("revision", REVISIONS)
def test_recorded_sources_exist(revision: str, shared_dir: Path) -> None:
    folder = shared_dir / "real-traffic"
    globs = RECORDED_GLOBS.get(revision, {})
    missing = [
        (rid, s["ref"])
        for rid, s in _sources(revision, "recorded")
        if not (folder / s["ref"]).is_file()
        and not (s["ref"] in globs and any(folder.glob(s["ref"])))
    ]
    assert not missing, f"recorded sources missing from {folder}: {missing}"


@pytest.mark.parametrize("revision", REVISIONS)
def test_reference_sources_name_a_source_key(revision: str) -> None:
    keys = REFERENCE_KEYS | set(MORE_REFERENCE_KEYS.get(revision, {}))
    bad = [
        (rid, s["ref"])
        for rid, s in _sources(revision, "reference")
        if s["ref"].split()[0] not in keys
    ]
    assert not bad, f"reference sources must start with an API-SURFACE.md key {sorted(keys)}: {bad}"


# -- decisions --------------------------------------------------------------------------------


@pytest.mark.parametrize("revision", REVISIONS)
def test_rules_with_a_decision_source_explain_it(revision: str) -> None:
    known_defects = DECISION_WITHOUT_TEXT.get(revision, {})
    undecided = _ids_where(
        revision,
        lambda r: (
            any(s["kind"] == "decision" for s in r["sources"])
            and not r.get("decision", "").strip()
            and r["id"] not in known_defects
        ),
    )
    assert not undecided, f"rules citing a decision without a decision text: {undecided}"


@pytest.mark.parametrize("revision", REVISIONS)
def test_decisions_are_not_empty(revision: str) -> None:
    empty = _ids_where(revision, lambda r: "decision" in r and not str(r["decision"]).strip())
    assert not empty, f"empty decisions: {empty}"


@pytest.mark.parametrize("revision", REVISIONS)
def test_cited_contradictions_are_decided(revision: str) -> None:
    # A source citing a contradiction of API-SURFACE section 9 needs a decision next to it.
    undecided = _ids_where(
        revision,
        lambda r: (
            any("API-SURFACE 9." in s["ref"] for s in r["sources"])
            and not any(s["kind"] == "decision" for s in r["sources"])
            and not r.get("decision")
        ),
    )
    assert not undecided, f"rules citing a contradiction without deciding it: {undecided}"


# -- exercised --------------------------------------------------------------------------------


@pytest.mark.parametrize("revision", REVISIONS)
def test_none_exercised_says_why(revision: str) -> None:
    bad = _ids_where(
        revision,
        lambda r: (
            r["exercised"].startswith("none")
            and len(r["exercised"]) < len("none: ") + MIN_NONE_REASON
        ),
    )
    assert not bad, f"rules not exercised without a reason: {bad}"


@pytest.mark.parametrize("revision", REVISIONS)
def test_most_rules_are_exercised_over_http(revision: str) -> None:
    counts = Counter(r["exercised"].split(":")[0] for r in _rules(revision))
    assert counts["http"] > counts["traffic"] + counts["none"], counts


# -- the deviation tables ---------------------------------------------------------------------


def _deviations() -> list[Any]:
    tables = {
        "MORE_REFERENCE_KEYS": MORE_REFERENCE_KEYS,
        "RECORDED_GLOBS": RECORDED_GLOBS,
        "LOWER_CASE_STARTS": LOWER_CASE_STARTS,
        "DECISION_WITHOUT_TEXT": DECISION_WITHOUT_TEXT,
    }
    return [
        pytest.param(table, revision, key, id=f"{table}-{revision}-{key}")
        for table, entries in tables.items()
        for revision, by_key in entries.items()
        for key in by_key
    ]


@pytest.mark.parametrize(("table", "revision", "key"), _deviations())
def test_deviations_are_still_needed(table: str, revision: str, key: str) -> None:
    # An entry that no longer matches anything would let the next deviation through unseen.
    assert revision in REVISIONS
    by_id = {r["id"]: r for r in _rules(revision)}
    if table == "MORE_REFERENCE_KEYS":
        assert key not in REFERENCE_KEYS
        assert any(s["ref"].split()[0] == key for _, s in _sources(revision, "reference"))
    elif table == "RECORDED_GLOBS":
        assert any(s["ref"] == key for _, s in _sources(revision, "recorded"))
        if REAL_TRAFFIC.is_dir():
            assert any(REAL_TRAFFIC.glob(key)), f"{key} matches no recording"
    elif table == "LOWER_CASE_STARTS":
        assert not _starts_well(by_id[key]["statement"]), f"{key} starts well now: drop the entry"
    else:
        rule = by_id[key]
        assert any(s["kind"] == "decision" for s in rule["sources"])
        assert not rule.get("decision", "").strip(), f"{key} has a decision now: drop the entry"
