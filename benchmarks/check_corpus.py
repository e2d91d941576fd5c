"""Checking at corpus scale: `check` on 1,000,000 recorded exchanges, with 1 and with 2 processes.

Six exchanges are recorded from the bundled emulator (in process, no network): a create and a
GET of it, a streamed create and a GET of it (STREAM-EQUALS-RESOURCE runs), a create and its
DELETE. They are written again and again, each copy with its own interaction ids, to one JSON
Lines file in a temporary folder (about 1.5 KB an exchange: some 1.5 GB for the default count),
which `interactions-conformance check FILE --jobs N` then reads, streamed, as its own process
for each N. Each run is capped (RLIMIT_AS per process, ``--memory-cap``) and measured with
``os.wait4``: wall time, CPU time (user + system, the workers included) and the peak RSS of the
largest process; the whole tree's RSS (the main process and its workers) is sampled from /proc.

    python benchmarks/check_corpus.py [--count 1000000] [--jobs 1,2] [--memory-cap 2048]

Prints one line per run, then what one machine checks per day, then the ratios, last. Exit 1 when
a run does not exit 0 (the recorded traffic is clean: a violation here is a bug) or when the runs'
outputs differ.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from interactions_conformance.emulator import running_emulator

KEY = "emulator-key"
MODEL = "gemini-2.5-flash-lite"
CREATE = {"model": MODEL, "input": "What is 17*23? Answer with the number only."}
STREAM = {"model": MODEL, "input": "Name three primary colours.", "stream": True}
_ID = re.compile(r'"id": ?"([^"]+)"')


def _exchange(response: httpx.Response, body: Any = None, chunks: bool = False) -> dict[str, Any]:
    request = response.request
    line: dict[str, Any] = {
        "request": {
            "method": request.method,
            "url": str(request.url),
            "headers": {"content-type": "application/json"},
            **({"body": body} if body is not None else {}),
        },
        "response": {"status": response.status_code, "headers": dict(response.headers)},
    }
    text = response.content.decode()
    if chunks:
        line["response"]["chunks"] = [f + "\n\n" for f in text.split("\n\n") if f]
    else:
        line["response"]["body"] = json.loads(text) if text else None
    return line


def record() -> tuple[list[str], list[str]]:
    """The six exchanges as JSON Lines, and the interaction ids they hold (to be replaced)."""
    lines: list[dict[str, Any]] = []
    with (
        running_emulator() as base,
        httpx.Client(base_url=base, headers={"x-goog-api-key": KEY}, timeout=30) as http,
    ):
        created = http.post("/v1beta/interactions", json=CREATE)
        lines.append(_exchange(created, CREATE))
        first = created.json()["id"]
        lines.append(_exchange(http.get(f"/v1beta/interactions/{first}")))
        streamed = http.post("/v1beta/interactions", json=STREAM)
        lines.append(_exchange(streamed, STREAM, chunks=True))
        second = next(m.group(1) for m in _ID.finditer(streamed.text) if m.group(1) != first)
        lines.append(_exchange(http.get(f"/v1beta/interactions/{second}")))
        deleted = http.post("/v1beta/interactions", json=CREATE)
        lines.append(_exchange(deleted, CREATE))
        third = deleted.json()["id"]
        lines.append(_exchange(http.delete(f"/v1beta/interactions/{third}")))
    return [json.dumps(line) for line in lines], [first, second, third]


def write_corpus(path: Path, count: int) -> int:
    """``count`` exchanges: the recorded ones again and again, each copy with new ids."""
    lines, ids = record()
    template = "\n".join(lines) + "\n"
    written = 0
    with path.open("w", encoding="utf-8") as out:
        copy = 0
        while written < count:
            text = template
            for n, ident in enumerate(ids):
                # Same length and alphabet: the copy's number in the id's last characters.
                tail = f"{copy:x}{n}"
                text = text.replace(ident, ident[: -len(tail)] + tail)
            if written + len(lines) > count:
                text = "".join(t + "\n" for t in text.splitlines()[: count - written])
            out.write(text)
            written += min(len(lines), count - written)
            copy += 1
    return written


def _tree_rss(root: int) -> int:
    """The RSS of a process and all its descendants, in bytes (from /proc)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            parents[int(entry)] = int(fields[1])
            rss[int(entry)] = int(fields[21]) * resource.getpagesize()
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(child for child, parent in parents.items() if parent == pid)
    return total


def run_check(path: Path, jobs: int, cap_mib: int) -> dict[str, Any]:
    def capped() -> None:
        limit = cap_mib << 20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    command = [sys.executable, "-m", "interactions_conformance._cli", "check", str(path)]
    command += ["--jobs", str(jobs)]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, preexec_fn=capped)
        peak_tree = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak_tree
            while not done.wait(0.5):
                peak_tree = max(peak_tree, _tree_rss(process.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        sampler.join()
        out.seek(0)
        err.seek(0)
        return {
            "jobs": jobs,
            "code": process.returncode,
            "wall": wall,
            "cpu": usage.ru_utime + usage.ru_stime,
            "peak_process": usage.ru_maxrss << 10,  # KiB on Linux
            "peak_tree": peak_tree,
            "stdout": out.read().decode(errors="replace"),
            "stderr": err.read().decode(errors="replace"),
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000, help="exchanges (1,000,000)")
    parser.add_argument("--jobs", default="1,2", help="the --jobs of each run (1,2)")
    parser.add_argument(
        "--memory-cap", type=int, default=2048, help="MiB of address space per process (2048)"
    )
    args = parser.parse_args()
    runs = [int(j) for j in args.jobs.split(",")]
    with tempfile.TemporaryDirectory(prefix="check-corpus-") as folder:
        path = Path(folder) / "corpus.jsonl"
        start = time.perf_counter()
        count = write_corpus(path, args.count)
        size = path.stat().st_size
        print(
            f"corpus: {count:,} exchanges, {size / 1e9:.2f} GB of JSON Lines "
            f"({size / count:,.0f} bytes an exchange), written in {time.perf_counter() - start:.0f} s"
        )
        results = []
        for jobs in runs:
            result = run_check(path, jobs, args.memory_cap)
            results.append(result)
            rate = count / result["wall"]
            print(
                f"check --jobs {jobs}: {result['wall']:.1f} s, {rate:,.0f} exchanges/s, "
                f"{rate / jobs:,.0f} exchanges/s per core, "
                f"{count / result['cpu']:,.0f} exchanges per CPU-second; "
                f"peak RSS {result['peak_process'] / 2**20:,.0f} MiB (largest process), "
                f"{result['peak_tree'] / 2**20:,.0f} MiB (all processes); "
                f"exit {result['code']}"
            )
            summary = result["stdout"].strip().splitlines()[-1:] or ["<no output>"]
            print(f"  {summary[0]}")
            if result["code"] != 0:
                print(result["stderr"][-2000:], file=sys.stderr)
    failed = any(r["code"] != 0 for r in results)
    same = len({r["stdout"] for r in results}) == 1
    best = max(results, key=lambda r: count / r["wall"])
    per_day = count / best["wall"] * 86_400
    print(
        f"one machine ({os.cpu_count()} cores, --jobs {best['jobs']}): "
        f"{per_day / 1e6:,.0f} million exchanges a day"
    )
    first = results[0]
    for result in results[1:]:
        print(
            f"ratio --jobs {result['jobs']} / --jobs {first['jobs']}: "
            f"{first['wall'] / result['wall']:.2f}x the throughput, "
            f"{result['peak_tree'] / max(first['peak_tree'], 1):.2f}x the memory of all processes"
        )
    print(f"outputs identical across runs: {'yes' if same else 'NO'}")
    return 1 if failed or not same else 0


if __name__ == "__main__":
    sys.exit(main())
