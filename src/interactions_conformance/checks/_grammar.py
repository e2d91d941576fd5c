"""Everything revision-specific the checks know, in one table per revision.

The JSON Schemas say what each object looks like; this says how objects
follow each other (event grammar, delta compatibility, status transitions),
the few lookup tables the checks use (error code to HTTP status, which
outputs a built-in tool yields) and the structural differences between
revisions (``content`` or ``step`` in a start event, ``outputs`` or ``steps``,
arguments streamed as objects or as string fragments). A check reads these
fields; it never asks which revision it is running under.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping

from .._wire import CONTENT_TYPES, INPUT_STEP_TYPES, STEP_TYPES

__all__ = ["GRAMMARS", "Grammar", "ToolOutputs", "grammar_for"]


@dataclasses.dataclass(frozen=True)
class ToolOutputs:
    """What a built-in tool in a request must yield in the outputs."""

    call: str  # content type of its calls
    result: str  # content type of its results
    rule: str  # the rule that says so
    needs_text: bool = True  # and a text output besides


@dataclasses.dataclass(frozen=True)
class Grammar:
    revision: str
    # -- SSE events
    start_event: str
    status_event: str
    content_start_event: str
    content_delta_event: str
    content_stop_event: str
    complete_event: str
    error_event: str
    # content type -> the delta types that may extend it (STREAM-DELTA-TYPE)
    delta_types: Mapping[str, frozenset[str]]
    # status -> the statuses it may change to (STREAM-STATUS-TRANSITIONS); a missing key is unknown
    status_transitions: Mapping[str, frozenset[str]]
    # -- outputs
    client_call_types: frozenset[str]  # outputs the client must answer (FC-REQUIRES-ACTION)
    # tool type in a request -> what it must yield (TOOL-GOOGLE-SEARCH, ...)
    tool_outputs: Mapping[str, ToolOutputs]
    # (call type, result type) pairs whose result.call_id names the call's id (TOOL-RESULT-MATCHES-CALL)
    call_result_pairs: tuple[tuple[str, str], ...]
    # models on which a tool may legitimately produce no calls: tool type -> model name prefixes
    tool_optional_on: Mapping[str, tuple[str, ...]]
    # -- usage
    # the parts of total_tokens; each tuple holds alternative names, the first present wins
    usage_total_parts: tuple[tuple[str, ...], ...]
    # -- errors
    error_status: Mapping[str, int]  # error code -> documented HTTP status (ERR-STATUS-CODE)
    # -- structure: how the revision spells the same things (defaults: 2025-12)
    output_key: str = "outputs"  # the Interaction's list of generated blocks
    block_key: str = "content"  # the key holding the block in a start event
    block_schema: str = "content"  # the schema of one streamed block
    input_step_types: frozenset[str] = frozenset()  # blocks a GET adds before the outputs
    # block types whose deltas extend a list of contents (model_output) instead of the block
    content_list_types: frozenset[str] = frozenset()
    annotation_delta: str | None = None  # the delta type that adds annotations to the last text
    # delta type -> field streamed as string fragments that join into one JSON value
    joined_delta_fields: Mapping[str, str] = dataclasses.field(default_factory=dict)
    # STREAM-FUNCTION-CALL: (field, must it be in the start event itself?) of a streamed call
    stream_call_fields: tuple[tuple[str, bool], ...] = (
        ("id", False),
        ("name", False),
        ("arguments", False),
    )
    # BASIC-FINAL-TEXT-LAST reads the last output of these types (empty: the last output at all)
    final_text_among: frozenset[str] = frozenset()
    # where a typed response_format (or each of a list) keeps the JSON Schema of a text format;
    # None: the response_format is the JSON Schema itself
    structured_format_key: str | None = None
    # STATUS-OPEN: a status outside status_transitions is drift, never a violation
    unknown_status_is_drift: bool = False
    # the path of the usage-so-far an event may carry (STREAM-METADATA-USAGE); () for none
    metadata_usage: tuple[str, ...] = ()
    # STREAM-COMPLETE-OUTPUTS: may the complete event repeat the streamed outputs (or only omit them)?
    complete_may_repeat: bool = True

    @functools.cached_property
    def result_calls(self) -> Mapping[str, str]:
        """result type -> the call type it answers (`call_result_pairs` read backwards)."""
        return {result: call for call, result in self.call_result_pairs}

    @functools.cached_property  # read per event: derived once per grammar
    def event_types(self) -> frozenset[str]:
        return frozenset(
            {
                self.start_event,
                self.status_event,
                self.content_start_event,
                self.content_delta_event,
                self.content_stop_event,
                self.complete_event,
                self.error_event,
            }
        )

    @functools.cached_property  # read per event: derived once per grammar
    def terminal_events(self) -> frozenset[str]:
        return frozenset({self.complete_event, self.error_event})

    @functools.cached_property  # read per event: derived once per grammar
    def known_delta_types(self) -> frozenset[str]:
        return frozenset().union(*self.delta_types.values())

    @functools.cached_property  # read per event: derived once per grammar
    def terminal_statuses(self) -> frozenset[str]:
        return frozenset(s for s, nxt in self.status_transitions.items() if not nxt)


def _same(*types: str) -> dict[str, frozenset[str]]:
    return {t: frozenset({t}) for t in types}


_2025_12 = Grammar(
    revision="2025-12",
    start_event="interaction.start",
    status_event="interaction.status_update",
    content_start_event="content.start",
    content_delta_event="content.delta",
    content_stop_event="content.stop",
    complete_event="interaction.complete",
    error_event="error",
    delta_types={
        **_same(
            "text",
            "image",
            "audio",
            "document",
            "video",
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
            "file_search_result",
        ),
        # SDK 1.55.0 streams a thought as thought_summary / thought_signature; the
        # guide's example reads delta.type "thought" (NOTES contradiction 1): both are accepted.
        "thought": frozenset({"thought_summary", "thought_signature", "thought"}),
    },
    status_transitions={
        "in_progress": frozenset({"requires_action", "completed", "failed", "cancelled"}),
        "requires_action": frozenset(),
        "completed": frozenset(),
        "failed": frozenset(),
        "cancelled": frozenset(),
    },
    client_call_types=frozenset({"function_call"}),
    tool_outputs={
        "google_search": ToolOutputs(
            "google_search_call", "google_search_result", "TOOL-GOOGLE-SEARCH"
        ),
        "code_execution": ToolOutputs(
            "code_execution_call", "code_execution_result", "TOOL-CODE-EXECUTION"
        ),
        "url_context": ToolOutputs("url_context_call", "url_context_result", "TOOL-URL-CONTEXT"),
        "mcp_server": ToolOutputs(
            "mcp_server_tool_call", "mcp_server_tool_result", "TOOL-MCP", needs_text=False
        ),
    },
    call_result_pairs=(
        ("function_call", "function_result"),
        ("code_execution_call", "code_execution_result"),
        ("url_context_call", "url_context_result"),
        ("google_search_call", "google_search_result"),
        ("mcp_server_tool_call", "mcp_server_tool_result"),
    ),
    # TOOL-MCP-GEMINI3 (MAY): remote MCP on Gemini 3 may produce no MCP calls (G24).
    tool_optional_on={"mcp_server": ("gemini-3",)},
    usage_total_parts=(
        ("total_input_tokens",),
        ("total_output_tokens",),
        # USAGE-THOUGHT-NAME: the live API says total_thought_tokens, SDK 1.55.0 total_reasoning_tokens.
        ("total_thought_tokens", "total_reasoning_tokens"),
        ("total_tool_use_tokens",),
    ),
    # API-SURFACE section 6 (ERRDOC table).
    error_status={
        "invalid_request": 400,
        "failed_precondition": 400,
        "parameter_unknown": 400,
        "authentication": 401,
        "payment_required": 402,
        "permission_denied": 403,
        "not_found": 404,
        "model_not_found": 404,
        "already_exists": 409,
        "aborted": 409,
        "out_of_range": 416,
        "rate_limit_exceeded": 429,
        "quota_exceeded": 429,
        "too_many_requests": 429,
        "cancelled": 499,
        "api_error": 500,
        "unimplemented": 501,
        "service_unavailable": 503,
        "deadline_exceeded": 504,
    },
)

# Block types on both sides of a tool: each streams deltas of its own type (every step type
# but the input, the model's output and thought, and function_call, whose arguments stream as
# arguments_delta strings).
_TOOL_BLOCKS_2026_05 = tuple(
    sorted(STEP_TYPES - {"user_input", "model_output", "thought", "function_call"})
)
# The content types of a model_output step (content.json; GEN-IMAGE-OUTPUT, SDK 2.3.0 output_*).
_OUTPUT_CONTENT_2026_05 = CONTENT_TYPES

# The steps schema (MIG; SDK250 step_start.py / step_delta.py / interaction_sse_event.py;
# API-SURFACE 8 "Steps-era SSE as recorded"; spec/2026-05/rules.yaml for the decisions cited).
_2026_05 = dataclasses.replace(
    _2025_12,
    revision="2026-05",
    start_event="interaction.created",
    status_event="interaction.status_update",  # STATUS-EVENTS (MIG's own names are drift)
    content_start_event="step.start",
    content_delta_event="step.delta",
    content_stop_event="step.stop",
    complete_event="interaction.completed",
    error_event="error",
    delta_types={
        **_same(*_TOOL_BLOCKS_2026_05),
        "model_output": _OUTPUT_CONTENT_2026_05 | {"text_annotation_delta"},
        "thought": frozenset({"thought_summary", "thought_signature"}),
        "function_call": frozenset({"arguments_delta"}),  # STREAM-ARGUMENTS-DELTA
    },
    # SDK 2.8.0 interaction.py status; queued / requires_continuation are later (STATUS-OPEN).
    status_transitions={
        "in_progress": frozenset(
            {
                "requires_action",
                "completed",
                "failed",
                "cancelled",
                "incomplete",
                "budget_exceeded",
            }
        ),
        "requires_action": frozenset(),
        "completed": frozenset(),
        "failed": frozenset(),
        "cancelled": frozenset(),
        "incomplete": frozenset(),
        "budget_exceeded": frozenset(),
    },
    call_result_pairs=(
        # No function pair: a function_result step is the client's input (FC-RESULT-CONTINUES),
        # so one in a GET answers a call of the previous interaction, not an earlier step.
        ("code_execution_call", "code_execution_result"),
        ("url_context_call", "url_context_result"),
        ("google_search_call", "google_search_result"),
        ("mcp_server_tool_call", "mcp_server_tool_result"),
        ("file_search_call", "file_search_result"),
        ("google_maps_call", "google_maps_result"),
    ),
    # USAGE-THOUGHT-NAME: total_reasoning_tokens is not a name of this revision (drift).
    usage_total_parts=(
        ("total_input_tokens",),
        ("total_output_tokens",),
        ("total_thought_tokens",),
        ("total_tool_use_tokens",),
    ),
    output_key="steps",
    block_key="step",
    block_schema="step",
    input_step_types=INPUT_STEP_TYPES,  # POST-STEPS-NO-INPUT: GET starts with them
    content_list_types=frozenset({"model_output"}),
    annotation_delta="text_annotation_delta",  # STREAM-ANNOTATION-DELTA
    joined_delta_fields={"arguments_delta": "arguments"},  # STREAM-ARGUMENTS-DELTA
    # STREAM-FUNCTION-CALL: "names its id and name in step.start"; arguments are
    # STREAM-ARGUMENTS-DELTA's.
    stream_call_fields=(("id", True), ("name", True)),
    # BASIC-FINAL-TEXT-LAST reads the last model_output content: tool steps may follow the
    # text (TOOL-ORDER; recorded 2026-steps__interaction__vercel-google-search.json).
    final_text_among=_OUTPUT_CONTENT_2026_05,
    structured_format_key="schema",  # SO-VALID-JSON: {type: text, mime_type, schema}
    unknown_status_is_drift=True,  # STATUS-OPEN
    metadata_usage=("metadata", "total_usage"),  # STREAM-METADATA-USAGE
    # STREAM-COMPLETE-OUTPUTS: the 2025-12 tolerance for a copy has no steps-era source.
    complete_may_repeat=False,
)

# The surface of google-genai 3.6.1 (spec/2026-11): the steps wire of 2026-05; what it adds is
# data in the schemas and revision.json. Statuses (SDK361 interaction.py InteractionStatus):
# ``queued`` comes before in_progress and may be cancelled or fail before it starts
# (STATUS-QUEUED-TRANSITIONS); ``requires_continuation`` ends a hop (CONT-*): the next hop is a
# new interaction, so it is terminal here. ``idle`` has no documented meaning: a status outside
# this table is drift (STATUS-OPEN). The terminal statuses are revision.json's, plus
# requires_continuation (tests/test_checks_2026_11.py keeps them equal).
_2026_11 = dataclasses.replace(
    _2026_05,
    revision="2026-11",
    status_transitions={
        "queued": frozenset({"in_progress", "cancelled", "failed"}),
        "in_progress": frozenset(
            {
                "requires_action",
                "completed",
                "failed",
                "cancelled",
                "incomplete",
                "budget_exceeded",
                "requires_continuation",
            }
        ),
        "requires_action": frozenset(),
        "completed": frozenset(),
        "failed": frozenset(),
        "cancelled": frozenset(),
        "incomplete": frozenset(),
        "budget_exceeded": frozenset(),
        "requires_continuation": frozenset(),
    },
)

GRAMMARS: Mapping[str, Grammar] = {g.revision: g for g in (_2025_12, _2026_05, _2026_11)}


def grammar_for(revision: object) -> Grammar:
    """The grammar of a revision, given its name or a `Revision`."""
    name = revision if isinstance(revision, str) else getattr(revision, "name", "")
    try:
        return GRAMMARS[name]
    except KeyError:
        known = ", ".join(sorted(GRAMMARS))
        raise KeyError(f"no stream grammar for revision {name!r}; known: {known}") from None
