"""Suite time: the full offline run of the conformance suites on this machine, and its slowest tests.

Runs `interactions-conformance run` (the emulator target, started by the plugin; every suite in
suites/; the conformance Hypothesis profile CI uses: 25 examples, derandomized) as a user or CI
runs it, with pytest's ``--durations=10``: once in one process, then with ``-n 2`` (two
pytest-xdist workers, an emulator each), and checks both give the same rules line.

    python benchmarks/suite_time.py [--workers 1 2]

Prints the pytest summary, the rules line and the ten slowest tests of each; the last lines are
the wall times beside the target (< 60 s) and the speed-up of 2 workers over 1.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET = 60.0


def one(workers: int) -> tuple[float, str, int]:
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-m", "interactions_conformance._cli", "run"]
        command += ["--results", str(Path(tmp) / "results.json"), "--durations=10"]
        if workers > 1:
            command += ["-n", str(workers)]
        env = {k: v for k, v in os.environ.items() if k != "HYPOTHESIS_PROFILE"}
        start = time.perf_counter()
        done = subprocess.run(
            command, capture_output=True, text=True, env=env, check=False, cwd=tmp
        )
        wall = time.perf_counter() - start
    lines = done.stdout.splitlines()
    slowest = [
        line.strip() for line in lines if re.match(r"^\d+\.\d+s (call|setup|teardown) ", line)
    ]
    summary = next((line for line in reversed(lines) if re.search(r"\d+ passed", line)), "?")
    rules = next((line for line in lines if line.startswith("rules: ")), "")
    print(f"{workers} worker(s): pytest: {summary.strip('= ')}")
    if rules:
        print(rules)
    print("the ten slowest:")
    for line in slowest[:10]:
        print(f"  {line}")
    if done.returncode != 0:
        print(done.stdout[-2000:], done.stderr[-2000:])
        print(f"the run failed (exit {done.returncode}): the time below is not a clean run's")
    return wall, re.sub(r"; tokens: \d+", "", rules), done.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    runs = {n: one(n) for n in args.workers}
    for n, (wall, _, code) in runs.items():
        verdict = "meets" if wall < TARGET and code == 0 else "misses"
        print(
            f"suite wall time, {n} worker(s): {wall:.1f} s ({verdict} the target < {TARGET:g} s, 2 cores)"
        )
    if 1 in runs and len(runs) > 1:
        for n, (wall, rules, _) in runs.items():
            if n != 1:
                same = "same rules line" if rules == runs[1][1] else "DIFFERENT rules line"
                print(f"{n} workers vs 1: {runs[1][0] / wall:.2f}x faster; {same}")
    return max(code for _, _, code in runs.values())


if __name__ == "__main__":
    sys.exit(main())
