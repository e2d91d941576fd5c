"""`interactions-conformance rules`: the catalogue grouped by area, with counts.

Text output of ``rules --revision 2025-12`` (wrapped to the terminal width, ``COLUMNS``
respected; the default is the newest revision)::

    revision 2025-12: 150 rules in 13 areas (MUST 110, SHOULD 28, MAY 12)

    files (3): Files API and remote URIs as content
      FILES-UPLOAD-ACTIVE          MUST   An uploaded file reaches state ACTIVE.

Areas come in the catalogue's declared order. ``--json`` prints the same data as one JSON
document. An unknown ``--area`` exits 2 and lists the areas of the revision.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import textwrap
from collections import Counter
from typing import Any

from ._spec import DEFAULT_REVISION, Rule, SpecError, load_revision

LEVELS = ("MUST", "SHOULD", "MAY")
_ID_WIDTH = 28
_LEVEL_WIDTH = 6
_MIN_TEXT_WIDTH = 30  # below this, statements wrap on their own lines instead of a column


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "ids",
        nargs="*",
        metavar="ID",
        help="show these rules in full: statement, sources, decision, the tests that exercise it",
    )
    parser.add_argument(
        "--revision", default=DEFAULT_REVISION, help="spec revision (default %(default)s)"
    )
    parser.add_argument("--area", help="only this area")
    parser.add_argument("--level", choices=LEVELS, help="only this level")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


def _counts(rules: list[Rule]) -> str:
    counts = Counter(r.level for r in rules)
    return ", ".join(f"{level} {counts[level]}" for level in LEVELS if counts[level])


def _rule_lines(rule: Rule, width: int) -> list[str]:
    prefix = f"  {rule.id:<{_ID_WIDTH}} {rule.level:<{_LEVEL_WIDTH}} "
    text_width = width - len(prefix)
    if text_width < _MIN_TEXT_WIDTH:
        return [
            prefix.rstrip(),
            *textwrap.wrap(rule.statement, width, initial_indent="    ", subsequent_indent="    "),
        ]
    wrapped = textwrap.wrap(rule.statement, text_width) or [""]
    return [prefix + wrapped[0], *(" " * len(prefix) + line for line in wrapped[1:])]


def _as_json(name: str, areas: dict[str, str], by_area: dict[str, list[Rule]]) -> dict[str, Any]:
    rules = [r for items in by_area.values() for r in items]
    return {
        "revision": name,
        "count": len(rules),
        "levels": {level: sum(r.level == level for r in rules) for level in LEVELS},
        "areas": {
            area: {
                "title": areas.get(area, ""),
                "count": len(items),
                "rules": [
                    {
                        "id": r.id,
                        "level": r.level,
                        "statement": r.statement,
                        "exercised": r.exercised,
                        "decided": bool(r.decision),
                    }
                    for r in items
                ],
            }
            for area, items in by_area.items()
        },
    }


def run(args: argparse.Namespace) -> int:
    try:
        revision = load_revision(args.revision)
    except SpecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    declared = list(revision.areas) or sorted({r.area for r in revision.rules.values()})
    # Rules of an area the catalogue forgot to declare still show, after the declared ones.
    order = declared + sorted({r.area for r in revision.rules.values()} - set(declared))
    if args.area and args.area not in order:
        print(
            f"error: revision {revision.name} has no area {args.area!r}; areas: {', '.join(order)}",
            file=sys.stderr,
        )
        return 2
    if args.ids:
        return _show(revision, args.ids)
    selected = [
        r
        for r in revision.rules.values()
        if (not args.area or r.area == args.area) and (not args.level or r.level == args.level)
    ]
    by_area: dict[str, list[Rule]] = {}
    for area in order:
        items = [r for r in selected if r.area == area]
        if items:
            by_area[area] = items
    if args.json:
        print(json.dumps(_as_json(revision.name, revision.areas, by_area), indent=2))
        return 0
    width = shutil.get_terminal_size((100, 24)).columns
    plural = "area" if len(by_area) == 1 else "areas"
    print(
        f"revision {revision.name}: {len(selected)} rules in {len(by_area)} {plural}"
        + (f" ({_counts(selected)})" if selected else "")
    )
    for area, items in by_area.items():
        title = revision.areas.get(area, "")
        print(f"\n{area} ({len(items)}){': ' + title if title else ''}")
        for rule in items:
            print("\n".join(_rule_lines(rule, width)))
    return 0


def _suite_tests() -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """(test id, rules it declares, area markers of its module) for every suite test, read
    from the suites' source (no import, no collection)."""
    import ast

    from ._cmd_run import suites_root

    found = []
    for path in sorted(suites_root().glob("test_*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        areas: list[str] = []
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets
            ):
                areas += [
                    n.attr
                    for n in ast.walk(node.value)
                    if isinstance(n, ast.Attribute)
                    and isinstance(n.value, ast.Attribute)
                    and n.value.attr == "mark"
                ]
        for fn in ast.walk(tree):
            if isinstance(fn, ast.FunctionDef) and fn.name.startswith("test"):
                rules = [
                    arg.value
                    for dec in fn.decorator_list
                    if isinstance(dec, ast.Call)
                    and isinstance(dec.func, ast.Attribute)
                    and dec.func.attr == "rule"
                    for arg in dec.args
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                ]
                found.append((f"{path.name}::{fn.name}", tuple(rules), tuple(areas)))
    return found


def _show(revision: Any, ids: list[str]) -> int:
    import difflib

    tests = _suite_tests()
    code = 0
    for wanted in ids:
        rule = revision.rules.get(wanted.upper())
        if rule is None:
            close = difflib.get_close_matches(wanted.upper(), list(revision.rules), n=3)
            hint = f"; closest: {', '.join(close)}" if close else ""
            print(f"error: revision {revision.name} has no rule {wanted}{hint}", file=sys.stderr)
            code = 2
            continue
        print(f"{rule.id}  {rule.level}  ({rule.area}, revision {revision.name})")
        print(f"  {rule.statement}")
        print("  sources:")
        for source in rule.sources:
            quote = f': "{source.quote}"' if source.quote else ""
            print(f"    - {source.kind} {source.ref}{quote}")
        if rule.decision:
            print("  decision (the sources disagreed):")
            for line in textwrap.wrap(rule.decision, 90):
                print(f"    {line}")
        if rule.exercised == "traffic":
            mine = [t for t, _, areas in tests if rule.area in areas] or [t for t, _, _ in tests]
            print(
                f"  exercised: on every exchange (traffic rule); run --rule {rule.id} runs the "
                f"{len(mine)} tests of area {rule.area}:"
            )
        elif rule.exercised not in ("http", ""):
            mine = []
            print(f"  exercised: {rule.exercised}")
        else:
            mine = [t for t, rules, _ in tests if rule.id in rules]
            print(f"  tests ({len(mine)}):")
        for test in mine:
            print(f"    {test}")
        print(f"  run: interactions-conformance run --rule {rule.id}")
    return code
