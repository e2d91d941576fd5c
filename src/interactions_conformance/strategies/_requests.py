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
import itertools
import math
import struct
import zlib
from collections.abc import Collection
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from .._targets import FEATURES
from ._schema import SchemaWalker, revision_for, walker_for

__all__ = [
    "DEFAULT_AGENT",
    "DEFAULT_MODEL",
    "Options",
    "check_options",
    "draw_request",
]

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
# Short texts of 1 to 4 words, a fixed family: one choice picks one (`texts`).
_PHRASES = tuple(_WORDS) + tuple(
    " ".join(_WORDS[(j * (m + 3) + m) % len(_WORDS)] for m in range(2 + j % 3))
    for j in range(len(_WORDS), 128)
)

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
#
# Fewer, larger choices: what costs in a draw is Hypothesis's bookkeeping per choice (a span,
# its place in the tree, mutation groups), not the value. So independent small choices are
# made as one integer (`_digits`), and finite families (texts, media contents) are picked by
# one index. Hypothesis draws an integer range of up to 256 uniformly (above that it favours
# small values), so a packed choice stays within 256 and each digit keeps its own uniform
# distribution; digit 0 is always the simplest value, so shrinking still ends at the plain case.

_UNIFORM = 256


@functools.cache
def _index(size: int) -> st.SearchStrategy[int]:
    return st.integers(0, size - 1)


def _digits(draw: st.DrawFn, *radices: int) -> list[int]:
    """One choice for several independent ones: digit i is uniform in ``[0, radices[i])``."""
    total = math.prod(radices)
    assert total <= _UNIFORM, radices  # a larger range is not drawn uniformly
    value = draw(_index(total))
    digits = []
    for radix in radices:
        value, digit = divmod(value, radix)
        digits.append(digit)
    return digits


@functools.cache
def _subsets(size: int, most: int) -> tuple[tuple[int, ...], ...]:
    """The subsets of ``range(size)`` with at most ``most`` members, smallest first."""
    return tuple(c for n in range(most + 1) for c in itertools.combinations(range(size), n))


def _text(index: int) -> str:
    """Even indexes are the probe-like prompts, odd ones short phrases (index 0: the first
    prompt, the simplest)."""
    return PROMPTS[index // 2 % len(PROMPTS)] if index % 2 == 0 else _PHRASES[index // 2]


@functools.cache  # strategies are reusable: built once, not once per draw
def texts() -> st.SearchStrategy[str]:
    return _index(2 * len(_PHRASES)).map(_text)


def _draw_text(draw: st.DrawFn) -> str:
    """A text in one choice (as `texts`, without the strategy around it)."""
    return _text(draw(_index(2 * len(_PHRASES))))


@functools.cache
def _media_variants(opts: Options, kind: str) -> tuple[dict[str, Any], ...]:
    """Every media content of ``kind`` a request may carry: each documented mime type, with
    and without each documented resolution (one choice picks one)."""
    walker = opts.walker
    if kind == "document":
        # The document mime type is open in 2025-12 (a plain str in the SDK); MM-DOCUMENT-INPUT
        # documents PDF, the one a server is sure to accept.
        mimes: tuple[Any, ...] = ("application/pdf",)
    else:
        mimes = walker.enum(f"content#/$defs/input-{kind}/properties/mime_type")
    resolutions: tuple[Any, ...] = (None,)
    if "resolution" in walker.properties(f"content#/$defs/{kind}"):
        resolutions += walker.enum("content#/$defs/media-resolution")
    variants = []
    for resolution in resolutions:
        for mime in mimes:
            content = {"type": kind, "mime_type": mime, "data": SAMPLES[kind]}
            if resolution is not None:
                content["resolution"] = resolution
            variants.append(content)
    return tuple(variants)


@functools.cache
def _content_kinds(opts: Options) -> tuple[str, ...]:
    if not opts.has("multimodal_input"):
        return ("text",)
    accepted = set(opts.walker.enum("content#/$defs/input-content/properties/type"))
    return ("text", *(k for k in MEDIA if k in accepted))


def _user_content(draw: st.DrawFn, opts: Options) -> dict[str, Any]:
    """A text or media content in one choice: the kind (text first), then a text or variant."""
    kinds = _content_kinds(opts)
    per_kind = _UNIFORM // len(kinds)
    choice = draw(_index(per_kind * len(kinds)))
    kind, rest = kinds[choice % len(kinds)], choice // len(kinds)
    if kind == "text":
        return {"type": "text", "text": _text(rest)}
    variants = _media_variants(opts, kind)
    return dict(variants[rest % len(variants)])


@st.composite
def _model_turn_outputs(draw: st.DrawFn, opts: Options) -> list[dict[str, Any]]:
    """A model turn carrying previous outputs (CONV-MODEL-TURN-OUTPUTS): text, a thought, and
    built-in tool calls with their results (ids matched), as a server sent them."""
    out: list[dict[str, Any]] = []
    thought, id_index = _digits(draw, 2, 3)
    if thought:
        out.append({"type": "thought", "signature": "CiQBjz1rX8a5"})
    call_id = ("c1", "r7b1dyif", "q0")[id_index]
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
    # Up to two distinct kinds, as one choice among the subsets (the first: none).
    subsets = _subsets(len(usable), 2)
    for index in subsets[draw(_index(len(subsets)))]:
        out += pairs[usable[index]]
    out.append({"type": "text", "text": _draw_text(draw)})
    return out


def _one_in(digit: int, n: int) -> bool:
    """True for one value of a digit drawn in ``[0, n)``, about once in ``n``, and false in the
    simplest example: Hypothesis starts from it and shrinks towards it, so a failure shrinks to
    the plain case, and the first example of a run is no slow one (an agent job, a stream)."""
    return digit == n - 1


def _user_turn_content(draw: st.DrawFn, opts: Options) -> Any:
    """A user turn's content: a string, or one or two contents."""
    shape = draw(_index(3))
    if shape == 0:
        return _draw_text(draw)
    return [_user_content(draw, opts) for _ in range(shape)]


@st.composite
def _turns(draw: st.DrawFn, opts: Options, functions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """user, model, user, ...: ending with a user turn. When a function is declared, a model turn
    may call it and the next user turn return its result (FC-RESULT-CONTINUES)."""
    some, more, call, which, named = _digits(draw, 4, 2, 2, 2, 2)
    pairs = 1 + more if some else 0
    turns: list[dict[str, Any]] = []
    for _ in range(pairs):
        turns.append({"role": "user", "content": _user_turn_content(draw, opts)})
        model_content: Any = draw(st.one_of(texts(), _model_turn_outputs(opts)))
        turns.append({"role": "model", "content": model_content})
    if call and functions:
        name = functions[which % len(functions)]["name"]
        turns.append(
            {"role": "user", "content": [{"type": "text", "text": FUNCTION_PROMPTS[name]}]}
        )
        call_out = {"type": "function_call", "id": "fc1", "name": name, "arguments": {}}
        turns.append({"role": "model", "content": [call_out]})
        result: dict[str, Any] = {
            "type": "function_result",
            "call_id": "fc1",
            "result": {"ok": True},
        }
        if named:
            result["name"] = name  # optional (FC-RESULT-NAME-OPTIONAL)
        turns.append({"role": "user", "content": [result]})
        return turns
    turns.append({"role": "user", "content": _user_turn_content(draw, opts)})
    return turns


@functools.cache
def _tool_names(opts: Options, agent: bool) -> tuple[str, ...]:
    kinds = set(opts.walker.enum("tool#/$defs/request-tool/properties/type"))
    # computer_use needs a computer-use model and file_search an existing store: both are
    # well formed here but not answerable by the default model, so they are not generated.
    builtin = [k for k in ("google_search", "code_execution", "url_context") if k in kinds]
    names: list[str] = []
    if not agent and "function" in kinds:
        # Listed first, one entry per declared function: function calling is where most server
        # state and checks are.
        names += [f"function:{i}" for i in range(len(FUNCTIONS))]
    if opts.has("builtin_tools"):
        names += builtin
    return tuple(names)


def _tools(draw: st.DrawFn, opts: Options, *, agent: bool, mcp: bool) -> list[dict[str, Any]]:
    names = _tool_names(opts, agent)
    kinds = opts.walker.enum("tool#/$defs/request-tool/properties/type")
    if not agent and opts.has("mcp") and "mcp_server" in kinds and mcp:
        # Remote MCP goes alone (TOOL-COMBINATION) and its name has no "-" (TOOL-MCP-NAME).
        return [{"type": "mcp_server", "name": "docs", "url": "https://mcp.example.com/mcp"}]
    if not names:
        return []
    # None, one or two tools (a repeat collapses to one), as one choice.
    count, first, second = _digits(draw, 3, len(names), len(names))
    unique: dict[str, dict[str, Any]] = {}
    for name in [names[first], names[second]][:count]:
        if name.startswith("function:"):
            tool = FUNCTIONS[int(name.partition(":")[2])]
        else:
            tool = draw(opts.walker.strategy(f"tool#/$defs/{name}"))
        unique.setdefault(str(tool.get("name", tool["type"])), tool)
    return [dict(t) for t in unique.values()]


# speech_config is for TTS models only; tool_choice only means something with functions
# declared (and its allowed_tools must name them), so both are hand-tuned here, and
# max_output_tokens is the caller's cap: the schema's strategy does not draw them at all.
_HAND_TUNED_CONFIG = ("max_output_tokens", "speech_config", "tool_choice")


def _generation_config(
    draw: st.DrawFn, opts: Options, functions: list[dict[str, Any]], choose_tool: bool
) -> dict[str, Any]:
    config = dict(draw(opts.walker.strategy("generation-config", omit=_HAND_TUNED_CONFIG)))
    if choose_tool and functions:
        config["tool_choice"] = draw(
            st.sampled_from(opts.walker.enum("generation-config#/$defs/tool-choice/allOf/0/then"))
        )
    if "stop_sequences" in config:
        config["stop_sequences"] = [s for s in config["stop_sequences"] if s.strip()][:1]
    config["max_output_tokens"] = draw(_tokens(opts.max_output_tokens))
    return config


@functools.cache
def _tokens(cap: int) -> st.SearchStrategy[int]:
    return st.integers(1, cap)


def _function_prompt(functions: list[dict[str, Any]], digit: int) -> str:
    """The prompt asking for one of the declared functions (the FC-* checks then run)."""
    return FUNCTION_PROMPTS[functions[digit % len(functions)]["name"]]


def draw_request(draw: st.DrawFn, opts: Options) -> dict[str, Any]:
    """One valid create request body (model, or agent when the target has agents)."""
    # The request's shape in three choices: who answers, the tools' and input's form, and
    # the flags (each digit uniform; 0 the plain case).
    agent_digit, mcp_digit, form_index = _digits(draw, 8, 6, 4)
    system, structured, mime, modalities, choose_tool = _digits(draw, 2, 4, 2, 6, 2)
    store_index, background_index, stream_index, which = _digits(draw, 3, 4, 4, 2)
    agent = opts.has("agents") and _one_in(agent_digit, 8)
    body: dict[str, Any] = {"agent": opts.agent} if agent else {"model": opts.model}
    tools = _tools(draw, opts, agent=agent, mcp=_one_in(mcp_digit, 6))
    functions = [t for t in tools if t["type"] == "function"]
    form = ("string", "content", "contents", "turns")[form_index]
    if form == "string":
        body["input"] = _function_prompt(functions, which) if functions else _draw_text(draw)
    elif form == "content":
        body["input"] = _user_content(draw, opts)
        if functions:
            body["input"] = {"type": "text", "text": _function_prompt(functions, which)}
    elif form == "contents":
        count = 1 + draw(_index(3))
        body["input"] = [_user_content(draw, opts) for _ in range(count)]
        if functions:
            prompt = {"type": "text", "text": _function_prompt(functions, which)}
            body["input"].insert(0, prompt)
    else:
        body["input"] = draw(_turns(opts, functions))
        if agent:
            body["input"] = _draw_text(draw)  # deep research answers one question, no history
    if tools:
        body["tools"] = tools
    if system:
        body["system_instruction"] = _draw_text(draw)
    if agent:
        body["background"] = True  # AGENT-BACKGROUND-REQUIRED
        if mime:
            body["store"] = True
        if choose_tool:
            body["agent_config"] = draw(opts.walker.strategy("agent-config"))
        if opts.has("streaming") and _one_in(stream_index, 4):
            body["stream"] = True
        return body
    body["generation_config"] = _generation_config(draw, opts, functions, bool(choose_tool))
    if opts.has("structured_output") and _one_in(structured, 4):
        body["response_format"] = draw(st.sampled_from(RESPONSE_FORMATS))
        # A structured answer cut by max_output_tokens is no JSON (SO-VALID-JSON), and 2025-12
        # has no status for it (the emulator says failed): give it room. At least 256: a small
        # cap (16 in the suites) still cuts a JSON answer short.
        body["generation_config"]["max_output_tokens"] = max(opts.max_output_tokens, 256)
        if mime:
            body["response_mime_type"] = "application/json"  # SO-WITH-MIME; absent: SO-WITHOUT-MIME
    if _one_in(modalities, 6):
        textual = [
            m
            for m in opts.walker.enum("create-request#/$defs/response_modalities/items")
            if str(m).lower() == "text"
        ]
        body["response_modalities"] = [draw(st.sampled_from(textual))]
    store = (None, True, False)[store_index]
    if store is not None:
        body["store"] = store
    # Background runs return before any output: a quarter of them, so that most responses
    # carry outputs for the checks (function calls, tools, structured output, usage).
    background = (None, False, None, True)[background_index]
    if background is True and (store is False or not opts.has("background")):
        background = None  # BG-STORE-REQUIRED: store=false never goes with background=true
    if background is not None:
        body["background"] = background
    stream = (None, False, True, True)[stream_index]
    if stream is True and not opts.has("streaming"):
        stream = None
    if stream is not None:
        body["stream"] = stream
    return body
