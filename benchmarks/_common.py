"""What the benchmarks share: starting the emulator and the proxy as their own processes,
percentiles, and the honest "skipped" line for a peer that could not be installed.

Every server here binds 127.0.0.1 and is stopped by the benchmark that started it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence

import httpx

KEY = "emulator-key"
MODEL = "gemini-2.5-flash-lite"
HEADERS = {"x-goog-api-key": KEY}
CREATE = {"model": MODEL, "input": "What is 17*23? Answer with the number only."}
STREAM = {**CREATE, "stream": True}

# The emulator with EmulatorConfig fields the CLI has no flag for: a pause between streamed
# events (events then leave one by one, so a proxy's delay per event can be seen), or
# background jobs that take no time (a throughput benchmark waits for no simulated model).
_CONFIGURED_EMULATOR = """
import json, socket, sys, uvicorn
from interactions_conformance.emulator import EmulatorConfig, create_app
sock = socket.socket()
sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
sock.bind(("127.0.0.1", 0))
print(f"emulator on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
app = create_app(EmulatorConfig(**json.loads(sys.argv[1])))
uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _url_from(process: subprocess.Popen[str], what: str, timeout: float = 30) -> str:
    """The first http://127.0.0.1:PORT the process prints."""
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    for line in process.stdout:
        found = re.search(r"(http://127\.0\.0\.1:\d+)", line)
        if found:
            return found.group(1)
        if time.monotonic() > deadline:
            break
    stop(process)
    raise SystemExit(f"{what} did not start")


def wait_ready(url: str, process: subprocess.Popen[str], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} exited with {process.returncode} before it answered")
        try:
            httpx.get(f"{url}/v1beta/interactions/none", headers=HEADERS, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    stop(process)
    raise SystemExit(f"{what} did not answer at {url} within {timeout:.0f} s")


def stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextlib.contextmanager
def emulator(*args: str, **config: float | str) -> Iterator[tuple[str, int]]:
    """``interactions-conformance serve ARGS`` on a free port, or with ``config`` (EmulatorConfig
    fields: ``event_delay``, ``background_seconds``, ...) the same app: yields (URL, pid)."""
    if config:
        command = [sys.executable, "-c", _CONFIGURED_EMULATOR, json.dumps(config)]
    else:
        command = [sys.executable, "-m", "interactions_conformance._cli", "serve", *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = _url_from(process, "the emulator")
        wait_ready(url, process, "the emulator")
        yield url, process.pid
    finally:
        stop(process)


@contextlib.contextmanager
def proxy(upstream: str, *args: str) -> Iterator[str]:
    """``interactions-conformance proxy --upstream URL ARGS`` on a free port: yields its URL."""
    port = free_port()
    command = [sys.executable, "-m", "interactions_conformance._cli", "proxy"]
    command += ["--upstream", upstream, "--port", str(port), *args]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, text=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process, "the proxy")
        yield url
    finally:
        stop(process)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def skipped(row: str, why: str) -> None:
    """One clear line for a peer that could not run: the row is skipped, nothing crashes."""
    print(f"SKIPPED {row}: {why}")


# -- traffic through several front doors (direct, our proxy, a peer's proxy) -------------------


def latency(sides: dict[str, str], rounds: int) -> dict[tuple[str, str], list[float]]:
    """Seconds per (side, kind) for create, streamed create and get, one request at a time;
    the sides take turns in a rotating order so that each sees the same machine load."""
    times: dict[tuple[str, str], list[float]] = {}
    names = list(sides)
    with httpx.Client(headers=HEADERS, timeout=30) as client:
        for n in range(rounds):
            for side in names[n % len(names) :] + names[: n % len(names)]:
                base = sides[side]
                t = time.perf_counter()
                ident = client.post(f"{base}/v1beta/interactions", json=CREATE).json()["id"]
                times.setdefault((side, "create"), []).append(time.perf_counter() - t)
                t = time.perf_counter()
                with client.stream("POST", f"{base}/v1beta/interactions", json=STREAM) as r:
                    r.read()
                times.setdefault((side, "stream"), []).append(time.perf_counter() - t)
                t = time.perf_counter()
                client.get(f"{base}/v1beta/interactions/{ident}").raise_for_status()
                times.setdefault((side, "get"), []).append(time.perf_counter() - t)
    return times


async def _load(base: str, clients: int, seconds: float, streamed: bool) -> float:
    """Requests/s that ``clients`` concurrent clients get from ``base`` in ``seconds``."""
    done = 0
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(headers=HEADERS, timeout=60, limits=limits) as http:

        async def one() -> None:
            nonlocal done
            while time.monotonic() < deadline:
                if streamed:
                    async with http.stream("POST", f"{base}/v1beta/interactions", json=STREAM) as r:
                        await r.aread()
                    r.raise_for_status()
                    done += 1
                else:
                    created = await http.post(f"{base}/v1beta/interactions", json=CREATE)
                    got = await http.get(f"{base}/v1beta/interactions/{created.json()['id']}")
                    got.raise_for_status()
                    done += 2

        start = time.monotonic()
        await asyncio.gather(*(one() for _ in range(clients)))
        return done / (time.monotonic() - start)


def throughput(sides: dict[str, str], clients: int, seconds: float) -> dict[tuple[str, str], float]:
    """Requests/s per (side, kind), kind ``json`` (create then get) or ``stream``; each side
    runs twice, in the order A B C C B A, so that load drift touches all alike."""
    rates: dict[tuple[str, str], list[float]] = {}
    names = list(sides)
    for streamed in (False, True):
        kind = "stream" if streamed else "json"
        for side in names + names[::-1]:
            rate = asyncio.run(_load(sides[side], clients, seconds / 2, streamed))
            rates.setdefault((side, kind), []).append(rate)
    return {key: statistics.mean(values) for key, values in rates.items()}


def _event_times(client: httpx.Client, base: str) -> list[float]:
    """When each event of one streamed create reached the client, from the request's start."""
    arrived: list[float] = []
    buffer = b""
    start = time.perf_counter()
    with client.stream("POST", f"{base}/v1beta/interactions", json=STREAM) as response:
        for chunk in response.iter_raw():
            buffer += chunk
            while b"\n\n" in buffer:
                _, buffer = buffer.split(b"\n\n", 1)
                arrived.append(time.perf_counter() - start)
    return arrived


def event_delays(sides: dict[str, str], rounds: int) -> dict[str, tuple[float, float, int]]:
    """Per side but the first (the direct one): (p50, worst) over event positions of the time
    each event reaches the client later than it does directly, and the events per stream."""
    seen: dict[str, list[list[float]]] = {side: [] for side in sides}
    names = list(sides)
    with httpx.Client(headers=HEADERS, timeout=30) as client:
        for n in range(rounds):
            for side in names[n % len(names) :] + names[: n % len(names)]:
                seen[side].append(_event_times(client, sides[side]))
    direct = names[0]
    count = min(len(t) for side in seen.values() for t in side)
    out = {}
    for side in names[1:]:
        added = [
            statistics.median(t[k] for t in seen[side])
            - statistics.median(t[k] for t in seen[direct])
            for k in range(count)
        ]
        out[side] = (statistics.median(added), max(added), count)
    return out
