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
