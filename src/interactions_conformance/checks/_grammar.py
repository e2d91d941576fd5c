"""Everything revision-specific the checks know, in one table per revision.

The JSON Schemas say what each object looks like; this says how objects
follow each other (event grammar, delta compatibility, status transitions)
and the few lookup tables the checks use (error code to HTTP status, which
outputs a built-in tool yields). Adding revision 2026-05 means adding a
`Grammar` to `GRAMMARS`, not editing the checks.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

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

    @property
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

    @property
    def terminal_events(self) -> frozenset[str]:
        return frozenset({self.complete_event, self.error_event})

    @property
    def known_delta_types(self) -> frozenset[str]:
        return frozenset().union(*self.delta_types.values())

    @property
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

GRAMMARS: Mapping[str, Grammar] = {g.revision: g for g in (_2025_12,)}


def grammar_for(revision: object) -> Grammar:
    """The grammar of a revision, given its name or a `Revision`."""
    name = revision if isinstance(revision, str) else getattr(revision, "name", "")
    try:
        return GRAMMARS[name]
    except KeyError:
        known = ", ".join(sorted(GRAMMARS))
        raise KeyError(f"no stream grammar for revision {name!r}; known: {known}") from None
