"""Emulator capacity: creates/s, streams/s, and memory with 100,000 stored interactions.

The emulator runs as its own process (`interactions-conformance serve`, in-memory storage by
default, ``--db PATH`` for SQLite) so that its RSS is measured alone; ``--clients`` concurrent
clients (this process) drive it. In order: stored creates for ``--seconds``, streamed creates
for ``--seconds``, then stored creates until ``--fill`` interactions are stored (RSS sampled on
the way), then creates/s again and the latency of GETs of interactions stored at the start.

    python benchmarks/emulator_capacity.py [--fill 100000] [--clients 16] [--db PATH]

Prints each figure; the last lines are the rates, the memory per stored interaction and the
ratio of creates/s when full to creates/s when empty (about 1.0: storage does not slow it).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from pathlib import Path

import httpx
from _common import CREATE, HEADERS, emulator, percentile

STREAM = {**CREATE, "stream": True}


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Driver:
    def __init__(self, base: str, clients: int) -> None:
        self.base = base
        self.clients = clients
        self.ids: list[str] = []
        self.stored = 0  # every create here is stored (store defaults to true), streams too

    async def _drive(self, *, seconds: float | None, count: int | None, stream: bool) -> float:
        """Requests/s of stored creates (or streams) until ``seconds`` pass or ``count`` are done."""
        done = 0
        deadline = time.monotonic() + seconds if seconds else None
        limits = httpx.Limits(max_connections=self.clients)
        async with httpx.AsyncClient(headers=HEADERS, timeout=60, limits=limits) as http:

            async def one() -> None:
                nonlocal done
                url = f"{self.base}/v1beta/interactions"
                while (deadline is None or time.monotonic() < deadline) and (
                    count is None or done < count
                ):
                    done += 1
                    self.stored += 1
                    if stream:
                        async with http.stream("POST", url, json=STREAM) as response:
                            await response.aread()
                        response.raise_for_status()
                    else:
                        response = await http.post(url, json=CREATE)
                        response.raise_for_status()
                        if len(self.ids) < 1000:
                            self.ids.append(response.json()["id"])

            start = time.monotonic()
            await asyncio.gather(*(one() for _ in range(self.clients)))
            return done / (time.monotonic() - start)

    def rate(self, seconds: float, *, stream: bool = False) -> float:
        return asyncio.run(self._drive(seconds=seconds, count=None, stream=stream))

    def fill(self, count: int) -> float:
        return asyncio.run(self._drive(seconds=None, count=count, stream=False))

    def get_latency(self, samples: int) -> list[float]:
        times = []
        with httpx.Client(headers=HEADERS, timeout=30) as http:
            for ident in random.Random(0).choices(self.ids, k=samples):
                start = time.perf_counter()
                http.get(f"{self.base}/v1beta/interactions/{ident}").raise_for_status()
                times.append(time.perf_counter() - start)
        return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fill", type=int, default=100_000, help="stored interactions to reach")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=5, help="seconds per rate measurement")
    parser.add_argument("--db", default=None, help="SQLite file (default: in-memory storage)")
    args = parser.parse_args()
    serve_args = ["--db", args.db] if args.db else []
    with emulator(*serve_args) as (base, pid):
        driver = Driver(base, args.clients)
        rss_empty = _rss_kib(pid)
        driver.rate(1)  # warm up: connections, caches, the first compiled validators
        creates_empty = driver.rate(args.seconds)
        streams = driver.rate(args.seconds, stream=True)
        samples = [(driver.stored, _rss_kib(pid))]
        step = max(1, args.fill // 5)
        fill_start = time.monotonic()
        while driver.stored < args.fill:
            driver.fill(min(step, args.fill - driver.stored))
            samples.append((driver.stored, _rss_kib(pid)))
        fill_seconds = time.monotonic() - fill_start
        stored, rss_full = driver.stored, _rss_kib(pid)
        creates_full = driver.rate(args.seconds)
        gets = driver.get_latency(500)
    print(f"storage: {args.db or 'memory'}; {args.clients} concurrent clients")
    print(f"creates/s (empty store): {creates_empty:.0f}; streamed creates/s: {streams:.0f}")
    print(f"filled to {stored:,} stored interactions in {fill_seconds:.0f} s")
    print(
        "RSS by stored interactions: "
        + ", ".join(f"{n:,}: {kib / 1024:.0f} MiB" for n, kib in samples)
    )
    print(
        f"GET of an early interaction at {stored:,} stored: p50 "
        f"{percentile(gets, 50) * 1e3:.2f} ms, p99 {percentile(gets, 99) * 1e3:.2f} ms"
    )
    per = (rss_full - rss_empty) / max(1, stored)
    print(f"creates/s: {creates_empty:.0f} empty, {creates_full:.0f} at {stored:,} stored")
    print(f"streams/s: {streams:.0f}")
    print(
        f"memory at {stored:,} stored: {rss_full / 1024:.0f} MiB RSS "
        f"({per:.2f} KiB per interaction; empty {rss_empty / 1024:.0f} MiB)"
    )
    print(f"ratio creates/s full / empty: {creates_full / creates_empty:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
