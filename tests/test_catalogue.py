"""The 2025-12 rules catalogue against its own sources (STYLE.md habits 1-2).

The lint every revision shares (schema, ids, areas, statement style, sources present, decisions
present, exercised) is in tests/test_catalogue_lint.py. Here, what only 2025-12 has:

- guide sources cite a section G1-G25 and their quotes occur verbatim in the guide;
- SDK files exist in google-genai 1.55.0 and their quotes occur in them;
- every contradiction between sources, and every undocumented behaviour the catalogue settles, is
  decided openly in a named rule's ``decision``;
- the catalogue has at least 70 rules.
"""

from __future__ import annotations

import re
import unicodedata
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from _support import catalogue

REVISION = "2025-12"
SDK_VERSION = "1.55.0"

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

# -- helpers -----------------------------------------------------------------------------------


def _norm(text: str) -> str:
    """NFC, whitespace runs collapsed: how quotes are matched against their source file."""
    return " ".join(unicodedata.normalize("NFC", text).split())


@pytest.fixture(scope="module")
def rules() -> list[dict[str, Any]]:
    return list(catalogue(REVISION)["rules"])


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


# -- size ------------------------------------------------------------------------------------


def test_the_catalogue_has_at_least_70_rules(rules: list[dict[str, Any]]) -> None:
    assert len(rules) >= 70, f"only {len(rules)} rules"


# -- sources ---------------------------------------------------------------------------------


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
