"""The emulator's HTTP surface: Starlette routes over the store, the engine and the clock.

Routes (API-SURFACE 1; G17 for files), each under ``/v1beta`` and ``/v1`` alike (REV-V1-PATH):

* ``POST /v1beta/interactions`` (``stream`` in the body, or ``?alt=sse``)
* ``GET /v1beta/interactions/{id}`` (``stream=true``, ``last_event_id``)
* ``DELETE /v1beta/interactions/{id}``
* ``POST /v1beta/interactions/{id}/cancel``
* ``POST /upload/v1beta/files`` (resumable start, then upload/finalize),
  ``GET``/``DELETE /v1beta/files/{id}``, ``GET /v1beta/files``
* ``GET``/``POST /__emulator/clock`` and ``/__emulator/tier``: test control, only with ``test_control``;
  **not part of the API**.

Every error is ``{"error": {"code": "<snake_case>", "message": "..."}}`` with
the ERRDOC status of its code; an unexpected exception is logged and answered
500 ``api_error`` as a last resort (the tests assert it never happens).

Revisions (REV-HEADER): each interactions request is answered in the revision its
``Api-Revision`` header selects (``_wire.revision_for_header``; no header: the
config's ``revision``, by default the newest, as today's SDKs send none). The engine, the store and the event log think in the
canonical 2025-12 shape; ``_wire`` translates a 2026-05 body in (after it is
validated against that revision's ``create-request``) and every resource and
event out. Faults are applied to the canonical shape first, so a fault breaks
the wire form of either revision.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import dataclasses
import json
import logging
import mimetypes
import os
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from .. import _wire
from .._spec import DEFAULT_REVISION, Revision, load_revision
from . import _behaviour, _engine, _files, _limits, _stream
from ._clock import Clock, iso
from ._faults import Faults
from ._store import InteractionRecord, Store

__all__ = ["DEFAULT_API_KEYS", "RETENTION_SECONDS", "ApiError", "EmulatorConfig", "create_app"]

log = logging.getLogger("interactions_conformance.emulator")

DEFAULT_API_KEYS = ("emulator-key", "emulator-key-2")
REVISIONS = (_wire.CANONICAL_REVISION, *sorted(_wire.STEP_REVISIONS))  # the revisions served
# REV-V1-PATH: v1 (stable since June 2026; google-genai 3.x and @google/genai 3.x post there)
# and v1beta (the docs' curl lines, older SDKs) are one API: same routes, same answers.
API_VERSIONS = ("v1beta", "v1")
RETENTION_SECONDS = {"free": 86400.0, "paid": 55 * 86400.0}  # G21: 1 day free, 55 days paid
EARLY_RETENTION_SECONDS = 3600.0  # fault retention-early-expiry
ENGINE_FAULTS = (
    "function-call-no-id",
    "function-call-undeclared",
    "tool-result-call-id-mismatch",
    "structured-invalid-json",
    "image-output-corrupt",
)
STATUS_OF = {
    "invalid_request": 400,
    "failed_precondition": 400,
    "authentication": 401,
    "permission_denied": 403,
    "not_found": 404,
    "model_not_found": 404,
    "api_error": 500,
}
RPC_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    500: "INTERNAL",
}


@dataclasses.dataclass(frozen=True)
class EmulatorConfig:
    """How an emulator runs. Validated eagerly: a bad value fails here, not at request time."""

    api_keys: tuple[str, ...] = DEFAULT_API_KEYS
    tier: str = "free"  # free | paid: retention 1 day | 55 days
    faults: tuple[str, ...] = ()
    test_control: bool = False  # serve /__emulator/clock (not part of the API)
    db_path: str | None = None  # None: in memory
    agent_seconds: float = 1.5  # how long a deep research job runs
    background_seconds: float = 0.4  # how long a background model job runs
    event_delay: float = 0.0  # pause between streamed events
    # Answered when a request has no Api-Revision (today's SDKs send none): the newest.
    revision: str = DEFAULT_REVISION
    # body size, read time, nesting, uploads (_limits.py)
    limits: _limits.Limits = dataclasses.field(default_factory=_limits.Limits)

    def __post_init__(self) -> None:
        if self.tier not in RETENTION_SECONDS:
            raise ValueError(f"tier must be 'free' or 'paid', got {self.tier!r}")
        if self.revision not in REVISIONS:
            raise ValueError(
                f"revision must be one of {', '.join(REVISIONS)}, got {self.revision!r}"
            )
        if not self.api_keys or not all(isinstance(k, str) and k for k in self.api_keys):
            raise ValueError(f"api_keys must be non-empty strings, got {self.api_keys!r}")
        Faults(self.faults)  # raises UnknownFaultError listing the known names
        for name in ("agent_seconds", "background_seconds", "event_delay"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)!r}")


class ApiError(Exception):
    """A client-visible error: HTTP status from the code (ERRDOC table)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = STATUS_OF[code]


def _field(where: str) -> str:
    """``/tools/0/type`` -> ``tools[0].type``."""
    out = ""
    for part in [p for p in where.split("/") if p]:
        part = part.replace("~1", "/").replace("~0", "~")
        out += f"[{part}]" if part.isdigit() else (f".{part}" if out else part)
    return out


def _new_id() -> str:
    return "v1_" + base64.urlsafe_b64encode(os.urandom(48)).decode().rstrip("=")


class Emulator:
    """The state of one running emulator: config, clock, store, faults, background jobs."""

    def __init__(self, config: EmulatorConfig, clock: Clock | None = None) -> None:
        self.config = config
        self.clock = clock or Clock()
        self.store = Store(config.db_path)
        self.faults = Faults(config.faults)
        self.revisions: dict[str, Revision] = {name: load_revision(name) for name in REVISIONS}
        self.revision: Revision = self.revisions[config.revision]  # the default one
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self.engine_faults = frozenset(n for n in ENGINE_FAULTS if self.faults.on(n))
        self.tier = config.tier  # test control may switch it (POST /__emulator/tier)

    # -- plumbing ---------------------------------------------------------------

    def error_response(self, error: ApiError) -> JSONResponse:
        status, code, message = error.status, error.code, error.message
        if status == 400 and self.faults.on("error-500-on-bad-request"):
            status, code = 500, "api_error"
        if status == 400 and self.faults.on("error-message-vague"):
            message = "Request contains an invalid argument."
        if self.faults.on("error-rpc-envelope"):
            body: dict[str, Any] = {
                "error": {
                    "code": status,
                    "message": message,
                    "status": RPC_STATUS.get(status, "UNKNOWN"),
                }
            }
        else:
            body = {"error": {"code": code, "message": message}}
        return JSONResponse(body, status_code=status)

    def auth(self, request: Request) -> str:
        key = request.headers.get("x-goog-api-key") or request.query_params.get("key")
        if not key:
            if self.faults.on("auth-optional"):
                return self.config.api_keys[0]
            raise ApiError(
                "authentication",
                "API key is missing: pass it in the x-goog-api-key header or the key query parameter.",
            )
        if key not in self.config.api_keys and not self.faults.on("auth-any-key"):
            raise ApiError("authentication", "API key not valid. Please pass a valid API key.")
        return key

    def retention(self) -> float:
        if self.faults.on("retention-never-expires"):
            return float("inf")
        if self.faults.on("retention-early-expiry"):
            return EARLY_RETENTION_SECONDS
        return RETENTION_SECONDS[self.tier]

    def record(self, interaction_id: str, key: str) -> InteractionRecord | None:
        """A live record of this key (None when absent, another key's, or expired)."""
        owner = None if self.faults.on("isolation-leak") else key
        record = self.store.get(interaction_id, owner)
        if record is None:
            return None
        if self.clock.now() - record.created > self.retention():
            self.store.delete(record.id)
            return None
        return record

    def wire_revision(self, request: Request) -> str:
        """The revision a request is answered in (REV-HEADER): its Api-Revision header's."""
        try:
            return _wire.revision_for_header(
                request.headers.get(_wire.REVISION_HEADER), self.config.revision
            )
        except ValueError as exc:
            raise ApiError("invalid_request", str(exc)) from None

    def render(
        self,
        resource: dict[str, Any],
        revision: str = _wire.CANONICAL_REVISION,
        *,
        input_steps: list[Any] | None = None,
    ) -> dict[str, Any]:
        """The wire form of a resource in ``revision``, with the representation faults applied
        (to the canonical shape, before translation). ``input_steps``: a GET's user_input steps."""
        out = self.faulted(resource)
        if revision == _wire.CANONICAL_REVISION:
            out.pop("service_tier", None)  # a 2026-05 field (SERVICE-TIER), kept in the store
            canonical: dict[str, Any] = _wire.interaction_to_wire(out, revision)  # statuses
            return canonical
        wire: dict[str, Any] = _wire.interaction_to_wire(out, revision, input_steps=input_steps)
        return wire

    def faulted(self, resource: dict[str, Any]) -> dict[str, Any]:
        """A copy of a canonical resource with the representation faults applied."""
        out: dict[str, Any] = json.loads(json.dumps(resource))
        if self.faults.on("status-bad-enum") and out.get("status") == "completed":
            out["status"] = "done"
        if self.faults.on("usage-negative") and isinstance(out.get("usage"), dict):
            out["usage"]["total_cached_tokens"] = -1
        if self.faults.on("usage-total-wrong") and isinstance(out.get("usage"), dict):
            out["usage"]["total_tokens"] = int(out["usage"].get("total_tokens", 0)) + 7
        if self.faults.on("missing-object-fields"):
            out.pop("id", None)
            out.pop("status", None)
        if self.faults.on("content-bad-type"):
            for content in out.get("outputs", []):
                if content.get("type") == "text":
                    content["text"] = 42
                    break
        if self.faults.on("timestamps-not-utc"):
            for key in ("created", "updated"):
                if isinstance(out.get(key), str):
                    out[key] = out[key].replace("T", " ").rstrip("Z")
        if self.faults.on("object-wrong") and "object" in out:
            out["object"] = "response"
        return out

    def render_events(
        self,
        events: list[dict[str, Any]],
        *,
        first: bool,
        revision: str = _wire.CANONICAL_REVISION,
    ) -> list[dict[str, Any]]:
        """Log events as sent in ``revision``: faults on the canonical events, then translated
        one for one (event ids are the same in every revision)."""
        faults = self.faults
        steps = revision != _wire.CANONICAL_REVISION
        if steps and faults.on("stream-delta-wrong-type"):
            # an image delta is fine in a model_output step: the steps form gets its own below
            faults = Faults(faults.names - {"stream-delta-wrong-type"})
        out = _stream.apply_stream_faults(events, faults, first=first)
        for event in out:
            if event.get("event_type") == "interaction.complete":
                event["interaction"] = self.faulted(event["interaction"])
                if not steps:
                    event["interaction"].pop("service_tier", None)
        wire: list[dict[str, Any]] = _wire.events_to_wire(out, revision)
        if not steps:
            return wire
        if self.faults.on("stream-delta-wrong-type"):
            for event in wire:
                delta = event.get("delta")
                if isinstance(delta, dict) and delta.get("type") == "text":
                    event["delta"] = {"type": "arguments_delta", "arguments": "{}"}
                    break
        return wire

    def stamp(self, interaction_id: str | None, events: list[dict[str, Any]], start: int) -> None:
        for i, event in enumerate(events):
            event["event_id"] = _stream.event_id(start + i)
        if interaction_id is not None:
            self.store.append_events(interaction_id, events)

    # -- request checks -----------------------------------------------------------

    def check_schema(self, body: dict[str, Any], revision: str) -> None:
        result = self.revisions[revision].validate(body, "create-request", strict=True)
        skip = set()
        if self.faults.on("temperature-unchecked"):
            skip.add("GEN-TEMPERATURE-RANGE")
        if self.faults.on("base64-unchecked"):
            skip.add("MM-BASE64")
        violations = [v for v in result.violations if v.rule not in skip]
        if self.faults.on("unknown-field-accepted"):  # unknown names only: closed enums stay closed
            violations = [
                v
                for v in violations
                if not v.schema_path.endswith(("/additionalProperties", "/unevaluatedProperties"))
            ]
        if not violations:
            return
        violations.sort(key=lambda v: (v.rule == "SCHEMA-STRICT", -v.where.count("/")))
        first = violations[0]
        field = _field(first.where)
        if first.rule == "SCHEMA-STRICT":
            raise ApiError(
                "invalid_request",
                f"Invalid JSON payload received. Unknown name \"{field.rsplit('.', 1)[-1]}\" at '{field}': Cannot find field.",
            )
        if (
            first.rule == "MM-DATA-OR-URI"
        ):  # name what is missing, not only where (ERR-MESSAGE-FIELD)
            raise ApiError(
                "invalid_request",
                f"Invalid value at '{field}': a media content needs 'data' or 'uri' and has neither.",
            )
        where = f" at '{field}'" if field else ""
        raise ApiError("invalid_request", f"Invalid value{where}: {first.message}")

    def prepare(
        self, body: dict[str, Any], key: str, revision: str = _wire.CANONICAL_REVISION
    ) -> dict[str, Any]:
        """Check a create body beyond its schema; return what the engine and store need.

        A body of a steps revision is checked against that revision's schema, then
        translated to the canonical shape (``_wire.request_from_wire``) for the rest.
        """
        steps = revision != _wire.CANONICAL_REVISION
        newer = revision in _behaviour.REVISIONS  # the 2026-11 behaviour (_behaviour.py)
        try:
            extras = _behaviour.take_request_fields(body, self.faults) if newer else {}
        except _behaviour.RequestProblem as exc:
            raise ApiError("invalid_request", str(exc)) from None
        if steps and _wire.legacy_request_fields(body):
            # REQ-NO-LEGACY-FIELDS, LEGACY-REJECTED: the recorded answer to a legacy body
            raise ApiError("invalid_request", _wire.LEGACY_SCHEMA_MESSAGE)
        if "model" in body and "agent" in body:
            raise ApiError(
                "invalid_request",
                "Exactly one of 'model' and 'agent' may be set; the request sets both.",
            )
        if "model" not in body and "agent" not in body:
            raise ApiError("invalid_request", "One of 'model' and 'agent' is required.")
        if "input" not in body:
            raise ApiError("invalid_request", "'input' is required.")
        self.check_schema(body, revision)
        tier = body.get("service_tier") if steps else None
        if steps:
            body = _wire.request_from_wire(body, revision)
            if _wire.is_wire_response_format(body.get("response_format")):
                body.pop("response_format")  # audio or video: no structured output to make
        agent = "agent" in body
        name = str(body["agent"] if agent else body["model"])
        if agent and name not in _engine.AGENTS:
            raise ApiError("invalid_request", f"Invalid value at 'agent': unknown agent '{name}'.")
        if not agent and name not in _engine.MODELS:
            raise ApiError(
                "model_not_found",
                f"Model '{name}' at 'model' is not found or not supported by the Interactions API.",
            )
        background = body.get("background") is True
        store = body.get("store", True) is not False
        if agent and not background and not self.faults.on("agent-foreground-accepted"):
            raise ApiError(
                "invalid_request", "Agents are required to use background=true ('background')."
            )
        if background and not store and not self.faults.on("background-store-false-accepted"):
            raise ApiError(
                "invalid_request",
                "'store' must be true when 'background' is true: background interactions are stored.",
            )
        tools = list(body.get("tools") or [])
        self.check_tools(tools, agent=agent)
        modalities = [str(m).upper() for m in body.get("response_modalities") or []]
        if "IMAGE" in modalities and not _engine.is_image_model(name):
            raise ApiError(
                "invalid_request",
                f"Invalid value at 'response_modalities': model '{name}' cannot output IMAGE.",
            )
        input_turns = self.normalize_input(body["input"], key)
        context, previous = self.context(body.get("previous_interaction_id"), key)
        self.check_function_results(context, input_turns)
        system = body.get("system_instruction")
        prepared = {
            "name": name,
            "agent": agent,
            "background": background,
            "store": store,
            "stream": body.get("stream") is True,
            "previous": previous,
            "context": context,
            "input_turns": input_turns,
            "tools": tools,
            "response_format": body.get("response_format"),
            "response_modalities": list(body.get("response_modalities") or []),
            "generation_config": dict(body.get("generation_config") or {}),
            "system_instruction": system if isinstance(system, str) else "",
            "service_tier": tier if isinstance(tier, str) else "standard",  # SERVICE-TIER
        }
        if newer:
            prepared["newer"] = True
            owner = self.record(previous, key) if previous else None
            try:
                _behaviour.finish_prepare(prepared, extras, owner)
            except _behaviour.RequestProblem as exc:
                raise ApiError("invalid_request", str(exc)) from None
        return prepared

    def check_tools(self, tools: list[dict[str, Any]], *, agent: bool) -> None:
        kinds = set()
        for i, tool in enumerate(tools):
            kind = tool.get("type")
            if kind == "mcp_server":
                kinds.add("mcp")
                if "-" in str(tool.get("name", "")):
                    raise ApiError(
                        "invalid_request",
                        f"Invalid value at 'tools[{i}].name': MCP server names must not contain '-'.",
                    )
            elif kind == "function":
                kinds.add("function")
            elif kind in _engine.BUILTIN_TOOLS:
                kinds.add("builtin")
            if agent and kind in ("function", "mcp_server"):
                raise ApiError(
                    "invalid_request",
                    f"Invalid value at 'tools[{i}].type': agents do not support '{kind}' tools.",
                )
        if "mcp" in kinds and len(kinds) > 1:
            raise ApiError(
                "invalid_request",
                "Invalid value at 'tools': combining remote MCP with function calling or built-in tools in one request is not supported yet.",
            )

    def normalize_input(self, value: Any, key: str) -> list[dict[str, Any]]:
        if isinstance(value, str):
            return [{"role": "user", "content": [{"type": "text", "text": value}]}]
        if isinstance(value, dict):
            return [{"role": "user", "content": [self.check_content(value, "input", key)]}]
        if not isinstance(value, list) or not value:
            raise ApiError(
                "invalid_request",
                "Invalid value at 'input': must be a string, a content, or a non-empty list.",
            )
        if all(isinstance(v, dict) and "role" in v for v in value):
            turns = []
            for i, turn in enumerate(value):
                content = turn.get("content")
                if isinstance(content, str):
                    contents = [{"type": "text", "text": content}]
                elif isinstance(content, list):
                    contents = [
                        self.check_content(c, f"input[{i}].content[{j}]", key)
                        for j, c in enumerate(content)
                    ]
                else:
                    raise ApiError(
                        "invalid_request",
                        f"Invalid value at 'input[{i}].content': must be a string or a list of contents.",
                    )
                turns.append({"role": turn["role"], "content": contents})
            return turns
        if all(isinstance(v, dict) and "type" in v for v in value):
            return [
                {
                    "role": "user",
                    "content": [
                        self.check_content(c, f"input[{j}]", key) for j, c in enumerate(value)
                    ],
                }
            ]
        raise ApiError(
            "invalid_request",
            "Invalid value at 'input': a list must hold only turns or only contents.",
        )

    def check_content(self, content: Any, where: str, key: str) -> dict[str, Any]:
        if not isinstance(content, dict):
            raise ApiError(
                "invalid_request", f"Invalid value at '{where}': a content must be an object."
            )
        content = {str(k): v for k, v in content.items() if v is not None}
        checked: dict[str, Any] = content
        if content.get("type") not in _engine.MEDIA_TYPES:
            return checked
        data, uri = content.get("data"), content.get("uri")
        if data is None and uri is None:
            raise ApiError(
                "invalid_request",
                f"Invalid value at '{where}': a {content['type']} content needs 'data' or 'uri'.",
            )
        if isinstance(data, str) and not self.faults.on("base64-unchecked"):
            try:
                base64.b64decode(data, validate=True)
            except (binascii.Error, ValueError):
                raise ApiError(
                    "invalid_request", f"Invalid value at '{where}.data': not valid base64."
                ) from None
        if isinstance(uri, str):
            name = _files.file_name_from_uri(uri)
            if name is not None:
                record = self.store.get_file(name, key)
                if record is None or self.clock.now() - record.created > _files.FILE_TTL_SECONDS:
                    raise ApiError(
                        "invalid_request",
                        f"Invalid value at '{where}.uri': file '{name}' does not exist or is not accessible.",
                    )
                content.setdefault("mime_type", record.meta.get("mimeType"))
            elif not uri.startswith(("https://", "http://", "gs://")):
                raise ApiError(
                    "invalid_request",
                    f"Invalid value at '{where}.uri': expected an https URL or a Files API URI.",
                )
            elif "mime_type" not in content:
                guessed = mimetypes.guess_type(uri.split("?", 1)[0])[0]
                if guessed:
                    content["mime_type"] = guessed
        return checked

    def context(self, previous_id: Any, key: str) -> tuple[list[dict[str, Any]], str | None]:
        """The turns of the previous_interaction_id chain, oldest first."""
        if previous_id is None:
            return [], None
        record = self.record(str(previous_id), key)
        if record is None:
            if self.faults.on("previous-unknown-accepted"):
                return [], None
            raise ApiError(
                "not_found",
                f"Interaction '{previous_id}' given as 'previous_interaction_id' was not found.",
            )
        if record.resource.get("status") in _behaviour.RUNNING:
            raise ApiError(
                "failed_precondition",
                f"Interaction '{previous_id}' given as 'previous_interaction_id' is still in progress.",
            )
        if self.faults.on("previous-ignored"):
            return [], record.id
        chain = [record]
        while (
            not self.faults.on("chain-not-transitive")
            and chain[-1].previous_id
            and len(chain) < 1000
        ):
            earlier = self.record(chain[-1].previous_id, key)
            if earlier is None:
                break
            chain.append(earlier)
        turns = [turn for r in reversed(chain) for turn in r.turns]
        return turns, record.id

    def check_function_results(
        self, context: list[dict[str, Any]], turns: list[dict[str, Any]]
    ) -> None:
        calls = {
            c.get("id")
            for t in [*context, *turns]
            for c in t["content"]
            if c.get("type") == "function_call"
        }
        for i, turn in enumerate(turns):
            for j, content in enumerate(turn["content"]):
                if content.get("type") == "function_result" and content.get("call_id") not in calls:
                    raise ApiError(
                        "invalid_request",
                        f"Invalid value at 'input[{i}].content[{j}].call_id': no function_call with id "
                        f"'{content.get('call_id')}' is pending in this conversation.",
                    )

    # -- generation -----------------------------------------------------------------

    def prompt(self, prepared: dict[str, Any]) -> _engine.Prompt:
        return _engine.Prompt(
            model=prepared["name"],
            turns=[*prepared["context"], *prepared["input_turns"]],
            cached_turns=len(prepared["context"]),
            tools=prepared["tools"],
            response_format=prepared["response_format"],
            response_modalities=prepared["response_modalities"],
            generation_config=prepared["generation_config"],
            system_instruction=prepared["system_instruction"],
            agent=prepared["agent"],
            ignore_max_tokens=self.faults.on("max-tokens-ignored"),
        )

    def generate(self, prepared: dict[str, Any]) -> _engine.Generation:
        generation = _engine.generate(self.prompt(prepared), faults=self.engine_faults)
        if generation.status == "requires_action" and self.faults.on(
            "requires-action-as-completed"
        ):
            generation.status = "completed"
        return generation

    def base_resource(
        self, prepared: dict[str, Any], interaction_id: str | None, now: float
    ) -> dict[str, Any]:
        resource: dict[str, Any] = {}
        if interaction_id is not None:
            resource["id"] = interaction_id
        resource["status"] = "in_progress"
        resource["role"] = "agent" if prepared["agent"] else "model"
        resource["created"] = resource["updated"] = iso(now)
        resource["service_tier"] = prepared.get("service_tier", "standard")
        resource["object"] = "interaction"
        resource["agent" if prepared["agent"] else "model"] = prepared["name"]
        return resource

    def finish(
        self, resource: dict[str, Any], generation: _engine.Generation, now: float
    ) -> dict[str, Any]:
        done = {k: v for k, v in resource.items() if k not in ("outputs", "usage")}
        done["status"] = generation.status
        done["updated"] = iso(now)
        ordered: dict[str, Any] = {k: done[k] for k in ("id", "status") if k in done}
        ordered["outputs"] = generation.outputs
        ordered["usage"] = generation.usage
        ordered.update({k: v for k, v in done.items() if k not in ordered})
        return ordered

    async def run_job(self, interaction_id: str) -> None:
        """A background interaction: wait, generate, log the events, update the resource."""
        try:
            record = self.store.get(interaction_id, None)
            if record is None:
                return
            prepared = record.request
            if record.resource.get("status") == "queued":
                await _behaviour.leave_queue(self, interaction_id)
            delay = (
                self.config.agent_seconds if prepared["agent"] else self.config.background_seconds
            )
            waited = 0.0
            while waited < delay:
                await asyncio.sleep(min(0.05, delay - waited))
                waited += 0.05
            record = self.store.get(interaction_id, None)
            if record is None or record.resource.get("status") != "in_progress":
                return
            if prepared.get("newer") and _behaviour.fails(prepared):
                raise _behaviour.JobFailure(interaction_id)
            generation = self.generate(prepared)
            resource = self.finish(record.resource, generation, self.clock.now())
            events = [
                *_stream.content_events(generation.outputs, generation.usage),
                _stream.terminal_event(resource),
            ]
            self.stamp(interaction_id, events, self.store.event_count(interaction_id))
            turns = [*prepared["input_turns"], {"role": "model", "content": generation.outputs}]
            self.store.update(interaction_id, resource, turns)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if not isinstance(exc, _behaviour.JobFailure):
                log.exception("background job %s failed", interaction_id)
            record = self.store.get(interaction_id, None)
            if record is not None and record.resource.get("status") == "in_progress":
                failed = record.resource | {"status": "failed", "updated": iso(self.clock.now())}
                if record.request.get("newer"):  # ERRORS-ITEM
                    failed["errors"] = _behaviour.job_errors(self.faults)
                self.store.update(interaction_id, failed)
                error = {
                    "event_type": "error",
                    "error": {"code": "api_error", "message": "the job failed"},
                }
                self.stamp(interaction_id, [error], self.store.event_count(interaction_id))
        finally:
            self.tasks.pop(interaction_id, None)

    def schedule(self, interaction_id: str) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(self.run_job(interaction_id))
        self.tasks[interaction_id] = task
        return task

    # -- streaming ----------------------------------------------------------------

    def sse(self, body: AsyncIterator[bytes]) -> StreamingResponse:
        media = "text/plain" if self.faults.on("sse-wrong-content-type") else "text/event-stream"
        return StreamingResponse(body, media_type=media, headers={"cache-control": "no-cache"})

    async def send_list(self, events: list[dict[str, Any]], revision: str) -> AsyncIterator[bytes]:
        for event in self.render_events(events, first=True, revision=revision):
            yield _stream.frame([event], self.faults, done=False)
            await asyncio.sleep(self.config.event_delay)
        yield _stream.frame([], self.faults, done=True)

    async def tail(
        self,
        interaction_id: str,
        start: int,
        *,
        resume: bool = False,
        revision: str = _wire.CANONICAL_REVISION,
    ) -> AsyncIterator[bytes]:
        """The log of one interaction from ``start``, following it until its terminal event."""
        position, first = start, True
        try:
            while True:
                events = self.store.events(interaction_id, position)
                if events:
                    position += len(events)
                    chunk = self.render_events(
                        events, first=first and start == 0, revision=revision
                    )
                    if resume and first and chunk and self.faults.on("resume-duplicates"):
                        chunk.insert(0, json.loads(json.dumps(chunk[0])))
                    for event in chunk:
                        yield _stream.frame([event], self.faults, done=False)
                        await asyncio.sleep(self.config.event_delay)
                    first = False
                    if any(e["event_type"] in _stream.TERMINAL for e in events):
                        yield _stream.frame([], self.faults, done=True)
                        return
                    continue
                current = self.store.get(interaction_id, None)
                if current is not None and current.resource.get("status") not in _behaviour.RUNNING:
                    # finished: its whole log was written first (a resume after the last event)
                    yield _stream.frame([], self.faults, done=True)
                    return
                if current is None:
                    error = {
                        "event_type": "error",
                        "error": {
                            "code": "not_found",
                            "message": f"Interaction '{interaction_id}' was deleted.",
                        },
                    }
                    yield _stream.frame([error], self.faults, done=True)
                    return
                await asyncio.sleep(0.02)
        except asyncio.CancelledError:
            raise
        except Exception:  # the headers are sent: report in-band
            log.exception("stream of %s failed", interaction_id)
            error = {
                "event_type": "error",
                "error": {"code": "api_error", "message": "the stream failed"},
            }
            yield _stream.frame([error], self.faults, done=True)

    # -- routes -----------------------------------------------------------------------

    async def create(self, request: Request) -> Response:
        key = self.auth(request)
        revision = self.wire_revision(request)
        raw = await request.body()
        try:
            body = _limits.loads(raw, self.config.limits)  # Rejected: too deep, surrogates, NaN
        except (ValueError, UnicodeDecodeError):
            if not self.faults.on("malformed-json-accepted"):
                raise ApiError(
                    "invalid_request", "Invalid JSON payload received: the body is not JSON."
                ) from None
            body = {
                "model": "gemini-2.5-flash-lite",
                "input": raw.decode("utf-8", "replace") or "hi",
            }
        if not isinstance(body, dict):
            raise ApiError(
                "invalid_request", "Invalid JSON payload received: the body must be a JSON object."
            )
        prepared = self.prepare(body, key, revision)
        stream = prepared["stream"] or request.query_params.get("alt") == "sse"
        now = self.clock.now()
        if prepared["background"]:
            interaction_id = _new_id()
            resource = self.base_resource(prepared, interaction_id, now)
            first = _behaviour.queue(resource, prepared, self.faults)  # queued when deferred
            record = InteractionRecord(
                id=interaction_id,
                api_key=key,
                created=now,
                resource=resource,
                turns=prepared["input_turns"],
                request=prepared,
                previous_id=prepared["previous"],
                background=True,
            )
            self.store.put(record)
            self.stamp(interaction_id, _stream.head_events(resource, first), 0)
            task = self.schedule(interaction_id)
            if self.faults.on("background-blocks"):
                await asyncio.shield(task)
                done = self.store.get(interaction_id, None)
                resource = done.resource if done else resource
            if stream:
                return self.sse(self.tail(interaction_id, 0, revision=revision))
            return JSONResponse(self.render(resource, revision))
        stored = prepared["store"] or self.faults.on("store-false-retrievable")
        stored_id = _new_id() if stored else None
        generation = self.generate(prepared)
        try:  # the decode limit and continuation hops (2026-11)
            extra = _behaviour.after_generate(prepared, generation, stored_id, self.faults)
        except _behaviour.RequestProblem as exc:
            raise ApiError("invalid_request", str(exc)) from None
        resource = self.finish(self.base_resource(prepared, stored_id, now), generation, now)
        resource.update(extra)
        events = [
            *_stream.head_events(resource),
            *_stream.content_events(generation.outputs, generation.usage),
            _stream.terminal_event(resource),
        ]
        if stored_id is not None:
            record = InteractionRecord(
                id=stored_id,
                api_key=key,
                created=now,
                resource=resource,
                turns=[*prepared["input_turns"], {"role": "model", "content": generation.outputs}],
                request=prepared,
                previous_id=prepared["previous"],
            )
            self.store.put(record)
        self.stamp(stored_id, events, 0)
        if stream:
            return self.sse(self.send_list(events, revision))
        return JSONResponse(self.render(resource, revision))

    async def get(self, request: Request) -> Response:
        key = self.auth(request)
        revision = self.wire_revision(request)
        interaction_id = request.path_params["id"]
        record = self.record(interaction_id, key)
        if record is None:
            raise ApiError("not_found", f"Interaction '{interaction_id}' was not found.")
        query = request.query_params
        stream_value = query.get("stream", "false").lower()
        if stream_value not in ("true", "false", "1", "0"):
            raise ApiError(
                "invalid_request",
                f"Invalid value at 'stream': {query.get('stream')!r} is not a boolean.",
            )
        stream = stream_value in ("true", "1") or query.get("alt") == "sse"
        last = query.get("last_event_id")
        if last is not None and not stream:
            raise ApiError(
                "invalid_request", "'last_event_id' can only be used when 'stream' is true."
            )
        if not stream:
            return JSONResponse(
                self.render(
                    record.resource, revision, input_steps=self.input_steps(record, revision, query)
                )
            )
        start = 0
        if last is not None:
            position = _stream.number(last)
            if position is None or position >= self.store.event_count(record.id):
                raise ApiError(
                    "invalid_request",
                    f"Invalid value at 'last_event_id': '{last}' is not an event of interaction '{record.id}'.",
                )
            start = position + 1
            if self.faults.on("resume-off-by-one"):
                start = position
            if self.faults.on("resume-from-start"):
                start = 0
        return self.sse(self.tail(record.id, start, resume=last is not None, revision=revision))

    def input_steps(self, record: InteractionRecord, revision: str, query: Any) -> list[Any] | None:
        """A GET's user_input steps (POST-STEPS-NO-INPUT): this interaction's input, as steps,
        unless ``include_input`` is false. None in the canonical revision (no steps)."""
        if revision == _wire.CANONICAL_REVISION:
            return None
        include = str(query.get("include_input", "true")).lower()
        if include not in ("true", "false", "1", "0"):
            raise ApiError(
                "invalid_request",
                f"Invalid value at 'include_input': {query.get('include_input')!r} is not a boolean.",
            )
        if include in ("false", "0"):
            return None
        steps: list[Any] = _wire.turns_to_steps(list(record.request.get("input_turns") or []))
        return steps

    async def delete(self, request: Request) -> Response:
        key = self.auth(request)
        self.wire_revision(request)  # a bad Api-Revision is refused here too
        interaction_id = request.path_params["id"]
        record = self.record(interaction_id, key)
        if record is None:
            raise ApiError("not_found", f"Interaction '{interaction_id}' was not found.")
        if not self.faults.on("delete-noop"):
            self.store.delete(record.id)
        return JSONResponse({})

    async def cancel(self, request: Request) -> Response:
        key = self.auth(request)
        revision = self.wire_revision(request)
        interaction_id = request.path_params["id"]
        record = self.record(interaction_id, key)
        if record is None:
            raise ApiError("not_found", f"Interaction '{interaction_id}' was not found.")
        status = record.resource.get("status")
        if not record.background or status not in _behaviour.RUNNING:
            kind = "background" if record.background else "foreground"
            raise ApiError(
                "failed_precondition",
                f"Interaction '{interaction_id}' is a {kind} interaction with status '{status}': "
                "only a running background interaction can be cancelled.",
            )
        if self.faults.on("cancel-ignored"):
            return JSONResponse(self.render(record.resource, revision))
        resource = {k: v for k, v in record.resource.items() if k not in ("outputs", "usage")}
        resource["status"] = "cancelled"
        resource["updated"] = iso(self.clock.now())
        self.store.update(record.id, resource)
        update = {
            "event_type": "interaction.status_update",
            "interaction_id": record.id,
            "status": "cancelled",
        }
        self.stamp(
            record.id, [update, _stream.terminal_event(resource)], self.store.event_count(record.id)
        )
        task = self.tasks.pop(record.id, None)
        if task is not None:
            task.cancel()
        return JSONResponse(self.render(resource, revision))

    # -- files ----------------------------------------------------------------------

    async def upload(self, request: Request) -> Response:
        upload_id = request.path_params.get("upload_id") or request.query_params.get("upload_id")
        base = str(request.base_url).rstrip("/")
        command = request.headers.get("x-goog-upload-command", "").lower()
        if upload_id is None:
            key = self.auth(request)
            if (
                request.headers.get("x-goog-upload-protocol", "").lower() != "resumable"
                or command != "start"
            ):
                raise ApiError(
                    "invalid_request",
                    "Only the resumable upload protocol is supported: send X-Goog-Upload-Protocol: resumable "
                    "and X-Goog-Upload-Command: start.",
                )
            try:
                body = _limits.loads(await request.body() or b"{}", self.config.limits)
            except ValueError:
                raise ApiError(
                    "invalid_request", "Invalid JSON payload received: the body is not JSON."
                ) from None
            file = body.get("file", {}) if isinstance(body, dict) else {}
            file = file if isinstance(file, dict) else {}
            meta = {
                "name": file.get("name"),
                "displayName": file.get("displayName") or file.get("display_name"),
                "mimeType": request.headers.get("x-goog-upload-header-content-type")
                or file.get("mimeType")
                or file.get("mime_type"),
            }
            new_id = _files.new_upload_id()
            self.store.put_upload(new_id, key, meta)
            version = request.url.path.split("/")[2]  # /upload/<version>/files: answer in kind
            url = f"{base}/upload/{version}/files/{new_id}?upload_protocol=resumable"
            headers = {"X-Goog-Upload-URL": url, "X-Goog-Upload-Status": "active"}
            return Response(b"", headers=headers)  # the live start answer has headers only
        found = self.store.get_upload(upload_id)
        if found is None:
            raise ApiError("not_found", f"Upload '{upload_id}' was not found.")
        owner, meta, data = found
        offset = request.headers.get("x-goog-upload-offset") or str(len(data))
        if offset != str(len(data)):
            raise ApiError(
                "invalid_request",
                f"Invalid value at 'X-Goog-Upload-Offset': expected {len(data)}, got {offset}.",
            )
        if "upload" not in command:
            raise ApiError(
                "invalid_request",
                "Invalid value at 'X-Goog-Upload-Command': expected 'upload' or 'upload, finalize'.",
            )
        chunk = await request.body()
        if len(data) + len(chunk) > self.config.limits.max_upload_bytes:
            raise ApiError(
                "invalid_request",
                f"Invalid request: an upload holds at most {self.config.limits.max_upload_bytes} bytes.",
            )
        self.store.append_upload(upload_id, chunk)
        if "finalize" not in command:
            return Response(b"", headers={"X-Goog-Upload-Status": "active"})
        found = self.store.get_upload(upload_id)
        assert found is not None
        record = _files.new_file(
            self.store, api_key=owner, meta=meta, data=found[2], now=self.clock.now(), base_url=base
        )
        self.store.delete_upload(upload_id)
        return JSONResponse({"file": record.meta}, headers={"X-Goog-Upload-Status": "final"})

    def file_record(self, request: Request) -> Any:
        key = self.auth(request)
        name = f"files/{request.path_params['name']}"
        record = self.store.get_file(name, key)
        if record is None or self.clock.now() - record.created > _files.FILE_TTL_SECONDS:
            raise ApiError("not_found", f"File '{name}' was not found.")
        return record

    async def get_file(self, request: Request) -> Response:
        return JSONResponse(self.file_record(request).meta)

    async def delete_file(self, request: Request) -> Response:
        self.store.delete_file(self.file_record(request).name)
        return JSONResponse({})

    async def list_files(self, request: Request) -> Response:
        key = self.auth(request)
        return JSONResponse({"files": [f.meta for f in self.store.list_files(key)]})

    # -- test control (not part of the API) -----------------------------------------------

    async def clock_route(self, request: Request) -> Response:
        if not self.config.test_control:
            raise ApiError("not_found", "No such route (test control is off).")
        if request.method == "POST":
            try:
                body = _limits.loads(await request.body() or b"{}", self.config.limits)
                self.clock.advance(_limits.advance_seconds(body))  # Rejected: NaN, 1e308, a list
            except (ValueError, KeyError, TypeError) as exc:
                raise ApiError(
                    "invalid_request", f"Invalid value at 'advance_seconds': {exc}"
                ) from None
        return JSONResponse({"now": iso(self.clock.now()), "epoch_seconds": self.clock.now()})

    async def tier_route(self, request: Request) -> Response:
        """Test control: switch the retention tier (free 1 day, paid 55 days) for the whole store."""
        if not self.config.test_control:
            raise ApiError("not_found", "No such route (test control is off).")
        if request.method == "POST":
            try:
                body = _limits.loads(await request.body() or b"{}", self.config.limits)
                tier = _limits.tier(body)  # Rejected: a list, a number
            except (ValueError, KeyError, TypeError) as exc:
                raise ApiError("invalid_request", f"Invalid value at 'tier': {exc}") from None
            if tier not in RETENTION_SECONDS:
                raise ApiError(
                    "invalid_request", f"Invalid value at 'tier': {tier!r} is not free or paid."
                )
            self.tier = tier
        return JSONResponse({"tier": self.tier, "retention_seconds": RETENTION_SECONDS[self.tier]})

    # -- lifecycle --------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        for interaction_id in self.store.running_background():
            if interaction_id not in self.tasks:
                self.schedule(interaction_id)
        try:
            yield
        finally:
            for task in list(self.tasks.values()):
                task.cancel()
            self.tasks.clear()


def _wrap(
    emulator: Emulator, handler: Callable[[Request], Coroutine[Any, Any, Response]]
) -> Callable[[Request], Coroutine[Any, Any, Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except ApiError as error:
            return emulator.error_response(error)
        except _limits.Rejected as rejected:  # input past a documented limit (_limits.py)
            return emulator.error_response(ApiError("invalid_request", str(rejected)))

    return endpoint


def create_app(config: EmulatorConfig | None = None, *, clock: Clock | None = None) -> Starlette:
    """The emulator as an ASGI app. ``app.state.emulator`` holds its state (tests peek at it)."""
    emulator = Emulator(config or EmulatorConfig(), clock)
    w = emulator
    routes = [
        route
        for version in API_VERSIONS  # REV-V1-PATH: the same API under each version
        for route in (
            Route(f"/{version}/interactions", _wrap(w, w.create), methods=["POST"]),
            Route(f"/{version}/interactions/{{id}}", _wrap(w, w.get), methods=["GET"]),
            Route(f"/{version}/interactions/{{id}}", _wrap(w, w.delete), methods=["DELETE"]),
            Route(f"/{version}/interactions/{{id}}/cancel", _wrap(w, w.cancel), methods=["POST"]),
            Route(f"/upload/{version}/files", _wrap(w, w.upload), methods=["POST"]),
            Route(f"/upload/{version}/files/{{upload_id}}", _wrap(w, w.upload), methods=["POST"]),
            Route(f"/{version}/files", _wrap(w, w.list_files), methods=["GET"]),
            Route(f"/{version}/files/{{name}}", _wrap(w, w.get_file), methods=["GET"]),
            Route(f"/{version}/files/{{name}}", _wrap(w, w.delete_file), methods=["DELETE"]),
        )
    ] + [
        Route("/__emulator/clock", _wrap(w, w.clock_route), methods=["GET", "POST"]),
        Route("/__emulator/tier", _wrap(w, w.tier_route), methods=["GET", "POST"]),
    ]

    async def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 404
        if status == 405:
            message = f"Method {request.method} is not allowed on {request.url.path}."
            return JSONResponse(
                {"error": {"code": "invalid_request", "message": message}}, status_code=400
            )
        return emulator.error_response(
            ApiError("not_found", f"No route for {request.method} {request.url.path}.")
        )

    async def crash(request: Request, exc: Exception) -> Response:
        log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        body = {"error": {"code": "api_error", "message": f"Internal error: {type(exc).__name__}"}}
        return JSONResponse(body, status_code=500)

    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: http_error, Exception: crash},
        lifespan=emulator.lifespan,
    )
    app.state.emulator = emulator
    app.router.redirect_slashes = False  # a trailing slash is a 404 in the error body, no 307
    app.add_middleware(  # body size and read time, answered in the error body
        _limits.guard,
        limits=emulator.config.limits,
        answer=lambda message: emulator.error_response(ApiError("invalid_request", message)),
    )
    return app
