"""What the validating proxy costs: the same requests to the emulator, directly and through it.

The emulator and the proxy run as their own processes (as a user runs them); one client sends
rounds of create (JSON), create (streamed) and get, one request at a time, alternating
direct and proxied so that both see the same machine load. Every exchange through the proxy
is checked (schemas, usage, the stream grammar), in its worker thread after the response.

    python benchmarks/proxy_overhead.py [--rounds 100]

Prints the median and mean latency of each kind, direct and proxied; the last lines are the
ratios (proxied / direct) and the extra milliseconds per request.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

KEY = "emulator-key"
MODEL = "gemini-2.5-flash-lite"
CREATE = {"model": MODEL, "input": "What is 17*23? Answer with the number only."}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _start(args: list[str], url: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "interactions_conformance._cli", *args]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/v1beta/interactions/none", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"{' '.join(args)} did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100, help="rounds of 3 requests each way")
    args = parser.parse_args()
    up_port, proxy_port = _free_port(), _free_port()
    upstream, proxied = f"http://127.0.0.1:{up_port}", f"http://127.0.0.1:{proxy_port}"
    log = Path(tempfile.mkdtemp()) / "proxy.jsonl"
    emulator = _start(["serve", "--port", str(up_port)], upstream)
    proxy = _start(
        ["proxy", "--upstream", upstream, "--port", str(proxy_port), "--log", str(log)], proxied
    )
    times: dict[tuple[str, str], list[float]] = {}
    headers = {"x-goog-api-key": KEY}
    try:
        with httpx.Client(headers=headers, timeout=30) as client:
            for _ in range(args.rounds):
                for name, base in (("direct", upstream), ("proxied", proxied)):
                    t = time.perf_counter()
                    ident = client.post(f"{base}/v1beta/interactions", json=CREATE).json()["id"]
                    times.setdefault((name, "create"), []).append(time.perf_counter() - t)
                    t = time.perf_counter()
                    body = {**CREATE, "stream": True}
                    with client.stream("POST", f"{base}/v1beta/interactions", json=body) as r:
                        r.read()
                    times.setdefault((name, "stream"), []).append(time.perf_counter() - t)
                    t = time.perf_counter()
                    client.get(f"{base}/v1beta/interactions/{ident}").raise_for_status()
                    times.setdefault((name, "get"), []).append(time.perf_counter() - t)
    finally:
        proxy.terminate()
        proxy.wait(timeout=10)
        emulator.terminate()
        emulator.wait(timeout=10)
    lines = log.read_text("utf-8").splitlines()
    checked = sum('"kind": "exchange"' in line and '"checked": true' in line for line in lines)
    violations = sum('"kind": "violation"' in line for line in lines)
    print(f"{args.rounds} rounds; proxy checked {checked} exchanges, {violations} violations")
    total_direct = total_proxied = 0.0
    for kind in ("create", "stream", "get"):
        direct, via = times[("direct", kind)], times[("proxied", kind)]
        total_direct += sum(direct)
        total_proxied += sum(via)
        print(
            f"  {kind:<7} direct median {statistics.median(direct) * 1000:6.2f} ms, "
            f"proxied {statistics.median(via) * 1000:6.2f} ms "
            f"(ratio {statistics.median(via) / statistics.median(direct):.2f})"
        )
    count = len(times[("direct", "create")]) * 3
    print(f"ratio (proxied / direct, all requests): {total_proxied / total_direct:.2f}")
    print(f"extra per request: {(total_proxied - total_direct) / count * 1000:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
