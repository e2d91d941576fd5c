"""The verdicts `test_checks_one_pass` holds fixed: the checks' findings on every recording
in ../shared/real-traffic and on seeded variants of each, under every revision.

Written once with the checks as they were before the one-pass rewrite (issue 17), read by
the test with the checks of today; both call `verdicts` with their own package. Only digests
are kept (and the rule and place of the unchanged recordings): no payload is copied in.
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
from collections.abc import Collection
from pathlib import Path
from typing import Any

VARIANTS = 30  # seeded variants per recording
_POOL: list[Any] = [
    None, -1, 0, 2**70, 1.5, True, "", "x", "text", "function_call", "completed",
    "in_progress", "requires_action", "queued", "model_output", "content.delta", "step.delta",
    [], [1], {}, {"type": "text", "text": "a"}, "2026-01-01T00:00:00Z", {"total_tokens": 5},
]  # fmt: skip


def _paths(value: Any, base: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [base]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*base, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _paths(item, (*base, i))
    return found


def variant(payload: Any, seed: str) -> Any:
    """``payload`` with one to three values replaced, removed or repeated (deterministic)."""
    rnd = random.Random(seed)
    value = copy.deepcopy(payload)
    paths = [p for p in _paths(value) if p]
    for _ in range(rnd.choice((1, 1, 2, 3))):
        if not paths:
            break
        path = rnd.choice(paths)
        parent = value
        try:
            for key in path[:-1]:
                parent = parent[key]
            last = path[-1]
            roll = rnd.random()
            if roll < 0.2 and isinstance(parent, dict):
                parent.pop(last, None)
            elif roll < 0.3 and isinstance(parent, list):
                parent.insert(last, copy.deepcopy(parent[last]))
            else:
                parent[last] = copy.deepcopy(rnd.choice(_POOL))
        except (KeyError, IndexError, TypeError):
            pass
        paths = [p for p in _paths(value) if p]
    return value


def _text(found: Any) -> list[str]:
    items = found.violations if hasattr(found, "violations") else found
    out = [
        json.dumps([v.rule, v.where, v.message, v.expected, v.actual, v.statement]) for v in items
    ]
    out += [repr(d) for d in getattr(found, "drift", [])]
    return out


def verdicts(path: Path, revision: str, pkg: Any, skip: Collection[int] = ()) -> dict[str, Any]:
    """(rule, where) of the recording's violations, and a digest of every finding on it and
    on its variants: exchange, stream grammar (whole and resumed), interaction checks.

    A variant on which a check raises is left out of the digest and listed in ``raised``
    (the checks before the rewrite crashed on a few: a dict call_id); ``skip`` leaves out
    the variants another run listed there.
    """
    checks, sources = pkg.checks, pkg.sources
    payload = json.loads(path.read_text("utf-8"))["payload"]
    digest = hashlib.sha256()
    plain: list[list[str]] = []
    raised: list[int] = []
    for k in range(VARIANTS + 1):
        if k in skip:
            continue
        value = payload if k == 0 else variant(payload, f"{path.name}:{k}")
        try:
            lines, found = _findings(checks, sources, value, revision, k)
        except Exception:
            raised.append(k)
            continue
        if k == 0:
            plain = [[v.rule, v.where] for v in found]
        digest.update("\n".join(lines).encode("utf-8", "surrogatepass"))
    return {"violations": plain, "digest": digest.hexdigest(), "raised": raised}


def _findings(
    checks: Any, sources: Any, value: Any, revision: str, k: int
) -> tuple[list[str], list[Any]]:
    lines: list[str] = []
    if isinstance(value, list):
        exchange = sources.from_events(value, request={"model": "gemini-2.5-flash"})
        result = checks.check_exchange(exchange, revision, require_event_ids=k % 2 == 1)
        lines += _text(result)
        for resumed in (False, True):
            lines += _text(checks.check_stream_grammar(value, revision=revision, resumed=resumed))
        lines += [json.dumps(checks.reassemble_outputs(value, revision=revision), default=str)]
    else:
        result = checks.check_exchange(sources.from_interaction(value), revision)
        lines += _text(result)
        request = {"model": "gemini-2.5-flash", "tools": [{"type": "google_search"}]}
        lines += _text(checks.run_interaction_checks(value, request, revision=revision))
    return lines, result.violations
