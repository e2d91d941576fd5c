"""`interactions-conformance diff OLD NEW`: what changed between two spec revisions.

Compares the schemas and rules catalogues of two revisions and says, change by change,
whether it breaks a client (`_diff` documents what is compared and the classification).
Markdown by default: the big changes in plain words, a summary table, breaking changes by
area (request, resource, streaming, errors, rules), the union types, then the rest::

    # Spec changes from 2025-12 to 2026-05

    389 changes, 96 of them breaking for a client.

    ## The big changes

    - The Interaction's `outputs` array is now `steps`: ...

``--format json`` prints one JSON document (shape: ``diff.schema.json`` beside this module).
Exit 0 whatever the diff holds; 2 on an unknown revision, listing the available ones.
"""

from __future__ import annotations

import argparse
import json
import sys

from ._diff import diff, to_json, to_markdown
from ._spec import SpecError, available_revisions, load_revision

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("old", metavar="OLD", help="the revision to compare from (e.g. 2025-12)")
    parser.add_argument("new", metavar="NEW", help="the revision to compare to (e.g. 2026-05)")
    parser.add_argument(
        "--format",
        choices=("markdown", "json"),
        default="markdown",
        help="output format (default %(default)s)",
    )


def run(args: argparse.Namespace) -> int:
    available = available_revisions()
    unknown = [name for name in (args.old, args.new) if name not in available]
    if unknown:
        print(
            f"error: unknown revision {unknown[0]!r}; available: {', '.join(available) or 'none'}",
            file=sys.stderr,
        )
        return 2
    try:
        old, new = load_revision(args.old), load_revision(args.new)
    except SpecError as exc:  # a revision folder whose data is broken
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result = diff(old, new)
    if args.format == "json":
        print(json.dumps(to_json(result), indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(to_markdown(result))
    return 0
