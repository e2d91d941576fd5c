"""The rules catalogue lints itself (STYLE.md habits 1-2), in the manner of JSON-Schema-Test-Suite.

- ``rules.yaml`` validates against ``spec/rules.schema.json`` (unknown keys rejected);
- ids are unique, areas declared, statements short, present tense, one sentence, no "should"/"must";
- every source can be checked: guide quotes occur verbatim in the guide, recorded files exist,
  SDK files exist in google-genai 1.55.0 and their quotes occur in them;
- every contradiction between sources, and every undocumented behaviour the catalogue settles, is
  decided openly in a named rule's ``decision``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from importlib import metadata
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from interactions_conformance import Revision

SPEC = Path(__file__).resolve().parents[1] / "spec"
REVISION = "2025-12"
SDK_VERSION = "1.55.0"

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

# Every contradiction between sources -> the rule whose decision settles it. The decision names
# the contradiction by the tag on the left (NOTES.md "Where the guide and the SDK types disagree",
# API-SURFACE.md section 9).
CONTRADICTIONS = {
    "NOTES-1": "STREAM-THOUGHT-DELTA",  # delta type "thought" (guide) vs thought_summary/_signature
    "NOTES-2": "SO-WITHOUT-MIME",  # response_mime_type "required" (SDK) vs guide examples
    "NOTES-3": "SSE-ALT",  # ?alt=sse + stream (guide) vs body field only (SDK)
    "NOTES-4": "FC-RESULT-NAME-OPTIONAL",  # function_result.name optional (SDK) vs always sent
    "NOTES-5": "BASIC-FINAL-TEXT-LAST",  # outputs[0] vs outputs[-1]
    "SURFACE-9.1": "USAGE-THOUGHT-NAME",  # total_reasoning_tokens vs total_thought_tokens
    "SURFACE-9.2": "BASIC-OBJECT",  # object removed from the SDK, still on the wire
    "SURFACE-9.3": "FC-CALL-SHAPE",  # nested function_call without id (REF example) vs flat
    "SURFACE-9.4": "BASIC-ROLE",  # Deep Research role model vs agent
    "SURFACE-9.5": "STREAM-COMPLETE-OUTPUTS",  # interaction.complete with or without outputs
    "SURFACE-9.6": "STREAM-EVENT-ID",  # "each event includes event_id" vs none recorded
    "SURFACE-9.7": "STREAM-INDEX-FIELD",  # content_index (guide table) vs index
    "SURFACE-9.8": "GEN-THINKING-LEVEL",  # low|high (SDK) vs minimal|low|medium|high
    "SURFACE-9.9": "SO-WITHOUT-MIME",  # response_mime_type required (REF) vs examples
    "SURFACE-9.10": "ERR-BODY",  # error code "a URI" vs snake_case tokens
    "SURFACE-9.11": "SCHEMA-OUTPUTS-ERA",  # migration timeline dates
    "SURFACE-9.12": "STREAM-STATUS-EVENT",  # interaction.in_progress (MIG) vs status_update
    "SURFACE-9.13": "BASIC-OUTPUTS-GENERATED",  # POST echoes the input or not
    "SURFACE-9.14": "RETENTION-PAID",  # retention: consistent, decided as such
}

# Undocumented behaviour the catalogue settles -> (rule, text its decision contains).
UNDOCUMENTED = {
    "UNDOC-STORE-BACKGROUND": ("BG-STORE-REQUIRED", "400 with code invalid_request"),
    "UNDOC-AGENT-BACKGROUND": ("AGENT-BACKGROUND-REQUIRED", "400 with code invalid_request"),
    "UNDOC-CANCEL-NOT-RUNNING": ("CANCEL-NOT-RUNNING", "400 failed_precondition"),
    "UNDOC-SSE-DONE": ("SSE-DONE", "[DONE]"),
    "UNDOC-ERROR-ENVELOPE": ("ERR-BODY", "[INFERRED]"),
    "UNDOC-AUTH-STATUS": ("AUTH-REQUIRED", "Both 401 and 403 are accepted"),
    "UNDOC-USAGE-SUM": ("USAGE-TOTAL-SUM", "the live behaviour wins"),
}

FORBIDDEN_WORDS = re.compile(r"\b(should|must|shall|will|would|ought)\b", re.IGNORECASE)
MAX_STATEMENT = 160


# -- helpers -----------------------------------------------------------------------------------


def _norm(text: str) -> str:
    """NFC, whitespace runs collapsed: how quotes are matched against their source file."""
    return " ".join(unicodedata.normalize("NFC", text).split())


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    data = yaml.safe_load((SPEC / REVISION / "rules.yaml").read_text("utf-8"))
    assert isinstance(data, dict), "rules.yaml is not a mapping"
    return data


@pytest.fixture(scope="module")
def rules(raw: dict[str, Any]) -> list[dict[str, Any]]:
    return list(raw["rules"])


def _sources(rules: list[dict[str, Any]], kind: str) -> list[tuple[str, dict[str, Any]]]:
    return [(r["id"], s) for r in rules for s in r.get("sources", []) if s.get("kind") == kind]


@pytest.fixture(scope="module")
def sdk_root() -> Path:
    try:
        version = metadata.version("google-genai")
    except metadata.PackageNotFoundError:
        pytest.skip("google-genai is not installed: SDK sources cannot be checked")
    if version != SDK_VERSION:
        pytest.skip(f"google-genai {version} is installed; SDK sources cite {SDK_VERSION}")
    import google.genai._interactions as interactions

    return Path(interactions.__file__).resolve().parent


# -- shape -----------------------------------------------------------------------------------


def test_the_catalogue_schema_is_valid_json_schema() -> None:
    schema = json.loads((SPEC / "rules.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)


def test_the_catalogue_validates_against_the_schema(raw: dict[str, Any]) -> None:
    # Other revisions are checked by `interactions-conformance selfcheck`, which validates all.
    schema = json.loads((SPEC / "rules.schema.json").read_text("utf-8"))
    errors = [
        f"/{'/'.join(str(p) for p in e.absolute_path)}: {e.message}"
        for e in jsonschema.Draft202012Validator(schema).iter_errors(raw)
    ]
    assert not errors, f"{REVISION}/rules.yaml breaks spec/rules.schema.json:\n" + "\n".join(errors)


@pytest.mark.parametrize(
    ("case", "valid"),
    [
        ({"revision": "2025-12", "areas": {"a": "A"}, "rules": []}, False),  # no rules
        ({"revision": "2025-12", "areas": {"a": "A"}, "rules": [{}], "extra": 1}, False),
    ],
)
def test_the_schema_rejects_broken_catalogues(case: dict[str, Any], valid: bool) -> None:
    schema = json.loads((SPEC / "rules.schema.json").read_text("utf-8"))
    assert jsonschema.Draft202012Validator(schema).is_valid(case) is valid


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
    schema = json.loads((SPEC / "rules.schema.json").read_text("utf-8"))
    case = {"revision": "2025-12", "areas": {"a": "A"}, "rules": [{**GOOD_RULE, **change}]}
    assert jsonschema.Draft202012Validator(schema).is_valid(case) is valid, change


def test_the_loader_sees_every_rule(revision: Revision, rules: list[dict[str, Any]]) -> None:
    assert len(revision.rules) == len(rules)
    assert set(revision.areas) >= {r.area for r in revision.rules.values()}


def test_ids_are_unique(rules: list[dict[str, Any]]) -> None:
    twice = [rule_id for rule_id, n in Counter(r["id"] for r in rules).items() if n > 1]
    assert not twice, f"duplicate rule ids: {twice}"


def test_the_catalogue_has_at_least_70_rules(rules: list[dict[str, Any]]) -> None:
    assert len(rules) >= 70, f"only {len(rules)} rules"


def test_every_area_is_declared_and_used(raw: dict[str, Any], rules: list[dict[str, Any]]) -> None:
    declared = set(raw["areas"])
    used = {r["area"] for r in rules}
    assert used <= declared, f"undeclared areas: {sorted(used - declared)}"
    assert declared <= used, f"areas with no rule: {sorted(declared - used)}"


# -- statements ------------------------------------------------------------------------------


def test_statements_are_short(rules: list[dict[str, Any]]) -> None:
    long = {r["id"]: len(r["statement"]) for r in rules if len(r["statement"]) > MAX_STATEMENT}
    assert not long, f"statements over {MAX_STATEMENT} characters: {long}"


def test_statements_have_no_modal_verbs(rules: list[dict[str, Any]]) -> None:
    # "X is rejected", never "X should be rejected": the level says how binding it is.
    bad = {r["id"]: m.group(0) for r in rules if (m := FORBIDDEN_WORDS.search(r["statement"]))}
    assert not bad, f"statements with a modal or future verb (use present tense): {bad}"


def test_statements_are_one_sentence(rules: list[dict[str, Any]]) -> None:
    bad = [
        r["id"]
        for r in rules
        if not r["statement"].endswith(".")
        or re.search(r"[.!?]\s+[A-Z]", r["statement"])
        or r["statement"].count(".") - r["statement"].count("..") < 1
    ]
    assert not bad, f"statements that are not exactly one sentence ending with a period: {bad}"


def test_statements_start_with_a_capital_or_an_api_name(rules: list[dict[str, Any]]) -> None:
    def ok(statement: str) -> bool:
        first = statement.split()[0]
        return first[0].isupper() or bool(re.search(r"[_?=./]", first))

    bad = [r["id"] for r in rules if not ok(r["statement"])]
    assert not bad, f"statements starting with a lower-case word: {bad}"


def test_statements_are_unique(rules: list[dict[str, Any]]) -> None:
    twice = [s for s, n in Counter(r["statement"] for r in rules).items() if n > 1]
    assert not twice, f"two rules say the same thing: {twice}"


# -- sources ---------------------------------------------------------------------------------


def test_every_rule_cites_a_source(rules: list[dict[str, Any]]) -> None:
    bare = [r["id"] for r in rules if not r.get("sources")]
    assert not bare, f"rules without a source: {bare}"


def test_every_rule_cites_a_documentary_source(rules: list[dict[str, Any]]) -> None:
    # A decision alone is not a source: something outside this catalogue has to be quoted.
    only_decision = [
        r["id"] for r in rules if all(s["kind"] == "decision" for s in r.get("sources", []))
    ]
    assert not only_decision, f"rules citing nothing but a decision: {only_decision}"


def test_guide_sources_cite_a_section_id(rules: list[dict[str, Any]]) -> None:
    valid = {f"G{n}" for n in range(1, 26)}
    bad = [(rid, s["ref"]) for rid, s in _sources(rules, "guide") if s["ref"] not in valid]
    assert not bad, f"guide sources must cite G1-G25: {bad}"


def test_guide_quotes_occur_verbatim(rules: list[dict[str, Any]], guide_text: str) -> None:
    text = _norm(guide_text)
    missing = [
        (rid, s["quote"]) for rid, s in _sources(rules, "guide") if _norm(s["quote"]) not in text
    ]
    assert not missing, "guide quotes not found verbatim in the guide:\n" + "\n".join(
        f"  {rid}: {quote!r}" for rid, quote in missing
    )


def test_recorded_sources_exist(rules: list[dict[str, Any]], shared_dir: Path) -> None:
    folder = shared_dir / "real-traffic"
    missing = [
        (rid, s["ref"])
        for rid, s in _sources(rules, "recorded")
        if not (folder / s["ref"]).is_file()
    ]
    assert not missing, f"recorded sources missing from {folder}: {missing}"


def test_reference_sources_name_a_source_key(rules: list[dict[str, Any]]) -> None:
    bad = [
        (rid, s["ref"])
        for rid, s in _sources(rules, "reference")
        if s["ref"].split()[0] not in REFERENCE_KEYS
    ]
    assert not bad, (
        f"reference sources must start with an API-SURFACE.md key {sorted(REFERENCE_KEYS)}: {bad}"
    )


def test_sdk_sources_exist_with_their_quotes(rules: list[dict[str, Any]], sdk_root: Path) -> None:
    types = sdk_root / "types"
    problems = []
    for rid, source in _sources(rules, "sdk"):
        path = (types / source["ref"].split()[0]).resolve()
        if sdk_root not in path.parents or not path.is_file():
            problems.append(
                f"  {rid}: {source['ref']!r} is not a file of google/genai/_interactions"
            )
        elif _norm(source["quote"]) not in _norm(path.read_text("utf-8")):
            problems.append(f"  {rid}: {source['quote']!r} is not in {path.name}")
    assert not problems, "SDK sources that do not check out:\n" + "\n".join(problems)


# -- decisions -------------------------------------------------------------------------------


def test_rules_with_a_decision_source_explain_it(rules: list[dict[str, Any]]) -> None:
    undecided = [
        r["id"]
        for r in rules
        if any(s["kind"] == "decision" for s in r["sources"]) and not r.get("decision", "").strip()
    ]
    assert not undecided, f"rules citing a decision without a decision text: {undecided}"


def test_decisions_are_not_empty(rules: list[dict[str, Any]]) -> None:
    empty = [r["id"] for r in rules if "decision" in r and not str(r["decision"]).strip()]
    assert not empty, f"empty decisions: {empty}"


@pytest.mark.parametrize(("tag", "rule_id"), sorted(CONTRADICTIONS.items()))
def test_every_contradiction_is_decided(
    tag: str, rule_id: str, rules: list[dict[str, Any]]
) -> None:
    by_id = {r["id"]: r for r in rules}
    assert rule_id in by_id, (
        f"{tag} is meant to be decided by {rule_id}, which is not in the catalogue"
    )
    decision = by_id[rule_id].get("decision", "")
    assert re.search(rf"\b{re.escape(tag)}\b", decision), (
        f"the decision of {rule_id} does not name contradiction {tag}: {decision!r}"
    )


def test_decision_tags_are_all_known(rules: list[dict[str, Any]]) -> None:
    # A tag in a decision that the tables above do not know is a typo or a missing table row.
    known = set(CONTRADICTIONS) | set(UNDOCUMENTED)
    used = {
        tag
        for r in rules
        for tag in re.findall(
            r"\b(?:NOTES-\d+|SURFACE-9\.\d+|UNDOC-[A-Z-]*[A-Z])", r.get("decision", "")
        )
    }
    assert used <= known, f"unknown decision tags: {sorted(used - known)}"


@pytest.mark.parametrize(("tag", "expected"), sorted(UNDOCUMENTED.items()))
def test_every_undocumented_behaviour_is_decided(
    tag: str, expected: tuple[str, str], rules: list[dict[str, Any]]
) -> None:
    rule_id, text = expected
    by_id = {r["id"]: r for r in rules}
    decision = by_id[rule_id].get("decision", "")
    assert tag in decision, f"the decision of {rule_id} does not name {tag}"
    assert text in decision, f"the decision of {rule_id} does not say {text!r}"
    assert any(s["kind"] == "decision" for s in by_id[rule_id]["sources"]) or tag in (
        "UNDOC-ERROR-ENVELOPE",
        "UNDOC-USAGE-SUM",
    ), f"{rule_id} settles undocumented behaviour but cites no decision source"


# -- exercised -------------------------------------------------------------------------------


def test_none_exercised_says_why(rules: list[dict[str, Any]]) -> None:
    bad = [
        r["id"]
        for r in rules
        if r["exercised"].startswith("none") and len(r["exercised"]) < len("none: ") + 10
    ]
    assert not bad, f"rules not exercised without a reason: {bad}"


def test_most_rules_are_exercised_over_http(rules: list[dict[str, Any]]) -> None:
    counts = Counter(r["exercised"].split(":")[0] for r in rules)
    assert counts["http"] > counts["traffic"] + counts["none"], counts
