"""`interactions-conformance scan PATH...`: no file may hold an API key.

Every file under the paths (recursively) is read as text and searched for a
Google-shaped key (``AIza`` and 35 more characters) and for each key given
with ``--key``. A finding names the file and line and shows only the key's
first characters, so the scanner's own output never leaks what it found.
Exit 0 when clean, 1 when a key was found, 2 when a path does not exist.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from ._secrets import find_secrets

__all__ = ["add_arguments", "run", "scan"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files or folders to scan")
    parser.add_argument(
        "--key",
        action="append",
        default=[],
        metavar="KEY",
        help="also look for this exact key (repeatable), e.g. the key the cassettes were recorded with",
    )


def _files(paths: Sequence[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file())
        else:
            yield path


def _hint(secret: str) -> str:
    return f"{secret[:6]}... ({len(secret)} chars)"


def scan(paths: Sequence[Path], keys: Sequence[str] = ()) -> list[str]:
    """One line per key found: ``file:line: what`` (the key itself never printed)."""
    found: list[str] = []
    known = tuple(k for k in keys if k)
    for path in _files(paths):
        text = path.read_bytes().decode("utf-8", "replace")
        if not find_secrets(text, known):
            continue
        for number, line in enumerate(text.splitlines(), 1):
            for secret in find_secrets(line, known):
                what = "a key given with --key" if secret in known else "a Google-shaped API key"
                found.append(f"{path}:{number}: {what}: {_hint(secret)}")
    return found


def run(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.paths]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        print(f"scan: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    found = scan(paths, args.key)
    count = sum(1 for _ in _files(paths))
    for line in found:
        print(line)
    if found:
        print(f"{len(found)} key(s) found in {count} file(s) scanned: scrub or delete them")
        return 1
    print(f"no key found in {count} file(s)")
    return 0
