"""`interactions-conformance check PATH...`: re-check recorded traffic against a revision.

Reads cassettes, HAR files and JSON Lines of exchanges (`_sources` documents
the formats; a folder is searched for all three), runs the same checks as a
live run on each file's exchanges as one scenario (so the rules across
exchanges, such as a stream against a later GET, apply too; a file over 64 MiB
as consecutive scenarios of 64 MiB), and prints every
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

A folder is checked file by file: a file that cannot be read is reported on
stderr in one line (``check: path:line: why``) and the others are still
checked. Empty input is said (``check: no exchanges in x.jsonl``). Exit codes:

==  ==========================================================================
0   every file read and checked, no violation
1   violations (and every file was read and checked)
2   usage error (an unknown revision, no such path), an unreadable file (even
    when the others are clean), or no exchange found at all: nothing checked
3   the checker itself failed (a check raised on some exchange, check
    crashed, or a ``--jobs`` worker died): said in one line
==  ==========================================================================

When several apply, the highest wins; the summary line says each. Ctrl-C
exits 130 with one line (workers stopped). Text is printed with what the
terminal cannot encode (a lone surrogate in recorded text) escaped, never a
``UnicodeEncodeError``.

Scale (`_corpus`): files are read as they are checked, never whole when they
need not be: JSON Lines (and the proxy's log) line by line, a HAR file over
`_sources.MAX_SOURCE_BYTES` (64 MiB) entry by entry; a streamed file is
checked as scenarios of `_sources.SCENARIO_BYTES` (64 MiB of input), so
memory is bounded by one scenario whatever the file's size. Text is printed
file by file as each is checked; ``--format json`` is one document, printed at
the end. ``--jobs N`` spreads files, and the segments of a JSON Lines file
over 64 MiB, over N processes; the output is the same as with one. Caps: a file
read whole (cassette, ``.json``, HAR up to 64 MiB) over 64 MiB is refused
unread, and so is one line or HAR entry over it; JSON and YAML nested deeper
than 64 levels are refused, YAML anchors/aliases and Python tags are refused.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, TextIO

from ._corpus import FileResult, check_files, default_jobs, exchange_of
from ._findings import Drift, Violation
from ._sources import Sourced, source_files
from ._spec import DEFAULT_REVISION, Revision, SpecError, load_revision
from .checks._base import checker_error

__all__ = ["add_arguments", "check_source", "run"]


def _jobs(text: str) -> int:
    if text == "auto":
        return default_jobs()
    if text.isdigit() and int(text) >= 1:
        return int(text)
    raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes (1, 2, ... or auto)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="cassettes (.yaml), HAR (.har), JSON Lines (.jsonl; also the proxy's --log), "
        "exchanges (.json, as the proxy's --record writes), or folders holding them",
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
    parser.add_argument(
        "--jobs",
        "-j",
        type=_jobs,
        default=1,
        metavar="N",
        help="check in N processes (auto: one per core); files, and JSON Lines files over "
        "64 MiB segment by segment, are spread over them; the output is the same as with 1",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")


def check_source(
    source: Sourced, revision: Revision, *, strict: bool = False
) -> tuple[list[Violation], list[Drift]]:
    """The violations (located ``exchange N ...``) and the distinct drift of one file."""
    from .checks import check_scenario

    if not source.exchanges:
        return list(source.logged), []
    result = check_scenario(source.exchanges, revision, strict=strict)
    drift: dict[tuple[str, str, str], Drift] = {}
    for item in result.drift:
        drift.setdefault((item.what, item.name, item.where), item)
    return [*result.violations, *source.logged], list(drift.values())


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _text(found: FileResult) -> list[str]:
    lines = [str(found.path)]
    by_exchange: dict[int | None, list[Violation]] = {}
    for violation in found.violations:
        by_exchange.setdefault(exchange_of(violation), []).append(violation)
    for index in sorted(by_exchange, key=lambda i: -1 if i is None else i):
        if index is not None and index in found.heads:
            lines.append(f"  exchange {index} {found.heads[index]}")
        for violation in by_exchange[index]:
            lines.append(f"    [{violation.rule}] {violation.message}")
            lines.append(f"      expected: {violation.expected}")
            lines.append(f"      actual:   {violation.actual}")
            lines.append(f"      where:    {violation.where or '/'}")
    for item in found.drift:
        lines.append(f"  {item.render()}")
    return lines


EXIT_CLEAN, EXIT_VIOLATIONS, EXIT_UNREADABLE, EXIT_INTERNAL = 0, 1, 2, 3
_REPORT = "please report it at the project's issue tracker with the file that caused it"


def _say(line: str, file: TextIO) -> None:
    """Print one line; what the stream cannot encode (a lone surrogate) is escaped."""
    encoding = getattr(file, "encoding", None) or "utf-8"
    print(line.encode(encoding, "backslashreplace").decode(encoding), file=file)


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except KeyboardInterrupt:
        _say("check: interrupted", sys.stderr)
        return 130
    except BrokenProcessPool as exc:  # a worker killed (out of memory, a signal): not a finding
        _say(f"check: a worker process died ({exc}); run with --jobs 1 to see why", sys.stderr)
        return EXIT_INTERNAL
    except Exception as exc:  # a crash is ours, never "violations found"
        _say(f"check: internal error ({checker_error(exc)}); {_REPORT}", sys.stderr)
        return EXIT_INTERNAL


def _run(args: argparse.Namespace) -> int:
    try:
        if args.revision is not None:
            load_revision(args.revision)
    except SpecError as exc:
        _say(f"check: {exc}", sys.stderr)
        return EXIT_UNREADABLE
    paths = [Path(p) for p in args.paths]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        _say(f"check: no such file or folder: {', '.join(missing)}", sys.stderr)
        return EXIT_UNREADABLE
    files = source_files(paths)
    if not files:
        _say("check: no cassette, HAR or JSON Lines file under the given paths", sys.stderr)
        return EXIT_UNREADABLE
    # --format json: each file's report is written to a spool as it is checked (nothing of a
    # corpus kept in memory), then printed after the summary it needs: one document.
    with tempfile.TemporaryFile("w+", encoding="utf-8") as reports:
        return _check_all(args, files, reports)


def _check_all(args: argparse.Namespace, files: list[Path], reports: TextIO) -> int:
    count = 0

    def _report(item: dict[str, Any]) -> None:
        nonlocal count
        if args.format == "json":
            text = json.dumps(item, indent=2).replace("\n", "\n    ")
            reports.write(f"{',' if count else ''}\n    {text}")
            count += 1

    def _emit(line: str) -> None:
        # Text is printed file by file as each is checked (nothing of a corpus kept); JSON is
        # one document, printed at the end.
        if args.format == "text":
            _say(line, sys.stdout)

    total_exchanges = total_violations = total_drift = 0
    rules: set[str] = set()
    used: dict[str, int] = {}  # revision -> files checked against it
    unreadable: list[str] = []
    empty: list[str] = []
    errors: list[str] = []
    for found in check_files(
        files, revision=args.revision, strict=args.strict_schema, jobs=args.jobs
    ):
        path = found.path
        if found.unreadable:
            _say(f"check: {found.unreadable}", sys.stderr)
            unreadable.append(found.unreadable)
            _report({"file": str(path), "unreadable": found.unreadable})
            continue
        violations, drift, failed = found.violations, found.drift, found.errors
        if not found.exchanges and not violations:
            _say(f"check: no exchanges in {path}", sys.stderr)
            empty.append(str(path))
        used[found.revision] = used.get(found.revision, 0) + 1
        why = found.why
        if why and (found.exchanges or violations):  # an empty file is said above
            _emit(f"{path}: revision {found.revision} ({why})")
        for line in failed:
            _say(f"check: {path}: {line}; {_REPORT}", sys.stderr)
        errors.extend(failed)
        total_exchanges += found.exchanges
        total_violations += len(violations)
        total_drift += len(drift)
        rules.update(v.rule for v in violations)
        if violations or drift:
            for line in [*_text(found), ""]:
                _emit(line)
        _report(
            {
                "file": str(path),
                "kind": found.kind,
                "revision": found.revision,
                **({"revision_chosen": why} if why else {}),
                "exchanges": found.exchanges,
                "violations": [{**v.as_dict(), "exchange": exchange_of(v)} for v in violations],
                "drift": [d.as_dict() for d in drift],
                "checker_errors": failed,
            }
        )
    names = sorted(used)
    nothing = total_exchanges == 0 and total_violations == 0
    summary = {
        "revision": names[0] if len(names) == 1 else names,
        "strict_schema": bool(args.strict_schema),
        "files": len(files),
        "unreadable": len(unreadable),
        "empty": len(empty),
        "exchanges": total_exchanges,
        "violations": total_violations,
        "rules": sorted(rules),
        "drift": total_drift,
        "checker_errors": len(errors),
    }
    if args.format == "json":
        # what json.dumps({"summary": ..., "files": [...]}, indent=2) prints, the files spooled
        head = json.dumps(summary, indent=2).replace("\n", "\n  ")
        sys.stdout.write(f'{{\n  "summary": {head},\n  "files": [')
        reports.seek(0)
        shutil.copyfileobj(reports, sys.stdout)
        sys.stdout.write("\n  ]\n}\n" if count else "]\n}\n")
    else:
        checked = len(files) - len(unreadable)
        if nothing:
            reasons = (
                [f"{_plural(len(unreadable), 'file')} unreadable (see above)"] if unreadable else []
            )
            reasons += [f"no exchanges in {_plural(len(empty), 'file')}"] if empty else []
            line = "nothing checked: " + "; ".join(reasons)
        else:
            line = (
                f"checked {_plural(total_exchanges, 'exchange')} in {_plural(checked, 'file')} "
                f"against {_against(used)}"
                f"{' (strict schema)' if args.strict_schema else ''}: "
                f"{_plural(total_violations, 'violation')} ({_plural(len(rules), 'rule')}), "
                f"{total_drift} drift"
            )
            if unreadable:
                line += f"; {_plural(len(unreadable), 'file')} unreadable (see above)"
        if errors:
            line += f"; {_plural(len(errors), 'checker error')} (see above)"
        _say(line, sys.stdout)
    if errors:
        return EXIT_INTERNAL
    if unreadable or nothing:
        return EXIT_UNREADABLE
    return EXIT_VIOLATIONS if total_violations else EXIT_CLEAN


def _against(used: dict[str, int]) -> str:
    if len(used) == 1:
        return f"revision {next(iter(used))}"
    return "revisions " + ", ".join(
        f"{name} ({_plural(n, 'file')})" for name, n in sorted(used.items())
    )
