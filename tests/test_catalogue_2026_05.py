"""What only the 2026-05 rules catalogue (spec/2026-05/rules.yaml) has to show.

The lint every revision shares (schema, ids, areas, statement style, sources, decisions,
exercised) is in tests/test_catalogue_lint.py. Here: the rules that must carry a decision
(``MUST_DECIDE``), the ids lined up with 2025-12 (``DROPPED``, ``NOT_YET_CARRIED_OVER``), what
the loader reads, and the quotes checked against the stored sources they cite:

- ``reference`` sources whose ref starts with ``API-SURFACE``: shared/guide/API-SURFACE.md;
- ``guide`` sources whose ref starts with a section id (``G21 ...``): the 2025-12 guide text;
- ``recorded`` sources: the recording's ``_meta.what`` or its payload (as ``json.dumps`` writes it).

Sources stored nowhere here (MIG, REF-Jun26, ERRDOC, SDK 2.x files) cannot be checked.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from _support import REAL_TRAFFIC, catalogue
from interactions_conformance import load_revision
from interactions_conformance._diff import DROPPED_RULES

REVISION = "2026-05"

# 2025-12 rules this revision drops, each with the reason (every other 2025-12 id is kept). The
# table lives in _diff.py, which prints the reasons in `interactions-conformance diff`.
DROPPED = DROPPED_RULES[REVISION]

# Rules that must carry a decision: the sources disagree or the revision chooses.
MUST_DECIDE = {
    "SCHEMA-INTERACTION",
    "SCHEMA-USAGE",
    "USAGE-THOUGHT-NAME",
    "REV-HEADER",
    "REV-STEPS-SCHEMA",
    "REQ-NO-LEGACY-FIELDS",
    "POST-STEPS-NO-INPUT",
    "STATUS-EVENTS",
    "STATUS-OPEN",
    "STREAM-ARGUMENTS-DELTA",
    "STREAM-METADATA-USAGE",
    "STREAM-STEP-START-PARTIAL",
    "STREAM-EVENT-ID",
    "SO-RESPONSE-FORMAT",
    "ERR-BODY",
    "GEN-THINKING-LEVEL",
}


@pytest.fixture(scope="module")
def rules() -> list[dict[str, Any]]:
    return list(catalogue(REVISION)["rules"])


# 2025-12 rules added after this catalogue was lined up with 2025-12 that still need a decision
# for 2026-05 (carry over, change, or drop). Issue 9 closed the last 14: keep it empty.
NOT_YET_CARRIED_OVER: set[str] = set()


def _legacy_ids() -> set[str]:
    """The 2025-12 rule ids, less those not yet decided for 2026-05."""
    return set(load_revision("2025-12").rules) - NOT_YET_CARRIED_OVER


def test_must_decide_rules_carry_a_decision(rules: list[dict[str, Any]]) -> None:
    by_id = {rule["id"]: rule for rule in rules}
    assert set(by_id) >= MUST_DECIDE
    for rule_id in MUST_DECIDE:
        assert len(by_id[rule_id].get("decision", "")) > 40, rule_id


def test_ids_line_up_with_2025_12(rules: list[dict[str, Any]]) -> None:
    ours = {rule["id"] for rule in rules}
    legacy = _legacy_ids()
    assert legacy - ours == set(DROPPED)
    assert not set(DROPPED) & ours


def test_the_loader_reads_the_steps_rules() -> None:
    revision = load_revision(REVISION)
    assert (
        revision.rule("STREAM-START-FIRST").statement == "The first event is interaction.created."
    )


def test_dropped_rules_give_a_reason() -> None:
    for rule_id, reason in DROPPED.items():
        assert len(reason) > 20, rule_id


# -- quotes against the stored sources ---------------------------------------------------------


def _norm(text: str) -> str:
    """NFC, whitespace runs collapsed: how quotes are matched against their source file."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def _stored_texts(source: dict[str, Any], shared: Path) -> list[str] | None:
    """The texts a source's quote must occur in, or None when its source is not stored here."""
    kind, ref = source["kind"], source["ref"]
    if kind == "reference" and ref.startswith("API-SURFACE"):
        return [(shared / "guide" / "API-SURFACE.md").read_text("utf-8")]
    if kind == "guide" and re.match(r"G\d+\b", ref):
        return [(shared / "guide" / "000_09c92481357c7f06.txt").read_text("utf-8")]
    if kind == "recorded":
        texts = []
        for path in sorted(REAL_TRAFFIC.glob(ref)):
            data = json.loads(path.read_text("utf-8"))
            texts += [
                str(data["_meta"].get("what", "")),
                json.dumps(data["payload"], ensure_ascii=False),
            ]
        return texts
    return None


def test_quotes_occur_verbatim_in_the_stored_sources(
    rules: list[dict[str, Any]], shared_dir: Path
) -> None:
    missing, checked = [], 0
    for rule in rules:
        for source in rule["sources"]:
            texts = _stored_texts(source, shared_dir)
            if texts is None:
                continue
            checked += 1
            if not any(_norm(source["quote"]) in _norm(text) for text in texts):
                missing.append(
                    f"  {rule['id']}: {source['kind']} {source['ref']!r}: {source['quote']!r}"
                )
    assert checked > 150, f"only {checked} quotes could be checked"
    assert not missing, "quotes not found verbatim in the source they cite:\n" + "\n".join(missing)


def test_no_quote_is_the_generic_steps_row(rules: list[dict[str, Any]]) -> None:
    # The API-SURFACE 8 "Steps schema" row once stood in for 69 missing quotes: each rule now
    # quotes what supports it.
    generic = [
        r["id"] for r in rules for s in r["sources"] if s["quote"].startswith("**Steps schema**")
    ]
    assert not generic, generic
