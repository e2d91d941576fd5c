"""Fault modes: each makes the emulator break one named rule on purpose.

A conformance suite proves that it catches a violation by running against the
emulator with the fault switched on (``serve --fault NAME``, or the plugin's
``--emulator-fault NAME``) and failing. Every fault is declared once, here,
with the rule ids (``spec/<revision>/rules.*``) it breaks; the code tests
``faults.on("name")`` at the one place the behaviour changes, and
``tests/test_emulator_faults.py`` asserts each one's specific broken behaviour.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

__all__ = ["FAULTS", "FAULTS_2026_11", "Fault", "Faults", "UnknownFaultError"]


@dataclasses.dataclass(frozen=True)
class Fault:
    name: str
    description: str
    rules: tuple[str, ...]
    # The revisions whose behaviour it breaks; () for all. A fault of behaviour new in a
    # revision (the 2026-11 table below) breaks only that revision's wire.
    revisions: tuple[str, ...] = ()


def _table(*rows: tuple[str, str, str], revisions: tuple[str, ...] = ()) -> dict[str, Fault]:
    return {
        name: Fault(name, description, tuple(rules.split()), revisions)
        for name, rules, description in rows
    }


FAULTS: dict[str, Fault] = _table(
    # -- schemas of what the server sends
    (
        "status-bad-enum",
        "BASIC-STATUS-COMPLETED SCHEMA-STRICT",
        "a completed interaction reports status 'done'",
    ),
    ("usage-negative", "SCHEMA-USAGE", "usage.total_cached_tokens is -1"),
    (
        "missing-object-fields",
        "SCHEMA-INTERACTION BASIC-ID",
        "interaction resources lack id and status",
    ),
    ("content-bad-type", "SCHEMA-CONTENT", "a text output's text is a number, not a string"),
    ("timestamps-not-utc", "BASIC-TIMESTAMPS", "created and updated lack the 'Z' and use a space"),
    ("object-wrong", "BASIC-OBJECT", "object is 'response' instead of 'interaction'"),
    # -- errors
    (
        "error-rpc-envelope",
        "SCHEMA-ERROR ERR-BODY",
        "errors use the google.rpc envelope (integer code, status)",
    ),
    (
        "error-500-on-bad-request",
        "ERR-NOT-5XX ERR-STATUS-CODE",
        "an invalid request is answered 500 api_error",
    ),
    (
        "error-message-vague",
        "ERR-MESSAGE-FIELD",
        "a 400's message does not name the offending field",
    ),
    (
        "unknown-field-accepted",
        "ERR-UNKNOWN-FIELD",
        "unknown request fields are ignored instead of rejected",
    ),
    (
        "malformed-json-accepted",
        "ERR-MALFORMED-JSON",
        "a body that is not JSON is treated as an empty object",
    ),
    # -- SSE framing
    ("sse-no-blank-line", "SSE-FRAMING", "events are separated by one newline, not a blank line"),
    ("sse-bad-json", "SSE-FRAMING", "content.delta data lines are truncated JSON"),
    ("sse-wrong-content-type", "SSE-CONTENT-TYPE", "streams are served as text/plain"),
    ("sse-event-name-mismatch", "SSE-EVENT-NAME", "every event: line says 'message'"),
    # -- stream grammar
    ("stream-no-start", "STREAM-START-FIRST", "the interaction.start event is left out"),
    ("stream-double-complete", "STREAM-ONE-TERMINAL", "interaction.complete is sent twice"),
    (
        "stream-event-after-complete",
        "STREAM-ONE-TERMINAL",
        "a content.delta follows interaction.complete",
    ),
    ("stream-index-skip", "STREAM-INDEX-ORDER", "content indices skip one (0, 2, ...)"),
    ("stream-delta-wrong-type", "STREAM-DELTA-TYPE", "a text content receives an image delta"),
    (
        "stream-missing-stop",
        "STREAM-CONTENT-BRACKETS",
        "the last content block has no content.stop",
    ),
    ("stream-no-event-id", "STREAM-EVENT-ID", "events carry no event_id"),
    ("stream-complete-no-usage", "STREAM-COMPLETE-USAGE", "interaction.complete carries no usage"),
    (
        "stream-deltas-differ",
        "STREAM-EQUALS-RESOURCE",
        "streamed text differs from the stored outputs",
    ),
    # -- resume
    ("resume-off-by-one", "STREAM-RESUME", "a resume repeats the event named by last_event_id"),
    ("resume-duplicates", "STREAM-RESUME", "a resume sends its first event twice"),
    (
        "resume-from-start",
        "STREAM-RESUME",
        "last_event_id is ignored: a resume replays from the beginning",
    ),
    # -- storage, background, cancel
    (
        "store-false-retrievable",
        "STORE-FALSE-GET STORE-FALSE-PREVIOUS",
        "store=false interactions are stored and retrievable",
    ),
    (
        "background-blocks",
        "AGENT-RETURNS-AT-ONCE",
        "a background create waits for the job and returns it completed",
    ),
    (
        "background-store-false-accepted",
        "BG-STORE-REQUIRED",
        "store=false with background=true is accepted",
    ),
    (
        "agent-foreground-accepted",
        "AGENT-BACKGROUND-REQUIRED",
        "an agent request without background runs in the foreground",
    ),
    (
        "cancel-ignored",
        "CANCEL-RUNNING CANCEL-STICKY",
        "cancel answers but the job keeps running to completed",
    ),
    (
        "delete-noop",
        "DELETE-REMOVES DELETE-BREAKS-CHAIN",
        "DELETE answers {} but keeps the interaction",
    ),
    (
        "retention-never-expires",
        "RETENTION-FREE RETENTION-PAID",
        "stored interactions never expire",
    ),
    (
        "retention-early-expiry",
        "RETENTION-FREE RETENTION-PAID",
        "stored interactions expire after one hour",
    ),
    # -- conversation state
    (
        "previous-ignored",
        "CONV-PREVIOUS-CONTEXT CONV-CHAIN-TRANSITIVE",  # no context at all: none up the chain either
        "previous_interaction_id is accepted but its context is not used",
    ),
    (
        "chain-not-transitive",
        "CONV-CHAIN-TRANSITIVE",
        "only the immediately previous interaction is used as context",
    ),
    (
        "previous-unknown-accepted",
        "CONV-PREVIOUS-UNKNOWN",
        "an unknown previous_interaction_id is treated as no history",
    ),
    # -- keys
    (
        "isolation-leak",
        "AUTH-ISOLATION",
        "any valid key can read, delete and continue any interaction",
    ),
    ("auth-optional", "AUTH-REQUIRED", "requests without an API key are served"),
    ("auth-any-key", "AUTH-INVALID", "any API key is accepted"),
    # -- usage and generation
    ("usage-total-wrong", "USAGE-TOTAL-SUM", "total_tokens is 7 more than the sum of its parts"),
    ("max-tokens-ignored", "GEN-MAX-OUTPUT-TOKENS", "max_output_tokens is not applied"),
    ("temperature-unchecked", "GEN-TEMPERATURE-RANGE", "a temperature outside [0, 2] is accepted"),
    ("image-output-corrupt", "GEN-IMAGE-DECODES", "generated image data is not a PNG"),
    ("base64-unchecked", "MM-BASE64", "media data that is not base64 is accepted"),
    # -- function calling, tools, structured output
    ("function-call-no-id", "FC-CALL-SHAPE", "function_call outputs have no id"),
    (
        "function-call-undeclared",
        "FC-NAME-DECLARED",
        "the function_call names a function that was not declared",
    ),
    (
        "requires-action-as-completed",
        "FC-REQUIRES-ACTION",
        "an interaction ending with a function call says completed",
    ),
    (
        "tool-result-call-id-mismatch",
        "TOOL-RESULT-MATCHES-CALL",
        "built-in tool results carry a call_id no call has",
    ),
    ("structured-invalid-json", "SO-VALID-JSON", "with response_format the final text is not JSON"),
)

# Behaviour new in 2026-11 (emulator/_behaviour.py; spec/2026-11 rules.yaml, the section
# "new in 2026-11 (behaviour)").
FAULTS_2026_11: dict[str, Fault] = _table(
    (
        "deferred-not-queued",
        "QUEUE-DEFERRED",
        "a deferred background request starts in_progress, never queued",
    ),
    (
        "queued-regresses",
        "STATUS-QUEUED-TRANSITIONS",
        "a deferred job goes back to queued after it started",
    ),
    (
        "continuation-no-token",
        "CONT-TOKEN-WITH-STATUS",
        "requires_continuation comes without a continuation_token",
    ),
    (
        "continuation-same-token",
        "CONT-TOKEN-ADVANCES",
        "a continuation hop hands back the token it was sent",
    ),
    (
        "continuation-restarts",
        "CONT-RESUME",
        "a continuation hop decodes from the beginning, not where the last hop stopped",
    ),
    (
        "continuation-ids-sent",
        "CONT-IDS-SDK-ONLY",
        "a continuation hop's Interaction carries continuation_ids, which only the SDK adds",
    ),
    (
        "continuation-owner-unchecked",
        "CONT-TOKEN-OWNER",
        "a continuation_token is accepted with another interaction as previous_interaction_id",
    ),
    ("errors-item-shape", "ERRORS-ITEM", "a failed job's errors item has an integer code"),
    (
        "step-usage-cumulative-wrong",
        "USAGE-STEP-CUMULATIVE",
        "the first step.stop's cumulative usage exceeds the interaction's",
    ),
    (
        "step-usage-exceeds",
        "USAGE-STEP-WITHIN",
        "a step.stop's step_usage is larger than the cumulative usage beside it",
    ),
    (
        "initial-input-too-large",
        "USAGE-INITIAL-INPUT",
        "usage.initial_input_tokens exceeds total_input_tokens",
    ),
    ("safety-unchecked", "SAFETY-ENUMS", "safety_settings with unknown values are accepted"),
    (
        "deprecated-rejected",
        "DEPRECATED-ACCEPTED",
        "response_modalities, temperature and top_p are rejected as deprecated",
    ),
    revisions=("2026-11",),
)
FAULTS.update(FAULTS_2026_11)


class UnknownFaultError(ValueError):
    """A fault name that the table above does not declare."""

    def __init__(self, name: str) -> None:
        known = ", ".join(sorted(FAULTS))
        super().__init__(f"unknown fault mode {name!r}; known fault modes: {known}")
        self.name = name


class Faults:
    """The set of fault modes a server runs with; validated eagerly."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.names = frozenset(names)
        for name in self.names:
            if name not in FAULTS:
                raise UnknownFaultError(name)

    def on(self, name: str) -> bool:
        if name not in FAULTS:  # a typo in the emulator itself must not pass silently
            raise UnknownFaultError(name)
        return name in self.names

    def __bool__(self) -> bool:
        return bool(self.names)

    def __repr__(self) -> str:
        return f"Faults({sorted(self.names)!r})"
