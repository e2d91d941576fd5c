"""Checking cost: the time to check one recorded exchange against the time to json.loads its bytes.

Four exchanges are recorded from the bundled emulator (in process, no network): a non-streamed
create (an Interaction), the same with fields revision 2025-12 does not know (as the live API
sends it: drift), a 200-event stream (the emulator's streamed answer with its text split into
195 deltas), and that stream with the same drift. Each is checked with `check_exchange`
(schemas, usage arithmetic, the stream grammar, reassembly: everything the proxy and the
plugin run) and, for comparison, only parsed with `json.loads` (the body; for a stream each
event's data, the SSE lines already split). Both are timed in the same process, in
alternating rounds (best round of each), so machine load touches both sides alike. The check is also timed with
python-jsonschema alone (no compiled fast path) to show what the fast path buys.

    python benchmarks/check_cost.py [--repeat 7] [--min-time 0.2]

Prints one line per exchange; the last lines are the ratios (check / json.loads; target <= 3).
Exit 1 when a recorded exchange is not clean (the benchmark must time the passing path).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx

from interactions_conformance import Exchange, Request, Response, Revision, load_revision
from interactions_conformance._spec import jsonschema_rs
from interactions_conformance._sse import parse_payloads  # what check_exchange parses with
from interactions_conformance.checks import (
    check_event_schemas,
    check_exchange,
    check_interaction_schema,
    check_stream_grammar,
    classify,
    parse_sse,
    reassemble_outputs,
    run_interaction_checks,
)
from interactions_conformance.checks._base import body_json
from interactions_conformance.emulator import running_emulator

KEY = "emulator-key"
MODEL = "gemini-2.5-flash-lite"
CREATE = {"model": MODEL, "input": "What is 17*23? Answer with the number only."}
LONG = {"model": MODEL, "input": "Tell me about the history of Rome in detail.", "stream": True}
EVENTS = 200
TARGET = 3.0


def _record() -> tuple[Exchange, Exchange]:
    """A non-streamed and a streamed create, as the emulator answers them."""
    with running_emulator(revision="2025-12") as base:  # the figures are 2025-12's (README)
        url = f"{base}/v1beta/interactions"
        headers = {"x-goog-api-key": KEY, "content-type": "application/json"}
        with httpx.Client(headers=headers, timeout=30) as http:
            plain = http.post(url, json=CREATE)
            with http.stream("POST", url, json=LONG) as streamed:
                body = streamed.read()
                stream_headers = dict(streamed.headers)
    request_headers = {"content-type": "application/json"}
    return (
        Exchange(
            Request("POST", url, request_headers, json.dumps(CREATE).encode()),
            Response(plain.status_code, dict(plain.headers), plain.content),
        ),
        Exchange(
            Request("POST", url, request_headers, json.dumps(LONG).encode()),
            Response(200, stream_headers, body, chunks=(body,)),
        ),
    )


def _events(body: bytes) -> list[dict[str, Any]]:
    return [
        json.loads(line[6:])
        for line in body.decode().splitlines()
        if line.startswith("data: ") and line != "data: [DONE]"
    ]


def _frame(events: list[dict[str, Any]]) -> bytes:
    out = [f"event: {e['event_type']}\ndata: {json.dumps(e)}\n\n" for e in events]
    return ("".join(out) + "data: [DONE]\n\n").encode()


def _long_stream(streamed: Exchange, count: int) -> Exchange:
    """The recorded stream with its one text output re-split into deltas: ``count`` events."""
    events = _events(streamed.response.body)
    deltas = [e for e in events if e["event_type"] == "content.delta"]
    if not deltas or any(e["index"] != 0 or e["delta"]["type"] != "text" for e in deltas):
        raise SystemExit("the emulator's stream is not one text output: the benchmark needs one")
    text = "".join(e["delta"]["text"] for e in deltas)
    first = events.index(deltas[0])
    head, tail = events[:first], events[first + len(deltas) :]
    pieces = count - len(head) - len(tail)
    text = (text + " ") * math.ceil(pieces * 12 / len(text))  # ~12 characters a delta
    size = math.ceil(len(text) / pieces)
    chunks = [text[i * size : (i + 1) * size] for i in range(pieces)]
    middle = [
        {"event_type": "content.delta", "index": 0, "delta": {"type": "text", "text": c}}
        for c in chunks
    ]
    rebuilt = head + middle + tail
    for n, event in enumerate(rebuilt):
        event["event_id"] = f"evt_{n:04d}"
        usage = event.get("interaction", {}).get("usage")
        if usage:  # the emulator's own count: ceil(chars / 4)
            out = math.ceil(len(text) / 4)
            usage["total_output_tokens"] = out
            usage["total_tokens"] = usage["total_input_tokens"] + out
    body = _frame(rebuilt)
    return Exchange(streamed.request, Response(200, streamed.response.headers, body, (body,)))


def _as_live(exchange: Exchange) -> Exchange:
    """The exchange with fields 2025-12 does not know, as the live API adds them (drift)."""
    response = exchange.response
    if response.is_stream:
        events = _events(response.body)
        for event in events:
            if event["event_type"] == "interaction.complete":
                event["interaction"]["service_tier"] = "standard"
        body = _frame(events)
        return Exchange(exchange.request, Response(200, response.headers, body, (body,)))
    data = json.loads(response.body)
    data["service_tier"] = "standard"
    return Exchange(
        exchange.request, Response(200, response.headers, json.dumps(data).encode(), None)
    )


def _loads_only(exchange: Exchange) -> Callable[[], Any]:
    response = exchange.response
    if not response.is_stream:
        body = response.body
        return lambda: json.loads(body)
    datas = [
        line[6:]
        for line in response.body.splitlines()
        if line.startswith(b"data: ") and line != b"data: [DONE]"
    ]
    return lambda: [json.loads(d) for d in datas]


def _loops(fn: Callable[[], Any], min_time: float) -> int:
    """How many calls of ``fn`` last about ``min_time`` seconds."""
    loops = 1
    while True:
        start = time.perf_counter()
        for _ in range(loops):
            fn()
        if time.perf_counter() - start >= min_time / 5:
            break
        loops *= 2
    return max(1, int(loops * (min_time / max(time.perf_counter() - start, 1e-9))))


def _best(fn: Callable[[], Any], repeat: int, min_time: float) -> float:
    """Seconds per call: the best of ``repeat`` runs of enough calls to last ``min_time``."""
    return _best_of(fn, fn, repeat, min_time)[0]


def _best_of(
    first: Callable[[], Any], second: Callable[[], Any], repeat: int, min_time: float
) -> tuple[float, float]:
    """Seconds per call of each, best of ``repeat`` rounds; each round times both, one after
    the other, so that a burst of load on a shared machine falls on both sides alike."""
    counts = (_loops(first, min_time), _loops(second, min_time))
    best = [math.inf, math.inf]
    for _ in range(repeat):
        for side, (fn, loops) in enumerate(zip((first, second), counts, strict=True)):
            start = time.perf_counter()
            for _ in range(loops):
                fn()
            best[side] = min(best[side], (time.perf_counter() - start) / loops)
    return best[0], best[1]


def _stages(exchange: Exchange, rev: Revision) -> dict[str, Callable[[], Any]]:
    """The parts of `check_exchange`, each on its own (where the time goes)."""
    response = exchange.response
    request = exchange.request.json()
    if not response.is_stream:
        body = response.json()
        return {
            "classify + parse request and response": lambda: (
                classify(exchange, body_json(exchange.request.body)),
                body_json(response.body),
            ),
            "schema (fast path)": lambda: check_interaction_schema(body, rev),
            "interaction checks": lambda: run_interaction_checks(body, request),
        }
    payloads = parse_sse(response.body).payloads
    final = payloads[-1]["interaction"]
    return {
        "SSE parse (framing + json.loads)": lambda: parse_payloads(
            response.chunks or (response.body,)
        ),
        "event schemas (fast path)": lambda: check_event_schemas(payloads, rev),
        "stream grammar": lambda: check_stream_grammar(payloads),
        "reassembly": lambda: reassemble_outputs(payloads),
        "interaction checks (start, complete)": lambda: (
            run_interaction_checks(payloads[0]["interaction"], request),
            run_interaction_checks(final, request),
        ),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="repeats; the best one counts")
    parser.add_argument("--min-time", type=float, default=0.2, help="seconds per repeat")
    args = parser.parse_args()
    fast = load_revision("2025-12")
    slow = Revision(fast.name, fast.folder, fast=False)
    plain, streamed = _record()
    long_stream = _long_stream(streamed, EVENTS)
    cases = {
        "interaction": plain,
        "interaction, live drift": _as_live(plain),
        f"{EVENTS}-event stream": long_stream,
        f"{EVENTS}-event stream, live drift": _as_live(long_stream),
    }
    if jsonschema_rs is None:
        print(
            "jsonschema-rs is not installed: the fast path is off, both columns are the slow path"
        )
    print(f"{'exchange':<32} {'bytes':>7} {'json.loads':>11} {'check':>10} {'ratio':>6}  slow path")
    ratios: dict[str, float] = {}
    dirty = False
    for name, exchange in cases.items():
        result = check_exchange(exchange, fast)
        if result.violations or check_exchange(exchange, slow) != result:
            print(f"{name}: not clean or the paths differ: {result.violations[:3]}")
            dirty = True
            continue
        loads, check = _best_of(
            _loads_only(exchange),
            lambda e=exchange: check_exchange(e, fast),
            args.repeat,
            args.min_time,
        )
        check_slow = _best(lambda e=exchange: check_exchange(e, slow), 3, args.min_time)
        ratios[name] = check / loads
        print(
            f"{name:<32} {len(exchange.response.body):>7} {loads * 1e6:>9.1f}us "
            f"{check * 1e6:>8.1f}us {check / loads:>6.1f}  {check_slow * 1e6:>9.1f}us "
            f"({check_slow / loads:.0f}x; drift {len(result.drift)})"
        )
    print("where the time goes (each part alone, in units of the exchange's json.loads):")
    for name in ("interaction", "interaction, live drift", f"{EVENTS}-event stream"):
        exchange = cases[name]
        parts = []
        for stage, fn in _stages(exchange, fast).items():
            loads, took = _best_of(_loads_only(exchange), fn, 3, args.min_time)
            parts.append(f"{stage} {took / loads:.1f}")
        print(f"  {name}: " + "; ".join(parts))
    for name, ratio in ratios.items():
        verdict = "meets" if ratio <= TARGET else "misses"
        print(f"ratio check / json.loads, {name}: {ratio:.1f} ({verdict} the target {TARGET:g})")
    return 1 if dirty else 0


if __name__ == "__main__":
    sys.exit(main())
