"""Under load, nothing lost: the emulator with 50 concurrent clients for a minute.

Each client loops: create (stored), continue it (previous_interaction_id), stream a create,
start a background model interaction and poll it to the end. Afterwards every interaction a
client saw stored is fetched again and must be identical (status and outputs); no request may
get a 5xx. The emulator runs as its own process so that its memory (RSS) is measured alone.

    python benchmarks/emulator_load.py [--clients 50] [--seconds 60] [--db PATH]

Prints throughput, what was verified, and RSS over time; the last lines are the ratios.
Exit 1 when anything was lost or wrong.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

KEY = "emulator-key"
MODEL = "gemini-2.5-flash-lite"


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _start(db: str | None) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, "-m", "interactions_conformance._cli", "serve", "--port", "0"]
    if db:
        command += ["--db", db]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        found = re.search(r"(http://127\.0\.0\.1:\d+)", line)
        if found:
            return proc, found.group(1)
    raise SystemExit("the emulator did not start")


class Tally:
    def __init__(self) -> None:
        self.requests = 0
        self.server_errors: list[str] = []
        self.stored: dict[str, dict[str, Any]] = {}  # id -> (status, outputs) last seen


async def _client(n: int, base: str, deadline: float, tally: Tally) -> None:
    headers = {"x-goog-api-key": KEY}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as http:

        async def call(method: str, path: str, **kwargs: Any) -> httpx.Response:
            response = await http.request(method, path, **kwargs)
            tally.requests += 1
            if response.status_code >= 500:
                tally.server_errors.append(f"{method} {path} -> {response.status_code}")
            return response

        i = 0
        while time.monotonic() < deadline:
            i += 1
            word = f"K{n}X{i}"
            first = (
                await call(
                    "POST",
                    "/v1beta/interactions",
                    json={
                        "model": MODEL,
                        "input": f"Remember the code word {word}. Reply with OK.",
                    },
                )
            ).json()
            tally.stored[first["id"]] = first
            follow = (
                await call(
                    "POST",
                    "/v1beta/interactions",
                    json={
                        "model": MODEL,
                        "input": "What is the code word? Answer with the code word only.",
                        "previous_interaction_id": first["id"],
                    },
                )
            ).json()
            tally.stored[follow["id"]] = follow
            if word not in str(follow.get("outputs")):
                tally.server_errors.append(f"context lost in chain {first['id']}")
            async with http.stream(
                "POST",
                "/v1beta/interactions",
                json={"model": MODEL, "input": "What is 17*23?", "stream": True},
            ) as streamed:
                async for _ in streamed.aiter_bytes():
                    pass
                tally.requests += 1
            job = (
                await call(
                    "POST",
                    "/v1beta/interactions",
                    json={"model": MODEL, "input": "What is 2+2?", "background": True},
                )
            ).json()
            while True:
                polled = (await call("GET", f"/v1beta/interactions/{job['id']}")).json()
                if polled.get("status") != "in_progress":
                    tally.stored[job["id"]] = polled
                    break
                await asyncio.sleep(0.2)


async def _verify(base: str, tally: Tally) -> list[str]:
    wrong: list[str] = []
    async with httpx.AsyncClient(
        base_url=base, headers={"x-goog-api-key": KEY}, timeout=60
    ) as http:
        semaphore = asyncio.Semaphore(20)

        async def one(ident: str, seen: dict[str, Any]) -> None:
            async with semaphore:
                response = await http.get(f"/v1beta/interactions/{ident}")
            if response.status_code != 200:
                wrong.append(f"{ident}: HTTP {response.status_code}")
                return
            got = response.json()
            for field in ("status", "outputs"):
                if got.get(field) != seen.get(field):
                    wrong.append(f"{ident}: {field} differs")

        await asyncio.gather(*(one(i, s) for i, s in tally.stored.items()))
    return wrong


async def _main(args: argparse.Namespace) -> int:
    if args.db == ":memory:":
        db = None
    else:
        db = args.db or os.path.join(tempfile.mkdtemp(), "load.sqlite")
    proc, base = _start(db)
    samples: list[tuple[float, int]] = []
    try:
        tally = Tally()
        started = time.monotonic()
        deadline = started + args.seconds

        async def sample() -> None:
            while time.monotonic() < deadline:
                samples.append((time.monotonic() - started, _rss_kib(proc.pid)))
                await asyncio.sleep(5)

        clients = [_client(n, base, deadline, tally) for n in range(args.clients)]
        await asyncio.gather(sample(), *clients)
        elapsed = time.monotonic() - started
        wrong = await _verify(base, tally)
        samples.append((time.monotonic() - started, _rss_kib(proc.pid)))
    finally:
        proc.terminate()
        proc.wait(timeout=10)

    print(f"clients: {args.clients}, seconds: {elapsed:.0f}, storage: {db or 'memory'}")
    print(
        f"requests: {tally.requests} ({tally.requests / elapsed:.0f}/s); stored interactions verified: {len(tally.stored)}"
    )
    print(
        "RSS over time (s: MiB): " + ", ".join(f"{t:.0f}: {kib / 1024:.0f}" for t, kib in samples)
    )
    print(
        f"5xx or lost context: {len(tally.server_errors)}; missing or different after the run: {len(wrong)}"
    )
    for line in (tally.server_errors + wrong)[:10]:
        print(f"  {line}")
    warm = next((kib for t, kib in samples if t >= 10), samples[0][1])
    last = samples[-1][1]
    print(
        f"ratio RSS end / RSS at 10 s: {last / warm:.2f} (flat is about 1.0; in-memory storage grows with the data)"
    )
    print(f"ratio lost / stored: {len(wrong)}/{len(tally.stored)}")
    return 1 if (tally.server_errors or wrong) else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument(
        "--db", default=None, help="SQLite file (default: a temporary file); ':memory:' for memory"
    )
    return asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
