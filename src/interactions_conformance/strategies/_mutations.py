"""Near-valid create requests: a valid request with exactly one mutation, and the rule it breaks.

Each mutation is declared once in `MUTATIONS` with the rule a server breaks
when it accepts the result, the statuses the rule documents, and the
request field the error message must name (ERR-MESSAGE-FIELD). Where the
rule is a schema constraint, the label is the schema's own: the mutated body
is validated against ``create-request`` and the ``x-rule`` of the failing
subschema is the rule (so a wrong-typed ``temperature`` is
GEN-TEMPERATURE-RANGE and a wrong-typed ``response_format`` SO-SCHEMA-TYPE,
exactly as the checker would say). The rest are server rules the schema
cannot express (model XOR agent, store with background, base64 that must
decode, unknown ids, a body that is not JSON).
"""

from __future__ import annotations

import copy
import dataclasses
import json
from typing import Any

from hypothesis import strategies as st

from ._requests import MEDIA, SAMPLES, Options, draw_request

__all__ = ["MUTATIONS", "Mutation", "NearValid", "draw_near_valid"]

_ANY_4XX = tuple(range(400, 500))


@dataclasses.dataclass(frozen=True)
class Mutation:
    """One way to make a valid request invalid, and what a server must answer."""

    name: str
    rule: str  # the rule broken when a server accepts it ("schema": the schema's x-rule)
    description: str
    feature: str = ""  # the target feature the mutation needs ("" = none)
    statuses: tuple[int, ...] = (400,)
    names_field: bool = True  # a 400 must name the offending field (ERR-MESSAGE-FIELD)


@dataclasses.dataclass(frozen=True)
class NearValid:
    """A request one mutation away from valid.

    ``body`` is the JSON body (``raw`` the bytes to send instead, for a body
    that is not JSON); ``rule`` is the rule a server breaks by accepting it;
    ``field`` is the request field a 400's message must name ("" when none).
    """

    mutation: str
    rule: str
    body: dict[str, Any] | None
    raw: bytes | None = None
    field: str = ""
    statuses: tuple[int, ...] = (400,)
    detail: str = ""
    # The credentials to send: the target's key (the default), none at all, or this unknown one.
    send_key: bool = True
    unknown_key: str = ""

    def __repr__(self) -> str:
        sent = self.raw if self.raw is not None else self.body
        key = "" if self.send_key and not self.unknown_key else f", key={self.key_argument()!r}"
        return (
            f"NearValid({self.mutation!r}, rule={self.rule!r}, field={self.field!r}, "
            f"body={sent!r}{key})"
        )

    def key_argument(self) -> dict[str, str | None]:
        """What to pass to ``ApiClient.request`` / ``create`` for the key (nothing: its own)."""
        if not self.send_key:
            return {"api_key": None}
        return {"api_key": self.unknown_key} if self.unknown_key else {}


def _table(*rows: Mutation) -> dict[str, Mutation]:
    return {m.name: m for m in rows}


MUTATIONS: dict[str, Mutation] = _table(
    Mutation("wrong-type", "schema", "a present field gets a value of another JSON type"),
    Mutation("missing-input", "ERR-INPUT-REQUIRED", "input is left out"),
    Mutation("both-model-and-agent", "BASIC-MODEL-XOR-AGENT", "both model and agent are set"),
    Mutation("neither-model-nor-agent", "BASIC-MODEL-XOR-AGENT", "model is left out, no agent"),
    Mutation("unknown-content-type", "schema", "an input content has an undocumented type"),
    Mutation("bad-base64", "MM-BASE64", "media data is not base64", "multimodal_input"),
    Mutation("bad-mime-type", "MM-MIME-TYPE", "a media mime type outside the documented set", "multimodal_input"),
    Mutation("media-without-data", "MM-DATA-OR-URI", "a media content has neither data nor uri", "multimodal_input"),
    Mutation("store-false-background", "BG-STORE-REQUIRED", "store=false with background=true", "background"),
    Mutation("temperature-out-of-range", "GEN-TEMPERATURE-RANGE", "temperature outside [0, 2]"),
    Mutation("bad-thinking-level", "GEN-THINKING-LEVEL", "an undocumented thinking_level"),
    Mutation("bad-modality", "GEN-MODALITIES-ENUM", "a response modality outside text, image, audio"),
    Mutation("unknown-tool-type", "TOOL-UNKNOWN-TYPE", "a tool of an undocumented type"),
    Mutation("function-tool-without-name", "FC-TOOL-SHAPE", "a function tool with no name"),
    Mutation("mcp-name-with-dash", "TOOL-MCP-NAME", "an mcp_server name containing '-'", "mcp"),
    Mutation("bad-turn-role", "CONV-TURN-ROLE", "a turn whose role is neither user nor model"),
    Mutation("response-format-not-object", "SO-SCHEMA-TYPE", "response_format is not an object", "structured_output"),
    Mutation("agent-without-background", "AGENT-BACKGROUND-REQUIRED", "an agent request without background", "agents"),
    Mutation("unknown-model", "BASIC-UNKNOWN-MODEL", "a model that does not exist", statuses=(400, 404)),
    Mutation("unknown-previous-id", "CONV-PREVIOUS-UNKNOWN", "previous_interaction_id names no interaction", statuses=_ANY_4XX),
    Mutation("unknown-field", "ERR-UNKNOWN-FIELD", "an undocumented top-level field", "strict_fields"),
    Mutation("malformed-json", "ERR-MALFORMED-JSON", "the body is cut short: not JSON", names_field=False),
    # The body is valid; only the credentials are wrong (they cost nothing on a live target).
    Mutation("no-api-key", "AUTH-REQUIRED", "the request carries no API key", statuses=(401, 403), names_field=False),
    Mutation("unknown-api-key", "AUTH-INVALID", "an API key the target does not know", statuses=(400, 401, 403), names_field=False),
)  # fmt: skip

_WRONG: dict[str, list[Any]] = {
    "string": [42, True, None],
    "boolean": ["yes", 1, {"on": True}],
    "object": ["x", 7, ["x"]],
    "array": ["x", 3, {"a": 1}],
    "number": ["hot", [1], False],
    "integer": ["many", 1.5, [1]],
}


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _schema_rule(opts: Options, body: dict[str, Any]) -> tuple[str, str]:
    """The rule and field (last pointer segment) of the first schema violation of ``body``."""
    found = opts.walker.revision.validate(body, "create-request", strict=True).violations
    if not found:
        return "", ""
    found.sort(key=lambda v: -v.where.count("/"))
    where = [p for p in found[0].where.split("/") if p and not p.isdigit()]
    return found[0].rule, where[-1] if where else ""


def _inputs_list(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The content list of the request's input, rewritten to a content list when needed."""
    value = body.get("input")
    if (
        isinstance(value, list)
        and value
        and all(isinstance(c, dict) and "type" in c and "role" not in c for c in value)
    ):
        return value
    contents = [{"type": "text", "text": value if isinstance(value, str) else "hi"}]
    body["input"] = contents
    return contents


def _media(body: dict[str, Any], kind: str = "image") -> dict[str, Any]:
    contents = _inputs_list(body)
    for content in contents:
        if content.get("type") in MEDIA:
            return content
    media = {"type": kind, "mime_type": "image/png", "data": SAMPLES["image"]}
    contents.append(media)
    return media


def draw_near_valid(draw: st.DrawFn, opts: Options, names: tuple[str, ...]) -> NearValid:
    applicable = [n for n in names if not MUTATIONS[n].feature or opts.has(MUTATIONS[n].feature)]
    name = draw(st.sampled_from(applicable))
    mutation = MUTATIONS[name]
    base = draw_request(draw, opts)  # in this draw: no strategy of its own to build
    body = copy.deepcopy(base)
    if "agent" in body and name not in (
        "wrong-type",
        "missing-input",
        "malformed-json",
        "agent-without-background",
        "unknown-field",
        "unknown-previous-id",
        "both-model-and-agent",
    ):
        # the model-side mutations start from a model request
        body.pop("agent")
        body.pop("agent_config", None)
        body["model"] = opts.model
    rule, field, detail = mutation.rule, "", ""
    if name == "wrong-type":
        field = draw(st.sampled_from(sorted(k for k in body if k not in ("model", "agent"))))
        nested = field == "generation_config" and bool(body[field]) and draw(st.booleans())
        target = body[field] if nested else body
        key = draw(st.sampled_from(sorted(target))) if nested else field
        candidates = draw(st.permutations(_WRONG[_type_of(target[key])]))
        for candidate in candidates:  # the first that the schema rejects (input takes 3 types)
            target[key] = candidate
            rule, field = _schema_rule(opts, body)
            if rule:
                break
        detail = f"{key}: {json.dumps(target[key])}"
    elif name == "missing-input":
        del body["input"]
        field = "input"
    elif name == "both-model-and-agent":
        body["model"], body["agent"] = opts.model, opts.agent
        body["background"] = True  # so that nothing but the pair is wrong
        body.pop("store", None)
        field = "agent"
    elif name == "neither-model-nor-agent":
        body.pop("model", None)
        body.pop("agent", None)
        field = "model"
    elif name == "unknown-content-type":
        kind = draw(st.sampled_from(["hologram", "smell", "text_v2", "Image"]))
        _inputs_list(body).append({"type": kind, "text": "hi"})
        rule, field = _schema_rule(opts, body)
        detail = kind
    elif name == "bad-base64":
        bad = draw(st.sampled_from(["not base64!", "%%%%", "aGVsbG8=x=", "ab cd"]))
        _media(body)["data"] = bad
        field, detail = "data", bad
    elif name == "bad-mime-type":
        media = _media(body)
        if media["type"] == "document":
            # A document's mime type is open in 2025-12 (SDK 1.55.0: a plain string), so a
            # bogus one breaks no rule: mutate a media kind whose mime types are a closed set.
            media = {"type": "image", "mime_type": "image/png", "data": SAMPLES["image"]}
            _inputs_list(body).append(media)
        media["mime_type"] = draw(
            st.sampled_from([f"{media['type']}/bogus", "text/plain", "image"])
        )
        field, detail = "mime_type", media["mime_type"]
    elif name == "media-without-data":
        media = _media(body)
        media.pop("data", None)
        media.pop("uri", None)
        field = "input"  # the content lacking data or uri; its place in the input is named
    elif name == "store-false-background":
        body["store"], body["background"] = False, True
        body.pop("stream", None)
        field = "store"
    elif name == "temperature-out-of-range":
        value = draw(st.sampled_from([2.5, 3, 2.01, 10, -0.5, -1]))
        body.setdefault("generation_config", {})["temperature"] = value
        field, detail = "temperature", str(value)
    elif name == "bad-thinking-level":
        body.setdefault("generation_config", {})["thinking_level"] = draw(
            st.sampled_from(["extreme", "LOW", "none", "max"])
        )
        field = "thinking_level"
    elif name == "bad-modality":
        # Invalid in every revision: 2026-05 adds video, and its spelling lower-cases TEXT.
        body["response_modalities"] = [draw(st.sampled_from(["smell", "speech", "hologram"]))]
        field = "response_modalities"
    elif name == "unknown-tool-type":
        body["tools"] = [
            # Unknown in every revision (google_maps is a 2026-05 tool).
            {"type": draw(st.sampled_from(["invalid_tool_type_xyz", "calculator", "teleport"]))}
        ]
        field = "tools"
    elif name == "function-tool-without-name":
        body["tools"] = [{"type": "function", "description": "Does a thing."}]
        field = "name"
    elif name == "mcp-name-with-dash":
        body["tools"] = [
            {"type": "mcp_server", "name": "my-docs", "url": "https://mcp.example.com/mcp"}
        ]
        field = "name"
    elif name == "bad-turn-role":
        role = draw(st.sampled_from(["assistant", "system", "tool", "USER"]))
        body["input"] = [{"role": role, "content": "hi"}]
        field, detail = "role", role
    elif name == "response-format-not-object":
        body["response_format"] = draw(st.sampled_from(["json", ["object"], 1]))
        field = "response_format"
    elif name == "agent-without-background":
        body = {
            "agent": opts.agent,
            "input": base["input"] if isinstance(base["input"], str) else "hi",
        }
        if draw(st.booleans()):
            body["background"] = False
        field = "background"
    elif name == "unknown-model":
        body["model"] = draw(
            st.sampled_from(["gemini-does-not-exist-0", "gpt-4", "gemini-9-ultra"])
        )
        field = "model"
    elif name == "unknown-previous-id":
        body["previous_interaction_id"] = draw(
            st.sampled_from(["v1_doesnotexist0", "v1_" + "A" * 40])
        )
        field = "previous_interaction_id"
    elif name == "unknown-field":
        known = set(opts.walker.properties("create-request#/$defs/model-request"))
        known |= set(opts.walker.properties("create-request#/$defs/agent-request"))
        extra = draw(
            st.sampled_from(
                ["temprature", "max_tokens", "messages", "top_k", "safety_settings"]
            ).filter(lambda n: n not in known)
        )
        body[extra] = draw(st.sampled_from([0.5, "x", True]))
        field = extra
    elif name == "no-api-key":
        return NearValid(name, rule, body, statuses=mutation.statuses, send_key=False)
    elif name == "unknown-api-key":
        suffix = draw(
            st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=6, max_size=12)
        )
        return NearValid(
            name, rule, body, statuses=mutation.statuses, unknown_key=f"unknown-key-{suffix}"
        )
    elif name == "malformed-json":
        text = json.dumps(body)
        cut = draw(st.integers(1, max(1, len(text) - 1)))
        return NearValid(name, rule, None, raw=text[:cut].encode(), statuses=mutation.statuses)
    return NearValid(name, rule, body, field=field, statuses=mutation.statuses, detail=detail)
