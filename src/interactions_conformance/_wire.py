"""How each revision spells the same conversation on the wire.

The checks, the suites and the emulator's engine think in one shape: the 2025-12 one
(``outputs`` of content blocks, turns, ``content.*`` events). Revision 2026-05 says the same
things as ``steps``. This module is the one place that knows both spellings; everything
revision-specific about *order* (event grammar, statuses) is in ``checks/_grammar.py``.

A view never loses where a block came from: ``output_blocks`` yields the JSON pointer of each
block in the body as it was sent, so a violation found on the view points at the wire.

The codec (``request_to_wire`` / ``request_from_wire``, ``interaction_to_wire``,
``events_to_wire``) translates the canonical shape to a revision's wire form and back. It
never validates and never raises on bad input: what it does not recognise passes through
untouched, so a deliberately malformed request stays malformed. It is lossy only where
2026-05 has no place for a 2025-12 field (listed at ``_block_to_step``).
"""

from __future__ import annotations

import copy
import datetime
import json
from collections.abc import Sequence
from typing import Any, TypeGuard, TypeVar

__all__ = [
    "CANONICAL_REVISION",
    "INPUT_STEP_TYPES",
    "LEGACY_SCHEMA_MESSAGE",
    "REVISION_HEADER",
    "STEP_REVISIONS",
    "event_to_wire",
    "events_to_wire",
    "interaction_to_wire",
    "is_wire_response_format",
    "legacy_request_fields",
    "output_blocks",
    "outputs_of",
    "request_from_wire",
    "request_to_wire",
    "revision_for_header",
    "steps_to_turns",
    "turns_to_steps",
]

_T = TypeVar("_T")

CANONICAL_REVISION = "2025-12"
STEP_REVISIONS = frozenset({"2026-05", "2026-11"})  # revisions that speak in steps
_REVISIONS = frozenset({CANONICAL_REVISION, *STEP_REVISIONS})

# Steps that carry the request's input, not generated output (POST-STEPS-NO-INPUT, G7 era 2026-05).
INPUT_STEP_TYPES = frozenset({"user_input"})

# SDK250 step.py: the 17 step types.
STEP_TYPES = frozenset(
    {
        "user_input",
        "model_output",
        "thought",
        "function_call",
        "function_result",
        "code_execution_call",
        "code_execution_result",
        "url_context_call",
        "url_context_result",
        "google_search_call",
        "google_search_result",
        "mcp_server_tool_call",
        "mcp_server_tool_result",
        "file_search_call",
        "file_search_result",
        "google_maps_call",
        "google_maps_result",
    }
)
# Contents that live inside a user_input / model_output step; every other block is a step.
CONTENT_TYPES = frozenset({"text", "image", "audio", "document", "video"})
# Steps a user sends (the rest of a history is the model's).
_USER_SIDE = frozenset({"user_input", "function_result"})
# response_format types of 2026-05 (SO-RESPONSE-FORMAT); disjoint from JSON Schema type names.
_FORMAT_TYPES = frozenset({"text", "image", "audio", "video"})
_TEXT_MIMES = frozenset({"application/json", "text/plain"})
_IMAGE_CONFIG_KEYS = frozenset({"aspect_ratio", "image_size"})

# -- the Api-Revision header (REV-HEADER; API-SURFACE 8 and 9.11) ------------------------------

REVISION_HEADER = "Api-Revision"
# MIG / EMAIL: 2026-05-20 opts in to steps (spec/2026-05/revision.json api_revision_header; a
# later date means the same revision), 2026-05-07 opts out to the legacy schema.
_OPT_IN = (("2026-05-20", "2026-05"),)
_OPT_OUT = {"2026-05-07": CANONICAL_REVISION}

# Recorded 2026-06-12 (2026-steps__error__live-legacy-schema-removed-400.json; LEGACY-REJECTED).
LEGACY_SCHEMA_MESSAGE = (
    "The legacy Interactions API schema is no longer supported. Please upgrade your client SDK "
    "to Python >= 2.0.0 or JavaScript/TypeScript >= 2.0.0 to adopt the new 'steps' schema. "
    "For details and migration examples, see: "
    "https://ai.google.dev/gemini-api/docs/interactions-breaking-changes-may-2026"
)


def revision_for_header(value: str | None, default: str) -> str:
    """The revision an ``Api-Revision`` header value selects; ``default`` when there is none.

    * no header: ``default`` (a server's is the newest revision, ``_spec.newest_revision()``).
      Today's clients send none: google-genai stopped with 2.11.0, @google/genai 3.x never
      does, and the live API ignores the header since 2026-06-08 (API-SURFACE 8), so a
      header-less request means "the API as it is now";
    * ``2026-05-20`` or any later date: 2026-05, the steps schema that value opted in to
      (what SDK 2.0.0-2.10.0 send). No value selects 2026-11 or a later revision: the live
      API never defined one, and they are reached without a header;
    * ``2026-05-07``: 2025-12, the documented opt-out (MIG, EMAIL).

    Raises ValueError (naming the header and the accepted values) for anything else.
    """
    if value is None:
        return default
    text = value.strip()
    if text in _OPT_OUT:
        return _OPT_OUT[text]
    try:
        valid = datetime.date.fromisoformat(text).isoformat() == text
    except ValueError:
        valid = False
    if valid:
        chosen = [rev for date, rev in _OPT_IN if text >= date]
        if chosen:
            return chosen[-1]
    accepted = ", ".join(
        [f"{date} or later ({rev})" for date, rev in _OPT_IN]
        + [f"{date} ({rev})" for date, rev in _OPT_OUT.items()]
    )
    raise ValueError(
        f"Invalid value at '{REVISION_HEADER}' header: {value!r} is not a supported API "
        f"revision; accepted: {accepted}."
    )


def _check_revision(revision: str) -> None:
    if revision not in _REVISIONS:
        raise ValueError(
            f"unknown revision {revision!r}; the wire codec knows {', '.join(sorted(_REVISIONS))}"
        )


# -- views -----------------------------------------------------------------------------------


def output_blocks(body: Any) -> list[tuple[str, dict[str, Any]]]:
    """``(pointer, block)`` for each generated output of an Interaction of either revision.

    2025-12: each item of ``outputs``. 2026-05: each item of a ``model_output`` step's
    ``content``, and every other step (thought, tool calls and results) as one block; input
    steps are skipped. Items that are not objects are left out: the schema reports them.
    """
    if not isinstance(body, dict):
        return []
    steps = body.get("steps")
    if isinstance(steps, list):
        blocks: list[tuple[str, dict[str, Any]]] = []
        for i, step in enumerate(steps):
            kind = step.get("type") if isinstance(step, dict) else None
            if not isinstance(step, dict) or (isinstance(kind, str) and kind in INPUT_STEP_TYPES):
                continue
            if step.get("type") == "model_output":
                content = step.get("content")
                if isinstance(content, list):
                    blocks.extend(
                        (f"/steps/{i}/content/{j}", item)
                        for j, item in enumerate(content)
                        if isinstance(item, dict)
                    )
            else:
                blocks.append((f"/steps/{i}", step))
        return blocks
    outputs = body.get("outputs")
    if isinstance(outputs, list):
        return [(f"/outputs/{i}", o) for i, o in enumerate(outputs) if isinstance(o, dict)]
    return []


def outputs_of(body: Any) -> list[dict[str, Any]]:
    """The output blocks alone, in order (the guide's ``interaction.outputs``)."""
    return [block for _, block in output_blocks(body)]


# -- blocks and steps ------------------------------------------------------------------------


def _kind(value: Any) -> Any:
    return value.get("type") if isinstance(value, dict) else None


def _annotation_to_wire(item: Any) -> Any:
    # 2025-12 {source, start_index, end_index} -> a typed url_citation (SDK 1.68.0).
    if isinstance(item, dict) and "type" not in item and "source" in item:
        out = {"type": "url_citation", "url": item["source"]}
        out.update({k: v for k, v in item.items() if k != "source"})
        return out
    return item


def _annotation_from_wire(item: Any) -> Any:
    if isinstance(item, dict) and item.get("type") == "url_citation" and "url" in item:
        out = {"source": item["url"]}
        out.update({k: v for k, v in item.items() if k not in ("type", "url", "title")})
        return out
    return item


def _content_to_wire(content: Any) -> Any:
    if _kind(content) == "text" and isinstance(content.get("annotations"), list):
        content = dict(content)
        content["annotations"] = [_annotation_to_wire(a) for a in content["annotations"]]
    return content


def _content_from_wire(content: Any) -> Any:
    if _kind(content) == "text" and isinstance(content.get("annotations"), list):
        content = dict(content)
        content["annotations"] = [_annotation_from_wire(a) for a in content["annotations"]]
    return content


def _search_item_to_wire(item: Any) -> Any:
    if not isinstance(item, dict):
        return item
    out = {k: v for k, v in item.items() if k not in ("url", "title", "rendered_content")}
    if "rendered_content" in item:
        out["search_suggestions"] = item["rendered_content"]
    return out


def _search_item_from_wire(item: Any) -> Any:
    if not isinstance(item, dict) or "search_suggestions" not in item:
        return item
    out = {k: v for k, v in item.items() if k != "search_suggestions"}
    out["rendered_content"] = item["search_suggestions"]
    return out


def _block_to_step(block: Any) -> Any:
    """A non-content block as its own step. The shapes match except where 2026-05 renamed or
    dropped a field (SDK 1.68.0): google_search_result items keep only ``rendered_content``,
    renamed ``search_suggestions`` (``url`` and ``title`` have no place in 2026-05)."""
    if _kind(block) == "google_search_result" and isinstance(block.get("result"), list):
        block = dict(block)
        block["result"] = [_search_item_to_wire(i) for i in block["result"]]
    return block


def _step_to_block(step: Any) -> Any:
    if _kind(step) == "google_search_result" and isinstance(step.get("result"), list):
        step = dict(step)
        step["result"] = [_search_item_from_wire(i) for i in step["result"]]
    return step


def _blocks_to_steps(blocks: list[Any]) -> list[Any]:
    """Model-side blocks (outputs, a model turn) as steps: one step per block, so a stream's
    step index is the block's output index."""
    steps: list[Any] = []
    for block in blocks:
        if _kind(block) in CONTENT_TYPES:
            steps.append({"type": "model_output", "content": [_content_to_wire(block)]})
        else:
            steps.append(_block_to_step(block))
    return steps


def _user_contents_to_steps(contents: list[Any]) -> list[Any]:
    """A user turn's contents: runs of contents in one user_input step, a function result (or
    any other step-typed block) as its own step."""
    steps: list[Any] = []
    run: list[Any] | None = None
    for item in contents:
        kind = _kind(item)
        if kind in STEP_TYPES and kind not in CONTENT_TYPES:
            steps.append(_block_to_step(item))
            run = None
            continue
        if run is None:
            run = []
            steps.append({"type": "user_input", "content": run})
        run.append(_content_to_wire(item))
    if not contents:
        steps.append({"type": "user_input", "content": []})
    return steps


def _is_turn(item: Any) -> bool:
    return isinstance(item, dict) and "role" in item


def _is_step_list(value: Any) -> TypeGuard[list[Any]]:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(i, dict) and i.get("type") in STEP_TYPES for i in value)
    )


def turns_to_steps(turns: list[Any]) -> list[Any]:
    """2025-12 turns as 2026-05 input steps (history is sent as steps: MIG, BASIC-INPUT-STEPS).

    A user turn: its contents in ``user_input`` steps, a ``function_result`` as its own step;
    a model turn: one step per block (``model_output`` for text and media). A string content
    becomes one text. A turn that is not ``{role: user|model, content: str|list}`` is kept as
    it is (a malformed history stays malformed).
    """
    steps: list[Any] = []
    for turn in turns:
        if not _is_turn(turn) or turn.get("role") not in ("user", "model"):
            steps.append(copy.deepcopy(turn))
            continue
        content = turn.get("content")
        if isinstance(content, str):
            content = [{"type": "text", "text": content}]
        if not isinstance(content, list):
            steps.append(copy.deepcopy(turn))
            continue
        content = copy.deepcopy(content)
        if turn["role"] == "user":
            steps.extend(_user_contents_to_steps(content))
        else:
            steps.extend(_blocks_to_steps(content))
    return steps


def steps_to_turns(steps: list[Any]) -> list[Any]:
    """2026-05 input steps as 2025-12 turns: the inverse of ``turns_to_steps``.

    Adjacent user-side steps (``user_input``, ``function_result``) make one user turn, except
    that two adjacent ``user_input`` steps are two turns; adjacent model-side steps make one
    model turn. Items that are not steps are kept as they are.
    """
    turns: list[Any] = []
    previous: Any = None
    for step in steps:
        kind = _kind(step)
        if kind not in STEP_TYPES:
            turns.append(copy.deepcopy(step))
            previous = None
            continue
        role = "user" if kind in _USER_SIDE else "model"
        current = turns[-1] if turns and _is_turn(turns[-1]) else None
        new_turn = (
            current is None
            or current.get("role") != role
            or (kind == "user_input" and previous == "user_input")
        )
        if new_turn:
            current = {"role": role, "content": []}
            turns.append(current)
        assert current is not None
        if kind in ("user_input", "model_output"):
            content = step.get("content")
            if isinstance(content, list):
                current["content"].extend(_content_from_wire(c) for c in copy.deepcopy(content))
        else:
            current["content"].append(_step_to_block(copy.deepcopy(step)))
        previous = kind
    return turns


# -- requests --------------------------------------------------------------------------------


def legacy_request_fields(body: Any) -> list[str]:
    """JSON pointers of the 2025-12-only fields in a create body (REQ-NO-LEGACY-FIELDS):
    ``response_mime_type``, a turn (``role``) in ``input``, ``generation_config.image_config``."""
    if not isinstance(body, dict):
        return []
    found: list[str] = []
    if "response_mime_type" in body:
        found.append("/response_mime_type")
    value = body.get("input")
    if isinstance(value, list):
        found += [f"/input/{i}/role" for i, item in enumerate(value) if _is_turn(item)]
    config = body.get("generation_config")
    if isinstance(config, dict) and "image_config" in config:
        found.append("/generation_config/image_config")
    return found


def _input_to_wire(value: Any) -> Any:
    if not isinstance(value, list):
        return value  # a string or one content: the same in both revisions
    if any(_is_turn(i) for i in value):
        return turns_to_steps(value)
    kinds = [_kind(i) for i in value]
    if any(k in STEP_TYPES for k in kinds):
        if all(k in STEP_TYPES for k in kinds):
            return [_block_to_step(i) for i in value]  # already steps
        # contents mixed with function results: 2026-05 takes steps or contents, not both
        return _user_contents_to_steps(value)
    return [_content_to_wire(i) for i in value]


def is_wire_response_format(value: Any) -> bool:
    """True for a 2026-05 ``response_format``: a list of formats, or an object whose type is a
    format type (text, image, audio, video; never a JSON Schema type name). A list of anything
    else (``["object"]``) is a malformed JSON Schema, kept as the schema so that the answer's
    400 names response_format (ERR-MESSAGE-FIELD), not mistaken for a list of formats."""
    if isinstance(value, list):
        return all(_kind(item) in _FORMAT_TYPES for item in value)
    return _kind(value) in _FORMAT_TYPES


def _response_format_to_wire(body: dict[str, Any]) -> None:
    schema = body.get("response_format")
    mime = body.get("response_mime_type")
    wire_format = is_wire_response_format(schema)
    formats: list[Any] = []
    if wire_format:
        formats = list(schema) if isinstance(schema, list) else [schema]
        if mime is not None:
            # 2026-05 removed response_mime_type: a text mime type moves into the text format
            # that has none; left on the body it would be a legacy field the target rejects.
            if mime not in _TEXT_MIMES:
                return  # a mime type 2026-05 cannot say: left as it is
            body.pop("response_mime_type")
            formats = [
                {**f, "mime_type": mime}
                if isinstance(f, dict) and f.get("type") == "text" and "mime_type" not in f
                else f
                for f in formats
            ]
    elif schema is not None:  # the canonical JSON Schema, even a malformed one: it stays as
        # the schema, so a wrong value is reported where 2026-05 holds it, not as a legacy field
        if mime is not None and mime not in _TEXT_MIMES:
            return  # a mime type 2026-05 cannot say: left as it is
        formats.append({"type": "text", "mime_type": mime or "application/json", "schema": schema})
        body.pop("response_mime_type", None)
    elif schema is None and mime in _TEXT_MIMES:
        formats.append({"type": "text", "mime_type": mime})
        body.pop("response_mime_type")
    elif schema is not None or mime is not None:
        return  # something else: left as it is
    config = body.get("generation_config")
    image = config.get("image_config") if isinstance(config, dict) else None
    if isinstance(config, dict) and isinstance(image, dict) and set(image) <= _IMAGE_CONFIG_KEYS:
        formats.append({"type": "image", **image})
        config.pop("image_config")
        if not config:
            del body["generation_config"]  # it only held the image_config
    if len(formats) == 1 and not isinstance(schema, list):
        body["response_format"] = formats[0]
    elif formats:
        body["response_format"] = formats


def _response_format_from_wire(body: dict[str, Any]) -> None:
    value = body.get("response_format")
    items: list[Any] = value if isinstance(value, list) else [value]
    if not items or not all(_kind(i) in _FORMAT_TYPES for i in items):
        return  # not a 2026-05 format: left as it is
    texts = [i for i in items if i["type"] == "text"]
    images = [i for i in items if i["type"] == "image"]
    if len(texts) > 1 or len(images) > 1 or len(texts) + len(images) < len(items):
        return  # audio, video or repeated formats have no 2025-12 spelling: left as they are
    config = body.get("generation_config")
    if images and config is not None and (not isinstance(config, dict) or "image_config" in config):
        return
    del body["response_format"]
    if texts:
        mime, schema = texts[0].get("mime_type"), texts[0].get("schema")
        if schema is not None:
            body["response_format"] = schema
            if mime not in (None, "application/json"):  # SO-WITHOUT-MIME: JSON is implied
                body["response_mime_type"] = mime
        elif mime is not None:
            body["response_mime_type"] = mime
    if images:
        if not isinstance(config, dict):
            config = body["generation_config"] = {}
        # 2025-12's image_config knew these two; mime_type and delivery have no place there
        config["image_config"] = {k: v for k, v in images[0].items() if k in _IMAGE_CONFIG_KEYS}


def request_to_wire(body: _T, revision: str) -> _T:
    """A create request in the canonical (2025-12) shape, as ``revision`` spells it.

    2025-12: a copy. 2026-05: turns in ``input`` become steps (``turns_to_steps``); a content
    list holding a function result becomes steps; ``response_format`` (a JSON Schema) and
    ``response_mime_type`` become ``{type: "text", mime_type, schema}``;
    ``generation_config.image_config`` becomes an ``{type: "image", ...}`` format (a list
    when there are two); upper-case ``response_modalities`` become lower case. Idempotent: a
    body already in 2026-05 form comes back equal. Anything else passes through untouched.
    """
    _check_revision(revision)
    out = copy.deepcopy(body)
    if revision == CANONICAL_REVISION or not isinstance(out, dict):
        return out
    if "input" in out:
        out["input"] = _input_to_wire(out["input"])
    _response_format_to_wire(out)
    modalities = out.get("response_modalities")
    if isinstance(modalities, list):
        out["response_modalities"] = [
            m.lower() if isinstance(m, str) and m.upper() in ("TEXT", "IMAGE", "AUDIO") else m
            for m in modalities
        ]
    return out


def request_from_wire(body: _T, revision: str) -> _T:
    """A create request as ``revision`` spells it, in the canonical (2025-12) shape.

    The inverse of ``request_to_wire``; it does not validate (check the body against the
    revision's ``create-request`` schema first). Fields 2025-12 lacks (``service_tier``,
    ``webhook_config``, ``environment``) and formats it cannot say (audio, video) stay as
    they are, for the caller to use or refuse.
    """
    _check_revision(revision)
    out = copy.deepcopy(body)
    if revision == CANONICAL_REVISION or not isinstance(out, dict):
        return out
    value = out.get("input")
    if _is_step_list(value):
        out["input"] = steps_to_turns(value)
    elif isinstance(value, list):
        out["input"] = [_content_from_wire(i) for i in value]
    _response_format_from_wire(out)
    return out


# -- the Interaction resource ----------------------------------------------------------------


# Canonical statuses a revision has no word for, and how it says them. The canonical shape is
# 2025-12's plus 2026-05's ``incomplete``: 2025-12 came before that status (SDK 1.63.0) and
# says ``failed`` for an answer cut short, never ``completed`` with a cut JSON (SO-VALID-JSON).
# 2026-11's ``queued`` (still waiting: in progress to an older client) and
# ``requires_continuation`` (stopped before the end: incomplete) are canonical too.
_STATUS_SPELLING: dict[str, dict[str, str]] = {
    "2025-12": {"incomplete": "failed", "queued": "in_progress", "requires_continuation": "failed"},
    "2026-05": {"queued": "in_progress", "requires_continuation": "incomplete"},
}

# Fields of the canonical shape that only 2026-11 sends (spec/2026-11 rules.yaml, the section
# "new in 2026-11 (behaviour)"): an older revision's wire leaves them out.
_NEWER_RESOURCE_FIELDS = ("errors", "continuation_token", "continuation_ids")
_NEWER_USAGE_FIELDS = ("initial_input_tokens",)
_NEWER_STOP_FIELDS = ("step_usage", "usage")
_WITHOUT_NEWER_FIELDS = frozenset({CANONICAL_REVISION, "2026-05"})


def _spell_status(holder: Any, key: str, revision: str = CANONICAL_REVISION) -> None:
    if isinstance(holder, dict) and isinstance(holder.get(key), str):
        holder[key] = _STATUS_SPELLING.get(revision, {}).get(holder[key], holder[key])


def _drop_newer(resource: Any, revision: str) -> None:
    """Remove from a canonical resource (in place) what ``revision`` has no field for."""
    if revision not in _WITHOUT_NEWER_FIELDS or not isinstance(resource, dict):
        return
    for key in _NEWER_RESOURCE_FIELDS:
        resource.pop(key, None)
    usage = resource.get("usage")
    if isinstance(usage, dict):
        for key in _NEWER_USAGE_FIELDS:
            usage.pop(key, None)


def interaction_to_wire(
    resource: _T, revision: str, *, input_steps: Sequence[Any] | None = None
) -> _T:
    """A canonical Interaction resource as ``revision`` sends it.

    2026-05: ``outputs`` become ``steps`` (one step per output block, in place of
    ``outputs``), ``input_steps`` (the GET's ``user_input`` steps) first; ``role`` is dropped
    (no steps-era recording carries it; BASIC-ROLE allows its absence); everything else,
    ``service_tier`` included, is kept. A resource without outputs (the interaction of
    ``interaction.created`` / ``.completed``) gets no ``steps`` unless input steps are given.
    """
    _check_revision(revision)
    out = copy.deepcopy(resource)
    if not isinstance(out, dict):
        return out
    _drop_newer(out, revision)
    if revision == CANONICAL_REVISION:
        _spell_status(out, "status")
        return out
    _spell_status(out, "status", revision)
    extra = copy.deepcopy(list(input_steps or []))
    wire: dict[str, Any] = {}
    for key, value in out.items():
        if key == "role":
            continue
        if key == "outputs" and isinstance(value, list):
            wire["steps"] = extra + _blocks_to_steps(value)
            extra = []
        else:
            wire[key] = value
    if extra:
        wire["steps"] = extra
    return wire  # type: ignore[return-value]  # a dict in, a dict out


# -- stream events ---------------------------------------------------------------------------

_EVENT_NAMES = {
    "interaction.start": "interaction.created",
    "interaction.complete": "interaction.completed",
    "content.start": "step.start",
    "content.delta": "step.delta",
    "content.stop": "step.stop",
}


def _start_step(content: dict[str, Any], block: dict[str, Any] | None) -> dict[str, Any]:
    """The step of a step.start (STREAM-STEP-START-PARTIAL): what the content.start carried
    (the emulator's carry only type and id), plus the ids of the whole ``block`` it opens; a
    function call also its name and ``arguments: {}``, as recorded (the arguments follow as
    ``arguments_delta`` strings)."""
    kind = content.get("type")
    if kind in CONTENT_TYPES:
        step: dict[str, Any] = {"type": "model_output"}
        if set(content) - {"type"}:
            step["content"] = [_content_to_wire(content)]
        return step
    step = dict(_block_to_step(content))
    whole = block or {}
    if isinstance(kind, str) and kind.endswith("_call") and "id" in whole:
        step.setdefault("id", whole["id"])
    if isinstance(kind, str) and kind.endswith("_result") and "call_id" in whole:
        step.setdefault("call_id", whole["call_id"])
    if kind == "function_call":
        if "name" in whole:
            step.setdefault("name", whole["name"])
        step.setdefault("arguments", {})
    return step


def _delta_to_wire(delta: Any) -> Any:
    kind = _kind(delta)
    if kind == "function_call":
        arguments = delta.get("arguments", {})
        return {
            "type": "arguments_delta",
            "arguments": json.dumps(arguments, separators=(",", ":")),
        }
    if kind == "text_annotation":
        out = dict(delta, type="text_annotation_delta")
        if isinstance(out.get("annotations"), list):
            out["annotations"] = [_annotation_to_wire(a) for a in out["annotations"]]
        return out
    if kind in STEP_TYPES and kind not in ("thought", "model_output", "user_input"):
        # the ids went in the step.start; a delta schema has no place for them (but
        # function_result's, which requires its call_id)
        drop = {"id"} if kind == "function_result" else {"id", "call_id"}
        return _block_to_step({k: v for k, v in delta.items() if k not in drop})
    return delta


def event_to_wire(event: _T, revision: str, *, block: dict[str, Any] | None = None) -> _T:
    """One canonical (2025-12) stream event as ``revision`` sends it.

    2026-05: ``interaction.start`` -> ``interaction.created``, ``content.start`` ->
    ``step.start`` with a partial step, ``content.delta`` -> ``step.delta`` (a function
    call's arguments as one ``arguments_delta`` JSON string), ``content.stop`` ->
    ``step.stop``, ``interaction.complete`` -> ``interaction.completed``; status updates and
    errors are the same. ``block`` is the full block a ``content.start`` opens (its ids and
    name go in the step.start); ``events_to_wire`` finds it in the stream.
    """
    _check_revision(revision)
    copied = copy.deepcopy(event)
    if not isinstance(copied, dict):
        return copied
    out: dict[str, Any] = copied
    kind = out.get("event_type")
    if revision in _WITHOUT_NEWER_FIELDS:
        _drop_newer(out.get("interaction"), revision)
        if kind == "content.stop":
            for key in _NEWER_STOP_FIELDS:
                out.pop(key, None)
    if revision == CANONICAL_REVISION:
        _spell_status(out, "status")
        _spell_status(out.get("interaction"), "status")
        return copied
    _spell_status(out, "status", revision)
    if kind == "interaction.status_update" and "interaction_id" not in out:
        # A store=false stream has no id: the steps era sends "" (recorded
        # 2026-steps__stream__vercel-stateless-store-false-turn1.json), STATUS-EVENTS requires it.
        out["interaction_id"] = ""
    if not isinstance(kind, str) or kind not in _EVENT_NAMES:
        return copied
    wire: dict[str, Any] = {}
    for key, value in out.items():
        if key == "event_type":
            wire[key] = _EVENT_NAMES[kind]
        elif key == "interaction" and kind in ("interaction.start", "interaction.complete"):
            wire[key] = interaction_to_wire(value, revision)
        elif key == "content" and kind == "content.start" and isinstance(value, dict):
            wire["step"] = _start_step(value, block)
        elif key == "delta" and kind == "content.delta":
            wire[key] = _delta_to_wire(value)
        else:
            wire[key] = value
    return wire  # type: ignore[return-value]  # a dict in, a dict out


def _opened_block(events: Sequence[Any], at: int) -> dict[str, Any] | None:
    """The first delta of the block a content.start opens, when it carries the whole block."""
    start = events[at]
    index, kind = start.get("index"), _kind(start.get("content"))
    for later in events[at + 1 :]:
        if not isinstance(later, dict) or later.get("index") != index:
            continue
        if later.get("event_type") != "content.delta":
            return None
        delta = later.get("delta")
        return delta if isinstance(delta, dict) and _kind(delta) == kind else None
    return None


def events_to_wire(events: Sequence[Any], revision: str) -> list[Any]:
    """Canonical stream events as ``revision`` sends them, one for one (event ids and resume
    positions are the same in both revisions). See ``event_to_wire``."""
    _check_revision(revision)
    out: list[Any] = []
    for i, event in enumerate(events):
        block = None
        if isinstance(event, dict) and event.get("event_type") == "content.start":
            block = _opened_block(events, i)
        out.append(event_to_wire(event, revision, block=block))
    return out
