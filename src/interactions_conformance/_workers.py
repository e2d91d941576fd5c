"""pytest-xdist workers: each worker runs its tests against its own emulator (the session
fixture starts one per process), and sends what it saw to the controller, which merges it into
its own state before printing the rules summary and writing the results.

What travels (``workeroutput``, plain JSON): every rule's outcome with its tests, evidence and
reason, the drift, and the counters the traffic rules are credited from (requests, streams
checked, tokens). Merging keeps the worst outcome of a rule (the plugin's own order), so a run
with ``-n 2`` gives the rules summary a run in one process gives.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

__all__ = ["merge_worker", "worker_payload"]

KEY = "interactions_conformance"


def worker_payload(state: Any) -> str:
    target = state.target
    return json.dumps(
        {
            "rules": {rule: dataclasses.asdict(o) for rule, o in state.rules.items()},
            "drift": [dataclasses.asdict(d) for d in state.drift.values()],
            "deviations_seen": state.deviations_seen,
            "requests": state.requests,
            "streams_checked": state.streams_checked,
            "tokens": state.tokens,
            "target": None
            if target is None
            else {"name": target.name, "base_url": target.base_url, "strict": target.strict},
        }
    )


def merge_worker(
    state: Any, payload: str, outcome_type: Any, drift_type: Any, target_type: Any
) -> None:
    """Fold one worker's payload into the controller's ``state``."""
    data = json.loads(payload)
    for rule, seen in data["rules"].items():
        outcome = state.rules.setdefault(rule, outcome_type())
        # record() keeps the worst status and lists each test once; an outcome without tests
        # (a rule credited on the worker) is recorded under "" and the "" dropped again
        for test in seen["tests"] or [""]:
            outcome.record(seen["status"], test, seen["reason"])
        if "" in outcome.tests:
            outcome.tests.remove("")
        room = 5 - len(outcome.evidence)
        outcome.evidence.extend(seen["evidence"][: max(room, 0)])
    for item in data["drift"]:
        drift = drift_type(**item)
        state.drift.setdefault((drift.what, drift.name, drift.schema), drift)
    state.deviations_seen.extend(data["deviations_seen"])
    state.requests += data["requests"]
    state.streams_checked += data["streams_checked"]
    state.tokens += data["tokens"]
    worker_target = data.get("target")
    if worker_target and state.target is None:
        name = worker_target["name"]
        state.target = target_type(
            name=name,
            base_url=worker_target["base_url"],
            api_key=None,
            second_api_key=None,
            profile=state.profile(name),
            revision=state.revision(),
            strict=worker_target["strict"],
        )
