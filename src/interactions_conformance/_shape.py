"""Which revision traffic is in, read from its shape when nothing else says.

A cassette names its revision in its metadata and an SDK 2.x client sends ``Api-Revision``;
a HAR file, a JSON Lines log or today's SDKs (no header) say nothing. Their shape still
tells the two eras of the wire apart (``check`` and the proxy use this):

* **2025-12**: an Interaction with ``outputs``; ``interaction.start`` / ``content.*`` /
  ``interaction.complete`` events; a request with turns (``role``), ``response_mime_type``
  or ``generation_config.image_config`` (``_wire.legacy_request_fields``);
* **steps**: an Interaction with ``steps``; ``interaction.created`` / ``step.*`` /
  ``interaction.completed`` events; a request whose input holds steps (``user_input``, ...)
  or whose ``response_format`` is typed (``{"type": "text", ...}``). Steps mean the newest
  revision: 2026-05 and 2026-11 share the wire, and only the header ``2026-05-20`` names
  2026-05 (``_wire.revision_for_header``).

Responses are read before requests (a request in the old shape sent to today's API gets
today's answer, LEGACY-REJECTED), and the first exchange that shows an era decides. Nothing
decisive (errors only, a DELETE's ``{}``, a text-only request): None, and the caller's
default (the newest revision) applies.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from ._spec import DEFAULT_REVISION
from ._sse import parse_sse
from ._traffic import Exchange
from ._wire import (
    CANONICAL_REVISION,
    STEP_REVISIONS,
    is_wire_response_format,
    legacy_request_fields,
)
from .checks._grammar import GRAMMARS

__all__ = ["ShapeGuess", "payload_revision", "request_revision", "revision_by_shape"]

# The newest revision that speaks in steps: what a steps-shaped payload is checked by.
STEPS_REVISION = DEFAULT_REVISION if DEFAULT_REVISION in STEP_REVISIONS else max(STEP_REVISIONS)
_OLD, _NEW = GRAMMARS[CANONICAL_REVISION], GRAMMARS[STEPS_REVISION]
# Event types only one era has (interaction.status_update and error are in both).
_EVENT_ERA = {
    **dict.fromkeys(_OLD.event_types - _NEW.event_types, CANONICAL_REVISION),
    **dict.fromkeys(_NEW.event_types - _OLD.event_types, STEPS_REVISION),
}
_STEP_INPUT_TYPES = frozenset({"user_input", "model_output", "thought"})


@dataclasses.dataclass(frozen=True)
class ShapeGuess:
    """A revision chosen by shape, and what showed it (``"steps" in exchange 1's response``)."""

    revision: str
    reason: str


def payload_revision(payload: Any) -> tuple[str, str] | None:
    """(revision, what showed it) for one response payload: an Interaction or an SSE event."""
    if not isinstance(payload, dict):
        return None
    event_type = payload.get("event_type")
    if isinstance(event_type, str) and event_type in _EVENT_ERA:
        return _EVENT_ERA[event_type], f"a {event_type} event"
    for key, revision in ((_NEW.output_key, STEPS_REVISION), (_OLD.output_key, CANONICAL_REVISION)):
        if isinstance(payload.get(key), list):
            return revision, f'"{key}" in the Interaction'
    inner = payload.get("interaction")  # an event carrying the resource
    if isinstance(inner, dict) and inner is not payload:
        return payload_revision(inner)
    return None


def request_revision(body: Any) -> tuple[str, str] | None:
    """(revision, what showed it) for a create request body, or None when both eras accept it."""
    if not isinstance(body, dict):
        return None
    legacy = legacy_request_fields(body)
    if legacy:
        return CANONICAL_REVISION, f"{legacy[0]} in the request"
    items = body.get("input")
    if isinstance(items, list) and any(
        isinstance(i, dict) and i.get("type") in _STEP_INPUT_TYPES for i in items
    ):
        return STEPS_REVISION, "steps in the request's input"
    if is_wire_response_format(body.get("response_format")):
        return STEPS_REVISION, "a typed response_format in the request"
    return None


def _response_payloads(exchange: Exchange) -> list[Any]:
    response = exchange.response
    if response.is_stream:
        return parse_sse(response.chunks if response.chunks is not None else response.body).payloads
    return [response.json()]


def revision_by_shape(exchanges: Iterable[Exchange]) -> ShapeGuess | None:
    """The revision the exchanges' shape shows (responses first, then requests), or None.

    One pass that stops at the first response that shows an era, so that `check` can ask it of
    a file as it is read (a request that shows one is kept in case no response does)."""
    by_request: ShapeGuess | None = None
    for number, exchange in enumerate(exchanges):
        for payload in _response_payloads(exchange):
            found = payload_revision(payload)
            if found:
                return ShapeGuess(found[0], f"{found[1]} of exchange {number}'s response")
        if by_request is None:
            found = request_revision(exchange.request.json())
            if found:
                by_request = ShapeGuess(found[0], f"{found[1]} of exchange {number}")
    return by_request
