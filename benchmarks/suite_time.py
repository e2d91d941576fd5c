"""Suite time: the full offline run of the conformance suites on this machine, and its slowest tests.

Runs `interactions-conformance run` (the emulator target, started by the plugin; every suite in
suites/; the conformance Hypothesis profile CI uses: 25 examples, derandomized) once, as a user
or CI runs it, with pytest's ``--durations=10``.

    python benchmarks/suite_time.py

Prints the pytest summary, the rules line and the ten slowest tests; the last line is the wall
time beside the target (< 60 s).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET = 60.0


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-m", "interactions_conformance._cli", "run"]
        command += ["--results", str(Path(tmp) / "results.json"), "--durations=10"]
        env = {k: v for k, v in os.environ.items() if k != "HYPOTHESIS_PROFILE"}
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        wall = time.perf_counter() - start
    lines = done.stdout.splitlines()
    slowest = [
        line.strip() for line in lines if re.match(r"^\d+\.\d+s (call|setup|teardown) ", line)
    ]
    summary = next((line for line in reversed(lines) if re.search(r"\d+ passed", line)), "?")
    rules = next((line for line in lines if line.startswith("rules: ")), "")
    print(f"pytest: {summary.strip('= ')}")
    if rules:
        print(rules)
    print("the ten slowest:")
    for line in slowest[:10]:
        print(f"  {line}")
    if done.returncode != 0:
        print(done.stdout[-2000:], done.stderr[-2000:])
        print(f"the run failed (exit {done.returncode}): the time below is not a clean run's")
    verdict = "meets" if wall < TARGET and done.returncode == 0 else "misses"
    print(f"suite wall time: {wall:.1f} s ({verdict} the target < {TARGET:g} s, 2 cores)")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
