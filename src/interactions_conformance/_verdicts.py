"""Verdicts: what happened in a run, turned into one outcome per rule.

Pure (core layer): no pytest, no I/O. The plugin feeds it one `TestRecord`
per test (the rules it declares, the violations its own assertions raised,
the violations the automatic checks found on its exchanges, its skip reason
or crash) and a `Policy` from the profile; `judge` answers per rule, `score`
sums up, and the render functions give the readable failure text. The
results JSON, the report and the terminal summary all read these verdicts,
so a rule means the same thing everywhere.

Outcomes of a rule:

* ``failed``: a violation of it that the profile does not tolerate, or a
  test declaring it crashed (a failure that is not a `Violation`);
* ``deviation`` (known deviation): the profile declares it, and it was
  violated: tolerated, the evidence kept;
* ``deviation fixed``: the profile declares it, but it held;
* ``passed``: a test declaring it completed without violating it, or (a
  ``traffic`` rule) traffic of its kind was checked and never broke it;
* ``skipped``: every test of it was skipped (the reason says why), or it
  belongs to a feature the profile turns off (violations seen are ignored);
* ``not exercised``: nothing reached it.

Deviations are applied here, after the fact, and never change how a test
runs: whether a rule is declared a deviation changes the outcome of that
rule alone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ._findings import Violation

__all__ = [
    "COVERAGE_THRESHOLD",
    "EXERCISED",
    "STATUSES",
    "Policy",
    "RuleInfo",
    "RuleVerdict",
    "Score",
    "TestRecord",
    "TestVerdict",
    "incomplete_reasons",
    "judge",
    "judge_test",
    "record_from_json",
    "record_to_json",
    "render_rule_block",
    "render_test_failure",
    "score",
    "unknown_deviations",
]

PASSED = "passed"
FAILED = "failed"
DEVIATION = "deviation"
FIXED = "deviation fixed"
SKIPPED = "skipped"
NOT_EXERCISED = "not exercised"
STATUSES = (PASSED, FAILED, DEVIATION, FIXED, SKIPPED, NOT_EXERCISED)
# A rule was exercised when the run saw it hold or break; skipped and not exercised were not.
EXERCISED = frozenset({PASSED, FAILED, DEVIATION, FIXED})
HELD = frozenset({PASSED, FIXED})
# Below this coverage (exercised / applicable rules) a run is "incomplete": too little of the
# contract was reached for its pass rate to mean much. README "Scores" says why 0.8.
COVERAGE_THRESHOLD = 0.8
EVIDENCE_LIMIT = 5


@dataclasses.dataclass(frozen=True)
class RuleInfo:
    """What the catalogue says of a rule (only what a verdict needs)."""

    id: str
    area: str = ""
    level: str = ""
    statement: str = ""
    exercised: str = "http"  # http | traffic | "none: why"

    @property
    def applicable(self) -> bool:
        """A rule the catalogue says nothing can exercise counts in no score."""
        return not self.exercised.startswith("none")


@dataclasses.dataclass
class TestRecord:
    """What one test did."""

    __test__ = False  # not a test class, whatever its name tells pytest

    nodeid: str
    rules: tuple[str, ...]  # the rules it declares (@pytest.mark.rule)
    outcome: str  # passed (ran to the end) | failed | skipped
    reason: str = ""  # skipped: why; failed without a Violation: the failure's last line
    raised: list[Violation] = dataclasses.field(default_factory=list)  # its own assertions
    traffic: list[Violation] = dataclasses.field(default_factory=list)  # the automatic checks
    budget: bool = False  # skipped because the token budget was spent

    @property
    def crashed(self) -> bool:
        return self.outcome == FAILED and not self.raised


@dataclasses.dataclass(frozen=True)
class Policy:
    """What the profile tolerates: its deviations, and the rules of features it turns off."""

    deviations: Mapping[str, str] = dataclasses.field(default_factory=dict)
    unsupported: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def tolerates(self, rule: str) -> bool:
        return rule in self.deviations or rule in self.unsupported


@dataclasses.dataclass
class TestVerdict:
    """A test's own outcome: it fails on the violations the profile does not tolerate."""

    __test__ = False

    failing: list[Violation]  # its own rule's first, then its declared rules', then the rest
    tolerated: list[Violation]
    crashed: bool  # failed without a Violation: the failure counts against its declared rules
    crash_failing: bool  # ... and one of those rules is not tolerated (or it declares none)
    skipped: bool

    @property
    def failed(self) -> bool:
        return self.crash_failing or bool(self.failing)

    @property
    def rules(self) -> list[str]:
        """The rules it fails on, in the order they are shown."""
        return list(dict.fromkeys(v.rule for v in self.failing))


def _unique(violations: Iterable[Violation]) -> list[Violation]:
    return list(dict.fromkeys(violations))


def judge_test(record: TestRecord, policy: Policy) -> TestVerdict:
    """Order a test's violations and split what the profile tolerates from what fails it.

    A test stops at the first violation its own assertions raise (what follows may depend
    on it), while the checks on its traffic never stop it; so the rule it stopped at comes
    first, then the rules it declares, then any other rule its traffic broke.
    """
    declared = set(record.rules)
    traffic = sorted(_unique(record.traffic), key=lambda v: v.rule not in declared)
    ordered = _unique([*record.raised, *traffic])
    failing = [v for v in ordered if not policy.tolerates(v.rule)]
    tolerated = [v for v in ordered if policy.tolerates(v.rule)]
    crash_failing = record.crashed and (
        not record.rules or not all(policy.tolerates(rule) for rule in record.rules)
    )
    return TestVerdict(
        failing=failing,
        tolerated=tolerated,
        crashed=record.crashed,
        crash_failing=crash_failing,
        skipped=record.outcome == SKIPPED,
    )


@dataclasses.dataclass
class RuleVerdict:
    id: str
    status: str
    area: str = ""
    level: str = ""
    statement: str = ""
    applicable: bool = True
    tests: list[str] = dataclasses.field(default_factory=list)
    reason: str = ""
    evidence: list[dict[str, str]] = dataclasses.field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "area": self.area,
            "level": self.level,
            "statement": self.statement,
            "applicable": self.applicable,
            "tests": self.tests,
            "reason": self.reason,
            "evidence": self.evidence,
        }


@dataclasses.dataclass
class _Seen:
    """Everything the run told about one rule, before it is decided."""

    tests: list[str] = dataclasses.field(default_factory=list)
    broken: list[Violation] = dataclasses.field(default_factory=list)
    crashes: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # test, message
    held: list[str] = dataclasses.field(default_factory=list)
    skips: list[str] = dataclasses.field(default_factory=list)
    stopped: list[str] = dataclasses.field(default_factory=list)  # tests that stopped before it

    def touch(self, nodeid: str) -> None:
        if nodeid and nodeid not in self.tests:
            self.tests.append(nodeid)


def judge(
    rules: Mapping[str, RuleInfo],
    tests: Iterable[TestRecord],
    policy: Policy,
    *,
    requests: int = 0,
    streams: int = 0,
    in_scope: Iterable[str] | None = None,
) -> dict[str, RuleVerdict]:
    """One verdict per rule of ``rules`` (and per other rule a test cited or broke).

    ``requests`` and ``streams`` are the exchanges (and streamed 200 exchanges) the automatic
    checks saw: a ``traffic`` rule held when traffic of its kind was seen and never broke it.
    ``in_scope`` are the rules the selected tests declare (None: every rule); a rule outside
    it that nothing reached is not applicable, so a selection of tests is scored on what it
    selected.
    """
    seen: dict[str, _Seen] = {}

    def of(rule: str) -> _Seen:
        return seen.setdefault(rule, _Seen())

    for record in tests:
        split = judge_test(record, policy)
        broken_here = set()
        for violation in [*split.failing, *split.tolerated]:
            entry = of(violation.rule)
            entry.touch(record.nodeid)
            entry.broken.append(violation)
            broken_here.add(violation.rule)
        stopped_at = record.raised[0].rule if record.raised else ""
        for rule in record.rules:
            entry = of(rule)
            entry.touch(record.nodeid)
            if rule in broken_here:
                continue
            if record.outcome == SKIPPED:
                entry.skips.append(record.reason)
            elif record.crashed:
                entry.crashes.append((record.nodeid, record.reason))
            elif stopped_at:
                entry.stopped.append(f"{record.nodeid} stopped at {stopped_at}")
            else:
                entry.held.append(record.nodeid)
    scope = None if in_scope is None else set(in_scope)
    verdicts: dict[str, RuleVerdict] = {}
    for rule_id in sorted(set(rules) | set(seen)):
        info = rules.get(rule_id, RuleInfo(rule_id))
        entry = seen.get(rule_id, _Seen())
        traffic_credit = False
        if info.exercised == "traffic" and not entry.broken and not entry.held:
            streamed = info.area == "streaming"
            count = streams if streamed else requests
            if count:
                kind = "streamed exchanges" if streamed else "exchanges"
                entry.held.append(f"checked on every one of {count} {kind}: no violation")
                traffic_credit = True
        verdict = _decide(info, entry, policy, traffic_credit)
        if verdict.status in EXERCISED:  # reached after all (the catalogue's "none" aside)
            verdict.applicable = True
        if scope is not None and rule_id not in scope and verdict.status not in EXERCISED:
            verdict.applicable = False
        if rules and rule_id not in rules:  # another revision's rule: not this run's contract
            verdict.applicable = False
        verdicts[rule_id] = verdict
    return verdicts


def _evidence(violations: Sequence[Violation]) -> list[dict[str, str]]:
    return [v.as_dict() for v in _unique(violations)[:EVIDENCE_LIMIT]]


def _decide(info: RuleInfo, seen: _Seen, policy: Policy, traffic_credit: bool) -> RuleVerdict:
    verdict = RuleVerdict(
        info.id,
        NOT_EXERCISED,
        area=info.area,
        level=info.level,
        statement=info.statement,
        applicable=info.applicable,
        tests=list(seen.tests),
    )
    rule = info.id
    if rule in policy.unsupported:
        # A feature the profile turns off: its rule is never failed, whatever traffic showed.
        verdict.status = SKIPPED
        verdict.reason = f"unsupported: {policy.unsupported[rule]}"
        if seen.broken:
            verdict.reason += f" ({len(_unique(seen.broken))} violation(s) seen and not counted)"
            verdict.evidence = _evidence(seen.broken)
        return verdict
    if rule in policy.deviations:
        why = policy.deviations[rule]
        if seen.broken or seen.crashes:
            verdict.status, verdict.reason = DEVIATION, f"known deviation: {why}"
            verdict.evidence = (_evidence(seen.broken) + _crash_evidence(rule, seen))[
                :EVIDENCE_LIMIT
            ]
        elif seen.held:
            verdict.status = FIXED
            verdict.reason = (
                f"declared a known deviation ({why}), but it held: "
                "remove it from the profile's [deviations]"
            )
        elif seen.stopped:  # a test tried and stopped short: that says more than a skip
            verdict.reason = f"not reached: {seen.stopped[0]}"
        elif seen.skips:
            verdict.status, verdict.reason = SKIPPED, seen.skips[0]
        return verdict
    if seen.broken or seen.crashes:
        verdict.status = FAILED
        verdict.evidence = _evidence(seen.broken) + _crash_evidence(rule, seen)
        verdict.evidence = verdict.evidence[:EVIDENCE_LIMIT]
        if not seen.broken:
            verdict.reason = _crash_reason(seen)
    elif seen.held:
        verdict.status = PASSED
        if traffic_credit:
            verdict.reason = seen.held[0]
    elif seen.stopped:
        verdict.reason = f"not reached: {seen.stopped[0]}"
    elif seen.skips:
        verdict.status, verdict.reason = SKIPPED, seen.skips[0]
    return verdict


def _crash_reason(seen: _Seen) -> str:
    test, message = seen.crashes[0]
    return f"{test} failed without a rule violation: {message}"


def _crash_evidence(rule: str, seen: _Seen) -> list[dict[str, str]]:
    return [
        {"kind": "failure", "rule": rule, "message": f"{test}: {message}"}
        for test, message in seen.crashes[:EVIDENCE_LIMIT]
    ]


# -- scores -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Score:
    """Counts over the applicable rules of an area or of a run."""

    applicable: int = 0
    exercised: int = 0
    passed: int = 0  # passed or deviation fixed: the rule held
    must_applicable: int = 0
    must_passed: int = 0

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def pass_rate(self) -> float | None:
        """Rules that held / applicable rules (skipped and not exercised count as not held)."""
        return self._rate(self.passed, self.applicable)

    @property
    def must_rate(self) -> float | None:
        return self._rate(self.must_passed, self.must_applicable)

    @property
    def coverage(self) -> float | None:
        """Rules exercised (held, failed or known deviation) / applicable rules."""
        return self._rate(self.exercised, self.applicable)

    def as_dict(self) -> dict[str, Any]:
        return {
            "applicable": self.applicable,
            "exercised": self.exercised,
            "passed": self.passed,
            "must_applicable": self.must_applicable,
            "must_passed": self.must_passed,
            "pass_rate": self.pass_rate,
            "must_rate": self.must_rate,
            "coverage": self.coverage,
        }


def score(entries: Iterable[Mapping[str, Any]]) -> Score:
    """The score of rule entries (each with ``status``, ``level`` and optional ``applicable``).

    applicable = rules the run was meant to reach: every rule in scope whose catalogue entry
    does not say it cannot be exercised, skipped ones included (a target that declares fewer
    features does not score higher); pass rate = held / applicable; MUST rate the same over
    MUST rules; coverage = exercised / applicable.
    """
    applicable = exercised = passed = must_applicable = must_passed = 0
    for entry in entries:
        if not entry.get("applicable", True):
            continue
        status = str(entry.get("status"))
        must = entry.get("level") == "MUST"
        applicable += 1
        must_applicable += must
        exercised += status in EXERCISED
        passed += status in HELD
        must_passed += must and status in HELD
    return Score(applicable, exercised, passed, must_applicable, must_passed)


def incomplete_reasons(
    overall: Score, *, budget_spent: bool = False, threshold: float = COVERAGE_THRESHOLD
) -> list[str]:
    """Why a run is incomplete (empty: it is complete)."""
    reasons = []
    if budget_spent:
        reasons.append("the token budget was spent before every test ran")
    coverage = overall.coverage
    if coverage is not None and coverage < threshold:
        reasons.append(
            f"coverage {percent(coverage)} ({overall.exercised} of {overall.applicable} "
            f"applicable rules exercised) is below {percent(threshold)}"
        )
    return reasons


def percent(rate: float | None) -> str:
    """A rate as a whole percentage, rounded down (99.9% is not 100%)."""
    return "n/a" if rate is None else f"{int(rate * 100 + 1e-9)}%"


def unknown_deviations(deviations: Iterable[str], known: Iterable[str]) -> list[str]:
    """One message per deviation naming no rule of any revision, with the closest ids."""
    import difflib

    known = sorted(set(known))
    out = []
    for rule in deviations:
        if rule in known:
            continue
        close = difflib.get_close_matches(rule, known, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        out.append(f"{rule!r} is not a rule of any revision{hint}")
    return out


# -- readable failures ----------------------------------------------------------------------


def render_rule_block(
    rule: str,
    violations: Sequence[Violation],
    *,
    statement: str = "",
    level: str = "",
    tests: Sequence[str] = (),
    rerun: str = "",
) -> str:
    """One block for one violated rule: the first violation in full, then what else broke it."""
    first = violations[0]
    if statement and not first.statement:
        first = first.with_context(statement=statement)
    lines = first.render().splitlines()
    if level and len(lines) > 1 and lines[1].startswith("  rule:"):
        lines[1] += f" ({level})"
    others = _unique(violations[1:])
    if others:
        lines.append(f"  and {len(others)} more: " + "; ".join(_short(v) for v in others[:3]))
    if tests:
        more = f" (+{len(tests) - 2} more)" if len(tests) > 2 else ""
        lines.append(f"  test:      {', '.join(tests[:2])}{more}")
    if rerun:
        lines.append(f"  rerun:     {rerun}")
    return "\n".join(lines)


def _short(violation: Violation) -> str:
    where = f" at {violation.where}" if violation.where else ""
    return f"{violation.message}{where}"


def render_test_failure(verdict: TestVerdict, *, crash: str = "") -> str:
    """A failed test in one line: the rules it broke (its own first) and what broke first.

    The details (expected, actual, where, curl, rerun) are in the one block per rule that
    the summary prints, so a fault that fails twenty tests does not print twenty tracebacks.
    """
    rules = verdict.rules
    if rules:
        line = f"violated {', '.join(rules)}: {_short(verdict.failing[0])}"
    else:
        line = "failed without a rule violation"
    tolerated = len(_unique(verdict.tolerated))
    if tolerated:
        line += f" (+{tolerated} tolerated by the profile)"
    return f"{line}\n  {crash}" if crash else line


# -- records across processes ---------------------------------------------------------------


def _violation_to_json(violation: Violation) -> dict[str, str]:
    return {**violation.as_dict(), "statement": violation.statement}


def _violation_from_json(data: Mapping[str, str]) -> Violation:
    return Violation(
        data["rule"],
        data["message"],
        expected=data.get("expected", ""),
        actual=data.get("actual", ""),
        where=data.get("where", ""),
        reproduce=data.get("reproduce", ""),
        schema_path=data.get("schema_path", ""),
        statement=data.get("statement", ""),
    )


def record_to_json(record: TestRecord) -> dict[str, Any]:
    """A record as plain JSON data (pytest-xdist ships it from a worker in the test report)."""
    return {
        "nodeid": record.nodeid,
        "rules": list(record.rules),
        "outcome": record.outcome,
        "reason": record.reason,
        "raised": [_violation_to_json(v) for v in record.raised],
        "traffic": [_violation_to_json(v) for v in record.traffic],
        "budget": record.budget,
    }


def record_from_json(data: Mapping[str, Any]) -> TestRecord:
    return TestRecord(
        str(data["nodeid"]),
        tuple(data.get("rules") or ()),
        str(data["outcome"]),
        str(data.get("reason", "")),
        [_violation_from_json(v) for v in data.get("raised") or ()],
        [_violation_from_json(v) for v in data.get("traffic") or ()],
        bool(data.get("budget", False)),
    )
