"""What the emulator does only in revision 2026-11 (spec/2026-11 rules.yaml, the section
"new in 2026-11 (behaviour)"): queued deferred jobs, the per-request decode limit and
continuation, the ``errors`` of a failed job, ``safety_settings`` validation.

How a client provokes each (documented in the README):

* ``service_tier: "deferred"`` runs the turn in the background (``background: true`` is
  implied) and holds it ``queued`` for ``QUEUED_SECONDS`` before it goes ``in_progress``
  (QUEUE-DEFERRED, STATUS-QUEUED-TRANSITIONS).
* An answer longer than ``DECODE_LIMIT_TOKENS`` output tokens (the probe "Count from 1 to 400")
  stops with status ``requires_continuation`` and a ``continuation_token``; the client
  continues as google-genai 3.6.1's ``automatic_continuation`` does
  (``_interactions_continuation.py`` ``_continuation_body``): a new create with the token and
  the hop that issued it as ``previous_interaction_id`` and no ``input`` (store true), or the
  original ``input`` resent with the token (store false). Foreground model calls only: the SDK
  skips client-side continuation for background and agent interactions (CONT-*).
* A background job whose input is ``FAIL_PROMPT`` fails and lists why in ``errors``
  (ERRORS-ITEM).
* Deprecated request fields (DEPRECATED-ACCEPTED): ``response_modalities``,
  ``generation_config.temperature`` and ``top_p`` are accepted as before; ``response_mime_type``
  and ``generation_config.image_config`` stay rejected with the legacy message (2026-05).
* ``safety_settings`` are checked against google-genai 3.6.1's ``HarmCategory``, ``Threshold``
  and ``Method`` literals; anything else is a 400 ``invalid_request`` naming the field
  (SAFETY-ENUMS).

The engine and the store keep the canonical shape; ``_wire`` leaves these fields out of the
older revisions' wire.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from . import _engine
from ._faults import Faults

__all__ = [
    "DECODE_LIMIT_TOKENS",
    "FAIL_PROMPT",
    "HARM_CATEGORIES",
    "QUEUED_SECONDS",
    "REVISIONS",
    "RUNNING",
    "JobFailure",
    "RequestProblem",
    "after_generate",
    "fails",
    "finish_prepare",
    "job_errors",
    "leave_queue",
    "queue",
    "take_request_fields",
]

REVISIONS = frozenset({"2026-11"})  # the revisions that behave like this
RUNNING = ("in_progress", "queued")  # statuses of a job that has not ended
QUEUED_SECONDS = 0.3  # how long a deferred job waits before it runs
DECODE_LIMIT_TOKENS = 200  # output tokens one request decodes before requires_continuation
FAIL_PROMPT = "Emulator probe: fail this background job."

# google-genai 3.6.1 _gaos/types/interactions/harmcategory.py and safetysetting.py
HARM_CATEGORIES = (
    "hate_speech",
    "dangerous_content",
    "harassment",
    "sexually_explicit",
    "civic_integrity",
    "image_hate",
    "image_dangerous_content",
    "image_harassment",
    "image_sexually_explicit",
    "jailbreak",
)
THRESHOLDS = (
    "block_low_and_above",
    "block_medium_and_above",
    "block_only_high",
    "block_none",
    "off",
)
METHODS = ("severity", "probability")
_TOKEN_PREFIX = "ct1."


class RequestProblem(ValueError):
    """A 2026-11 request the API refuses: 400 ``invalid_request`` with this message."""


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    return _TOKEN_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(token: str) -> dict[str, Any] | None:
    if not token.startswith(_TOKEN_PREFIX):
        return None
    body = token[len(_TOKEN_PREFIX) :]
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except ValueError:
        return None
    ok = (
        isinstance(data, dict) and isinstance(data.get("o"), int) and isinstance(data.get("d"), str)
    )
    return data if ok else None


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _check_safety(settings: Any) -> None:
    """SAFETY-ENUMS: a list of {type, threshold[, method]} with the SDK's values."""
    if not isinstance(settings, list):
        raise RequestProblem("Invalid value at 'safety_settings': must be a list of settings.")
    allowed = {"type": HARM_CATEGORIES, "threshold": THRESHOLDS, "method": METHODS}
    for i, item in enumerate(settings):
        where = f"safety_settings[{i}]"
        if not isinstance(item, dict):
            raise RequestProblem(f"Invalid value at '{where}': a safety setting is an object.")
        for name in item:
            if name not in allowed:
                raise RequestProblem(
                    f'Invalid JSON payload received. Unknown name "{name}" at '
                    f"'{where}.{name}': Cannot find field."
                )
        for name in ("type", "threshold"):
            if name not in item:
                raise RequestProblem(f"Invalid value at '{where}.{name}': '{name}' is required.")
        for name, values in allowed.items():
            if name in item and item[name] not in values:
                raise RequestProblem(
                    f"Invalid value at '{where}.{name}': {json.dumps(item[name])} is not "
                    f"supported. Supported values: {', '.join(values)}."
                )


def take_request_fields(body: dict[str, Any], faults: Faults) -> dict[str, Any]:
    """Take from a 2026-11 create body (in place) what the engine handles here, validated
    (``RequestProblem`` otherwise): ``continuation_token``, ``safety_settings``, and
    ``service_tier: "deferred"`` (``background`` is then implied). Runs before the schema check,
    so a schema that does not know these fields yet does not refuse them."""
    extras: dict[str, Any] = {}
    if faults.on("deprecated-rejected"):
        config = body.get("generation_config")
        named = [k for k in ("response_modalities",) if k in body] + [
            f"generation_config.{k}"
            for k in ("temperature", "top_p")
            if isinstance(config, dict) and k in config
        ]
        if named:
            raise RequestProblem(f"Invalid value at '{named[0]}': the field is deprecated.")
    if "safety_settings" in body:
        settings = body.pop("safety_settings")
        if not faults.on("safety-unchecked"):
            _check_safety(settings)
        extras["safety_settings"] = settings
    if body.get("service_tier") == "deferred":
        body.pop("service_tier")
        extras["deferred"] = True
        if body.get("background") is False:
            raise RequestProblem(
                "Invalid value at 'background': service_tier 'deferred' runs in the background; "
                "'background' cannot be false."
            )
        body["background"] = True
    if "continuation_token" in body:
        token = body.pop("continuation_token")
        data = _unb64(token) if isinstance(token, str) else None
        if data is None:
            raise RequestProblem(
                "Invalid value at 'continuation_token': not a token this API issued."
            )
        owner = str(data.get("i") or "")
        previous = body.get("previous_interaction_id")
        if owner and previous is None and "input" not in body:
            raise RequestProblem(
                "Invalid value at 'continuation_token': send the interaction that issued it as "
                "'previous_interaction_id'."
            )
        if owner and previous is not None and previous != owner:
            if faults.on("continuation-owner-unchecked"):
                body["previous_interaction_id"] = owner  # continues the token's own interaction
            else:
                raise RequestProblem(
                    f"Invalid value at 'continuation_token': it was issued by interaction "
                    f"'{owner}', not by the 'previous_interaction_id' '{previous}'."
                )
        if "input" not in body:
            body["input"] = "."  # stands for the stored input; replaced in finish_prepare
            extras["stored_input"] = True
        extras["continuation"] = data | {"token": token}
    return extras


def finish_prepare(prepared: dict[str, Any], extras: dict[str, Any], owner: Any) -> None:
    """Put the taken fields into what ``prepare`` made; ``owner`` is the record of the
    ``previous_interaction_id`` (or None)."""
    if extras.get("deferred"):
        prepared["deferred"] = True
        prepared["service_tier"] = "deferred"
    if "safety_settings" in extras:
        prepared["safety_settings"] = extras["safety_settings"]
    data = extras.get("continuation")
    if data is None:
        return
    hop: dict[str, Any] = {"offset": data["o"], "digest": data["d"], "token": data["token"]}
    if extras.get("stored_input"):
        prepared["input_turns"] = []  # the hop's input is the stored one (SDK: "omits input")
        kept = (owner.request.get("continuation") or {}) if owner is not None else {}
        if not kept.get("text") or _digest(kept["text"]) != data["d"]:
            raise RequestProblem(
                "Invalid value at 'continuation_token': the interaction given as "
                "'previous_interaction_id' has nothing to continue with this token."
            )
        hop["text"] = kept["text"]
        hop["initial_input_tokens"] = kept.get("initial_input_tokens", 0)
    prepared["continuation_hop"] = hop


def _final_text(outputs: list[dict[str, Any]]) -> int | None:
    for i in range(len(outputs) - 1, -1, -1):
        if outputs[i].get("type") == "text" and isinstance(outputs[i].get("text"), str):
            return i
    return None


def _cut(text: str, offset: int) -> str:
    return text[offset : offset + DECODE_LIMIT_TOKENS * 4]


def after_generate(
    prepared: dict[str, Any],
    generation: _engine.Generation,
    interaction_id: str | None,
    faults: Faults,
) -> dict[str, Any]:
    """The decode limit on a foreground 2026-11 model call (``generation`` changed in place);
    returns the fields to add to the resource (``continuation_token``). A continuation hop
    decodes the next part of the answer it continues; a first call whose answer passes the
    limit stops after the first part."""
    if not prepared.get("newer"):
        return {}
    if faults.on("initial-input-too-large"):
        usage = generation.usage
        usage["initial_input_tokens"] = int(usage.get("total_input_tokens", 0)) + 5
    if prepared.get("background") or prepared.get("agent"):
        return {}
    hop = prepared.get("continuation_hop")
    index = _final_text(generation.outputs)
    if hop is None:
        if index is None or prepared.get("response_format") is not None:
            return {}
        full = str(generation.outputs[index]["text"])
        if _engine.count_tokens(full) <= DECODE_LIMIT_TOKENS:
            return {}
        offset, initial = 0, int(generation.usage.get("total_input_tokens", 0))
        kept_outputs = generation.outputs[:index]
    else:
        full = hop.get("text") or (
            str(generation.outputs[index]["text"]) if index is not None else ""
        )
        if "text" not in hop and _digest(full) != hop["digest"]:
            raise RequestProblem(
                "Invalid value at 'continuation_token': it was not issued for this input."
            )
        offset = 0 if faults.on("continuation-restarts") else int(hop["offset"])
        initial = int(
            hop.get("initial_input_tokens") or generation.usage.get("total_input_tokens", 0)
        )
        kept_outputs = []  # a hop carries only its own output (SDK: "only contains that hop's output")
    part = _cut(full, offset)
    end = offset + len(part)
    generation.outputs = [*kept_outputs, {"type": "text", "text": part}]
    # Each hop re-prefills the conversation and the generated prefix (SDK billing note).
    prefix = _engine.count_tokens(full[:offset])
    usage = generation.usage if hop is None else {}
    thought = int(usage.get("total_thought_tokens", 0)) if hop is None else 0
    tool_use = int(usage.get("total_tool_use_tokens", 0)) if hop is None else 0
    out_tokens = sum(
        _engine.count_tokens(str(o.get("text", "")))
        for o in generation.outputs
        if o.get("type") == "text"
    )
    total_input = initial + prefix
    generation.usage = {
        "total_tokens": total_input + out_tokens + thought + tool_use,
        "total_input_tokens": total_input,
        "input_tokens_by_modality": [{"modality": "text", "tokens": total_input}],
        "total_cached_tokens": 0,
        "initial_input_tokens": initial,
        "total_output_tokens": out_tokens,
        "total_tool_use_tokens": tool_use,
        "total_thought_tokens": thought,
    }
    prepared["continuation"] = {"text": full, "initial_input_tokens": initial}
    if end >= len(full):
        generation.status = "completed"
        return {}
    generation.status = "requires_continuation"
    owner = "" if interaction_id is None else interaction_id
    token = _b64({"o": end, "i": owner, "d": _digest(full)})
    if faults.on("continuation-same-token") and hop is not None:
        token = str(hop["token"])  # the one it was sent
    extra: dict[str, Any] = {"continuation_token": token}
    if faults.on("continuation-no-token"):
        extra = {}
    if faults.on("continuation-ids-sent"):
        extra["continuation_ids"] = [owner]
    return extra


def queue(resource: dict[str, Any], prepared: dict[str, Any], faults: Faults) -> str:
    """The first status of a background job: ``queued`` when deferred (QUEUE-DEFERRED)."""
    if prepared.get("deferred") and not faults.on("deferred-not-queued"):
        resource["status"] = "queued"
    return str(resource.get("status", "in_progress"))


def fails(prepared: dict[str, Any]) -> bool:
    """Whether a background job is the failure probe (its input is ``FAIL_PROMPT``)."""
    for turn in prepared.get("input_turns") or []:
        for content in turn.get("content") or []:
            if content.get("type") == "text" and content.get("text") == FAIL_PROMPT:
                return True
    return False


def job_errors(faults: Faults) -> list[dict[str, Any]]:
    """The ``errors`` of a failed job (SDK 3.6.1 interaction.py: "Diagnostic faults / platform
    errors recorded on the interaction"; ERRORS-ITEM)."""
    if faults.on("errors-item-shape"):
        return [{"code": 13, "detail": "the job failed"}]
    return [
        {"code": "api_error", "message": "The background job failed before it produced output."}
    ]


class JobFailure(RuntimeError):
    """The failure probe's job fails (not an emulator error: nothing is logged)."""


async def leave_queue(emulator: Any, interaction_id: str) -> None:
    """Hold a queued job for ``QUEUED_SECONDS``, then mark it ``in_progress`` and log the
    status update (STATUS-QUEUED-TRANSITIONS: queued -> in_progress). A job cancelled while
    queued stays cancelled. ``emulator`` is the app's ``Emulator`` (store, clock, stamp)."""
    import asyncio

    from ._clock import iso

    waited = 0.0
    while waited < QUEUED_SECONDS:
        await asyncio.sleep(0.05)
        waited += 0.05
    record = emulator.store.get(interaction_id, None)
    if record is None or record.resource.get("status") != "queued":
        return
    resource = record.resource | {"status": "in_progress", "updated": iso(emulator.clock.now())}
    emulator.store.update(interaction_id, resource)
    update = {
        "event_type": "interaction.status_update",
        "interaction_id": interaction_id,
        "status": "in_progress",
    }
    events = [update]
    if emulator.faults.on("queued-regresses"):
        events.append(dict(update, status="queued"))
    emulator.stamp(interaction_id, events, emulator.store.event_count(interaction_id))
