"""Proxy overhead: the same traffic to the emulator directly and through the validating proxy.

The emulator and the proxy run as their own processes, as a user runs them
(`interactions-conformance serve`, `interactions-conformance proxy --log`); every exchange
through the proxy is checked (schemas, usage, the stream grammar) in its worker thread. In one
run, with direct and proxied phases alternating so that both see the same machine load:

1. latency: one request at a time (create, streamed create, get), p50 and p99 each way;
2. throughput: ``--clients`` concurrent clients for ``--seconds`` per kind and side, non-streamed
   (create then get) and streamed (create with stream), requests/s each way, in ``--slices``
   slices that alternate direct and proxied (a machine shared with other work changes its
   speed within seconds: short alternating slices see the same load); and the CPU time the
   proxy process and the emulator spend per request meanwhile (the forwarding thread, and the
   checker: a figure the machine's load hardly moves, unlike the ratios);
3. per event: an emulator that pauses ``--event-delay`` between streamed events, so that each
   event leaves on its own; the time each event reaches the client, direct and proxied.

    python benchmarks/proxy_overhead.py [--rounds 200] [--clients 8] [--seconds 5] [--slices 5]

Prints each figure; the last lines are the ratios and the added milliseconds beside the
targets (throughput >= 85% of direct, < 1 ms added at p50 per request and per event).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from _common import (
    emulator,
    event_delays,
    free_port,
    latency,
    percentile,
    proxy,
    stop,
    throughput,
    wait_ready,
)

_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> dict[str, float]:
    """User + system CPU seconds of a process so far: ``main`` (its first thread, the proxy's
    event loop) and ``other`` (every other thread: the checker, the writers)."""
    out = {"main": 0.0, "other": 0.0}
    for task in Path(f"/proc/{pid}/task").iterdir():
        stat = (task / "stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        out["main" if task.name == str(pid) else "other"] += (
            int(fields[11]) + int(fields[12])
        ) / _TICK
    return out


@contextmanager
def proxy_process(upstream: str, *args: str) -> Iterator[tuple[str, int]]:
    """``interactions-conformance proxy`` as `_common.proxy` starts it: yields (URL, pid)."""
    port = free_port()
    command = [sys.executable, "-m", "interactions_conformance._cli", "proxy"]
    command += ["--upstream", upstream, "--port", str(port), *args]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, text=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process, "the proxy")
        yield url, process.pid
    finally:
        stop(process)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200, help="sequential rounds each way")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=5, help="seconds of load per kind, side")
    parser.add_argument("--event-delay", type=float, default=0.005, help="pause between events")
    parser.add_argument("--event-rounds", type=int, default=40, help="delayed streams each way")
    parser.add_argument("--slices", type=int, default=5, help="alternations per kind")
    args = parser.parse_args()
    log = Path(tempfile.mkdtemp()) / "proxy.jsonl"
    cpu: dict[str, float] = {}
    with (
        emulator() as (upstream, emulator_pid),
        proxy_process(upstream, "--log", str(log)) as (proxied, proxy_pid),
    ):
        sides = {"direct": upstream, "proxied": proxied}
        times = latency(sides, args.rounds)
        before = {**cpu_seconds(proxy_pid), "emulator": sum(cpu_seconds(emulator_pid).values())}
        slices: dict[tuple[str, str], list[float]] = {}
        for n in range(args.slices):
            order = sides if n % 2 == 0 else dict(reversed(sides.items()))
            for key, rate in throughput(order, args.clients, args.seconds / args.slices).items():
                slices.setdefault(key, []).append(rate)
        rates = {key: statistics.mean(values) for key, values in slices.items()}
        time.sleep(1)  # the proxy's last checks end after the last response
        after = {**cpu_seconds(proxy_pid), "emulator": sum(cpu_seconds(emulator_pid).values())}
        cpu = {key: after[key] - before[key] for key in after}
    with emulator(event_delay=args.event_delay) as (upstream, _), proxy(upstream) as proxied:
        p50_event, max_event, count = event_delays(
            {"direct": upstream, "proxied": proxied}, args.event_rounds
        )["proxied"]
    lines = log.read_text("utf-8").splitlines() if log.exists() else []
    exchanges = sum('"kind": "exchange"' in line for line in lines)
    # Requests through the proxy during the throughput slices (each side ran seconds/2 a kind).
    proxied_requests = sum(rates[("proxied", kind)] * args.seconds for kind in ("json", "stream"))
    direct_requests = sum(rates[("direct", kind)] * args.seconds for kind in ("json", "stream"))
    checked = sum('"kind": "exchange"' in line and '"checked": true' in line for line in lines)
    violations = sum('"kind": "violation"' in line for line in lines)
    print(f"proxy log: {exchanges} exchanges, {checked} checked, {violations} violations")
    print(f"latency, one request at a time, {args.rounds} rounds each way (ms):")
    added: dict[str, float] = {}
    for kind in ("create", "stream", "get"):
        direct, via = times[("direct", kind)], times[("proxied", kind)]
        d50, v50 = percentile(direct, 50) * 1e3, percentile(via, 50) * 1e3
        d99, v99 = percentile(direct, 99) * 1e3, percentile(via, 99) * 1e3
        added[kind] = v50 - d50
        print(
            f"  {kind:<7} direct p50 {d50:6.2f} p99 {d99:6.2f}; "
            f"proxied p50 {v50:6.2f} p99 {v99:6.2f}; added p50 {v50 - d50:+.2f}"
        )
    print(
        f"throughput, {args.clients} concurrent clients, {args.slices} alternating slices "
        "(requests/s):"
    )
    for kind in ("json", "stream"):
        d, p = rates[("direct", kind)], rates[("proxied", kind)]
        print(f"  {kind:<7} direct {d:7.0f}; proxied {p:7.0f} ({p / d:.0%})")
    per = {key: value / proxied_requests * 1e6 for key, value in cpu.items()}
    emulator_per = cpu["emulator"] / (proxied_requests + direct_requests) * 1e6
    print(
        f"CPU per request in the throughput slices (JSON and streams): proxy "
        f"{per['main'] + per['other']:.0f} us (forwarding thread {per['main']:.0f}, checker and "
        f"writers {per['other']:.0f}); emulator {emulator_per:.0f} us"
    )
    print(
        f"per event ({count} events a stream, {args.event_delay * 1e3:g} ms apart, "
        f"{args.event_rounds} streams each way): added p50 {p50_event * 1e3:+.2f} ms, "
        f"worst event {max_event * 1e3:+.2f} ms"
    )
    for kind in ("json", "stream"):
        ratio = rates[("proxied", kind)] / rates[("direct", kind)]
        print(f"ratio throughput proxied / direct, {kind}: {ratio:.2f} (target >= 0.85)")
    for kind, extra in added.items():
        print(f"added p50 per request, {kind}: {extra:.2f} ms (target < 1)")
    print(f"added p50 per event: {p50_event * 1e3:.2f} ms (target < 1)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
