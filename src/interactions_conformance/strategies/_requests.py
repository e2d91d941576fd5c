"""Valid create requests, derived from a revision's request schemas.

What comes from the schemas (`_schema.SchemaWalker`): the content types a
request accepts, the documented mime types of each media type, the tool
types, the response modalities, the JSON Schema type names of
``response_format``, and ``generation_config`` as a whole (ranges and enums).

What is hand-tuned, and why: the schemas say what is *well formed*, which is
much looser than what a server can meaningfully answer. A schema-valid
``function_result`` names any ``call_id`` (the server needs a pending call:
FC-RESULT-CALL-ID), a schema-valid ``model`` is any string (the server needs a
real model: BASIC-UNKNOWN-MODEL), a schema-valid ``response_format`` is any
object with a JSON type (a random one is no schema a model could follow), and
media ``data`` matching the base64 pattern need not decode to the declared
mime type. So texts are short probe-like prompts, media are a few real bytes,
function calls come paired with their results, and tools follow the
combination rules (TOOL-COMBINATION, agents take no function or MCP tools).
Every drawn request still validates against ``create-request`` (strict), which
`tests/test_strategies.py` checks.
"""

from __future__ import annotations

import base64
import functools
import struct
import zlib
from collections.abc import Collection
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from .._targets import FEATURES
from ._schema import SchemaWalker, revision_for, walker_for

__all__ = ["DEFAULT_AGENT", "DEFAULT_MODEL", "Options", "check_options", "request_strategy"]

DEFAULT_MODEL = "gemini-2.5-flash-lite"
DEFAULT_AGENT = "deep-research-pro-preview-12-2025"

# Short prompts: probe-like questions any model answers briefly (cost stays low on a live target).
PROMPTS = (
    "Say hello in three words.",
    "What is 17*23? Answer with the number only.",
    "Remember the code word K7Q2. Reply with OK.",
    "Name one colour. One word only.",
    "What is 2 plus 2? Answer with the number only.",
)
_WORDS = ("hi", "ok", "blue", "tea", "count", "seven", "why", "sky", "moon", "cat")

FUNCTIONS: tuple[dict[str, Any], ...] = (
    {
        "type": "function",
        "name": "get_weather",
        "description": "Gets the current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"location": {"type": "string"}},
            "required": ["location"],
        },
    },
    {
        "type": "function",
        "name": "lookup_order",
        "description": "Looks up an order by its number.",
        "parameters": {"type": "object", "properties": {"number": {"type": "integer"}}},
    },
)
# A prompt that makes a declared function the natural answer (FC-* checks then run on the call).
FUNCTION_PROMPTS = {
    "get_weather": "What is the weather in Paris? Use the get_weather tool.",
    "lookup_order": "Look up order 42 with lookup_order.",
}
RESPONSE_FORMATS: tuple[dict[str, Any], ...] = (
    {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
        "required": ["name", "age"],
    },
    {"type": "array", "items": {"type": "string"}, "maxItems": 2},
    {"type": "string", "enum": ["yes", "no"]},
    {"type": "integer"},
)


def _tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def _tiny_wav() -> bytes:
    samples = b"\x00\x00" * 8
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(samples)) + samples
    return b"RIFF" + struct.pack("<I", len(body)) + body


_PDF = (
    b"%PDF-1.1\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
# A few real bytes per media type (the start of a file of that kind), standard base64, padded.
SAMPLES: dict[str, str] = {
    "image": base64.b64encode(_tiny_png()).decode("ascii"),
    "audio": base64.b64encode(_tiny_wav()).decode("ascii"),
    "video": base64.b64encode(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom").decode("ascii"),
    "document": base64.b64encode(_PDF).decode("ascii"),
}
MEDIA = ("image", "audio", "video", "document")


class Options:
    """The validated arguments of a request strategy (shared by valid and near-valid)."""

    def __init__(
        self,
        revision: str,
        model: str,
        agent: str,
        features: frozenset[str],
        max_output_tokens: int,
    ) -> None:
        self.revision = revision
        self.model = model
        self.agent = agent
        self.features = features
        self.max_output_tokens = max_output_tokens
        self.walker: SchemaWalker = walker_for(revision)

    def has(self, feature: str) -> bool:
        return feature in self.features


def check_options(
    revision: object,
    model: object,
    agent: object,
    features: object,
    max_output_tokens: object,
) -> Options:
    """Validate eagerly (Hypothesis api-style): a bad argument fails where it is written."""
    revision_for(revision)  # InvalidArgument naming the known revisions
    assert isinstance(revision, str)
    for name, value in (("model", model), ("agent", agent)):
        if not isinstance(value, str) or not value.strip():
            raise InvalidArgument(f"{name}={value!r} must be a non-empty string")
    if features is None:
        chosen = frozenset(FEATURES)
    else:
        if isinstance(features, str) or not isinstance(features, Collection):
            raise InvalidArgument(
                f"features={features!r} must be a collection of feature names, e.g. "
                "profile.features or {'streaming', 'background'}"
            )
        if isinstance(features, dict):  # a profile's [features] table: the ones set true
            chosen = frozenset(str(k) for k, v in features.items() if v)
        else:
            chosen = frozenset(str(f) for f in features)
        unknown = sorted(chosen - set(FEATURES))
        if unknown:
            raise InvalidArgument(
                f"unknown features {unknown}; known: {', '.join(sorted(FEATURES))}"
            )
    if (
        isinstance(max_output_tokens, bool)
        or not isinstance(max_output_tokens, int)
        or not 1 <= max_output_tokens <= 1024
    ):
        raise InvalidArgument(
            f"max_output_tokens={max_output_tokens!r} must be an integer in [1, 1024] "
            "(generated traffic must cost little)"
        )
    assert isinstance(model, str)
    assert isinstance(agent, str)
    return Options(revision, model, agent, chosen, max_output_tokens)


# -- pieces -------------------------------------------------------------------------


@functools.cache  # strategies are reusable: built once, not once per draw
def texts() -> st.SearchStrategy[str]:
    words = st.lists(st.sampled_from(_WORDS), min_size=1, max_size=4).map(" ".join)
    return st.one_of(st.sampled_from(PROMPTS), words)


@functools.cache  # strategies are reusable: built once, not once per draw
def media_contents(opts: Options, kind: str) -> st.SearchStrategy[dict[str, Any]]:
    walker = opts.walker
    if kind == "document":
        # The document mime type is open in 2025-12 (a plain str in the SDK); MM-DOCUMENT-INPUT
        # documents PDF, the one a server is sure to accept.
        mimes: tuple[Any, ...] = ("application/pdf",)
    else:
        mimes = walker.enum(f"content#/$defs/input-{kind}/properties/mime_type")
    base = {
        "type": st.just(kind),
        "mime_type": st.sampled_from(mimes),
        "data": st.just(SAMPLES[kind]),
    }
    optional: dict[str, st.SearchStrategy[Any]] = {}
    if "resolution" in walker.properties(f"content#/$defs/{kind}"):
        optional["resolution"] = st.sampled_from(walker.enum("content#/$defs/media-resolution"))
    return st.fixed_dictionaries(base, optional=optional)


@functools.cache  # strategies are reusable: built once, not once per draw
def user_contents(opts: Options) -> st.SearchStrategy[dict[str, Any]]:
    text = st.builds(lambda t: {"type": "text", "text": t}, texts())
    if not opts.has("multimodal_input"):
        return text
    accepted = set(opts.walker.enum("content#/$defs/input-content/properties/type"))
    media = [media_contents(opts, k) for k in MEDIA if k in accepted]
    return st.one_of(text, *media)


@st.composite
def _model_turn_outputs(draw: st.DrawFn, opts: Options) -> list[dict[str, Any]]:
    """A model turn carrying previous outputs (CONV-MODEL-TURN-OUTPUTS): text, a thought, and
    built-in tool calls with their results (ids matched), as a server sent them."""
    out: list[dict[str, Any]] = []
    if draw(st.booleans()):
        out.append({"type": "thought", "signature": "CiQBjz1rX8a5"})
    call_id = draw(st.sampled_from(["c1", "r7b1dyif", "q0"]))
    pairs: dict[str, list[dict[str, Any]]] = {
        "code_execution": [
            {
                "type": "code_execution_call",
                "id": call_id,
                "arguments": {"language": "python", "code": "print(1)"},
            },
            {"type": "code_execution_result", "call_id": call_id, "result": "1\n"},
        ],
        "google_search": [
            {"type": "google_search_call", "id": call_id, "arguments": {"queries": ["tea"]}},
            {
                "type": "google_search_result",
                "call_id": call_id,
                "result": [{"url": "https://example.com/", "title": "Tea"}],
            },
        ],
        "url_context": [
            {
                "type": "url_context_call",
                "id": call_id,
                "arguments": {"urls": ["https://example.com/"]},
            },
            {
                "type": "url_context_result",
                "call_id": call_id,
                "result": [{"url": "https://example.com/", "status": "success"}],
            },
        ],
        "mcp": [
            {
                "type": "mcp_server_tool_call",
                "id": call_id,
                "name": "query",
                "server_name": "docs",
                "arguments": {"q": "tea"},
            },
            {
                "type": "mcp_server_tool_result",
                "call_id": call_id,
                "name": "query",
                "server_name": "docs",
                "result": "ok",
            },
        ],
        "file_search": [
            {"type": "file_search_result", "result": [{"title": "notes", "text": "tea"}]},
        ],
    }
    usable = [k for k in pairs if opts.has("builtin_tools") or k == "file_search"]
    for kind in draw(st.lists(st.sampled_from(usable), max_size=2, unique=True)) if usable else ():
        out += pairs[kind]
    out.append({"type": "text", "text": draw(texts())})
    return out


def _one_in(draw: st.DrawFn, n: int) -> bool:
    """True about once in ``n`` draws, and false in the simplest example: Hypothesis starts from
    it and shrinks towards it, so a failure shrinks to the plain case, and the first example
    of a run is no slow one (an agent job, a stream)."""
    return draw(st.integers(0, n - 1)) == n - 1


@st.composite
def _turns(draw: st.DrawFn, opts: Options, functions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """user, model, user, ...: ending with a user turn. When a function is declared, a model turn
    may call it and the next user turn return its result (FC-RESULT-CONTINUES)."""
    pairs = draw(st.integers(min_value=1, max_value=2)) if draw(st.integers(0, 3)) else 0
    turns: list[dict[str, Any]] = []
    for _ in range(pairs):
        turns.append({"role": "user", "content": draw(_user_turn_content(opts))})
        model_content: Any = draw(st.one_of(texts(), _model_turn_outputs(opts)))
        turns.append({"role": "model", "content": model_content})
    if draw(st.booleans()) and functions:
        function = draw(st.sampled_from(functions))
        name = function["name"]
        turns.append(
            {"role": "user", "content": [{"type": "text", "text": FUNCTION_PROMPTS[name]}]}
        )
        call = {"type": "function_call", "id": "fc1", "name": name, "arguments": {}}
        turns.append({"role": "model", "content": [call]})
        result: dict[str, Any] = {
            "type": "function_result",
            "call_id": "fc1",
            "result": {"ok": True},
        }
        if draw(st.booleans()):
            result["name"] = name  # optional (FC-RESULT-NAME-OPTIONAL)
        turns.append({"role": "user", "content": [result]})
        return turns
    turns.append({"role": "user", "content": draw(_user_turn_content(opts))})
    return turns


@functools.cache  # strategies are reusable: built once, not once per draw
def _user_turn_content(opts: Options) -> st.SearchStrategy[Any]:
    return st.one_of(texts(), st.lists(user_contents(opts), min_size=1, max_size=2))


@st.composite
def _tools(draw: st.DrawFn, opts: Options, *, agent: bool) -> list[dict[str, Any]]:
    kinds = set(opts.walker.enum("tool#/$defs/request-tool/properties/type"))
    # computer_use needs a computer-use model and file_search an existing store: both are
    # well formed here but not answerable by the default model, so they are not generated.
    builtin = [k for k in ("google_search", "code_execution", "url_context") if k in kinds]
    names: list[str] = []
    if not agent and "function" in kinds:
        # Listed first and twice: function calling is where most server state and checks are.
        names += ["function", "function"]
    if opts.has("builtin_tools"):
        names += builtin
    if not agent and opts.has("mcp") and "mcp_server" in kinds and _one_in(draw, 6):
        # Remote MCP goes alone (TOOL-COMBINATION) and its name has no "-" (TOOL-MCP-NAME).
        return [{"type": "mcp_server", "name": "docs", "url": "https://mcp.example.com/mcp"}]
    if not names:
        return []
    tools = [
        draw(st.sampled_from(FUNCTIONS))
        if name == "function"
        else draw(opts.walker.strategy(f"tool#/$defs/{name}"))
        for name in draw(st.lists(st.sampled_from(names), max_size=2))
    ]
    unique: dict[str, dict[str, Any]] = {}
    for tool in tools:
        unique.setdefault(str(tool.get("name", tool["type"])), tool)
    return list(unique.values())


@st.composite
def _generation_config(
    draw: st.DrawFn, opts: Options, functions: list[dict[str, Any]]
) -> dict[str, Any]:
    config = dict(draw(opts.walker.strategy("generation-config")))
    # speech_config is for TTS models only; tool_choice only means something with functions
    # declared (and its allowed_tools must name them), so both are hand-tuned here.
    config.pop("speech_config", None)
    config.pop("tool_choice", None)
    if draw(st.booleans()) and functions:
        config["tool_choice"] = draw(
            st.sampled_from(opts.walker.enum("generation-config#/$defs/tool-choice/allOf/0/then"))
        )
    if "stop_sequences" in config:
        config["stop_sequences"] = [s for s in config["stop_sequences"] if s.strip()][:1]
    config["max_output_tokens"] = draw(st.integers(1, opts.max_output_tokens))
    return config


@st.composite
def request_strategy(draw: st.DrawFn, opts: Options) -> dict[str, Any]:
    """One valid create request body (model, or agent when the target has agents)."""
    agent = opts.has("agents") and _one_in(draw, 8)
    body: dict[str, Any] = {"agent": opts.agent} if agent else {"model": opts.model}
    tools = draw(_tools(opts, agent=agent))
    functions = [t for t in tools if t["type"] == "function"]
    form = draw(st.sampled_from(["string", "content", "contents", "turns"]))
    if form == "string":
        prompt = draw(texts())
        if functions:  # a declared function the prompt asks for: the FC-* checks then run
            prompt = FUNCTION_PROMPTS[draw(st.sampled_from(functions))["name"]]
        body["input"] = prompt
    elif form == "content":
        body["input"] = draw(user_contents(opts))
        if functions:
            name = draw(st.sampled_from(functions))["name"]
            body["input"] = {"type": "text", "text": FUNCTION_PROMPTS[name]}
    elif form == "contents":
        body["input"] = draw(st.lists(user_contents(opts), min_size=1, max_size=3))
        if functions:
            name = draw(st.sampled_from(functions))["name"]
            body["input"].insert(0, {"type": "text", "text": FUNCTION_PROMPTS[name]})
    else:
        body["input"] = draw(_turns(opts, functions))
        if agent:
            body["input"] = draw(texts())  # deep research answers one question, no history
    if tools:
        body["tools"] = tools
    if draw(st.booleans()):
        body["system_instruction"] = draw(texts())
    if agent:
        body["background"] = True  # AGENT-BACKGROUND-REQUIRED
        if draw(st.booleans()):
            body["store"] = True
        if draw(st.booleans()):
            body["agent_config"] = draw(opts.walker.strategy("agent-config"))
        if opts.has("streaming") and _one_in(draw, 4):
            body["stream"] = True
        return body
    body["generation_config"] = draw(_generation_config(opts, functions))
    if opts.has("structured_output") and _one_in(draw, 4):
        body["response_format"] = draw(st.sampled_from(RESPONSE_FORMATS))
        # A structured answer cut by max_output_tokens is no JSON (SO-VALID-JSON), and 2025-12
        # has no status for it (the emulator says failed): give it room. At least 256: a small
        # cap (16 in the suites) still cuts a JSON answer short.
        body["generation_config"]["max_output_tokens"] = max(opts.max_output_tokens, 256)
        if draw(st.booleans()):
            body["response_mime_type"] = "application/json"  # SO-WITH-MIME; absent: SO-WITHOUT-MIME
    if _one_in(draw, 6):
        textual = [
            m
            for m in opts.walker.enum("create-request#/$defs/response_modalities/items")
            if str(m).lower() == "text"
        ]
        body["response_modalities"] = [draw(st.sampled_from(textual))]
    store = draw(st.sampled_from([None, True, False]))
    if store is not None:
        body["store"] = store
    # Background runs return before any output: a quarter of them, so that most responses
    # carry outputs for the checks (function calls, tools, structured output, usage).
    background = draw(st.sampled_from([None, False, None, True]))
    if background is True and (store is False or not opts.has("background")):
        background = None  # BG-STORE-REQUIRED: store=false never goes with background=true
    if background is not None:
        body["background"] = background
    stream = draw(st.sampled_from([None, False, True, True]))
    if stream is True and not opts.has("streaming"):
        stream = None
    if stream is not None:
        body["stream"] = stream
    return body
