"""`interactions-conformance report`: several results files side by side, or two compared.

Prints a text summary (runs, score per area, failures, drift, and with two
files what changed); ``--html`` and ``--markdown`` write the full report
with the rule-by-run matrix and every failure's evidence. ``--compare OLD
NEW`` exits 1 when a rule newly fails: the check to run the morning after an
API change. Exit codes: 0 done, 1 newly failing (``--compare`` only),
2 a file that is not a results file, or a usage error.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "results",
        nargs="+",
        type=Path,
        metavar="RESULTS.json",
        help="results files (from `run --results` or pytest --results), one column each",
    )
    parser.add_argument("--html", metavar="OUT", type=Path, help="write a self-contained HTML file")
    parser.add_argument("--markdown", metavar="OUT", type=Path, help="write a Markdown file")
    parser.add_argument(
        "--compare",
        action="store_true",
        help="exactly two files, OLD NEW: exit 1 when a rule newly fails",
    )


def run(args: argparse.Namespace) -> int:
    from ._report import Report, ReportError, load_run, render_html, render_markdown, render_text

    if args.compare and len(args.results) != 2:
        print(
            f"error: --compare takes exactly two results files (OLD NEW), got {len(args.results)}",
            file=sys.stderr,
        )
        return 2
    try:
        report = Report([(path, load_run(path)) for path in args.results])
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    width = shutil.get_terminal_size((80, 24)).columns
    sys.stdout.write(render_text(report, width=width))
    for path, render in ((args.html, render_html), (args.markdown, render_markdown)):
        if path is None:
            continue
        try:
            path.write_text(render(report), "utf-8")
        except OSError as exc:
            print(f"error: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
            return 2
        print(f"written: {path}")
    if args.compare and report.comparison is not None and report.comparison.newly_failing:
        return 1
    return 0
