"""`interactions-conformance check PATH...`: re-check recorded traffic against a revision.

Reads cassettes, HAR files and JSON Lines of exchanges (`_sources` documents
the formats; a folder is searched for all three), runs the same checks as a
live run on each file's exchanges as one scenario (so the rules across
exchanges, such as a stream against a later GET, apply too), and prints every
violation and every drift with where it is: file, exchange index, event and
JSON pointer. Text output::

    cassettes/x.yaml
      exchange 1 POST /v1beta/interactions (200)
        [STREAM-START-FIRST] the first event is not interaction.start
          expected: "interaction.start"
          actual:   "interaction.status_update"
          where:    exchange 1 event 0 /event_type
      drift: unknown property "service_tier" at / (interaction)

    checked 3 exchanges in 1 file against revision 2025-12: 1 violation (1 rule), 1 drift

Each file is checked against ``--revision``; without it, against the revision
a cassette names in its metadata (recorded under it), else the revision its
traffic's shape shows (``outputs`` 2025-12, ``steps`` the newest; `_shape`),
else the newest. So ``check cassettes/`` checks each revision's recordings by
their own revision, and a HAR file by its era. A choice by shape or default
is printed first (``app.har: revision 2026-11 (by its shape: ...)``; in JSON,
the file's ``revision_chosen``).

Exit 0 when no violation, 1 when any, 2 on a usage error (a missing or
unreadable file, an unknown revision).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ._findings import Drift, Violation
from ._shape import revision_by_shape
from ._sources import Sourced, SourceError, read_source, source_files
from ._spec import DEFAULT_REVISION, Revision, SpecError, load_revision

__all__ = ["add_arguments", "check_source", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="cassettes (.yaml), HAR (.har), JSON Lines (.jsonl), or folders holding them",
    )
    parser.add_argument(
        "--revision",
        help="spec revision for every file (default: the revision a cassette was recorded "
        f"under, else the one its shape shows: outputs 2025-12, steps {DEFAULT_REVISION})",
    )
    parser.add_argument(
        "--strict-schema",
        action="store_true",
        help="unknown fields, enum values and event types are violations, not drift",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")


_EXCHANGE = re.compile(r"^exchange (\d+)\b")


def check_source(
    source: Sourced, revision: Revision, *, strict: bool = False
) -> tuple[list[Violation], list[Drift]]:
    """The violations (located ``exchange N ...``) and the distinct drift of one file."""
    from .checks import check_scenario

    if not source.exchanges:
        return [], []
    result = check_scenario(source.exchanges, revision, strict=strict)
    drift: dict[tuple[str, str, str], Drift] = {}
    for item in result.drift:
        drift.setdefault((item.what, item.name, item.where), item)
    return result.violations, list(drift.values())


def _exchange_of(violation: Violation) -> int | None:
    match = _EXCHANGE.match(violation.where)
    return int(match.group(1)) if match else None


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _text(source: Sourced, violations: list[Violation], drift: list[Drift]) -> list[str]:
    lines = [str(source.path)]
    by_exchange: dict[int | None, list[Violation]] = {}
    for violation in violations:
        by_exchange.setdefault(_exchange_of(violation), []).append(violation)
    for index in sorted(by_exchange, key=lambda i: -1 if i is None else i):
        if index is not None and index < len(source.exchanges):
            exchange = source.exchanges[index]
            path = urlsplit(exchange.request.url).path
            lines.append(
                f"  exchange {index} {exchange.request.method} {path} ({exchange.response.status})"
            )
        for violation in by_exchange[index]:
            lines.append(f"    [{violation.rule}] {violation.message}")
            lines.append(f"      expected: {violation.expected}")
            lines.append(f"      actual:   {violation.actual}")
            lines.append(f"      where:    {violation.where or '/'}")
    for item in drift:
        lines.append(f"  {item.render()}")
    return lines


def _revision_of(source: Sourced, chosen: str | None) -> tuple[Revision, str]:
    """--revision; else the one the cassette was recorded under; else the one the traffic's
    shape shows (``_shape``: outputs 2025-12, steps the newest); else the default. With the
    reason when neither the option nor metadata said (it is printed)."""
    recorded = source.metadata.get("revision")
    name = chosen or (recorded if isinstance(recorded, str) else None)
    if name:
        return load_revision(name), ""
    guess = revision_by_shape(source.exchanges)
    if guess is not None:
        return load_revision(guess.revision), f"by its shape: {guess.reason}"
    return load_revision(DEFAULT_REVISION), "the default: no metadata, and no shape says"


def run(args: argparse.Namespace) -> int:
    try:
        if args.revision is not None:
            load_revision(args.revision)
    except SpecError as exc:
        print(f"check: {exc}", file=sys.stderr)
        return 2
    paths = [Path(p) for p in args.paths]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        print(f"check: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    files = source_files(paths)
    if not files:
        print("check: no cassette, HAR or JSON Lines file under the given paths", file=sys.stderr)
        return 2
    reports: list[dict[str, Any]] = []
    text: list[str] = []
    total_exchanges = total_violations = total_drift = 0
    rules: set[str] = set()
    used: dict[str, int] = {}  # revision -> files checked against it
    for path in files:
        try:
            source = read_source(path)
            revision, why = _revision_of(source, args.revision)
        except (SourceError, SpecError) as exc:
            print(
                f"check: {path}: {exc}" if isinstance(exc, SpecError) else f"check: {exc}",
                file=sys.stderr,
            )
            return 2
        used[revision.name] = used.get(revision.name, 0) + 1
        if why:
            text.append(f"{path}: revision {revision.name} ({why})")
        violations, drift = check_source(source, revision, strict=args.strict_schema)
        total_exchanges += len(source.exchanges)
        total_violations += len(violations)
        total_drift += len(drift)
        rules.update(v.rule for v in violations)
        if violations or drift:
            text.extend([*_text(source, violations, drift), ""])
        reports.append(
            {
                "file": str(path),
                "kind": source.kind,
                "revision": revision.name,
                **({"revision_chosen": why} if why else {}),
                "exchanges": len(source.exchanges),
                "violations": [{**v.as_dict(), "exchange": _exchange_of(v)} for v in violations],
                "drift": [d.as_dict() for d in drift],
            }
        )
    names = sorted(used)
    summary = {
        "revision": names[0] if len(names) == 1 else names,
        "strict_schema": bool(args.strict_schema),
        "files": len(files),
        "exchanges": total_exchanges,
        "violations": total_violations,
        "rules": sorted(rules),
        "drift": total_drift,
    }
    if args.format == "json":
        print(json.dumps({"summary": summary, "files": reports}, indent=2))
    else:
        for line in text:
            print(line)
        print(
            f"checked {_plural(total_exchanges, 'exchange')} in {_plural(len(files), 'file')} "
            f"against {_against(used)}"
            f"{' (strict schema)' if args.strict_schema else ''}: "
            f"{_plural(total_violations, 'violation')} ({_plural(len(rules), 'rule')}), "
            f"{total_drift} drift"
        )
    return 1 if total_violations else 0


def _against(used: dict[str, int]) -> str:
    if len(used) == 1:
        return f"revision {next(iter(used))}"
    return "revisions " + ", ".join(
        f"{name} ({_plural(n, 'file')})" for name, n in sorted(used.items())
    )
