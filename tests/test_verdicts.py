"""The verdicts core (`_verdicts.py`): what happened in a run -> one outcome per rule."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from interactions_conformance import Violation
from interactions_conformance._verdicts import (
    Policy,
    RuleInfo,
    TestRecord,
    incomplete_reasons,
    judge,
    judge_test,
    render_rule_block,
    score,
    unknown_deviations,
)

RULES = {
    "A-ONE": RuleInfo("A-ONE", "a", "MUST", "One holds."),
    "A-TWO": RuleInfo("A-TWO", "a", "SHOULD", "Two holds."),
    "B-THREE": RuleInfo("B-THREE", "b", "MUST", "Three holds."),
    "T-SCHEMA": RuleInfo("T-SCHEMA", "schema", "MUST", "Shapes hold.", exercised="traffic"),
    "T-STREAM": RuleInfo("T-STREAM", "streaming", "MUST", "Streams hold.", exercised="traffic"),
    "N-NONE": RuleInfo(
        "N-NONE", "b", "MAY", "Nothing can break it.", exercised="none: a permission"
    ),
}


def v(rule: str, where: str = "/x") -> Violation:
    return Violation(rule, f"{rule} broke", expected="e", actual="a", where=where)


def statuses(records: list[TestRecord], policy: Policy | None = None, **kw: int) -> dict[str, str]:
    return {r: x.status for r, x in judge(RULES, records, policy or Policy(), **kw).items()}


def test_a_rejection_test_fails_under_its_own_rule_first_and_reports_the_answers_violations() -> (
    None
):
    # The target accepted what it must reject: the test's own expectation raised A-ONE, and the
    # checks found B-THREE (declared) and T-SCHEMA (not declared) in the accepted answer.
    record = TestRecord(
        "t::reject", ("A-ONE", "B-THREE"), "failed", raised=[v("A-ONE")],
        traffic=[v("T-SCHEMA"), v("B-THREE")],
    )  # fmt: skip
    assert judge_test(record, Policy()).rules == ["A-ONE", "B-THREE", "T-SCHEMA"]
    got = statuses([record])
    assert (got["A-ONE"], got["B-THREE"], got["T-SCHEMA"]) == ("failed", "failed", "failed")


def test_a_deviation_tolerates_its_rule_only() -> None:
    record = TestRecord("t::x", ("A-ONE", "A-TWO"), "passed", traffic=[v("A-ONE"), v("B-THREE")])
    policy = Policy(deviations={"A-ONE": "known"})
    verdict = judge_test(record, policy)
    assert verdict.failed
    assert verdict.rules == ["B-THREE"]
    assert [x.rule for x in verdict.tolerated] == ["A-ONE"]
    got = judge(RULES, [record], policy)
    assert got["A-ONE"].status == "deviation"
    assert got["A-ONE"].evidence[0]["where"] == "/x"  # the evidence is kept and shown
    assert (got["A-TWO"].status, got["B-THREE"].status) == ("passed", "failed")


def test_a_deviation_that_held_is_fixed_and_one_that_crashed_is_still_a_deviation() -> None:
    held = TestRecord("t::held", ("A-ONE",), "passed")
    crash = TestRecord("t::crash", ("A-TWO",), "failed", reason="KeyError: 'id'")
    policy = Policy(deviations={"A-ONE": "was broken", "A-TWO": "crashes"})
    got = judge(RULES, [held, crash], policy)
    assert got["A-ONE"].status == "deviation fixed"
    assert "remove it from the profile" in got["A-ONE"].reason
    assert got["A-TWO"].status == "deviation"
    assert not judge_test(crash, policy).failed  # its only rule is tolerated
    assert judge_test(crash, Policy()).failed


def test_a_test_stopped_by_its_own_violation_does_not_credit_the_rules_it_did_not_reach() -> None:
    record = TestRecord("t::x", ("A-ONE", "A-TWO"), "failed", raised=[v("A-ONE")])
    got = judge(RULES, [record], Policy(deviations={"A-ONE": "known"}))
    assert got["A-ONE"].status == "deviation"
    assert got["A-TWO"].status == "not exercised"
    assert got["A-TWO"].reason == "not reached: t::x stopped at A-ONE"


def test_a_rule_of_a_feature_turned_off_is_never_failed() -> None:
    record = TestRecord("t::x", ("A-ONE",), "failed", raised=[v("A-ONE")], traffic=[v("B-THREE")])
    policy = Policy(unsupported={"B-THREE": "no mcp here"})
    got = judge(RULES, [record], policy)
    assert got["B-THREE"].status == "skipped"
    assert got["B-THREE"].reason == "unsupported: no mcp here (1 violation(s) seen and not counted)"
    assert judge_test(record, policy).rules == ["A-ONE"]


def test_traffic_rules_hold_when_their_kind_of_traffic_was_checked() -> None:
    assert statuses([], requests=3)["T-SCHEMA"] == "passed"
    assert statuses([], requests=3)["T-STREAM"] == "not exercised"  # no stream was checked
    assert statuses([], requests=3, streams=1)["T-STREAM"] == "passed"
    broken = TestRecord("t::x", (), "passed", traffic=[v("T-SCHEMA")])
    assert statuses([broken], requests=3)["T-SCHEMA"] == "failed"


def test_skips_keep_their_reason() -> None:
    record = TestRecord("t::x", ("A-TWO",), "skipped", reason="unsupported: no agents")
    got = judge(RULES, [record], Policy())
    assert (got["A-TWO"].status, got["A-TWO"].reason) == ("skipped", "unsupported: no agents")


_RECORD = st.builds(
    TestRecord,
    nodeid=st.sampled_from(["t::a", "t::b", "t::c"]),
    rules=st.lists(st.sampled_from(["A-ONE", "A-TWO", "B-THREE"]), max_size=2).map(tuple),
    outcome=st.sampled_from(["passed", "failed", "skipped"]),
    reason=st.just("why"),
    raised=st.lists(st.sampled_from(["A-ONE", "A-TWO", "B-THREE"]).map(v), max_size=1),
    traffic=st.lists(st.sampled_from(["A-ONE", "B-THREE", "T-SCHEMA"]).map(v), max_size=3),
)


@given(st.lists(_RECORD, max_size=5), st.sampled_from(sorted(RULES)))
def test_declaring_a_deviation_never_changes_another_rules_outcome(
    records: list[TestRecord], deviated: str
) -> None:
    records = [r if r.outcome == "failed" or not r.raised else TestRecord(
        r.nodeid, r.rules, "failed", r.reason, r.raised, r.traffic) for r in records]  # fmt: skip
    without = statuses(records, requests=1)
    declared = statuses(records, Policy(deviations={deviated: "declared"}), requests=1)
    assert {r: s for r, s in declared.items() if r != deviated} == {
        r: s for r, s in without.items() if r != deviated
    }
    assert declared[deviated] in (
        {"deviation", "deviation fixed"} if without[deviated] in ("failed", "passed") else
        {without[deviated]}
    )  # fmt: skip


def test_score_counts_skipped_and_unreached_rules_against_the_pass_rate() -> None:
    entries = [
        {"status": "passed", "level": "MUST"},
        {"status": "deviation fixed", "level": "SHOULD"},
        {"status": "failed", "level": "MUST"},
        {"status": "deviation", "level": "MUST"},
        {"status": "skipped", "level": "MUST"},
        {"status": "not exercised", "level": "SHOULD"},
        {"status": "not exercised", "level": "MUST", "applicable": False},
    ]
    result = score(entries)
    assert (result.applicable, result.exercised, result.passed) == (6, 4, 2)
    assert (result.must_applicable, result.must_passed) == (4, 1)
    assert (result.pass_rate, result.must_rate) == (2 / 6, 1 / 4)
    assert result.coverage == 4 / 6
    assert incomplete_reasons(result) == [
        "coverage 66% (4 of 6 applicable rules exercised) is below 80%"
    ]
    assert incomplete_reasons(score(entries[:4]), budget_spent=True) == [
        "the token budget was spent before every test ran"
    ]


def test_a_selection_is_scored_on_what_it_selected() -> None:
    record = TestRecord("t::x", ("A-ONE",), "passed")
    got = judge(RULES, [record], Policy(), in_scope={"A-ONE"})
    assert [r for r, x in got.items() if x.applicable] == ["A-ONE"]
    assert not judge(RULES, [], Policy())["N-NONE"].applicable  # "exercised: none"


def test_unknown_deviations_name_the_closest_rule_ids() -> None:
    assert unknown_deviations(["A-ONE", "A-ONEE", "ZZZ"], RULES) == [
        "'A-ONEE' is not a rule of any revision; did you mean A-ONE, N-NONE, A-TWO?",
        "'ZZZ' is not a rule of any revision",
    ]


def test_a_rule_block_shows_the_rule_the_evidence_the_tests_and_a_rerun_line() -> None:
    block = render_rule_block(
        "A-ONE",
        [v("A-ONE", "/a"), v("A-ONE", "/b")],
        statement="One holds.",
        level="MUST",
        tests=["t::a", "t::b", "t::c"],
        rerun="interactions-conformance run --rule A-ONE",
    )
    assert block.splitlines() == [
        "[A-ONE] A-ONE broke",
        "  rule:      One holds. (MUST)",
        "  expected:  e",
        "  actual:    a",
        "  where:     /a",
        "  and 1 more: A-ONE broke at /b",
        "  test:      t::a, t::b (+1 more)",
        "  rerun:     interactions-conformance run --rule A-ONE",
    ]


def test_a_rule_of_another_revision_counts_in_no_score() -> None:
    record = TestRecord("t::x", ("OTHER-REVISION",), "skipped", reason="not in revision")
    got = judge(RULES, [record], Policy())
    assert (got["OTHER-REVISION"].status, got["OTHER-REVISION"].applicable) == ("skipped", False)
