"""`interactions-conformance run`: the main job.

Runs the conformance suites with pytest against a target, shows progress,
prints the rules summary per area, writes a results JSON and exits non-zero
when any rule is violated. Arguments it does not know go to pytest
(``-k basic``, ``-x``, ``-q``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from ._spec import DEFAULT_REVISION

PASSTHROUGH = True  # unknown arguments are pytest's


def suites_root() -> Path:
    """The conformance suites: the wheel's copy, or ``suites/`` in a checkout."""
    packaged = Path(__file__).with_name("_suites")
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "suites"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target", default="emulator", help="emulator (default), live, or a base URL"
    )
    parser.add_argument(
        "--revision",
        help="spec revision (default: the target profile's, else the newest, "
        f"{DEFAULT_REVISION}; no built-in profile pins one)",
    )
    parser.add_argument("--profile", help="target profile TOML")
    parser.add_argument("--api-key", help="API key (default: $GEMINI_API_KEY)")
    parser.add_argument("--second-api-key", help="second API key for isolation tests")
    parser.add_argument(
        "--strict-schema", action="store_true", help="unknown fields are violations, not drift"
    )
    parser.add_argument("--token-budget", type=int, help="stop sending requests after N tokens")
    parser.add_argument(
        "--results",
        default="interactions-conformance-results.json",
        help="where to write the results JSON (default %(default)s)",
    )
    parser.add_argument(
        "--emulator-fault",
        action="append",
        default=[],
        metavar="NAME",
        help="run the emulator with a fault mode",
    )


def _pytest_args(args: argparse.Namespace) -> list[str]:
    root = suites_root()
    argv = [str(root), f"--rootdir={root}", "-p", "no:cacheprovider", "--strict-markers"]
    argv += ["-o", "xfail_strict=true", "--target", args.target, "--results", args.results]
    if args.revision is not None:
        argv += ["--revision", args.revision]
    for flag in ("profile", "api_key", "second_api_key", "token_budget"):
        value = getattr(args, flag)
        if value is not None:
            argv += [f"--{flag.replace('_', '-')}", str(value)]
    if args.strict_schema:
        argv.append("--strict-schema")
    for fault in args.emulator_fault:
        argv += ["--emulator-fault", fault]
    return argv + list(getattr(args, "extra", []))


def _print_areas(results_path: Path) -> None:
    """Per area: rule counts, and the score side by side (held, MUST, coverage; _verdicts)."""
    from ._verdicts import percent

    try:
        results = json.loads(results_path.read_text("utf-8"))
    except (OSError, ValueError):
        return
    by_area: dict[str, Counter[str]] = {}
    for rule in results.get("rules", {}).values():
        if rule.get("applicable", True):
            by_area.setdefault(rule.get("area") or "?", Counter())[rule["status"]] += 1
    scores = results.get("score", {}).get("areas", {})
    print(
        "\nper area (rules): passed / failed / deviation / fixed / skipped / "
        "not exercised;  held  MUST  coverage"
    )
    rows = [*sorted(by_area), "all"]
    for area in rows:
        c = by_area.get(area) or sum(by_area.values(), Counter())
        s = scores.get(area) if area != "all" else results.get("score", {}).get("overall")
        rates = (
            "".join(f"{percent(s[k]):>6}" for k in ("pass_rate", "must_rate", "coverage"))
            if s
            else ""
        )
        print(
            f"  {area:<13} {c['passed']:>3} / {c['failed']:>3} / {c['deviation']:>3} / "
            f"{c['deviation fixed']:>3} / {c['skipped']:>3} / {c['not exercised']:>3};  {rates}"
        )


def run(args: argparse.Namespace) -> int:
    root = suites_root()
    if not root.is_dir():
        print(f"error: the conformance suites are missing (looked in {root})")
        return 2
    # A fresh interpreter: pytest must import (and assertion-rewrite) the plugin itself,
    # which it cannot do in this process, where the package is already imported.
    code = subprocess.call([sys.executable, "-m", "pytest", *_pytest_args(args)])
    _print_areas(Path(args.results))
    return _incomplete_exit(code, Path(args.results))


INCOMPLETE = 3  # clean, but too little was reached to call it a pass (README "Scores")


def _incomplete_exit(code: int, results_path: Path) -> int:
    """A clean run (0) that the results call incomplete exits 3; any other code stays."""
    try:
        results = json.loads(results_path.read_text("utf-8"))
    except (OSError, ValueError):
        return code
    if code == 0 and results.get("complete") is False:
        print("INCOMPLETE: " + "; ".join(results.get("incomplete") or ()))
        return INCOMPLETE
    return code
