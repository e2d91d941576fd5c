"""Generation throughput: generated requests sent and checked per second, against raw httpx.

All three phases talk to one emulator process, one request at a time, from this process. Its
background jobs take no time (`background_seconds=0`, `agent_seconds=0`): a streamed background
request would otherwise wait for a simulated model, which is not what is measured here.

* generated: Hypothesis draws a create request (`create_requests`, every feature of the
  emulator profile, as `suites/test_generated.py` does), the project's client sends it and
  `check_exchange` checks the answer (what the plugin's observer runs on every exchange);
* replay: the very same bodies, sent with a bare `httpx.Client` and not checked, so the
  difference from "generated" is what drawing and checking cost;
* raw: one fixed small create body sent with a bare `httpx.Client` (the cheapest request).

    python benchmarks/generation_throughput.py [--examples 300]

Prints requests/s of each phase; the last lines are the ratios (target: generated >= 50% of
raw httpx to the same emulator).
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import httpx
from _common import CREATE, HEADERS, KEY, emulator
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from interactions_conformance._client import ApiClient
from interactions_conformance._targets import builtin_profile
from interactions_conformance.checks import check_exchange
from interactions_conformance.strategies import create_requests

TARGET = 0.5


def _generated(base: str, examples: int) -> tuple[float, list[dict[str, Any]], int]:
    """(requests/s, the bodies sent, violations found) for ``examples`` generated requests."""
    profile = builtin_profile("emulator")
    features = {name for name, on in profile.features.items() if on}
    strategy = create_requests(
        model=profile.model(), agent=profile.model("agent"), features=features, max_output_tokens=16
    )
    sent: list[dict[str, Any]] = []
    violations = 0

    # The figures are 2025-12's (README): the raw phase sends the same canonical bodies.
    with ApiClient(base, KEY, revision="2025-12") as client:

        def observe(exchange: Any) -> None:
            nonlocal violations
            violations += len(check_exchange(exchange, "2025-12").violations)

        client.observers.append(observe)

        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(data=st.data())
        def run(data: st.DataObject) -> None:
            body = data.draw(strategy)
            sent.append(body)
            client.create(body)

        start = time.perf_counter()
        run()
        elapsed = time.perf_counter() - start
    return len(sent) / elapsed, sent, violations


def _raw(base: str, bodies: list[dict[str, Any]]) -> float:
    url = f"{base}/v1beta/interactions"
    with httpx.Client(headers=HEADERS, timeout=60) as http:
        start = time.perf_counter()
        for body in bodies:
            if body.get("stream"):
                with http.stream("POST", url, json=body) as response:
                    response.read()
            else:
                http.post(url, json=body)
        return len(bodies) / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=300, help="generated requests per phase")
    args = parser.parse_args()
    with emulator(background_seconds=0, agent_seconds=0, revision="2025-12") as (base, _):
        _raw(base, [CREATE] * 20)  # warm both sides up
        rates: dict[str, list[float]] = {"generated": [], "replay": [], "raw": []}
        violations = 0
        streams = 0
        for _ in range(2):  # two rounds, phases interleaved: load drift touches all alike
            rate, bodies, found = _generated(base, args.examples)
            rates["generated"].append(rate)
            violations += found
            streams += sum(bool(b.get("stream")) for b in bodies)
            rates["replay"].append(_raw(base, bodies))
            rates["raw"].append(_raw(base, [CREATE] * len(bodies)))
    best = {name: max(values) for name, values in rates.items()}
    print(f"{2 * args.examples} generated requests ({streams} streamed), {violations} violations")
    print(
        f"requests/s (best of 2): generated, sent and checked {best['generated']:.0f}; "
        f"the same bodies with bare httpx {best['replay']:.0f}; "
        f"a fixed small body with bare httpx {best['raw']:.0f}"
    )
    ratio = best["generated"] / best["raw"]
    verdict = "meets" if ratio >= TARGET else "misses"
    print(f"ratio generated / same bodies raw: {best['generated'] / best['replay']:.2f}")
    print(f"ratio generated / raw httpx: {ratio:.2f} ({verdict} the target {TARGET:g})")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
