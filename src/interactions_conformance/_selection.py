"""Which conformance tests run: by rule id (prefix), area and level.

``--rule STREAM-`` keeps the tests that declare a rule starting with ``STREAM-`` (ids are
upper-cased; repeatable, any match keeps a test); ``--exclude-rule`` drops every test that
declares a matching rule; ``--area`` and ``--level`` keep the tests of those areas and of
rules at those levels. Different options narrow together (AND), repeats of one widen (OR).

A ``traffic`` rule (schemas, usage arithmetic, the stream grammar) has no test of its own: it
is checked on every exchange. ``--rule`` of a traffic rule keeps every test of that rule's
area, whose exchanges are the ones that can break it (a streaming traffic rule: the
streaming tests; an area no test is marked with: every test, since any exchange may).
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterable, Sequence

from ._spec import Revision

__all__ = ["Selection", "SelectionError", "rules_of_test", "select"]

LEVELS = ("MUST", "SHOULD", "MAY")


class SelectionError(Exception):
    """A selection option names nothing: the message says what exists."""


@dataclasses.dataclass(frozen=True)
class Selection:
    rules: tuple[str, ...] = ()
    exclude_rules: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return bool(self.rules or self.exclude_rules or self.areas or self.levels)

    def describe(self) -> str:
        parts = [f"--rule {r}" for r in self.rules]
        parts += [f"--exclude-rule {r}" for r in self.exclude_rules]
        parts += [f"--area {a}" for a in self.areas]
        parts += [f"--level {lv}" for lv in self.levels]
        return " ".join(parts)


@dataclasses.dataclass(frozen=True)
class TestInfo:
    """What selection needs to know of one collected test."""

    nodeid: str
    rules: tuple[str, ...]
    areas: tuple[str, ...]  # the area markers on the test


def rules_of_test(marks: Iterable[Sequence[str]]) -> tuple[str, ...]:
    return tuple(rule for args in marks for rule in args)


def _matches(rule: str, prefixes: Iterable[str]) -> bool:
    return any(rule.startswith(p) for p in prefixes)


def validate(selection: Selection, known_rules: Iterable[str], areas: Iterable[str]) -> Selection:
    """Upper-cased ids; a prefix that matches no rule, an unknown area or level is an error."""
    ids = sorted(set(known_rules))
    areas = sorted(set(areas))
    for option, prefixes in (
        ("--rule", selection.rules),
        ("--exclude-rule", selection.exclude_rules),
    ):
        for prefix in prefixes:
            if not any(r.startswith(prefix.upper()) for r in ids):
                close = difflib.get_close_matches(prefix.upper(), ids, n=3, cutoff=0.5)
                hint = f"; closest: {', '.join(close)}" if close else ""
                raise SelectionError(
                    f"{option} {prefix}: no rule id starts with it{hint} "
                    "(interactions-conformance rules lists them)"
                )
    for area in selection.areas:
        if area not in areas:
            raise SelectionError(f"--area {area}: no such area; known: {', '.join(areas)}")
    for level in selection.levels:
        if level.upper() not in LEVELS:
            raise SelectionError(f"--level {level}: one of {', '.join(LEVELS)}")
    return dataclasses.replace(
        selection,
        rules=tuple(r.upper() for r in selection.rules),
        exclude_rules=tuple(r.upper() for r in selection.exclude_rules),
        levels=tuple(lv.upper() for lv in selection.levels),
    )


def _traffic_areas(selection: Selection, revision: Revision) -> set[str]:
    """The areas of the selected traffic rules (their tests are the exchanges that can break them)."""
    return {
        rule.area
        for rule in revision.rules.values()
        if rule.exercised == "traffic" and _matches(rule.id, selection.rules)
    }


def keep(test: TestInfo, selection: Selection, revision: Revision, marked_areas: set[str]) -> bool:
    """Whether ``test`` runs under ``selection`` (``marked_areas``: areas some test is marked with)."""
    if selection.rules:
        traffic = _traffic_areas(selection, revision)
        by_rule = any(_matches(r, selection.rules) for r in test.rules)
        by_traffic = bool(traffic & set(test.areas)) or bool(traffic - marked_areas)
        if not (by_rule or by_traffic):
            return False
    if selection.exclude_rules and any(_matches(r, selection.exclude_rules) for r in test.rules):
        return False
    if selection.areas and not set(selection.areas) & set(test.areas):
        return False
    if selection.levels:
        levels = {revision.rules[r].level for r in test.rules if r in revision.rules}
        if not levels & set(selection.levels):
            return False
    return True


def select(
    tests: Sequence[TestInfo], selection: Selection, revision: Revision
) -> tuple[list[TestInfo], list[TestInfo]]:
    """(kept, deselected), in collection order."""
    if not selection.active:
        return list(tests), []
    marked_areas = {a for t in tests for a in t.areas}
    kept: list[TestInfo] = []
    dropped: list[TestInfo] = []
    for test in tests:
        (kept if keep(test, selection, revision, marked_areas) else dropped).append(test)
    return kept, dropped


def rules_selected(
    tests: Sequence[TestInfo], selection: Selection, revision: Revision
) -> list[str]:
    """The rules the selected tests exercise: the ones they declare, and the traffic rules of
    their areas (checked on their exchanges)."""
    ids = {r for t in tests for r in t.rules if r in revision.rules}
    areas = {a for t in tests for a in t.areas}
    for rule in revision.rules.values():
        in_area = rule.area in areas or not selection.areas
        matched = not selection.rules or _matches(rule.id, selection.rules)
        if rule.exercised == "traffic" and in_area and matched:
            ids.add(rule.id)
    return sorted(ids)
