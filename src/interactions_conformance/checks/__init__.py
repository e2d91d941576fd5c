"""The checks: pure functions from traffic to violations of the revision's rules.

Three levels, each usable on its own:

* one Interaction (``check_usage_total(interaction, request)``, ...): every
  such check has the signature ``(interaction, request=None, *, revision, where)``;
* one stream of SSE events (``check_stream_grammar(payloads)``,
  ``reassemble_outputs``, ``check_resume``, ...), the events given as their
  decoded ``data`` objects (`parse_sse` gives them);
* one exchange or a scenario of exchanges (`check_exchange`,
  `check_scenario`), which pick and run every check that applies.

A check never does I/O and never raises on bad traffic; each docstring names
the rule ids it checks. What is revision-specific (event names, delta
compatibility, status transitions, error statuses, ``outputs`` or ``steps``)
lives in one table per revision (`grammar_for`). A check runs under a revision
only when the revision's catalogue has one of its rules, and it never reports
a rule that catalogue lacks.
"""

from .._sse import ParsedStream, SSEEvent, SSEParser, parse_sse
from ._base import CheckResult
from ._behaviour import (  # behaviour new in 2026-11: runs only under revisions with its rules
    check_continuation_token,
    check_continued_answer,
    check_deferred_start,
    check_deprecated_accepted,
    check_errors_items,
    check_initial_input,
    check_queued_transitions,
    check_safety_rejection,
    check_status_sequence,
    check_step_usage,
)
from ._exchange import (
    Operation,
    check_delete_response,
    check_exchange,
    check_scenario,
    check_sse_content_type,
    check_sse_framing,
    classify,
)
from ._grammar import Grammar, grammar_for
from ._interaction import (
    check_builtin_tools,
    check_final_text_last,
    check_function_call_arguments,
    check_function_call_shape,
    check_id,
    check_max_output_tokens,
    check_model_echo,
    check_object,
    check_previous_echo,
    check_requires_action,
    check_role,
    check_structured_output,
    check_timestamps,
    check_tool_results_match_calls,
    check_usage_cached_bound,
    check_usage_counts,
    check_usage_total,
    run_interaction_checks,
)
from ._schema import (
    check_client_error,
    check_error_body,
    check_error_status,
    check_event_schemas,
    check_interaction_schema,
    check_request_fields,
)
from ._stream import (
    check_annotation_deltas,
    check_arguments_deltas,
    check_complete_outputs,
    check_complete_usage,
    check_content_brackets,
    check_delta_types,
    check_error_events,
    check_event_ids,
    check_index_order,
    check_interaction_ids,
    check_metadata_usage,
    check_replay,
    check_resume,
    check_status_events,
    check_status_transitions,
    check_step_fields,
    check_stream_equals_resource,
    check_stream_function_calls,
    check_stream_grammar,
    check_stream_start,
    check_stream_terminal,
    first_difference,
    reassemble_outputs,
)

__all__ = [
    "CheckResult",
    "Grammar",
    "Operation",
    "ParsedStream",
    "SSEEvent",
    "SSEParser",
    "check_annotation_deltas",
    "check_arguments_deltas",
    "check_builtin_tools",
    "check_client_error",
    "check_complete_outputs",
    "check_complete_usage",
    "check_content_brackets",
    "check_continuation_token",
    "check_continued_answer",
    "check_deferred_start",
    "check_delete_response",
    "check_delta_types",
    "check_deprecated_accepted",
    "check_error_body",
    "check_error_events",
    "check_error_status",
    "check_errors_items",
    "check_event_ids",
    "check_event_schemas",
    "check_exchange",
    "check_final_text_last",
    "check_function_call_arguments",
    "check_function_call_shape",
    "check_id",
    "check_index_order",
    "check_initial_input",
    "check_interaction_ids",
    "check_interaction_schema",
    "check_max_output_tokens",
    "check_metadata_usage",
    "check_model_echo",
    "check_object",
    "check_previous_echo",
    "check_queued_transitions",
    "check_replay",
    "check_request_fields",
    "check_requires_action",
    "check_resume",
    "check_role",
    "check_safety_rejection",
    "check_scenario",
    "check_sse_content_type",
    "check_sse_framing",
    "check_status_events",
    "check_status_sequence",
    "check_status_transitions",
    "check_step_fields",
    "check_step_usage",
    "check_stream_equals_resource",
    "check_stream_function_calls",
    "check_stream_grammar",
    "check_stream_start",
    "check_stream_terminal",
    "check_structured_output",
    "check_timestamps",
    "check_tool_results_match_calls",
    "check_usage_cached_bound",
    "check_usage_counts",
    "check_usage_total",
    "classify",
    "first_difference",
    "grammar_for",
    "parse_sse",
    "reassemble_outputs",
    "registered_checks",
    "run_interaction_checks",
]


def registered_checks(revision: str | None = None) -> dict[str, tuple[str, ...]]:
    """Every registered check by name, with the rule ids it can emit (for the catalogue lint).

    With a ``revision``: only the checks that run under it, each with the rules of that
    revision's catalogue it can emit there.
    """
    from ._base import REGISTRY, rules_under

    if revision is not None:
        return rules_under(revision)
    return {name: rules for name, (_, rules) in sorted(REGISTRY.items())}
