"""What only the 2026-05 rules catalogue (spec/2026-05/rules.yaml) has to show.

The lint every revision shares (schema, ids, areas, statement style, sources, decisions,
exercised) is in tests/test_catalogue_lint.py. Here: the rules that must carry a decision
(``MUST_DECIDE``), the ids lined up with 2025-12 (``DROPPED``, ``NOT_YET_CARRIED_OVER``), and
what the loader reads.
"""

from __future__ import annotations

from typing import Any

import pytest

from _support import catalogue
from interactions_conformance import load_revision

REVISION = "2026-05"

# 2025-12 rules this revision drops, each with the reason (every other 2025-12 id is kept).
DROPPED = {
    "BASIC-INPUT-TURNS": "turns are gone: history is a list of steps (BASIC-INPUT-STEPS)",
    "CONV-MODEL-TURN-OUTPUTS": "no model turns: output steps are sent back (CONV-STEPS-RESENT)",
    "CONV-TURN-ROLE": "no roles in input: a turn is a legacy field (REQ-NO-LEGACY-FIELDS)",
    "SO-WITHOUT-MIME": "response_mime_type is removed (MIG); the mime type is in response_format",
    "SO-WITH-MIME": "response_mime_type is removed (MIG); a request with it is REQ-NO-LEGACY-FIELDS",
}

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


# 2025-12 rules added after this catalogue was lined up with 2025-12; each still needs a
# decision for 2026-05 (carry over, change, or drop). Issue 9 stays open until this is empty.
NOT_YET_CARRIED_OVER = {
    "SCHEMA-OUTPUTS-ERA", "USAGE-CACHED-BOUND", "BASIC-JSON-CONTENT-TYPE", "BASIC-SDK-COMPAT",
    "BASIC-OUTPUTS-GENERATED", "BASIC-USAGE", "CONV-PARAMS-NOT-INHERITED", "AGENT-STREAM",
    "STREAM-INDEX-FIELD", "STREAM-STATUS-EVENT", "STREAM-COMPLETE-OUTPUTS",
    "STREAM-RESUME-NEEDS-STREAM", "SSE-REJECT-BEFORE-STREAM", "STORE-FALSE-ACCEPTED",
}  # fmt: skip


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
