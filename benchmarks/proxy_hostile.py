"""The proxy under a hostile upstream: do clean requests through it keep succeeding?

One proxy (`interactions-conformance proxy`, its own process) sits in front of
``tests/hostile_upstream.py``, which misbehaves under ``/hostile/...`` (stalls
before and after the headers, a never-ending stream, a gzip bomb of 1 MiB that
decodes to 1 GiB, 10 MiB events, resets, bytes that are not HTTP, status 999,
bodies shorter than their Content-Length, 100,000-deep JSON) and passes every other
path to the emulator (`interactions-conformance serve`). Attack threads hit the
hostile paths and abandon what they opened; a health client sends a clean create
and a GET of it through the same proxy every ``--interval`` seconds and measures
the fraction answered 200 and the latency, first ``--quiet`` seconds without
attacks, then ``--seconds`` under attack. The proxy's RSS (psutil when installed,
else ``/proc/PID/status`` VmRSS) is printed every few seconds.

    python benchmarks/proxy_hostile.py [--seconds 60] [--quiet 8] [--interval 0.05]

Bounded in time (``--quiet`` + ``--seconds`` + about 15 s of start and stop) and in
count (each attack stops after ``--attacks`` rounds). The last lines are the ratios:
health answered, latency under attack against quiet, RSS growth.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from pathlib import Path

import httpx
from _common import CREATE, HEADERS, emulator, percentile

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from hostile_upstream import gzip_bomb, hostile_upstream

MiB = 1024 * 1024


def rss(pid: int) -> int:
    try:
        import psutil  # type: ignore[import-untyped]

        return int(psutil.Process(pid).memory_info().rss)
    except ImportError:
        text = Path(f"/proc/{pid}/status").read_text()
        found = re.search(r"^VmRSS:\s+(\d+) kB", text, re.M)
        return int(found.group(1)) * 1024 if found else 0


@contextlib.contextmanager
def proxy_process(
    upstream: str, log: Path
) -> Iterator[tuple[str, subprocess.Popen[str], list[str]]]:
    command = [sys.executable, "-m", "interactions_conformance._cli", "proxy"]
    command += ["--upstream", upstream, "--port", "0", "--log", str(log), "--read-timeout", "10"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    banner = process.stdout.readline()
    found = re.match(r"proxy (http://\S+) ", banner)
    if not found:
        process.kill()
        raise SystemExit(f"the proxy did not start: {banner!r}")
    lines: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.rstrip("\n"))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        yield found.group(1), process, lines
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        reader.join(10)


def attacks(base: str) -> dict[str, Callable[[httpx.Client], None]]:
    """Each hostile behaviour as one round of a client that abandons what it opened."""

    def first_chunk_then_leave(path: str) -> Callable[[httpx.Client], None]:
        def go(client: httpx.Client) -> None:
            with client.stream("GET", base + path) as response:
                next(response.iter_raw(), None)

        return go

    def give_up(client: httpx.Client) -> None:
        with contextlib.suppress(httpx.TimeoutException):
            client.get(f"{base}/hostile/stall-headers", timeout=0.3)

    def endless(client: httpx.Client) -> None:
        with client.stream("GET", f"{base}/hostile/endless") as response:
            got = 0
            for chunk in response.iter_raw():
                got += len(chunk)
                if got > 20 * MiB:
                    break

    def read_all(path: str) -> Callable[[httpx.Client], None]:
        def go(client: httpx.Client) -> None:
            with client.stream("GET", base + path) as r:
                for _ in r.iter_raw():
                    pass

        return go

    return {
        "stall-stream": first_chunk_then_leave("/hostile/stall-stream"),
        "stall-headers": give_up,
        "endless": endless,
        "gzip-bomb": read_all("/hostile/gzip-bomb"),
        "big-events": read_all("/hostile/big-events?n=2&mib=10"),
        "reset": read_all("/hostile/reset"),
        "garbage": read_all("/hostile/garbage"),
        "status-999": read_all("/hostile/status-999"),
        "short": read_all("/hostile/short"),
        "deep": read_all("/hostile/deep"),
    }


def health(base: str, until: float, interval: float) -> tuple[int, int, list[float], Counter[str]]:
    """Clean create + GET pairs until ``until``: (sent, answered 200, latencies s, failures)."""
    sent = ok = 0
    times: list[float] = []
    failures: Counter[str] = Counter()
    with httpx.Client(timeout=10, headers=HEADERS) as client:
        while time.monotonic() < until:
            started = time.monotonic()
            for attempt in ("create", "get"):
                sent += 1
                t0 = time.monotonic()
                try:
                    if attempt == "create":
                        response = client.post(f"{base}/v1beta/interactions", json=CREATE)
                        ident = response.json().get("id") if response.status_code == 200 else None
                    else:
                        if ident is None:
                            failures["get skipped: no id"] += 1
                            continue
                        response = client.get(f"{base}/v1beta/interactions/{ident}")
                    times.append(time.monotonic() - t0)
                    if response.status_code == 200:
                        ok += 1
                    else:
                        failures[f"HTTP {response.status_code}"] += 1
                except httpx.HTTPError as exc:
                    failures[type(exc).__name__] += 1
            time.sleep(max(interval - (time.monotonic() - started), 0))
    return sent, ok, times, failures


def hostile_side(clean: str, conn: Connection, rounds_cap: int) -> None:
    """The hostile upstream and the attack clients, in a process of their own: they do not
    share a GIL with the health client, whose latencies are the measurement."""
    gzip_bomb()  # computed before the clock starts (about 3 s)
    with hostile_upstream(clean) as hostile:
        conn.send(hostile.url)
        base, seconds = conn.recv()
        rounds: Counter[str] = Counter()
        errors: Counter[str] = Counter()
        until = time.monotonic() + seconds

        def attack(name: str, go: Callable[[httpx.Client], None]) -> None:
            with httpx.Client(timeout=15) as client:
                while time.monotonic() < until and rounds[name] < rounds_cap:
                    try:
                        go(client)
                    except httpx.HTTPError as exc:  # what the hostile upstream does to a client
                        errors[f"{name}: {type(exc).__name__}"] += 1
                    rounds[name] += 1
                    time.sleep(0.05)

        threads = [
            threading.Thread(target=attack, args=item, daemon=True)
            for item in attacks(base).items()
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(seconds + 20)
        time.sleep(3)  # the proxy lets go of what the attackers abandoned
        conn.send((dict(rounds), dict(errors), hostile.active))
        conn.recv()  # stay up until the proxy has stopped


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60, help="seconds under attack")
    parser.add_argument("--quiet", type=float, default=8, help="seconds of health alone first")
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between health pairs")
    parser.add_argument("--attacks", type=int, default=400, help="rounds per attack, at most")
    args = parser.parse_args()
    if args.seconds + args.quiet > 100:
        raise SystemExit("--quiet + --seconds must stay under 100 (the run is bounded to < 2 min)")
    log = Path(tempfile.mkdtemp()) / "proxy.jsonl"
    with emulator() as (clean, _):
        ours, theirs = multiprocessing.get_context("spawn").Pipe()
        side = multiprocessing.get_context("spawn").Process(
            target=hostile_side, args=(clean, theirs, args.attacks), daemon=True
        )
        side.start()
        if not ours.poll(60):
            raise SystemExit("the hostile upstream did not start")
        hostile_url = ours.recv()
        with proxy_process(hostile_url, log) as (base, process, lines):
            samples: list[tuple[float, int]] = []
            stop = threading.Event()
            t0 = time.monotonic()

            def sample() -> None:
                while not stop.is_set():
                    samples.append((time.monotonic() - t0, rss(process.pid)))
                    stop.wait(2)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            quiet = health(base, time.monotonic() + args.quiet, args.interval)
            ours.send((base, args.seconds))
            loud = health(base, time.monotonic() + args.seconds, args.interval)
            rounds, errors, released = ours.recv()
            samples.append((time.monotonic() - t0, rss(process.pid)))
            stop.set()
            sampler.join(5)
            process.send_signal(signal.SIGINT)
            code = process.wait(30)
            time.sleep(0.5)
            summary = lines[-1] if lines else "(no summary)"
        ours.send("stop")
        side.join(10)
    print(f"attack rounds: {dict(sorted(rounds.items()))}")
    print(f"what the attack clients saw: {dict(sorted(errors.items()))}")
    print(f"hostile connections still open at the end: {released}")
    print(f"proxy summary: {summary}")
    print(f"proxy exit code: {code} (1: it saw violations and upstream errors, as it should)")
    print("proxy RSS over time (s: MiB):")
    print("  " + ", ".join(f"{t:.0f}: {b / MiB:.0f}" for t, b in samples))
    lines_in_log = log.read_text("utf-8").count("\n") if log.exists() else 0
    print(f"proxy log: {lines_in_log} lines")
    results = {"quiet": quiet, "attack": loud}
    for name, (sent, ok, times, failures) in results.items():
        p50, p99 = percentile(times, 50) * 1e3, percentile(times, 99) * 1e3
        worst = max(times, default=0) * 1e3
        print(
            f"health {name}: {ok}/{sent} answered 200; latency p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
            f"max {worst:.0f} ms; failures {dict(failures)}"
        )
    sent, ok, times, _ = loud
    start_rss = samples[0][1] if samples else 0
    peak_rss = max((b for _, b in samples), default=0)
    end_rss = samples[-1][1] if samples else 0
    print(f"ratio answered under attack: {ok / max(sent, 1):.4f} ({ok}/{sent}; target 1.0000)")
    print(
        f"ratio latency p50 attack/quiet: {percentile(times, 50) / percentile(quiet[2], 50):.2f}; "
        f"mean {statistics.fmean(times) / statistics.fmean(quiet[2]):.2f}"
    )
    print(
        f"ratio RSS end/start: {end_rss / max(start_rss, 1):.2f} "
        f"({start_rss / MiB:.0f} -> {end_rss / MiB:.0f} MiB; peak {peak_rss / MiB:.0f} MiB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
