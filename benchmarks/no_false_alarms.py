"""No false alarms: `interactions-conformance run` on the correct emulator, N random seeds per
revision (every revision of `available_revisions()`), and every failure it reports.

    python benchmarks/no_false_alarms.py [--seeds 10] [--workers 1] [--revision R]

Each run is the main job exactly as a user runs it (the emulator target, from an empty
directory, the conformance Hypothesis profile), with ``--seed S`` for a random S and a fresh
Hypothesis storage directory (no example replayed from an earlier run). A clean emulator must
pass every run: any failed rule is a false alarm, printed with its seed so that
``interactions-conformance run --revision R --seed S`` reproduces it. The last line is the
count of clean runs per revision.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from interactions_conformance._spec import available_revisions


def one_run(revision: str, seed: int, workers: int) -> tuple[int, list[str], float]:
    with tempfile.TemporaryDirectory() as tmp:
        results = Path(tmp) / "results.json"
        command = [sys.executable, "-m", "interactions_conformance._cli", "run", "-q"]
        command += ["--revision", revision, "--seed", str(seed), "--results", str(results)]
        if workers > 1:
            command += ["-n", str(workers)]
        env = {k: v for k, v in os.environ.items() if not k.startswith("GEMINI_API_KEY")}
        env["XDG_CACHE_HOME"] = str(Path(tmp) / "cache")  # a fresh Hypothesis database
        start = time.perf_counter()
        done = subprocess.run(
            command, capture_output=True, text=True, cwd=tmp, env=env, check=False
        )
        wall = time.perf_counter() - start
        failed: list[str] = []
        if results.is_file():
            rules = json.loads(results.read_text("utf-8"))["rules"]
            failed = sorted(r for r, o in rules.items() if o["status"] == "failed")
        elif done.returncode:
            failed = [
                f"(no results: exit {done.returncode}: {done.stdout[-300:]}{done.stderr[-300:]})"
            ]
    return done.returncode, failed, wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10, help="runs per revision (default 10)")
    parser.add_argument("--workers", type=int, default=1, help="run -n N (default 1)")
    parser.add_argument(
        "--revision", action="append", help="only this revision (repeatable; default: every one)"
    )
    args = parser.parse_args()
    rng = random.Random()
    clean: dict[str, int] = {}
    alarms = 0
    for revision in args.revision or available_revisions():
        clean[revision] = 0
        for _ in range(args.seeds):
            seed = rng.randrange(2**32)
            code, failed, wall = one_run(revision, seed, args.workers)
            verdict = (
                "clean" if code == 0 and not failed else f"exit {code}, failed: {' '.join(failed)}"
            )
            print(f"{revision} seed {seed}: {verdict} ({wall:.1f} s)", flush=True)
            if code == 0 and not failed:
                clean[revision] += 1
            else:
                alarms += 1
                print(
                    f"  reproduce: interactions-conformance run --revision {revision} --seed {seed}"
                )
    summary = ", ".join(f"{r}: {n}/{args.seeds} clean" for r, n in clean.items())
    print(f"no false alarms: {summary}; {alarms} runs with a false alarm")
    return 1 if alarms else 0


if __name__ == "__main__":
    sys.exit(main())
