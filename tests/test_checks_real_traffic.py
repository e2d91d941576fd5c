"""The checks on the recorded traffic in ../shared/real-traffic (2025-12 era).

Recorded streams must pass the grammar with no violation but the ones the
recordings are known to show; the outputs reassembled from a stream must be
consistent with its final status and with the non-streamed recording of the
same scenario. Skipped, with the reason, when ../shared is absent.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from _support import load_recording, pinned, real_traffic_files
from interactions_conformance import Exchange, Request, Response
from interactions_conformance._spec import spec_root
from interactions_conformance.checks import (
    check_exchange,
    check_stream_grammar,
    parse_sse,
    reassemble_outputs,
    run_interaction_checks,
)

# These recordings are 2025-12's, and the checks default to the newest revision: pinned here (the
# steps-era tests below pass revision="2026-05" themselves).
check_stream_grammar, reassemble_outputs, run_interaction_checks = pinned(
    "2025-12", check_stream_grammar, reassemble_outputs, run_interaction_checks
)

STREAMS = real_traffic_files("2025-12__stream__")
INTERACTIONS = real_traffic_files("2025-12__interaction__")


def _name(path: Path) -> str:
    return path.stem.split("__")[-1]


# The per-type SSE examples of the API reference pages are listed in page order, not
# as one contiguous stream (their _meta says so): start, complete, status_update,
# content.* at index 1, error. These are what the grammar says about that order.
_PAGE_ORDER = {
    ("STREAM-ONE-TERMINAL", "event 2 /event_type"),  # events after interaction.complete
    ("STREAM-ONE-TERMINAL", "event 6 /event_type"),  # error after interaction.complete
    ("STREAM-INDEX-ORDER", "event 3 /index"),  # the example block is index 1
    ("STREAM-STATUS-TRANSITIONS", "event 2 /status"),  # in_progress after completed
}
KNOWN_GRAMMAR = {
    "docs-2026q1-event-examples": _PAGE_ORDER,
    # REF-Dec25's interaction.complete example carries outputs (API-SURFACE 9.5); in page order
    # it comes before any content event, so its outputs differ from what was streamed before it.
    "docs-dec2025-event-examples": _PAGE_ORDER
    | {("STREAM-COMPLETE-OUTPUTS", "event 1 /interaction/outputs")},
}
# The create request context a recording implies (its _meta describes the request).
CONTEXT: dict[str, dict[str, Any]] = {
    "vercel-stateless-store-false-turn1": {"store": False},
    "vercel-stateless-store-false-turn2": {"store": False},
    "vercel-image-output": {"response_modalities": ["IMAGE"]},
    "vercel-image-output-modify": {"response_modalities": ["IMAGE"]},
}
# What the interaction checks find in the non-streamed recordings.
KNOWN_INTERACTION = {
    # NOTES/API-SURFACE contradiction 3: the Dec 2025 page nests the call and gives it no id.
    "docs-dec2025-function-call-nested": {
        ("FC-CALL-SHAPE", "/outputs/0/id"),
        ("FC-CALL-SHAPE", "/outputs/0/name"),
        ("FC-CALL-SHAPE", "/outputs/0/arguments"),
        ("USAGE-TOTAL-SUM", "/usage/total_tokens"),
    },
    # The docs' function-calling example: total_tokens 125 = input 100 + output 25, its
    # total_tool_use_tokens 50 is left out of the total (every recorded usage adds it).
    "docs-2026q1-function-call-requires-action": {("USAGE-TOTAL-SUM", "/usage/total_tokens")},
}


def sse_bytes(payload: list[Any]) -> bytes:
    """The recorded data objects as the wire would carry them, then the [DONE] marker."""
    out = b""
    for event in payload:
        out += f"event: {event.get('event_type')}\ndata: {json.dumps(event)}\n\n".encode()
    return out + b"data: [DONE]\n\n"


def _found(violations: list[Any]) -> set[tuple[str, str]]:
    return {(v.rule, v.where) for v in violations}


@pytest.mark.usefixtures("shared_dir")
@pytest.mark.parametrize("path", STREAMS, ids=_name)
def test_recorded_streams_pass_the_grammar(path: Path) -> None:
    _, payload = load_recording(path)
    parsed = parse_sse(sse_bytes(payload))
    assert parsed.violations == []
    assert parsed.done
    assert parsed.payloads == payload
    found = check_stream_grammar(parsed.payloads)
    assert _found(found) == KNOWN_GRAMMAR.get(_name(path), set()), "\n\n".join(map(str, found))


@pytest.mark.usefixtures("shared_dir")
@pytest.mark.parametrize("path", STREAMS, ids=_name)
def test_recorded_streams_have_no_event_ids(path: Path) -> None:
    """API-SURFACE 5: no recorded stream carries event_id; STREAM-EVENT-ID says so when asked."""
    _, payload = load_recording(path)
    found = check_stream_grammar(payload, require_event_ids=True)
    extra = _found(found) - KNOWN_GRAMMAR.get(_name(path), set())
    assert extra == {("STREAM-EVENT-ID", "event 0 /event_id")}


@pytest.mark.usefixtures("shared_dir")
@pytest.mark.parametrize("path", [p for p in STREAMS if _name(p) not in KNOWN_GRAMMAR], ids=_name)
def test_reassembled_outputs_are_consistent(path: Path) -> None:
    _, payload = load_recording(path)
    complete = payload[-1]["interaction"]
    outputs = reassemble_outputs(payload)
    rebuilt = {"status": complete["status"], "model": complete.get("model"), "outputs": outputs}
    context = CONTEXT.get(_name(path))
    found = run_interaction_checks(rebuilt, context, where="reassembled", outputs_only=True)
    assert found == [], "\n\n".join(map(str, found))
    assert all(isinstance(o.get("type"), str) for o in outputs)
    # the same scenario recorded without streaming has the same kinds of outputs
    twin = path.with_name(path.name.replace("__stream__", "__interaction__"))
    if twin.is_file():
        _, resource = load_recording(twin)
        assert [o["type"] for o in outputs] == [o["type"] for o in resource["outputs"]]
        assert resource["status"] == complete["status"]


def _schemas_present() -> bool:
    folder = spec_root() / "2025-12" / "schemas"
    stems = ("interaction", "content", "usage", "sse-event", "delta", "error")
    return all((folder / f"{s}.json").is_file() for s in stems)


@pytest.mark.skipif(not _schemas_present(), reason="spec/2025-12/schemas is not complete yet")
@pytest.mark.usefixtures("shared_dir")
@pytest.mark.parametrize("path", [p for p in STREAMS if _name(p) not in KNOWN_GRAMMAR], ids=_name)
def test_recorded_streams_pass_check_exchange(path: Path) -> None:
    _, payload = load_recording(path)
    body = {"model": payload[0]["interaction"]["model"], "input": "x", "stream": True}
    body.update(CONTEXT.get(_name(path), {}))
    request = Request(
        "POST", "https://example.test/v1beta/interactions", {}, json.dumps(body).encode()
    )
    response = Response(200, {"content-type": "text/event-stream"}, sse_bytes(payload))
    result = check_exchange(Exchange(request, response), "2025-12")
    assert result.violations == [], "\n\n".join(map(str, result.violations))


@pytest.mark.usefixtures("shared_dir")
@pytest.mark.parametrize("path", INTERACTIONS, ids=_name)
def test_recorded_interactions_pass_the_interaction_checks(path: Path) -> None:
    _, payload = load_recording(path)
    found = run_interaction_checks(payload, CONTEXT.get(_name(path)))
    assert _found(found) == KNOWN_INTERACTION.get(_name(path), set()), "\n\n".join(map(str, found))


# -- the steps era (revision 2026-05) --------------------------------------------------------

STEPS_STREAMS = real_traffic_files("2026-steps__stream__")
# What the grammar says about the steps recordings: the selected-events notes are not one
# contiguous stream (their _meta says so): the function_call's step.start was left out.
KNOWN_STEPS_GRAMMAR = {
    "selected-events-function-call-metadata": {("STREAM-CONTENT-BRACKETS", "event 5 /index")},
}
STEPS_CONTEXT: dict[str, dict[str, Any]] = {
    "vercel-stateless-store-false-turn1": {"store": False},
    "vercel-stateless-store-false-turn2": {"store": False},
}


def _shape(steps: list[Any]) -> list[tuple[Any, ...]]:
    """Each step's type, and the content types of a model_output: what a client reads."""
    return [
        (s.get("type"), *[c.get("type") for c in s.get("content", [])])
        if s.get("type") == "model_output"
        else (s.get("type"),)
        for s in steps
    ]


@pytest.mark.usefixtures("shared_dir")
@pytest.mark.parametrize("path", STEPS_STREAMS, ids=_name)
def test_recorded_step_streams_pass_the_grammar(path: Path) -> None:
    _, payload = load_recording(path)
    parsed = parse_sse(sse_bytes(payload))
    assert parsed.violations == []
    assert parsed.payloads == payload
    found = check_stream_grammar(parsed.payloads, revision="2026-05")
    assert _found(found) == KNOWN_STEPS_GRAMMAR.get(_name(path), set()), "\n\n".join(
        map(str, found)
    )


@pytest.mark.usefixtures("shared_dir")
@pytest.mark.parametrize(
    "path", [p for p in STEPS_STREAMS if _name(p) not in KNOWN_STEPS_GRAMMAR], ids=_name
)
def test_reassembled_steps_are_consistent(path: Path) -> None:
    _, payload = load_recording(path)
    complete = payload[-1]["interaction"]
    assert "steps" not in complete  # recorded: interaction.completed carries no steps
    steps = reassemble_outputs(payload, revision="2026-05")
    rebuilt = {"status": complete["status"], "model": complete.get("model"), "steps": steps}
    found = run_interaction_checks(
        rebuilt, STEPS_CONTEXT.get(_name(path)), revision="2026-05", outputs_only=True
    )
    assert found == [], "\n\n".join(map(str, found))
    calls = [s for s in steps if s.get("type") == "function_call"]
    assert all(isinstance(c["arguments"], dict) and c["arguments"] for c in calls)
    # the same scenario recorded without streaming has the same shape of steps
    twin = path.with_name(path.name.replace("__stream__", "__interaction__"))
    if twin.is_file():
        _, resource = load_recording(twin)
        assert _shape(steps) == _shape(resource["steps"])
        assert resource["status"] == complete["status"]
