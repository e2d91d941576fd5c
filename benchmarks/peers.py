"""Peers side by side in one run: Schemathesis against our generated suite, Prism's validating
proxy against ours, all on the same emulator.

(a) Schemathesis (`schemathesis run`, every check, ``--examples`` per operation, fixed seed)
    driven by an OpenAPI 3.1 document that ``$ref``s the revision's own schemas
    (benchmarks/_peers.py writes it), against our generated suite (`interactions-conformance
    run -k test_generated`, the conformance Hypothesis profile: 25 examples, derandomized):
    - on one clean emulator process: requests sent (and checked) per second, and what each
      reports on an emulator that breaks no rule (false alarms);
    - for each emulator fault mode (``serve --fault NAME``; ``--faults`` picks them): whether
      each finds it. Ours: the run fails, and names the fault's rule. Schemathesis: it reports a
      failure (check code and operation) that the clean run did not.
(b) Prism (`prism proxy`, the same document, warnings only) against `interactions-conformance
    proxy`, in front of one emulator: p50/p99 latency, throughput, and delay per event.

A peer that cannot be installed (Schemathesis with pip, Prism with npm; benchmarks/_peers.py
installs each into a cache folder when missing) gets a "SKIPPED" line saying why; the rest runs.

    python benchmarks/peers.py [--examples 25] [--faults all|N|name,name] [--clean-rounds 2]
                               [--rounds 100]

The last lines are the ratios (peer / ours) for each row; where a peer is ahead, they say so.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from _common import (
    KEY,
    emulator,
    event_delays,
    free_port,
    latency,
    percentile,
    proxy,
    skipped,
    stop,
    throughput,
    wait_ready,
)
from _peers import openapi_document, prism_command, schemathesis_command

from interactions_conformance._targets import builtin_profile
from interactions_conformance.emulator import FAULTS

CLI = [sys.executable, "-m", "interactions_conformance._cli"]


# -- (a) Schemathesis against the generated suite --------------------------------------------


def _schemathesis(
    st: list[str], document: Path, base: str, examples: int, out: Path
) -> dict[str, Any]:
    """One Schemathesis run: requests sent, seconds, and its failures as (code, operation)."""
    out.mkdir(parents=True, exist_ok=True)
    command = [*st, "run", str(document), "--url", base, "-H", f"x-goog-api-key: {KEY}"]
    command += ["--checks", "all", "-n", str(examples), "--seed", "1", "--continue-on-failure"]
    command += ["--report", "json,har", "--report-dir", str(out), "--no-color"]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    seconds = time.perf_counter() - start
    reports = {p.name.split("-")[0]: p for p in out.glob("*.json")}
    if "json" not in reports:
        tail = (done.stdout + done.stderr).strip().splitlines()[-3:]
        raise RuntimeError(f"schemathesis wrote no report (exit {done.returncode}): {tail}")
    report = json.loads(reports["json"].read_text("utf-8"))
    requests = len(json.loads(reports["har"].read_text("utf-8"))["log"]["entries"])
    failures = {
        (f["code"], op) for f in report.get("failures", []) for op in f.get("operations", [])
    }
    return {"requests": requests, "seconds": seconds, "failures": failures}


def _ours(args: list[str], out: Path) -> dict[str, Any]:
    """One run of our generated suite: requests, seconds, exit code, failed rules."""
    results = out / "results.json"
    command = [*CLI, "run", "--results", str(results), *args, "-k", "test_generated", "-q"]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    seconds = time.perf_counter() - start
    data = json.loads(results.read_text("utf-8")) if results.exists() else {}
    failed = {rule for rule, o in data.get("rules", {}).items() if o.get("status") == "failed"}
    return {
        "requests": data.get("requests", 0),
        "seconds": seconds,
        "code": done.returncode,
        "failed": failed,
    }


def _pick_faults(choice: str) -> list[str]:
    names = list(FAULTS)
    if choice == "all":
        return names
    if choice in ("0", "none"):
        return []
    if choice.isdigit():
        step = max(1, len(names) // int(choice))
        return names[::step][: int(choice)]
    unknown = [n for n in choice.split(",") if n not in FAULTS]
    if unknown:
        raise SystemExit(f"unknown fault modes: {', '.join(unknown)}")
    return choice.split(",")


def schemathesis_row(args: argparse.Namespace, tmp: Path, ratios: list[str]) -> None:
    st, how = schemathesis_command()
    if st is None:
        skipped("Schemathesis vs the generated suite", how)
        return
    print(f"Schemathesis: {how}")
    document = openapi_document(tmp / "openapi")
    profile = builtin_profile("emulator").path
    runs: dict[str, list[dict[str, Any]]] = {"ours": [], "st": []}
    with emulator() as (base, _):
        target = ["--target", base, "--profile", profile, "--api-key", KEY]
        target += ["--second-api-key", "emulator-key-2"]
        # Rounds interleaved (ours, theirs, ours, ...), the best of each kept: load on the
        # shared machine drifts within a minute, and touches both sides alike this way.
        for round_ in range(args.clean_rounds):
            runs["ours"].append(_ours(target, tmp / f"ours-clean-{round_}"))
            try:
                runs["st"].append(
                    _schemathesis(st, document, base, args.examples, tmp / f"st-clean-{round_}")
                )
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                skipped("Schemathesis vs the generated suite", str(exc))
                return
    for name, key in (("ours (generated suite)", "ours"), ("Schemathesis", "st")):
        cells = [
            f"{r['requests']} requests in {r['seconds']:.1f} s "
            f"({r['requests'] / r['seconds']:.0f}/s)"
            for r in runs[key]
        ]
        print(f"  clean emulator, {name}: {'; '.join(cells)} (process start included)")

    def best(key: str) -> dict[str, Any]:
        return max(runs[key], key=lambda r: float(r["requests"]) / float(r["seconds"]))

    ours, theirs = best("ours"), best("st")
    baseline: set[tuple[str, str]] = set().union(*(r["failures"] for r in runs["st"]))
    failed: set[str] = set().union(*(r["failed"] for r in runs["ours"]))
    print(
        f"  false alarms on the clean emulator: ours {len(failed)} failed rules "
        f"(exit {', '.join(str(r['code']) for r in runs['ours'])}); Schemathesis {len(baseline)}: "
        + ", ".join(f"{code} {op}" for code, op in sorted(baseline))
    )
    faults = _pick_faults(args.faults)
    found = {"ours": 0, "ours-rule": 0, "st": 0}
    only: dict[str, list[str]] = {"ours": [], "st": []}  # the fault modes where they differ
    print(
        f"  fault modes ({len(faults)}): ours found (named its rule) | Schemathesis found (new failures)"
    )
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for name in faults:
            ours_future = pool.submit(_ours, ["--emulator-fault", name], tmp / f"ours-{name}")

            def theirs_run(fault: str = name) -> dict[str, Any]:
                with emulator("--fault", fault) as (url, _):
                    return _schemathesis(st, document, url, args.examples, tmp / f"st-{fault}")

            theirs_future = pool.submit(theirs_run)
            mine = ours_future.result()
            try:
                new = theirs_future.result()["failures"] - baseline
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                new = {("error", str(exc)[:60])}
            rules = set(FAULTS[name].rules)
            hit, named = mine["code"] != 0, bool(rules & mine["failed"])
            found["ours"] += hit
            found["ours-rule"] += named
            found["st"] += bool(new)
            if hit != bool(new):
                only["ours" if hit else "st"].append(name)
            print(
                f"    {name:<32} {'yes' if hit else 'no ':<3} ({'yes' if named else 'no'}) | "
                + ("yes: " + ", ".join(sorted(f"{c} {o}" for c, o in new)) if new else "no")
            )
    rate_ours = ours["requests"] / ours["seconds"]
    rate_st = theirs["requests"] / theirs["seconds"]
    ratios.append(
        f"ratio Schemathesis / ours, requests checked per second (best of "
        f"{args.clean_rounds} interleaved rounds): {rate_st / rate_ours:.2f}"
        + (" (Schemathesis is ahead)" if rate_st > 1.05 * rate_ours else "")
        + (" (ours is ahead)" if rate_ours > 1.05 * rate_st else "")
    )
    if not faults:
        return
    ratios.append(
        f"fault modes found: ours {found['ours']}/{len(faults)} ({found['ours-rule']} naming the "
        f"fault's rule), Schemathesis {found['st']}/{len(faults)}"
        + (" (Schemathesis is ahead)" if found["st"] > found["ours"] else "")
    )
    ratios.append(
        f"found by Schemathesis only: {', '.join(only['st']) or 'none'}; "
        f"by ours only: {len(only['ours'])}"
    )


# -- (b) Prism's proxy against ours ---------------------------------------------------------


def _prism(
    prism: list[str], document: Path, upstream: str, port: int, log: Path
) -> subprocess.Popen[str]:
    """Prism's proxy, warnings and violations to ``log`` (a file: a pipe would fill up)."""
    command = [*prism, "proxy", str(document), upstream, "--port", str(port), "-v", "warn"]
    with log.open("w") as out:
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, text=True)


def prism_row(args: argparse.Namespace, tmp: Path, ratios: list[str]) -> None:
    prism, how = prism_command()
    if prism is None:
        skipped("Prism's validation proxy vs ours", how)
        return
    print(f"Prism: {how}")
    document = openapi_document(tmp / "openapi-prism")
    with emulator() as (upstream, _), proxy(upstream) as ours:
        port = free_port()
        log = tmp / "prism.log"
        process = _prism(prism, document, upstream, port, log)
        theirs = f"http://127.0.0.1:{port}"
        try:
            wait_ready(theirs, process, "prism")
            sides = {"direct": upstream, "ours": ours, "prism": theirs}
            times = latency(sides, args.rounds)
            rates = throughput(sides, args.clients, args.seconds)
        finally:
            stop(process)
    output = log.read_text("utf-8", "replace").splitlines()
    violations = [line for line in output if "Violation:" in line]
    kinds = Counter(line.split("Violation:", 1)[1].strip() for line in violations)
    with emulator(event_delay=0.005) as (upstream, _), proxy(upstream) as ours:
        port = free_port()
        process = _prism(prism, document, upstream, port, tmp / "prism-events.log")
        theirs = f"http://127.0.0.1:{port}"
        try:
            wait_ready(theirs, process, "prism")
            per_event = event_delays({"direct": upstream, "ours": ours, "prism": theirs}, 20)
        finally:
            stop(process)
    print(f"  Prism reported {len(violations)} violations on the clean emulator's traffic:")
    for text, count in kinds.most_common(3):
        print(f"    {count} x {text[:120]}")
    print(f"  latency, one request at a time, {args.rounds} rounds each (ms, p50 / p99):")
    for kind in ("create", "stream", "get"):
        cells = [
            f"{side} {percentile(times[(side, kind)], 50) * 1e3:.2f} / "
            f"{percentile(times[(side, kind)], 99) * 1e3:.2f}"
            for side in ("direct", "ours", "prism")
        ]
        print(f"    {kind:<7} " + "; ".join(cells))
    print(f"  throughput, {args.clients} concurrent clients (requests/s):")
    for kind in ("json", "stream"):
        cells = [f"{side} {rates[(side, kind)]:.0f}" for side in ("direct", "ours", "prism")]
        print(f"    {kind:<7} " + "; ".join(cells))
    for side in ("ours", "prism"):
        p50, worst, count = per_event[side]
        print(
            f"  per event, {side}: added p50 {p50 * 1e3:+.2f} ms, worst {worst * 1e3:+.2f} ms "
            f"({count} events, 5 ms apart)"
        )
    for kind in ("json", "stream"):
        ratio = rates[("prism", kind)] / rates[("ours", kind)]
        ahead = " (Prism is ahead)" if ratio > 1.05 else " (even)" if ratio >= 0.95 else ""
        ratios.append(f"ratio Prism / ours, throughput {kind}: {ratio:.2f}{ahead}")
    for kind in ("create", "stream", "get"):
        direct = percentile(times[("direct", kind)], 50)
        mine = percentile(times[("ours", kind)], 50) - direct
        theirs_added = percentile(times[("prism", kind)], 50) - direct
        ahead = " (Prism is ahead)" if theirs_added < mine - 0.0001 else ""
        ratios.append(
            f"added p50 {kind}: Prism {theirs_added * 1e3:.2f} ms, ours {mine * 1e3:.2f} ms{ahead}"
        )
    ahead = " (Prism is ahead)" if per_event["prism"][0] < per_event["ours"][0] else ""
    ratios.append(
        f"added p50 per event: Prism {per_event['prism'][0] * 1e3:.2f} ms, "
        f"ours {per_event['ours'][0] * 1e3:.2f} ms{ahead}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--examples", type=int, default=25, help="Schemathesis examples per operation"
    )
    parser.add_argument(
        "--faults", default="all", help="all, a count (0: none), or fault names (a,b)"
    )
    parser.add_argument(
        "--clean-rounds", type=int, default=2, help="interleaved clean runs of each side"
    )
    parser.add_argument("--rounds", type=int, default=100, help="sequential rounds per side")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=4, help="seconds of load per kind, side")
    parser.add_argument("--skip", choices=["schemathesis", "prism"], action="append", default=[])
    args = parser.parse_args()
    ratios: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        if "schemathesis" not in args.skip:
            schemathesis_row(args, tmp, ratios)
        if "prism" not in args.skip:
            prism_row(args, tmp, ratios)
    for line in ratios:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
