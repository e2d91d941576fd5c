"""`interactions-conformance rules`: the catalogue grouped by area, with counts."""

from __future__ import annotations

import argparse
import json
from collections import defaultdict

from ._spec import DEFAULT_REVISION, Rule, SpecError, load_revision


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--revision", default=DEFAULT_REVISION, help="spec revision (default %(default)s)"
    )
    parser.add_argument("--area", help="only this area")
    parser.add_argument("--level", choices=["MUST", "SHOULD", "MAY"], help="only this level")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


def run(args: argparse.Namespace) -> int:
    try:
        revision = load_revision(args.revision)
    except SpecError as exc:
        print(f"error: {exc}")
        return 2
    rules = [
        r
        for r in revision.rules.values()
        if (not args.area or r.area == args.area) and (not args.level or r.level == args.level)
    ]
    if args.area and not rules:
        known = ", ".join(sorted({r.area for r in revision.rules.values()}))
        print(f"error: no rules in area {args.area!r}; areas: {known}")
        return 2
    by_area: dict[str, list[Rule]] = defaultdict(list)
    for rule in rules:
        by_area[rule.area].append(rule)
    if args.json:
        print(
            json.dumps(
                {
                    "revision": revision.name,
                    "count": len(rules),
                    "areas": {
                        area: [
                            {"id": r.id, "level": r.level, "statement": r.statement} for r in items
                        ]
                        for area, items in by_area.items()
                    },
                },
                indent=2,
            )
        )
        return 0
    print(f"revision {revision.name}: {len(rules)} rules in {len(by_area)} areas")
    for area, items in by_area.items():
        title = revision.areas.get(area, "")
        print(f"\n{area} ({len(items)}){': ' + title if title else ''}")
        for r in items:
            print(f"  {r.id:<28} {r.level:<6} {r.statement}")
    return 0
