"""The `interactions-conformance` command: one subcommand per job.

Each subcommand lives in its own module with ``add_arguments(parser)`` and
``run(args) -> int``; modules are imported only when their subcommand runs,
so `rules` never pays for the emulator's imports. Exit codes: 0 clean,
1 violations found, 2 usage error.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

__all__ = ["main"]

# name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "rules": ("interactions_conformance._cmd_rules", "list the rules catalogue of a revision"),
    "selfcheck": (
        "interactions_conformance._cmd_selfcheck",
        "check the spec data itself: schemas, references, catalogue",
    ),
    "run": (
        "interactions_conformance._cmd_run",
        "run the conformance suites against a target (the main job)",
    ),
    "serve": ("interactions_conformance.emulator._serve", "run the reference emulator"),
    "scan": (
        "interactions_conformance._cmd_scan",
        "fail when a file holds an API key (cassettes, reports, logs)",
    ),
    "check": (
        "interactions_conformance._cmd_check",
        "re-check recorded traffic (cassettes, HAR, JSON Lines) against a revision",
    ),
    "proxy": (
        "interactions_conformance._cmd_proxy",
        "forward any client's traffic to an endpoint and check every exchange as it passes",
    ),
    "report": (
        "interactions_conformance._cmd_report",
        "compare results files: rule-by-run matrix, scores, drift, failures (HTML, Markdown)",
    ),
    "diff": (
        "interactions_conformance._cmd_diff",
        "what changed between two spec revisions, and which changes break a client",
    ),
    "audit": (
        "interactions_conformance._cmd_audit",
        "list where a revision and the installed google-genai's Interactions types disagree",
    ),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="interactions-conformance",
        description="Conformance suite and contract checker for the Gemini Interactions API.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_module, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("interactions-conformance")
    except PackageNotFoundError:  # running from a checkout without installing
        return "0+unknown"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    top = _parser()
    known, rest = top.parse_known_args(args)
    if known.command is None:
        top.print_help()
        return 2
    module_name, help_text = COMMANDS[known.command]
    module = importlib.import_module(module_name)
    parser = argparse.ArgumentParser(
        prog=f"interactions-conformance {known.command}", description=help_text
    )
    module.add_arguments(parser)
    try:
        if getattr(module, "PASSTHROUGH", False):  # `run` hands what it does not know to pytest
            sub_args, extra = parser.parse_known_args(rest)
            sub_args.extra = extra
        else:
            sub_args = parser.parse_args(rest)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    try:
        return int(module.run(sub_args))
    except BrokenPipeError:
        # The reader went away (`... | head`): not an error. Point stdout at devnull so that
        # the interpreter's final flush does not raise again (the Python docs' recipe).
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
