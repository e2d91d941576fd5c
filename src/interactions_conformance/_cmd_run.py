"""`interactions-conformance run`: the main job.

Checks the options and the target (`_preflight`: one line and exit 2 when the target cannot
run the suites), then runs the conformance suites with pytest in a fresh interpreter, isolated
from wherever it is started: its own ini (`_run_pytest.ini`, ``-c``), the suites' rootdir, no
conftest above them, no ``PYTEST_ADDOPTS``, no auto-loaded plugins (only the ones it needs,
plus ``--plugin NAME``), no cache, Hypothesis's database in a cache directory. Nothing is
written in the current directory unless asked (``--results``, ``--summary-md``, ``--junitxml``).
Arguments it does not know go to pytest (``-k basic``, ``-v``, ``--tb=long``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from ._spec import DEFAULT_REVISION

PASSTHROUGH = True  # unknown arguments are pytest's

EXIT_CODES = """exit codes:
  0  every rule that ran held
  1  violations found (a rule failed)
  2  usage error, or the preflight found the target unable to run the suites
  3  incomplete: the run stopped early (token budget, interrupted, no verdict) or
     the results say "incomplete"
  130  interrupted with Ctrl-C

Any other argument goes to pytest: -k EXPR (rule ids are keywords: -k STREAM-START-FIRST),
-v, --tb=long, --durations=N, --junitxml=PATH, -p NAME. By default run prints one block per
violated rule and no pytest traceback; -v, -q, -r... or --tb=... give pytest's own report."""

_INI = Path(__file__).with_name("_run_pytest.ini")
_TARGETS = ("emulator", "live", "cassettes")


def suites_root() -> Path:
    """The conformance suites: the wheel's copy, or ``suites/`` in a checkout."""
    packaged = Path(__file__).with_name("_suites")
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "suites"


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "interactions-conformance"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EXIT_CODES
    target = parser.add_argument_group("target")
    target.add_argument(
        "--target", default="emulator", help="emulator (default), live, cassettes, or a base URL"
    )
    target.add_argument(
        "--revision",
        help="spec revision (default: the target profile's, else the newest, "
        f"{DEFAULT_REVISION}; no built-in profile pins one)",
    )
    target.add_argument(
        "--profile",
        help="target profile: a TOML path or a built-in name "
        "(emulator, live-free, live-paid, third-party)",
    )
    target.add_argument("--api-key", help="API key (default: $GEMINI_API_KEY)")
    target.add_argument("--second-api-key", help="second API key for isolation tests")
    target.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="send on every request (a gateway's own auth); secret-looking values never printed",
    )
    target.add_argument(
        "--emulator-fault",
        action="append",
        default=[],
        metavar="NAME",
        help="run the emulator with a fault mode (serve --list-faults)",
    )
    target.add_argument(
        "--strict-schema", action="store_true", help="unknown fields are violations, not drift"
    )
    target.add_argument(
        "--strict-deviations",
        action="store_true",
        help="a known deviation that held (deviation fixed) fails the run",
    )
    limits = parser.add_argument_group("limits")
    limits.add_argument(
        "--request-timeout",
        type=float,
        metavar="SECONDS",
        help="seconds without a byte from the target before a request fails (default 30)",
    )
    limits.add_argument(
        "--rate-limit", type=float, metavar="PER_SECOND", help="at most N requests per second"
    )
    limits.add_argument(
        "--token-budget",
        type=int,
        help="stop sending requests after N tokens (shared among -n workers); exit 3",
    )
    limits.add_argument(
        "--max-failures", type=int, metavar="N", help="stop after N failed tests (pytest --maxfail)"
    )
    limits.add_argument("-x", "--exitfirst", action="store_true", help="stop at the first failure")
    limits.add_argument(
        "--no-preflight", action="store_true", help="skip the preflight request (URL and live)"
    )
    select = parser.add_argument_group("selection")
    select.add_argument(
        "--rule",
        action="append",
        default=[],
        metavar="ID",
        help="only tests of rules with this id or prefix (STREAM-); repeatable; a traffic rule "
        "(checked on every exchange) selects the tests of its area",
    )
    select.add_argument(
        "--exclude-rule", action="append", default=[], metavar="ID", help="leave these tests out"
    )
    select.add_argument("--area", action="append", default=[], help="only this area; repeatable")
    select.add_argument(
        "--level", action="append", default=[], choices=("MUST", "SHOULD", "MAY"), help="repeatable"
    )
    select.add_argument(
        "--list", action="store_true", help="print the tests and rules that would run; run nothing"
    )
    gen = parser.add_argument_group("generation (Hypothesis)")
    gen.add_argument("--max-examples", type=int, metavar="N", help="examples per generated test")
    gen.add_argument(
        "--seed",
        type=int,
        help="draw the examples of this seed (default: derandomized, the same every run)",
    )
    gen.add_argument(
        "--hypothesis-profile",
        metavar="NAME",
        help="conformance (default), live (chosen for --target live), or one you register",
    )
    out = parser.add_argument_group("output")
    out.add_argument("--results", metavar="PATH", help="write the results JSON here")
    out.add_argument(
        "--summary-md", metavar="PATH", help="write a Markdown summary here (CI pages)"
    )
    out.add_argument("--retention-ledger", metavar="PATH", help="live retention checks across runs")
    out.add_argument(
        "--record-mode",
        choices=("none", "once", "new_episodes", "all", "rewrite"),
        help="cassettes (default: none with --target cassettes, otherwise no recording)",
    )
    out.add_argument(
        "--cassette-dir", metavar="DIR", help="where cassettes are (default ./cassettes)"
    )
    out.add_argument(
        "--cassette-target",
        metavar="NAME",
        help="with --target cassettes: whose recordings (default emulator)",
    )
    run_group = parser.add_argument_group("execution")
    run_group.add_argument(
        "-n",
        "--workers",
        metavar="N",
        help="run in N worker processes (pytest-xdist; 'auto' = one per core), "
        "each with its own emulator",
    )
    run_group.add_argument(
        "--plugin",
        action="append",
        default=[],
        metavar="NAME",
        help="also load this pytest plugin (-p NAME); none is loaded unless asked",
    )


class UsageError(Exception):
    """One line for the user; exit 2."""


def _check_args(args: argparse.Namespace) -> None:
    from ._targets import ProfileError, builtin_profile, load_profile

    name = args.target
    if name not in _TARGETS and not name.startswith(("http://", "https://")):
        raise UsageError(f"--target {name!r} is not emulator, live, cassettes or an http(s) URL")
    for option, value in (
        ("--request-timeout", args.request_timeout),
        ("--rate-limit", args.rate_limit),
    ):
        if value is not None and not value > 0:
            raise UsageError(f"{option} must be a positive number, not {value:g}")
    for option, value in (
        ("--max-failures", args.max_failures),
        ("--max-examples", args.max_examples),
    ):
        if value is not None and value < 1:
            raise UsageError(f"{option} must be 1 or more, not {value}")
    if args.token_budget is not None and args.token_budget < 0:
        raise UsageError(f"--token-budget must be 0 or more, not {args.token_budget}")
    if args.revision is not None:
        from ._spec import SpecError, load_revision

        try:
            load_revision(args.revision)
        except SpecError as exc:
            raise UsageError(str(exc)) from exc
    if args.workers is not None and args.workers != "auto" and not args.workers.isdigit():
        raise UsageError(f"-n/--workers takes a number or 'auto', not {args.workers!r}")
    for header in args.header:
        head, sep, _ = header.partition(":")
        if not sep or not head.strip() or " " in head.strip():
            raise UsageError(f"--header {header!r}: write it as 'Name: value'")
    if args.rule or args.exclude_rule or args.area:
        from ._plugin import AREAS, _rule_ids_of_every_revision
        from ._selection import Selection, SelectionError, validate

        wanted = Selection(tuple(args.rule), tuple(args.exclude_rule), tuple(args.area))
        try:
            validate(wanted, _rule_ids_of_every_revision(), AREAS)
        except SelectionError as exc:
            raise UsageError(str(exc)) from exc
    if args.emulator_fault:
        from .emulator._faults import FAULTS

        unknown = [f for f in args.emulator_fault if f not in FAULTS]
        if unknown:
            raise UsageError(
                f"--emulator-fault {unknown[0]}: no such fault mode "
                "(interactions-conformance serve --list-faults lists them)"
            )
    try:
        if args.profile:
            load_profile(args.profile)
        elif name not in ("emulator", "cassettes"):
            builtin_profile("live-free" if name == "live" else "third-party")
    except ProfileError as exc:
        raise UsageError(str(exc)) from exc
    if name == "cassettes":
        _check_cassettes(args)
    if name == "live" and not (args.api_key or os.environ.get("GEMINI_API_KEY")):
        raise UsageError(
            "--target live needs an API key: set GEMINI_API_KEY or pass --api-key (no request was sent)"
        )


def _check_cassettes(args: argparse.Namespace) -> None:
    from ._plugin import _target_dir
    from ._targets import builtin_profile, load_profile

    recorded = args.cassette_target or "emulator"
    profile = load_profile(args.profile) if args.profile else None
    if profile is None:
        profile = builtin_profile(
            "emulator"
            if recorded == "emulator"
            else "live-free"
            if recorded == "live"
            else "third-party"
        )
    revision = args.revision or profile.revision or DEFAULT_REVISION
    root = Path(args.cassette_dir) if args.cassette_dir else Path.cwd() / "cassettes"
    folder = root / revision / _target_dir(recorded)
    if not folder.is_dir():
        raise UsageError(
            f"--target cassettes: no recordings at {folder} (they are read from ./cassettes or "
            f"--cassette-dir; record them with --target {recorded} --record-mode rewrite)"
        )


def _run_preflight(args: argparse.Namespace) -> None:
    from ._preflight import PREFLIGHT_TIMEOUT, PreflightError, preflight
    from ._spec import SpecError, load_revision
    from ._targets import LIVE_BASE_URL, builtin_profile, load_profile

    name = args.target
    if name in ("emulator", "cassettes") or args.no_preflight:
        return
    profile = (
        load_profile(args.profile)
        if args.profile
        else builtin_profile("live-free" if name == "live" else "third-party")
    )
    try:
        revision = load_revision(args.revision or profile.revision or DEFAULT_REVISION)
    except SpecError as exc:
        raise UsageError(str(exc)) from exc
    headers = {}
    for header in args.header:
        head, _, value = header.partition(":")
        headers[head.strip()] = value.strip()
    try:
        preflight(
            LIVE_BASE_URL if name == "live" else name,
            args.api_key or os.environ.get("GEMINI_API_KEY"),
            api_revision=revision.meta.get("api_revision_header"),
            revision=revision.name,
            headers=headers,
            timeout=min(PREFLIGHT_TIMEOUT, args.request_timeout or PREFLIGHT_TIMEOUT),
        )
    except PreflightError as exc:
        from ._secrets import scrub_text

        raise UsageError(scrub_text(str(exc))) from exc


def _option(argv: list[str], flag: str, value: object) -> None:
    # One token, --flag=value: a separate value could be taken for a test path by pytest's
    # early argument scan (an existing --results file stopped it finding its ini).
    if value is not None:
        argv.append(f"{flag}={value}")


def _pytest_args(args: argparse.Namespace, results: Path) -> list[str]:
    root = suites_root()
    argv = [str(root), "-c", str(_INI), f"--rootdir={root}", f"--confcutdir={root}"]
    argv += ["-p", "no:cacheprovider", "-p", "interactions_conformance._plugin"]
    argv += ["-p", "_hypothesis_pytestplugin", "--strict-markers"]
    for plugin in args.plugin:
        argv += ["-p", plugin]
    if args.workers is not None and not args.list:  # a listing collects only: no workers
        argv += ["-p", "xdist", "-n", args.workers]
    argv += [f"--target={args.target}", "--no-preflight"]  # done already, by _run_preflight
    if args.results:
        argv.append(f"--results={results}")
    else:
        argv.append(f"--conformance-results-file={results}")
    for flag in (
        "revision",
        "profile",
        "api_key",
        "second_api_key",
        "token_budget",
        "request_timeout",
        "rate_limit",
        "retention_ledger",
        "record_mode",
        "cassette_dir",
        "cassette_target",
        "max_examples",
    ):
        _option(argv, f"--{flag.replace('_', '-')}", getattr(args, flag))
    if args.target == "cassettes" and args.cassette_dir is None:
        # Recordings are the user's, in the directory the run starts in, not next to the suites.
        _option(argv, "--cassette-dir", Path.cwd() / "cassettes")
    if args.strict_schema:
        argv.append("--strict-schema")
    if args.strict_deviations:
        argv.append("--strict-deviations")
    for flag, values in (
        ("--emulator-fault", args.emulator_fault),
        ("--header", args.header),
        ("--rule", args.rule),
        ("--exclude-rule", args.exclude_rule),
        ("--area", args.area),
        ("--level", args.level),
    ):
        for value in values:
            _option(argv, flag, value)
    if args.seed is not None:
        _option(argv, "--hypothesis-seed", args.seed)
    _option(argv, "--conformance-hypothesis-profile", args.hypothesis_profile)
    if args.max_failures is not None:
        _option(argv, "--maxfail", args.max_failures)
    if args.exitfirst:
        argv.append("--exitfirst")
    extra = list(getattr(args, "extra", []))
    if args.list:
        argv += ["--conformance-list", "-q"]
    elif not asks_for_pytest_output(extra):
        # The rule blocks are the report: pytest's per-file progress, tracebacks and FAILED
        # list would only repeat them (a fault failing 19 tests printed 146 lines, 4 of them
        # news). -v, -q, -r... or --tb... bring pytest's own output back.
        argv += ["-q", "--tb=no", "-rN", "--conformance-compact"]
    return argv + extra


def asks_for_pytest_output(extra: list[str]) -> bool:
    """Whether the pytest arguments ask for pytest's own verbosity, tracebacks or reports."""
    for token in extra:
        if token.startswith(("--tb", "--verbose", "--quiet", "--showlocals", "--full-trace")):
            return True
        if token.startswith("-") and not token.startswith("--") and token[1:2] in "vqrl":
            return True
    return False


def _environment(args: argparse.Namespace) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "HYPOTHESIS_PROFILE")
    }
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    storage = cache_dir() / "hypothesis"
    env["HYPOTHESIS_STORAGE_DIRECTORY"] = str(storage)
    return env


def _print_areas(results: dict[str, Any], *, all_areas: bool = True) -> None:
    """Per area: rule counts, and the score side by side (held, MUST, coverage; _verdicts).

    Without ``all_areas`` only the areas where some rule did not simply pass are listed."""
    from ._verdicts import percent

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
    if not all_areas:
        clean = [a for a in by_area if by_area[a]["passed"] == sum(by_area[a].values())]
        rows = [a for a in rows if a not in clean]
        if clean:
            print(f"  ({len(clean)} areas with every rule passed: -v lists them)")
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


def _incomplete(results: dict[str, Any]) -> str:
    """Why the run has no full verdict ("" when it has one)."""
    # _verdicts: "complete": false with the reasons in "incomplete" (coverage, token budget)
    flag = results.get("incomplete")
    if results.get("complete") is False or (flag and results.get("complete") is None):
        if isinstance(flag, list) and flag:
            return "; ".join(str(reason) for reason in flag)
        return flag if isinstance(flag, str) and flag else "the results say incomplete"
    budget = sum(
        1 for r in results.get("rules", {}).values() if "token budget" in str(r.get("reason", ""))
    )
    if budget:
        return f"the token budget was spent: {budget} rules skipped for it"
    return ""


def _exit_code(code: int, results: dict[str, Any] | None, listing: bool) -> int:
    """pytest's exit code and the results -> ours (see EXIT_CODES)."""
    if listing and code in (0, 5):
        return 0
    if code == 4:
        return 2
    if code == 5:
        print("error: the selection matched no test (run --list shows what would run)")
        return 2
    if code == 1:
        return 1
    reason = _incomplete(results) if results is not None else ""
    if code == 0 and not reason:
        return 0
    if not reason:
        reason = {2: "the run was interrupted", 3: "pytest failed internally"}.get(
            code, f"pytest exited {code}"
        )
    print(f"incomplete: {reason} (exit 3)")
    return 3


def _call(argv: list[str], env: dict[str, str]) -> int:
    """pytest in its own session: Ctrl-C reaches only this process, which stops it quietly."""
    child = subprocess.Popen(argv, env=env, start_new_session=True)
    try:
        return child.wait()
    except KeyboardInterrupt:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        raise


def run(args: argparse.Namespace) -> int:
    root = suites_root()
    if not root.is_dir():
        print(f"error: the conformance suites are missing (looked in {root})", file=sys.stderr)
        return 2
    try:
        _check_args(args)
        _run_preflight(args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not args.list:
        if args.seed is not None:
            print(
                f"seed {args.seed} (reproduce: interactions-conformance run --seed {args.seed} ...)"
            )
        else:
            print(
                "seed: derandomized (the same examples every run; --seed N draws others)",
                flush=True,
            )
    with tempfile.TemporaryDirectory(prefix="interactions-conformance-") as tmp:
        # --results PATH is written by the plugin; without it, a temporary file is (the areas
        # table and --summary-md read it) and nothing is left behind.
        path = Path(args.results) if args.results else Path(tmp) / "results.json"
        started = time.time()
        # A fresh interpreter: pytest must import (and assertion-rewrite) the plugin itself,
        # which it cannot do in this process, where the package is already imported.
        argv = [sys.executable, "-m", "pytest", *_pytest_args(args, path)]
        try:
            code = _call(argv, _environment(args))
        except KeyboardInterrupt:
            print("\ninterrupted (Ctrl-C): the run stopped; no results written", file=sys.stderr)
            return 130
        results = None
        # Only this run's results: after a usage error an older file must not be shown.
        if path.is_file() and path.stat().st_mtime >= started - 1:
            with contextlib.suppress(OSError, ValueError):
                results = json.loads(path.read_text("utf-8"))
        if results is not None and not args.list:
            _print_areas(results, all_areas=asks_for_pytest_output(getattr(args, "extra", [])))
            if args.summary_md:
                _write_summary(path, Path(args.summary_md))
    return _exit_code(code, results, args.list)


def _write_summary(results: Path, out: Path) -> None:
    from ._report import Report, load_run, render_markdown

    report = Report([(results, load_run(results))])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_markdown(report), "utf-8")
    print(f"Markdown summary written to {out}")
