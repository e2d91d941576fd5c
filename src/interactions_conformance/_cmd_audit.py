"""`interactions-conformance audit`: list where a revision and the installed SDK disagree.

Like mypy's stubtest for hand-written stubs: walks google-genai's Interactions types
(``_audit_walk``, run in ``--python``'s interpreter, default this one) and compares them with a
revision's schemas (``_audit``). Every difference is printed with the SDK type, the place in
the revision and a hint, unless ``spec/<revision>/audit-allow.txt`` explains it::

    audit: google-genai 3.6.1 (/path/python) against revision 2026-11
    missing-field Interaction.errors
      sdk:   interaction.py Interaction.errors: List[Error]
      spec:  interaction.json#/ has no property 'errors'
      hint:  add 'errors' to interaction.json#/properties

Exit 0 when nothing is unexplained, 1 otherwise, 2 on a usage error (unknown revision, no
SDK, an SDK without Interactions types, a --python that does not run).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from . import _audit_walk
from ._audit import ALLOW_FILE, audit, read_allow, to_json, to_text
from ._spec import SpecError, available_revisions, load_revision

__all__ = ["add_arguments", "run", "walk_sdk"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    newest = available_revisions()[-1] if available_revisions() else None
    parser.add_argument(
        "--revision", default=newest, help="the revision to audit (default: newest, %(default)s)"
    )
    parser.add_argument(
        "--python",
        metavar="PY",
        help="the interpreter whose google-genai to walk (default: this one)",
    )
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="default %(default)s"
    )
    parser.add_argument(
        "--show-allowed",
        action="store_true",
        help="also print the differences the allow file explains",
    )


class WalkFailed(Exception):
    pass


def walk_sdk(python: str | None) -> dict[str, Any]:
    """The SDK surface as ``_audit_walk`` dumps it, in-process or in another interpreter."""
    if python is None:
        try:
            return _audit_walk.walk()
        except _audit_walk.WalkError as exc:
            raise WalkFailed(str(exc)) from None
    try:
        done = subprocess.run(  # the user's own interpreter, no shell
            [python, str(Path(_audit_walk.__file__))],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise WalkFailed(f"cannot run {python}: {exc}") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise WalkFailed(last.removeprefix("audit: "))
    try:
        data: dict[str, Any] = json.loads(done.stdout)
    except ValueError:
        raise WalkFailed(f"{python} printed no SDK surface (not JSON)") from None
    return data


def run(args: argparse.Namespace) -> int:
    available = available_revisions()
    if args.revision not in available:
        print(
            f"error: unknown revision {args.revision!r}; available: {', '.join(available)}",
            file=sys.stderr,
        )
        return 2
    try:
        revision = load_revision(args.revision)
    except SpecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        sdk = walk_sdk(args.python)
    except WalkFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    entries, bad = read_allow(revision.folder / ALLOW_FILE)
    result = audit(sdk, revision, entries)
    result.problems[:0] = bad
    if args.format == "json":
        print(json.dumps(to_json(result), indent=2))
    else:
        print(to_text(result, show_allowed=args.show_allowed))
    return 1 if result.unexplained else 0
