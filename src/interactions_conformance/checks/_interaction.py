"""Checks on one Interaction resource, given the create request that produced it.

Every check here has the same signature::

    check(interaction, request=None, *, revision=DEFAULT_REVISION, where="") -> list[Violation]

``interaction`` is any JSON value (a check never assumes the shape the
schema promises), ``request`` is the create request body when known (None
skips the rules that depend on it), and ``where`` prefixes every location
(``event 9``, ``reassembled``). All of them run on every Interaction that
`check_exchange` sees.

The checks on outputs are written once, for the 2025-12 block shape: they
read the revision's list (``outputs`` or ``steps``, `Grammar.output_key`)
once per Interaction (`Seen`, through `_wire.output_blocks`, which flattens steps into blocks
and keeps the pointer of each into the body as sent, ``/steps/3/content/0``); the request is
read once too (`Asked`). Each rule is one function here: ``(seen, asked, where)``.
"""

from __future__ import annotations

import functools
import re
from datetime import datetime
from typing import Any

from .._findings import Violation, excerpt
from .._spec import DEFAULT_REVISION
from .._traffic import loads_json
from ._base import (
    INTERACTION_CHECKS,
    OUTPUT_CHECKS,
    applies,
    as_dict,
    at,
    content_type,
    is_int,
    json_type,
    ptr,
    violation,
)
from ._grammar import Grammar, grammar_for
from ._seen import Asked, Rule, Seen, interaction_rule
from ._user_schema import SchemaError, schema_errors

__all__ = [
    "check_builtin_tools",
    "check_final_text_last",
    "check_function_call_arguments",
    "check_function_call_shape",
    "check_id",
    "check_max_output_tokens",
    "check_model_echo",
    "check_object",
    "check_requires_action",
    "check_structured_output",
    "check_timestamps",
    "check_tool_results_match_calls",
    "check_usage_counts",
    "check_usage_total",
]

_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


# -- usage -------------------------------------------------------------------------


_INT64 = 2**63


def _is_count(value: Any) -> bool:
    """A non-negative int64 (not a bool); the common case first, without a call."""
    if value.__class__ is int:
        return 0 <= value < _INT64
    return is_int(value) and value >= 0


def _bad_count(value: Any, where: str, *pointer: Any) -> Violation:
    return violation(
        "SCHEMA-USAGE",
        "a token count is not a non-negative integer",
        expected="an integer >= 0",
        actual=f"{excerpt(value)} ({json_type(value)})",
        where=at(where, ptr("/usage", *pointer)),
        raw=True,
    )


@interaction_rule("SCHEMA-USAGE")
def check_usage_counts(it: Seen, rq: Asked, where: str) -> list[Violation]:
    """SCHEMA-USAGE: every token count in ``usage`` is a non-negative integer."""
    usage = it.usage
    if usage is None:
        return []
    if not isinstance(usage, dict):
        return [
            violation(
                "SCHEMA-USAGE",
                "usage is not an object",
                expected="an object of token counts",
                actual=f"{excerpt(usage)} ({json_type(usage)})",
                where=at(where, "/usage"),
                raw=True,
            )
        ]
    found: list[Violation] = []
    for key, value in usage.items():
        if key.startswith("total_"):
            if not (value.__class__ is int and 0 <= value < _INT64) and not _is_count(value):
                found.append(_bad_count(value, where, key))
        elif key.endswith("_by_modality"):
            if not isinstance(value, list):
                found.append(
                    violation(
                        "SCHEMA-USAGE",
                        f"{key} is not a list",
                        expected="a list of {modality, tokens}",
                        actual=f"{excerpt(value)} ({json_type(value)})",
                        where=at(where, ptr("/usage", key)),
                        raw=True,
                    )
                )
                continue
            for i, item in enumerate(value):
                if isinstance(item, dict) and "tokens" in item and not _is_count(item["tokens"]):
                    found.append(_bad_count(item["tokens"], where, key, i, "tokens"))
    return found


@interaction_rule("USAGE-TOTAL-SUM")
def check_usage_total(it: Seen, rq: Asked, where: str) -> list[Violation]:
    """USAGE-TOTAL-SUM: total_tokens = input + output + thought (or reasoning) + tool use; absent counts are 0."""
    usage = it.usage_fields
    total = usage.get("total_tokens")
    if not is_int(total):
        return []
    parts = it.grammar.usage_total_parts
    expected_total = 0
    for names in parts:
        for name in names:  # the first name present counts; none present counts 0
            if name in usage:
                value = usage[name]
                break
        else:
            value = 0
        if not is_int(value):
            return []  # SCHEMA-USAGE reports it; a sum would be noise
        expected_total += value
    if total == expected_total:
        return []
    terms = []
    for names in parts:
        name = next((n for n in names if n in usage), names[0])
        terms.append(f"{name} {usage.get(name, 0)}")
    return [
        violation(
            "USAGE-TOTAL-SUM",
            "total_tokens is not the sum of its parts",
            expected=f"{expected_total} = " + " + ".join(terms),
            actual=total,
            where=at(where, "/usage/total_tokens"),
        )
    ]


@interaction_rule("GEN-MAX-OUTPUT-TOKENS")
def check_max_output_tokens(it: Seen, rq: Asked, where: str) -> list[Violation]:
    """GEN-MAX-OUTPUT-TOKENS: total_output_tokens <= the request's generation_config.max_output_tokens."""
    used = it.usage_fields.get("total_output_tokens")
    if used is None:
        return []
    limit = as_dict(rq.body.get("generation_config")).get("max_output_tokens")
    if not (isinstance(limit, int) and isinstance(used, int)) or not is_int(used) or used <= limit:
        return []
    return [
        violation(
            "GEN-MAX-OUTPUT-TOKENS",
            "more output tokens than max_output_tokens allows",
            expected=f"at most {limit} (generation_config.max_output_tokens)",
            actual=used,
            where=at(where, "/usage/total_output_tokens"),
        )
    ]


# -- function calls ----------------------------------------------------------------


def _non_empty_string(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def _is_object(value: Any) -> bool:
    return isinstance(value, dict)


@interaction_rule("FC-CALL-SHAPE", "FC-CALL-IDS-UNIQUE", outputs=True)
def check_function_call_shape(it: Seen, rq: Asked, where: str) -> list[Violation]:
    """FC-CALL-SHAPE: a function_call has a non-empty id, a name and an arguments object.
    FC-CALL-IDS-UNIQUE: no two function_calls share an id."""
    found: list[Violation] = []
    seen: dict[str, str] = {}
    for pointer, call in it.blocks or ():
        if call.get("type") != "function_call":
            continue
        for field, ok, wanted in (
            ("id", _non_empty_string, "a non-empty string"),
            ("name", _non_empty_string, "a non-empty string"),
            ("arguments", _is_object, "an object"),
        ):
            if not ok(call.get(field)):
                value = call.get(field, "<absent>")
                found.append(
                    violation(
                        "FC-CALL-SHAPE",
                        f"a function_call has no usable {field}",
                        expected=f"{field}: {wanted}",
                        actual=value
                        if field not in call
                        else f"{excerpt(value)} ({json_type(value)})",
                        where=at(where, ptr(pointer, field)),
                        raw=field in call,
                    )
                )
        call_id = call.get("id")
        if isinstance(call_id, str) and call_id:
            if call_id in seen:
                found.append(
                    violation(
                        "FC-CALL-IDS-UNIQUE",
                        "two function_calls share an id",
                        expected=f"an id other than that of {seen[call_id]}",
                        actual=call_id,
                        where=at(where, ptr(pointer, "id")),
                    )
                )
            else:
                seen[call_id] = pointer
    return found


def _schema_violation(rule: str, message: str, error: SchemaError, where: str) -> Violation:
    inner = "".join(f"/{p}" for p in error.path) or "/"
    expected = f"{error.keyword}: {excerpt(error.keyword_value, 80)}"
    return violation(
        rule,
        f"{message}: {error.message if len(error.message) < 120 else error.message[:110] + '...'}",
        expected=expected,
        actual=f"{excerpt(error.instance)} ({json_type(error.instance)}) at {inner}",
        where=where,
        raw=True,
    )


@interaction_rule("FC-NAME-DECLARED", "FC-ARGS-VALID", outputs=True)
def check_function_call_arguments(it: Seen, rq: Asked, where: str) -> list[Violation]:
    """FC-NAME-DECLARED: a function_call names a function the request declared.
    FC-ARGS-VALID: its arguments validate against that function's parameters.

    Runs only when the request declares at least one function tool.
    """
    declared = rq.declared
    if not declared:
        return []
    found: list[Violation] = []
    for pointer, call in it.blocks or ():
        if call.get("type") != "function_call":
            continue
        name = call.get("name")
        if not isinstance(name, str):
            continue  # FC-CALL-SHAPE reports it
        if name not in declared:
            found.append(
                violation(
                    "FC-NAME-DECLARED",
                    "a function_call names a function the request did not declare",
                    expected="one of " + ", ".join(sorted(declared)),
                    actual=name,
                    where=at(where, ptr(pointer, "name")),
                )
            )
            continue
        arguments = call.get("arguments")
        parameters = declared[name]
        if parameters is None or not isinstance(arguments, dict):
            continue
        for error in schema_errors(arguments, parameters) or []:
            found.append(
                _schema_violation(
                    "FC-ARGS-VALID",
                    f"arguments of {name} fail its parameters schema",
                    error,
                    at(where, ptr(pointer, "arguments", *error.path)),
                )
            )
    return found


@interaction_rule("FC-REQUIRES-ACTION", outputs=True)
def check_requires_action(it: Seen, rq: Asked, where: str) -> list[Violation]:
    """FC-REQUIRES-ACTION: outputs end with a client function_call exactly when status is requires_action."""
    status = it.status
    grammar = it.grammar
    outputs = it.blocks
    if outputs is None or not isinstance(status, str):
        return []
    calls = grammar.client_call_types
    last = content_type(outputs[-1][1]) if outputs else None
    if status == "requires_action" and last not in calls:
        return [
            violation(
                "FC-REQUIRES-ACTION",
                f"status is requires_action but the {grammar.output_key} do not end with a "
                "function_call",
                expected="the last output is a " + " or ".join(sorted(calls)),
                actual=f"type {excerpt(last)}" if outputs else f"<no {grammar.output_key}>",
                where=at(
                    where, ptr(outputs[-1][0], "type") if outputs else f"/{grammar.output_key}"
                ),
                raw=True,
            )
        ]
    if last in calls and status == "completed":
        return [
            violation(
                "FC-REQUIRES-ACTION",
                f"the {grammar.output_key} end with a {last} but status is {status}",
                expected="status requires_action",
                actual=status,
                where=at(where, "/status"),
            )
        ]
    return []


# -- tools -------------------------------------------------------------------------


@interaction_rule("TOOL-RESULT-MATCHES-CALL", outputs=True)
def check_tool_results_match_calls(it: Seen, rq: Asked, where: str) -> list[Violation]:
    """TOOL-RESULT-MATCHES-CALL: every *_result's call_id is the id of an earlier call of the same tool."""
    if not it.blocks:
        return []
    pairs = it.grammar.result_calls
    seen: dict[str, set[str]] = {}
    found: list[Violation] = []
    for pointer, item in it.blocks:
        kind = content_type(item) or ""
        if kind in pairs.values() and isinstance(item.get("id"), str):
            seen.setdefault(kind, set()).add(item["id"])
        elif kind in pairs and "call_id" in item:
            call_id = item["call_id"]
            # a call_id that is not a string (the schema's) answers no call either
            if not isinstance(call_id, str) or call_id not in seen.get(pairs[kind], ()):
                earlier = sorted(seen.get(pairs[kind], ()))
                found.append(
                    violation(
                        "TOOL-RESULT-MATCHES-CALL",
                        f"a {kind} answers no earlier {pairs[kind]}",
                        expected="the id of an earlier "
                        + pairs[kind]
                        + (": " + ", ".join(earlier) if earlier else " (there is none)"),
                        actual=call_id,
                        where=at(where, ptr(pointer, "call_id")),
                    )
                )
    return found


@interaction_rule(
    "TOOL-GOOGLE-SEARCH", "TOOL-CODE-EXECUTION", "TOOL-URL-CONTEXT", "TOOL-MCP", outputs=True
)
def check_builtin_tools(it: Seen, rq: Asked, where: str) -> list[Violation]:
    """TOOL-GOOGLE-SEARCH, TOOL-CODE-EXECUTION, TOOL-URL-CONTEXT, TOOL-MCP: a completed
    interaction whose request had the tool has its call and result outputs (and a text)."""
    body = it.body
    grammar = it.grammar
    outputs = it.blocks
    if not rq.tools or it.status != "completed" or outputs is None:
        return []
    model = body.get("model") or rq.body.get("model") or ""
    kinds = [content_type(c) for _, c in outputs]
    found: list[Violation] = []
    for tool_type in dict.fromkeys(str(t.get("type")) for t in rq.tools):
        spec = grammar.tool_outputs.get(tool_type)
        if spec is None:
            continue
        if isinstance(model, str) and model.startswith(grammar.tool_optional_on.get(tool_type, ())):
            continue
        wanted = [spec.call, spec.result] + (["text"] if spec.needs_text else [])
        missing = [k for k in wanted if k not in kinds]
        if missing:
            found.append(
                violation(
                    spec.rule,
                    f"the request has the {tool_type} tool but the {grammar.output_key} lack "
                    + ", ".join(missing),
                    expected=f"{grammar.output_key} with " + ", ".join(wanted),
                    actual="output types " + excerpt(kinds),
                    where=at(where, f"/{grammar.output_key}"),
                    raw=True,
                )
            )
    return found


# -- the final text ----------------------------------------------------------------


def _typed_formats(request: Any) -> list[dict[str, Any]]:
    """The typed response formats of a request (one object or a list of them)."""
    value = as_dict(request).get("response_format")
    return [f for f in (value if isinstance(value, list) else [value]) if isinstance(f, dict)]


def _wants_text(request: Any, grammar: Grammar) -> bool:
    modalities = as_dict(request).get("response_modalities")
    if isinstance(modalities, list) and modalities:
        return any(isinstance(m, str) and m.lower() == "text" for m in modalities)
    if grammar.structured_format_key is not None:
        # a typed response_format names the output: {"type": "image"} alone asks for no text
        formats = _typed_formats(request)
        return not formats or any(f.get("type") == "text" for f in formats)
    return True


@interaction_rule("BASIC-FINAL-TEXT-LAST", outputs=True)
def check_final_text_last(it: Seen, rq: Asked, where: str) -> list[Violation]:
    """BASIC-FINAL-TEXT-LAST: the last output of a completed text interaction is a text
    (under 2026-05 the last content of the model_output steps: tool steps may follow it)."""
    grammar = it.grammar
    outputs = it.blocks
    if it.status != "completed" or outputs is None:
        return []
    if not _wants_text(rq.raw, grammar):
        return []
    if not outputs:
        return [
            violation(
                "BASIC-FINAL-TEXT-LAST",
                f"a completed interaction has no {grammar.output_key}",
                expected=f"{grammar.output_key} ending with a text",
                actual=[],
                where=at(where, f"/{grammar.output_key}"),
            )
        ]
    among = grammar.final_text_among
    candidates = [(p, b) for p, b in outputs if not among or content_type(b) in among]
    if not candidates:
        return [
            violation(
                "BASIC-FINAL-TEXT-LAST",
                "a completed interaction has no model output",
                expected=f"{grammar.output_key} ending with a text",
                actual="output types " + excerpt([content_type(b) for _, b in outputs]),
                where=at(where, f"/{grammar.output_key}"),
                raw=True,
            )
        ]
    pointer, block = candidates[-1]
    last = content_type(block)
    if last == "text":
        return []
    return [
        violation(
            "BASIC-FINAL-TEXT-LAST",
            "the last output of a completed interaction is not a text",
            expected='type "text"',
            actual=last if last is not None else block,
            where=at(where, ptr(pointer, "type")),
        )
    ]


def _structured_schema(request: Any, key: str | None) -> Any:
    """The JSON Schema the final text must match, or None when the request asks for none.

    ``key`` None (2025-12): the response_format is the schema. Otherwise the schema is
    ``format[key]`` of the text format (one object or one of a list, SO-RESPONSE-FORMAT).
    """
    if key is None:
        return as_dict(request).get("response_format")
    for item in _typed_formats(request):
        if item.get("type") == "text" and key in item:
            return item[key]
    return None


@interaction_rule("SO-VALID-JSON", outputs=True)
def check_structured_output(it: Seen, rq: Asked, where: str) -> list[Violation]:
    """SO-VALID-JSON: with response_format, the final text is JSON that validates against it."""
    grammar = it.grammar
    outputs = it.blocks
    if outputs is None or it.status != "completed" or "response_format" not in rq.body:
        return []
    schema = _structured_schema(rq.raw, grammar.structured_format_key)
    if schema is None:
        return []
    texts = [(p, b) for p, b in outputs if content_type(b) == "text"]
    if not texts:
        return [
            violation(
                "SO-VALID-JSON",
                "response_format was given but there is no text output",
                expected="a text output holding JSON",
                actual="output types " + excerpt([content_type(c) for _, c in outputs]),
                where=at(where, f"/{grammar.output_key}"),
                raw=True,
            )
        ]
    pointer = ptr(texts[-1][0], "text")
    text = texts[-1][1].get("text")
    if not isinstance(text, str):
        return []  # the schema check reports a text without text
    try:
        instance = loads_json(text)
    except (ValueError, RecursionError) as exc:
        return [
            violation(
                "SO-VALID-JSON",
                "the final text is not JSON",
                expected="JSON text matching response_format",
                actual=f"{excerpt(text)} ({exc})",
                where=at(where, pointer),
                raw=True,
            )
        ]
    return [
        _schema_violation(
            "SO-VALID-JSON",
            "the final text's JSON fails response_format",
            error,
            at(where, f"{pointer} -> " + ("".join(f"/{p}" for p in error.path) or "/")),
        )
        for error in schema_errors(instance, schema) or []
    ]


# -- identity ----------------------------------------------------------------------


@interaction_rule("BASIC-ID")
def check_id(it: Seen, rq: Asked, where: str) -> list[Violation]:
    """BASIC-ID: a stored interaction (store not false) has a non-empty string id."""
    interaction = it.body
    if rq.body.get("store") is False or not it.is_object:
        return []
    if _non_empty_string(interaction.get("id")):
        return []
    value = interaction.get("id", "<absent>")
    return [
        violation(
            "BASIC-ID",
            "a stored interaction has no id",
            expected="a non-empty string id",
            actual=value if "id" not in interaction else f"{excerpt(value)} ({json_type(value)})",
            where=at(where, "/id"),
            raw=True,
        )
    ]


@interaction_rule("BASIC-MODEL-ECHO")
def check_model_echo(it: Seen, rq: Asked, where: str) -> list[Violation]:
    """BASIC-MODEL-ECHO: the response names the model or agent of the request."""
    interaction = it.body
    if not it.is_object:
        return []
    found: list[Violation] = []
    for field in ("model", "agent"):
        wanted = rq.body.get(field)
        if not isinstance(wanted, str):
            continue
        got = interaction.get(field, "<absent>")
        if isinstance(got, str) and got.removeprefix("models/") == wanted.removeprefix("models/"):
            continue
        found.append(
            violation(
                "BASIC-MODEL-ECHO",
                f"the response does not name the {field} of the request",
                expected=excerpt(wanted),
                actual=got if field not in interaction else excerpt(got),
                where=at(where, f"/{field}"),
                raw=True,
            )
        )
    return found


def _parse_time(value: str) -> datetime | None:
    """A time `_TIMESTAMP` matched: it ends with Z, which Python 3.10 reads only as +00:00."""
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))  # UTC: compared as it is
    except ValueError:
        return None


@interaction_rule("BASIC-TIMESTAMPS")
def check_timestamps(it: Seen, rq: Asked, where: str) -> list[Violation]:
    """BASIC-TIMESTAMPS: created and updated are ISO 8601 UTC (Z) times and updated >= created."""
    body = it.body
    found: list[Violation] = []
    times: dict[str, datetime] = {}
    for field in ("created", "updated"):
        if field not in body:
            continue
        value = body[field]
        if field == "updated" and "created" in times and value == body["created"]:
            times[field] = times["created"]  # the same text: parsed once
            continue
        parsed = _parse_time(value) if isinstance(value, str) and _TIMESTAMP.match(value) else None
        if parsed is None:
            found.append(
                violation(
                    "BASIC-TIMESTAMPS",
                    f"{field} is not an ISO 8601 UTC time",
                    expected="YYYY-MM-DDThh:mm:ss[.fff]Z",
                    actual=value,
                    where=at(where, f"/{field}"),
                )
            )
        else:
            times[field] = parsed
    if len(times) == 2 and times["updated"] < times["created"]:
        found.append(
            violation(
                "BASIC-TIMESTAMPS",
                "updated is before created",
                expected=f"a time at or after created ({body['created']})",
                actual=body["updated"],
                where=at(where, "/updated"),
            )
        )
    return found


@interaction_rule("BASIC-OBJECT")
def check_object(it: Seen, rq: Asked, where: str) -> list[Violation]:
    """BASIC-OBJECT: object, when present, is "interaction"."""
    body = it.body
    if "object" not in body or body["object"] == "interaction":
        return []
    return [
        violation(
            "BASIC-OBJECT",
            'object is not "interaction"',
            expected='"interaction"',
            actual=body["object"],
            where=at(where, "/object"),
        )
    ]


@interaction_rule("BASIC-ROLE")
def check_role(it: Seen, rq: Asked, where: str) -> list[Violation]:
    """BASIC-ROLE: role, when present, is "model" for a model interaction and "model" or
    "agent" for an agent one (the docs disagree on agents: API-SURFACE 9.4)."""
    body = it.body
    role = body.get("role")
    if role is None:
        return []
    allowed = ("model", "agent") if body.get("agent") else ("model",)
    if role in allowed:
        return []
    return [
        violation(
            "BASIC-ROLE",
            "the interaction has an unexpected role",
            expected=" or ".join(repr(r) for r in allowed),
            actual=role,
            where=at(where, "/role"),
        )
    ]


@interaction_rule("USAGE-CACHED-BOUND")
def check_usage_cached_bound(it: Seen, rq: Asked, where: str) -> list[Violation]:
    """USAGE-CACHED-BOUND: total_cached_tokens never exceeds total_input_tokens."""
    usage = it.usage_fields
    cached, given = usage.get("total_cached_tokens"), usage.get("total_input_tokens")
    if not (isinstance(cached, int) and isinstance(given, int)) or cached <= given:
        return []
    return [
        violation(
            "USAGE-CACHED-BOUND",
            "more tokens are cached than were input",
            expected=f"total_cached_tokens <= total_input_tokens ({given})",
            actual=cached,
            where=at(where, "/usage/total_cached_tokens"),
        )
    ]


@interaction_rule("CONV-PREVIOUS-NOT-ECHOED")
def check_previous_echo(it: Seen, rq: Asked, where: str) -> list[Violation]:
    """CONV-PREVIOUS-NOT-ECHOED: previous_interaction_id may be left out of a response, but
    when it is there it is the id the request sent."""
    echoed = it.body.get("previous_interaction_id")
    sent = rq.body.get("previous_interaction_id")
    if echoed is None or sent is None or echoed == sent:
        return []
    return [
        violation(
            "CONV-PREVIOUS-NOT-ECHOED",
            "the response names another previous interaction than the request",
            expected=f"absent, or {excerpt(sent)}",
            actual=echoed,
            where=at(where, "/previous_interaction_id"),
        )
    ]


def run_interaction_checks(
    interaction: Any,
    request: Any = None,
    *,
    revision: str = DEFAULT_REVISION,
    where: str = "",
    outputs_only: bool = False,
) -> list[Violation]:
    """Every registered interaction check (or only those on status and outputs), in order."""
    grammar = grammar_for(revision)
    return run_rules(Seen(interaction, grammar), Asked(request), revision, where, outputs_only)


def run_rules(
    seen: Seen, asked: Asked, revision: str, where: str = "", outputs_only: bool = False
) -> list[Violation]:
    """`run_interaction_checks` on an Interaction already walked (`check_exchange` reads the
    request once for every Interaction of a stream)."""
    found: list[Violation] = []
    for rule in _plan(revision, outputs_only, len(INTERACTION_CHECKS)):
        found += rule(seen, asked, where)
    return found


@functools.cache  # the registry changes only at import (and in a test that adds a check)
def _plan(revision: str, outputs_only: bool, _size: int) -> tuple[Rule, ...]:
    """The rules that run under ``revision``, in registration order."""
    checks = OUTPUT_CHECKS if outputs_only else INTERACTION_CHECKS
    return tuple(_rule_of(c, revision) for c in checks if applies(c, revision))


def _rule_of(check: Any, revision: str) -> Rule:
    rule: Rule | None = getattr(check, "rule", None)
    if rule is not None:
        return rule

    def called(seen: Seen, asked: Asked, where: str) -> list[Violation]:
        # a check registered without a rule of its own: called as it is
        return check(seen.raw, asked.raw, revision=revision, where=where)  # type: ignore[no-any-return]

    return called
