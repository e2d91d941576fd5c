"""Server-sent events as the live API frames them, and the event log behind resume.

An interaction's events are built once, given ``event_id``s (``evt_0000``,
``evt_0001``, ...) and appended to its log in the store; a stream, a replay
(``GET ?stream=true``) and a resume (``&last_event_id=X``: the events after
X) all read that log. Order (recorded traffic, API-SURFACE 5):
``interaction.start`` -> ``interaction.status_update`` (in_progress) -> per
output ``content.start`` / ``content.delta``... / ``content.stop`` ->
``interaction.complete`` (the resource without outputs) -> ``data: [DONE]``.
A text output is split into up to three deltas; every other content is one
delta carrying all its fields, so the deltas rebuild the stored outputs.

Framing faults (``sse-*``) and grammar faults (``stream-*``) are applied here,
when events are written, never to the log.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

from ._faults import Faults

__all__ = [
    "TERMINAL",
    "apply_stream_faults",
    "content_events",
    "event_id",
    "frame",
    "head_events",
    "number",
    "terminal_event",
]

TERMINAL = ("interaction.complete", "error")


def event_id(seq: int) -> str:
    return f"evt_{seq:04d}"


def number(event_id_value: str) -> int | None:
    """The log position of an event id, or None when it is not one of ours."""
    digits = event_id_value[4:]
    # ASCII digits only: int() also reads "-1", " 1", "1_0" and Arabic-Indic digits
    if not event_id_value.startswith("evt_") or not (digits.isascii() and digits.isdigit()):
        return None
    return int(digits) if len(digits) <= 18 else None


def head_events(resource: dict[str, Any], status: str = "in_progress") -> list[dict[str, Any]]:
    """interaction.start and the status_update of the first status (in_progress; ``queued``
    for a deferred job, QUEUE-DEFERRED)."""
    start = {k: resource[k] for k in ("id", "object", "model", "agent") if k in resource} | {
        "status": status
    }
    update: dict[str, Any] = {"event_type": "interaction.status_update", "status": status}
    if "id" in resource:
        update["interaction_id"] = resource["id"]
    return [{"event_type": "interaction.start", "interaction": start}, update]


def _split(text: str) -> list[str]:
    if len(text) < 2:
        return [text]
    size = math.ceil(len(text) / 3)
    return [text[i : i + size] for i in range(0, len(text), size)]


_USAGE_PARTS = (
    "total_input_tokens",
    "total_output_tokens",
    "total_thought_tokens",
    "total_tool_use_tokens",
)


def _tokens(text: str) -> int:
    return math.ceil(len(text) / 4) if text else 0


def step_usages(outputs: list[dict[str, Any]], usage: dict[str, Any]) -> list[dict[str, int]]:
    """Each output's own usage (``step_usage`` on its stop event; SDK 3.6.1 stepstop.py): the
    input is counted on the first step, each block's output, thought or tool-use tokens on its
    own step, and what is left of each part on the last, so the steps add up to ``usage``."""
    parts = {k: int(usage.get(k, 0) or 0) for k in _USAGE_PARTS}
    steps: list[dict[str, int]] = []
    for index, content in enumerate(outputs):
        kind = content.get("type")
        own = dict.fromkeys(_USAGE_PARTS, 0)
        if index == 0:
            own["total_input_tokens"] = parts["total_input_tokens"]
        if kind == "text":
            own["total_output_tokens"] = _tokens(str(content.get("text", "")))
        elif kind == "function_call":
            call = {"name": content.get("name"), "args": content.get("arguments")}
            own["total_output_tokens"] = _tokens(json.dumps(call, separators=(",", ":")))
        elif kind == "thought":
            own["total_thought_tokens"] = parts["total_thought_tokens"]
        elif kind not in ("image",):
            own["total_tool_use_tokens"] = _tokens(json.dumps(content, separators=(",", ":")))
        steps.append(own)
    for key in _USAGE_PARTS:  # clamp, then give the rest to the last step: the sum is the total
        left = parts[key]
        for own in steps:
            own[key] = min(own[key], left)
            left -= own[key]
        if steps:
            steps[-1][key] += left
    for own in steps:
        own["total_tokens"] = sum(own[k] for k in _USAGE_PARTS)
    return [{"total_tokens": s["total_tokens"], **{k: s[k] for k in _USAGE_PARTS}} for s in steps]


def content_events(
    outputs: list[dict[str, Any]], usage: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """The start, delta and stop events of each output. With ``usage``, each stop event carries
    the step's own ``step_usage`` and the cumulative ``usage`` so far (2026-11 fields, left out
    of older revisions' wire by ``_wire``; USAGE-STEP-CUMULATIVE, USAGE-STEP-WITHIN)."""
    per_step = step_usages(outputs, usage) if usage else []
    running = dict.fromkeys(("total_tokens", *_USAGE_PARTS), 0)
    events: list[dict[str, Any]] = []
    for index, content in enumerate(outputs):
        kind = content.get("type")
        start: dict[str, Any] = {"type": kind}
        if kind == "function_call" and "id" in content:
            start["id"] = content["id"]
        events.append({"event_type": "content.start", "index": index, "content": start})
        if kind == "text":
            deltas = [
                {"type": "text", "text": part} for part in _split(str(content.get("text", "")))
            ]
        elif kind == "thought":
            deltas = []
            if "summary" in content:
                deltas += [{"type": "thought_summary", "content": s} for s in content["summary"]]
            if "signature" in content:
                deltas.append({"type": "thought_signature", "signature": content["signature"]})
        else:
            deltas = [dict(content)]
        events += [{"event_type": "content.delta", "index": index, "delta": d} for d in deltas]
        stop: dict[str, Any] = {"event_type": "content.stop", "index": index}
        if per_step:
            running = {k: running[k] + per_step[index][k] for k in running}
            stop["step_usage"] = dict(per_step[index])
            stop["usage"] = dict(running)
        events.append(stop)
    return events


def terminal_event(resource: dict[str, Any]) -> dict[str, Any]:
    """interaction.complete with the resource minus its outputs (usage always present)."""
    interaction = {k: v for k, v in resource.items() if k != "outputs"}
    interaction.setdefault("usage", _zero_usage())
    return {"event_type": "interaction.complete", "interaction": interaction}


def _zero_usage() -> dict[str, Any]:
    return {
        "total_tokens": 0,
        "total_input_tokens": 0,
        "total_cached_tokens": 0,
        "total_output_tokens": 0,
        "total_tool_use_tokens": 0,
        "total_thought_tokens": 0,
    }


def apply_stream_faults(
    events: list[dict[str, Any]], faults: Faults, *, first: bool
) -> list[dict[str, Any]]:
    """The grammar faults, on a copy of a chunk of the log about to be sent.

    ``first`` is true for the chunk that starts a stream from its beginning.
    """
    out = [json.loads(json.dumps(e)) for e in events]
    if faults.on("stream-no-start"):
        out = [e for e in out if e["event_type"] != "interaction.start"]
    if faults.on("stream-index-skip"):
        for e in out:
            if isinstance(e.get("index"), int) and e["index"] >= 1:
                e["index"] += 1
    if faults.on("stream-delta-wrong-type"):
        for e in out:
            delta = e.get("delta")
            if isinstance(delta, dict) and delta.get("type") == "text":
                e["delta"] = {"type": "image", "mime_type": "image/png", "data": "AAAA"}
                break
    if faults.on("stream-deltas-differ"):
        for e in out:
            delta = e.get("delta")
            if isinstance(delta, dict) and delta.get("type") == "text":
                delta["text"] = str(delta.get("text", "")) + " [streamed only]"
                break
    if faults.on("stream-missing-stop"):
        stops = [i for i, e in enumerate(out) if e["event_type"] == "content.stop"]
        if stops:
            del out[stops[-1]]
    if faults.on("stream-complete-no-usage"):
        for e in out:
            if e["event_type"] == "interaction.complete":
                e["interaction"].pop("usage", None)
    usage_stops = [e for e in out if e["event_type"] == "content.stop" and "usage" in e]
    if usage_stops and faults.on("step-usage-cumulative-wrong"):
        usage_stops[0]["usage"]["total_tokens"] += 1000
    if usage_stops and faults.on("step-usage-exceeds"):
        stop = usage_stops[0]
        stop["step_usage"]["total_tokens"] = int(stop["usage"]["total_tokens"]) + 1
    if faults.on("stream-no-event-id"):
        for e in out:
            e.pop("event_id", None)
    ends = [i for i, e in enumerate(out) if e["event_type"] in TERMINAL]
    if ends and faults.on("stream-double-complete"):
        out.insert(ends[0] + 1, json.loads(json.dumps(out[ends[0]])))
    if ends and faults.on("stream-event-after-complete"):
        out.append(
            {"event_type": "content.delta", "index": 0, "delta": {"type": "text", "text": "late"}}
        )
    del first
    return out


def frame(events: Iterable[dict[str, Any]], faults: Faults, *, done: bool) -> bytes:
    """SSE bytes for ``events`` (``event: <type>`` + ``data: <json>`` + blank line)."""
    chunks: list[str] = []
    end = "\n" if faults.on("sse-no-blank-line") else "\n\n"
    for event in events:
        name = "message" if faults.on("sse-event-name-mismatch") else event["event_type"]
        data = json.dumps(event, ensure_ascii=False)
        if faults.on("sse-bad-json") and event["event_type"] in ("content.delta", "step.delta"):
            data = data[: len(data) // 2]
        chunks.append(f"event: {name}\ndata: {data}{end}")
    if done:
        chunks.append(f"data: [DONE]{end}")
    return "".join(chunks).encode("utf-8")
