"""Live cost: the tokens a full live run of the suites would spend, per area, from one emulator run.

The emulator counts tokens the way the guide describes the live API's usage (text
``ceil(chars / 4)``, fixed amounts for media, thought tokens for every model but ``*-lite``), so
one offline run of the suites (`interactions-conformance run`, the emulator profile, the
conformance Hypothesis profile) tells what a live run would cost. A small pytest plugin
(benchmarks/_usage_plugin.py) logs every exchange the suites make with the test that made it.

An interaction is paid for once: its final usage (the last one any response showed for its id:
a background job's usage arrives on a later GET) counts for the test that created it; a GET of
it again costs nothing on the live API. The plugin's own counter ("tokens" in the results JSON,
every response's usage, GETs included) is printed beside for comparison. Requests the official
SDK test sends through google-genai are not seen (a handful of probe prompts).

    python benchmarks/live_cost.py

Prints tokens per area (suite module) and per model; the last lines are the totals beside the
target (<= 30,000 tokens on gemini-2.5-flash-lite).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TARGET = 30_000
LITE = "gemini-2.5-flash-lite"


def _run(folder: Path) -> tuple[list[dict[str, Any]], dict[str, Any], int]:
    log, results = folder / "usage.jsonl", folder / "results.json"
    env = dict(os.environ, PYTEST_PLUGINS="_usage_plugin", USAGE_LOG=str(log))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "interactions_conformance._cli", "run"]
    done = subprocess.run(
        [*command, "--results", str(results), "-q"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if not log.exists() or not results.exists():
        print(done.stdout[-3000:], done.stderr[-3000:])
        raise SystemExit("the suite run wrote no usage log or no results: see its output above")
    lines = [json.loads(line) for line in log.read_text("utf-8").splitlines()]
    return lines, json.loads(results.read_text("utf-8")), done.returncode


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        exchanges, results, code = _run(Path(tmp))
    owner: dict[str, tuple[str, str]] = {}  # interaction id -> (area, model) of its creator
    final: dict[str, int] = {}  # interaction id -> its last reported total
    by_area: Counter[str] = Counter()
    by_model: Counter[str] = Counter()
    for x in exchanges:
        area = x["module"].removeprefix("test_") or "?"
        tokens = x["total_tokens"] if isinstance(x["total_tokens"], int) else None
        if x["status"] >= 400:
            continue
        ident = x["id"]
        if not ident:  # store=false: no id, paid once, right here
            if tokens:
                by_area[area] += tokens
                by_model[x["model"] or "?"] += tokens
            continue
        if x["method"] == "POST" and x["path"] == "interactions":
            owner.setdefault(ident, (area, x["model"] or "?"))
        if tokens is not None:
            final[ident] = tokens
    for ident, tokens in final.items():
        area, model = owner.get(ident, ("?", "?"))
        by_area[area] += tokens
        by_model[model] += tokens
    total = sum(by_area.values())
    print(
        f"suite run exit {code}: {results['summary']}; {len(exchanges)} exchanges, "
        f"{len(owner)} interactions created"
    )
    print("tokens per area (suite module), each interaction counted once:")
    for area, tokens in by_area.most_common():
        print(f"  {area:<13} {tokens:>7,}")
    print("tokens per model:")
    for model, tokens in by_model.most_common():
        print(f"  {model:<36} {tokens:>7,}")
    print(f"the plugin's counter (every response's usage, GETs included): {results['tokens']:,}")
    lite = by_model.get(LITE, 0)
    print(f"total tokens a live run would spend: {total:,}")
    verdict = "meets" if lite <= TARGET else "misses"
    print(f"tokens on {LITE}: {lite:,} ({verdict} the target {TARGET:,})")
    return code


if __name__ == "__main__":
    sys.exit(main())
