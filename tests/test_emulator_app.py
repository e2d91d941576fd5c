"""The emulator's routes and the rules it implements, in process. Every response is
validated (strict) against the revision's schemas by the helper client."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jsonschema
import pytest

from emulator_helpers import (
    AGENT,
    KEY,
    KEY2,
    LITE,
    MODEL,
    WEATHER_TOOL,
    Api,
    emulator,
    events_of,
    parse_sse,
)
from interactions_conformance.emulator import EmulatorConfig, UnknownFaultError, create_app
from interactions_conformance.emulator._engine import schema_instance

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")


@pytest.fixture
def api() -> Any:
    with emulator() as client:
        yield client


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def text_of(body: dict[str, Any]) -> str:
    assert body["outputs"][-1]["type"] == "text", body["outputs"]
    return str(body["outputs"][-1]["text"])


# -- basic ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "given",
    [
        "What is 17*23?",
        {"type": "text", "text": "What is 17*23?"},
        [{"type": "text", "text": "What is 17*23?"}],
        [{"role": "user", "content": "What is 17*23?"}],
        [{"role": "user", "content": [{"type": "text", "text": "What is 17*23?"}]}],
    ],
    ids=["string", "content", "content-list", "turn-string", "turn-contents"],
)
def test_every_input_form_is_answered(api: Api, given: Any) -> None:
    body = ok(api.create({"model": MODEL, "input": given}))
    assert body["status"] == "completed"
    assert body["id"].startswith("v1_")
    assert body["model"] == MODEL
    assert body["object"] == "interaction"
    assert body["role"] == "model"
    assert "391" in text_of(body)
    assert body["created"].endswith("Z")


def test_same_request_same_answer_new_id(api: Api) -> None:
    one = ok(api.create({"model": MODEL, "input": "Say hello in three words."}))
    two = ok(api.create({"model": MODEL, "input": "Say hello in three words."}))
    assert one["outputs"] == two["outputs"]
    assert one["id"] != two["id"]


def test_thinking_model_starts_with_a_signed_thought_and_lite_does_not(api: Api) -> None:
    thinking = ok(api.create({"model": MODEL, "input": "hi"}))
    assert thinking["outputs"][0]["type"] == "thought"
    assert thinking["outputs"][0]["signature"]
    assert thinking["usage"]["total_thought_tokens"] > 0
    lite = ok(api.create({"model": LITE, "input": "hi"}))
    assert [o["type"] for o in lite["outputs"]] == ["text"]
    assert lite["usage"]["total_thought_tokens"] == 0


def test_usage_total_is_the_sum_of_its_parts(api: Api) -> None:
    usage = ok(
        api.create(
            {
                "model": MODEL,
                "input": "Calculate the 50th Fibonacci number.",
                "tools": [{"type": "code_execution"}],
            }
        )
    )["usage"]
    parts = (
        "total_input_tokens",
        "total_output_tokens",
        "total_thought_tokens",
        "total_tool_use_tokens",
    )
    assert usage["total_tokens"] == sum(usage[p] for p in parts)
    assert usage["total_tool_use_tokens"] > 0


def test_system_instruction_is_accepted(api: Api) -> None:
    ok(api.create({"model": MODEL, "system_instruction": "You answer tersely.", "input": "hi"}))


# -- conversation -------------------------------------------------------------------


def test_previous_interaction_context_and_transitive_chain(api: Api) -> None:
    one = ok(api.create({"model": MODEL, "input": "Remember the code word K7Q2. Reply with OK."}))
    two = ok(
        api.create(
            {
                "model": MODEL,
                "input": "Say hello in three words.",
                "previous_interaction_id": one["id"],
            }
        )
    )
    three = ok(
        api.create(
            {
                "model": MODEL,
                "input": "What is the code word? Answer with the code word only.",
                "previous_interaction_id": two["id"],
            }
        )
    )
    assert text_of(three) == "K7Q2"
    assert three["usage"]["total_cached_tokens"] > 0


def test_agent_and_model_turns_mix_in_one_chain(api: Api) -> None:
    first = ok(api.create({"model": MODEL, "input": "Hi, my name is Zorblat."}))
    job = ok(
        api.create(
            {
                "agent": AGENT,
                "input": "What is my name?",
                "background": True,
                "previous_interaction_id": first["id"],
            }
        )
    )
    done = api.wait(job["id"])
    assert "Zorblat" in text_of(done)
    assert done["role"] == "agent"
    follow = ok(
        api.create(
            {"model": MODEL, "input": "What is my name?", "previous_interaction_id": job["id"]}
        )
    )
    assert "Zorblat" in text_of(follow)


def test_previous_in_progress_is_refused(api: Api) -> None:
    job = ok(api.create({"agent": AGENT, "input": "research", "background": True}))
    response = api.create({"model": MODEL, "input": "hi", "previous_interaction_id": job["id"]})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "failed_precondition"


def test_stateless_history_with_model_turn_outputs(api: Api) -> None:
    first = ok(
        api.create(
            {"model": MODEL, "input": [{"role": "user", "content": "Hi, my name is Zorblat."}]}
        )
    )
    history = [
        {"role": "user", "content": "Hi, my name is Zorblat."},
        {"role": "model", "content": first["outputs"]},
        {"role": "user", "content": "What is my name?"},
    ]
    assert "Zorblat" in text_of(ok(api.create({"model": MODEL, "input": history})))
    history[1] = {"role": "model", "content": "Nice to meet you."}
    assert "Zorblat" in text_of(ok(api.create({"model": MODEL, "input": history})))


def test_get_returns_the_stored_interaction(api: Api) -> None:
    created = ok(api.create({"model": MODEL, "input": "hi"}))
    assert ok(api.get(created["id"])) == created


# -- multimodal ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "mime", "word"),
    [
        ("image", "image/png", "an image"),
        ("audio", "audio/wav", "an audio clip"),
        ("video", "video/mp4", "a video"),
        ("document", "application/pdf", "a document"),
    ],
)
def test_media_input_by_data_is_described(api: Api, kind: str, mime: str, word: str) -> None:
    data = base64.b64encode(b"media bytes").decode()
    body = ok(
        api.create(
            {
                "model": MODEL,
                "input": [
                    {"type": "text", "text": "What is this?"},
                    {"type": kind, "data": data, "mime_type": mime},
                ],
            }
        )
    )
    assert text_of(body) == f"The input contains {word} ({mime})."
    modalities = {m["modality"] for m in body["usage"]["input_tokens_by_modality"]}
    assert modalities <= {"text", "image", "audio"}


def test_media_one_word_answer_and_remote_uri(api: Api) -> None:
    body = ok(
        api.create(
            {
                "model": MODEL,
                "input": [
                    {
                        "type": "text",
                        "text": "What kind of media is attached? Answer with one word.",
                    },
                    {"type": "image", "uri": "https://example.com/cat.jpg"},
                ],
            }
        )
    )
    assert text_of(body) == "image"


@pytest.mark.parametrize(
    "content",
    [
        {"type": "image", "data": "@@@", "mime_type": "image/png"},
        {"type": "image", "mime_type": "image/png"},
        {"type": "image", "data": "AAAA", "mime_type": "image/bmp"},
        {"type": "image", "uri": "ftp://example.com/x.png"},
        {"type": "image", "uri": "https://h/v1beta/files/nosuchfile"},
    ],
    ids=["bad-base64", "no-data-or-uri", "bad-mime", "bad-uri-scheme", "unknown-file"],
)
def test_bad_media_is_rejected_naming_the_field(api: Api, content: dict[str, Any]) -> None:
    response = api.create({"model": MODEL, "input": [content]})
    assert response.status_code == 400
    assert "input[0]" in response.json()["error"]["message"]


def test_image_output_is_a_deterministic_png(api: Api) -> None:
    request = {
        "model": "gemini-3-pro-image-preview",
        "input": "Draw a cat.",
        "response_modalities": ["IMAGE"],
    }
    first, second = ok(api.create(request)), ok(api.create(request))
    image = next(o for o in first["outputs"] if o["type"] == "image")
    data = base64.b64decode(image["data"], validate=True)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert image["mime_type"] == "image/png"
    assert first["outputs"] == second["outputs"]
    assert first["usage"]["output_tokens_by_modality"] == [{"modality": "image", "tokens": 1120}]
    refused = api.create({"model": MODEL, "input": "Draw a cat.", "response_modalities": ["IMAGE"]})
    assert refused.status_code == 400


# -- generation config ----------------------------------------------------------------


def test_max_output_tokens_caps_the_output(api: Api) -> None:
    body = ok(
        api.create(
            {
                "model": MODEL,
                "input": "Tell me a story about a brave knight.",
                "generation_config": {"max_output_tokens": 3},
            }
        )
    )
    assert body["usage"]["total_output_tokens"] <= 3


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"temperature": 2.5}, "generation_config.temperature"),
        ({"temperature": -1}, "generation_config.temperature"),
        ({"thinking_level": "extreme"}, "generation_config.thinking_level"),
        ({"max_output_tokens": "many"}, "generation_config.max_output_tokens"),
    ],
)
def test_bad_generation_config_is_rejected(api: Api, config: dict[str, Any], field: str) -> None:
    response = api.create({"model": MODEL, "input": "hi", "generation_config": config})
    assert response.status_code == 400
    assert field in response.json()["error"]["message"]


def test_every_thinking_level_is_accepted(api: Api) -> None:
    spent = []
    for level in ("minimal", "low", "medium", "high"):
        body = ok(
            api.create(
                {
                    "model": MODEL,
                    "input": "hi",
                    "generation_config": {"thinking_level": level, "temperature": 0},
                }
            )
        )
        spent.append(body["usage"]["total_thought_tokens"])
    assert spent == sorted(spent)


# -- function calling -----------------------------------------------------------------


def test_function_call_requires_action_then_result_completes(api: Api) -> None:
    first = ok(
        api.create(
            {"model": MODEL, "input": "What is the weather in Paris?", "tools": [WEATHER_TOOL]}
        )
    )
    assert first["status"] == "requires_action"
    call = first["outputs"][-1]
    assert call["type"] == "function_call"
    assert call["name"] == "get_weather"
    assert call["arguments"] == {"location": "Paris"}
    jsonschema.validate(call["arguments"], WEATHER_TOOL["parameters"])
    result = {
        "type": "function_result",
        "call_id": call["id"],
        "result": {"temperature_c": 21, "condition": "sunny"},
    }
    second = ok(
        api.create(
            {
                "model": MODEL,
                "input": [result],
                "previous_interaction_id": first["id"],
                "tools": [WEATHER_TOOL],
            }
        )
    )
    assert second["status"] == "completed"
    assert "sunny" in text_of(second)


def test_function_result_with_unknown_call_id_is_rejected(api: Api) -> None:
    first = ok(
        api.create(
            {"model": MODEL, "input": "What is the weather in Paris?", "tools": [WEATHER_TOOL]}
        )
    )
    result = {"type": "function_result", "name": "get_weather", "call_id": "nope", "result": "x"}
    response = api.create(
        {"model": MODEL, "input": [result], "previous_interaction_id": first["id"]}
    )
    assert response.status_code == 400
    assert "call_id" in response.json()["error"]["message"]


def test_function_calling_client_side_state(api: Api) -> None:
    history: list[dict[str, Any]] = [{"role": "user", "content": "What is the weather in Paris?"}]
    first = ok(api.create({"model": MODEL, "input": history, "tools": [WEATHER_TOOL]}))
    call = first["outputs"][-1]
    history += [
        {"role": "model", "content": first["outputs"]},
        {
            "role": "user",
            "content": [
                {
                    "type": "function_result",
                    "name": "get_weather",
                    "call_id": call["id"],
                    "result": "Sunny, 21 C",
                }
            ],
        },
    ]
    assert "Sunny, 21 C" in text_of(
        ok(api.create({"model": MODEL, "input": history, "tools": [WEATHER_TOOL]}))
    )


def test_function_tool_without_name_is_rejected(api: Api) -> None:
    response = api.create(
        {"model": MODEL, "input": "hi", "tools": [{"type": "function", "description": "x"}]}
    )
    assert response.status_code == 400


# -- built-in tools and MCP --------------------------------------------------------------


@pytest.mark.parametrize("tool", ["google_search", "code_execution", "url_context", "mcp_server"])
def test_builtin_tool_call_and_result_ids_match(api: Api, tool: str) -> None:
    spec: dict[str, Any] = {"type": tool}
    if tool == "mcp_server":
        spec |= {"name": "weather_service", "url": "https://example.com/mcp"}
    body = ok(
        api.create(
            {
                "model": MODEL,
                "input": "Calculate the 50th Fibonacci number from https://example.com",
                "tools": [spec],
            }
        )
    )
    prefix = "mcp_server_tool" if tool == "mcp_server" else tool
    call = next(o for o in body["outputs"] if o["type"] == f"{prefix}_call")
    result = next(o for o in body["outputs"] if o["type"] == f"{prefix}_result")
    assert result["call_id"] == call["id"]
    assert body["outputs"][-1]["type"] == "text"


def test_mcp_on_gemini_3_makes_no_calls(api: Api) -> None:
    tool = {"type": "mcp_server", "name": "weather_service", "url": "https://example.com/mcp"}
    body = ok(api.create({"model": "gemini-3-pro-preview", "input": "weather?", "tools": [tool]}))
    assert {o["type"] for o in body["outputs"]} == {"thought", "text"}


@pytest.mark.parametrize(
    "tools",
    [
        [{"type": "mcp_server", "name": "weather-service", "url": "https://example.com/mcp"}],
        [
            {"type": "mcp_server", "name": "w", "url": "https://example.com/mcp"},
            WEATHER_TOOL,
            {"type": "google_search"},
        ],
        [{"type": "invalid_tool_type_xyz"}],
    ],
    ids=["mcp-name-dash", "mcp-function-builtin", "unknown-type"],
)
def test_unsupported_tools_are_rejected(api: Api, tools: list[Any]) -> None:
    response = api.create({"model": MODEL, "input": "hi", "tools": tools})
    assert response.status_code == 400
    assert "tools" in response.json()["error"]["message"]


# -- structured output -----------------------------------------------------------------


SCHEMAS: list[dict[str, Any]] = [
    {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
        "required": ["name", "age"],
    },
    {
        "$defs": {
            "A": {
                "type": "object",
                "properties": {"kind": {"enum": ["x", "y"]}, "n": {"type": "number", "minimum": 3}},
                "required": ["kind", "n"],
            }
        },
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/$defs/A"}, "minItems": 2},
            "ok": {"type": "boolean"},
            "maybe": {"anyOf": [{"type": "null"}, {"type": "string", "minLength": 12}]},
        },
        "required": ["items", "ok"],
    },
]


@pytest.mark.parametrize("schema", SCHEMAS)
@pytest.mark.parametrize("mime", [None, "application/json"])
def test_structured_output_validates(api: Api, schema: dict[str, Any], mime: str | None) -> None:
    request: dict[str, Any] = {
        "model": MODEL,
        "input": "Describe a fictional person named Ada who is 36 years old, as JSON.",
        "response_format": schema,
    }
    if mime:
        request["response_mime_type"] = mime
    answer = json.loads(text_of(ok(api.create(request))))
    jsonschema.validate(answer, schema)
    if "age" in schema["properties"]:
        assert answer == {"name": "Ada", "age": 36}


def test_structured_output_with_search_tool(api: Api) -> None:
    body = ok(
        api.create(
            {
                "model": MODEL,
                "input": "x",
                "response_format": SCHEMAS[0],
                "tools": [{"type": "google_search"}],
            }
        )
    )
    jsonschema.validate(json.loads(text_of(body)), SCHEMAS[0])


def test_schema_instance_covers_pydantic_unions() -> None:
    schema = {
        "$defs": {
            "S": {
                "properties": {"t": {"enum": ["a", "b"], "type": "string"}},
                "required": ["t"],
                "type": "object",
            }
        },
        "properties": {"d": {"anyOf": [{"$ref": "#/$defs/S"}, {"type": "integer"}]}},
        "required": ["d"],
        "type": "object",
    }
    assert schema_instance(schema) == {"d": {"t": "a"}}


def test_response_format_not_an_object_is_rejected(api: Api) -> None:
    assert api.create({"model": MODEL, "input": "x", "response_format": "json"}).status_code == 400


# -- streaming and resume --------------------------------------------------------------------


def _stream(api: Api, request: dict[str, Any]) -> Any:
    response = api.create({**request, "stream": True})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    return response


def test_stream_framing_order_and_ids(api: Api) -> None:
    response = _stream(api, {"model": MODEL, "input": "Tell me a short joke about programming."})
    assert response.text.endswith("data: [DONE]\n\n")
    pairs = parse_sse(response.text)
    assert pairs[-1] == (None, "[DONE]")
    events = [d for _, d in pairs[:-1]]
    assert all(name == d["event_type"] for name, d in pairs[:-1])
    types = [e["event_type"] for e in events]
    assert types[:2] == ["interaction.start", "interaction.status_update"]
    assert types[-1] == "interaction.complete"
    ids = [e["event_id"] for e in events]
    assert len(set(ids)) == len(ids)
    text_deltas = [
        e for e in events if e["event_type"] == "content.delta" and e["delta"]["type"] == "text"
    ]
    assert len(text_deltas) >= 2
    complete = events[-1]["interaction"]
    assert complete["usage"]["total_tokens"] > 0
    assert "outputs" not in complete


def _rebuild(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    outputs: dict[int, dict[str, Any]] = {}
    for e in events:
        if e["event_type"] == "content.start":
            outputs[e["index"]] = dict(e["content"])
        elif e["event_type"] == "content.delta":
            target, delta = outputs[e["index"]], dict(e["delta"])
            kind = delta.pop("type")
            if kind == "text":
                target["text"] = target.get("text", "") + delta["text"]
            elif kind == "thought_signature":
                target["signature"] = delta["signature"]
            else:
                target.update(delta)
    return [outputs[i] for i in sorted(outputs)]


@pytest.mark.parametrize(
    "request_body",
    [
        {"model": MODEL, "input": "hi"},
        {"model": MODEL, "input": "What is the weather in Paris?", "tools": [WEATHER_TOOL]},
        {"model": MODEL, "input": "Who won?", "tools": [{"type": "google_search"}]},
        {"model": "gemini-3-pro-image-preview", "input": "Draw", "response_modalities": ["IMAGE"]},
    ],
    ids=["text", "function-call", "search", "image"],
)
def test_streamed_deltas_equal_the_stored_outputs(api: Api, request_body: dict[str, Any]) -> None:
    events = events_of(_stream(api, request_body).text)
    stored = ok(api.get(events[0]["interaction"]["id"]))
    assert _rebuild(events) == stored["outputs"]
    assert events[-1]["interaction"]["status"] == stored["status"]


def test_resume_and_replay(api: Api) -> None:
    events = events_of(_stream(api, {"model": MODEL, "input": "Tell me a joke."}).text)
    interaction_id = events[0]["interaction"]["id"]
    replay = events_of(api.get(interaction_id, stream="true").text)
    assert replay == events
    for cut in (0, 3, len(events) - 2, len(events) - 1):
        resumed = events_of(
            api.get(interaction_id, stream="true", last_event_id=events[cut]["event_id"]).text
        )
        assert resumed == events[cut + 1 :]
    assert (
        api.get(interaction_id, alt="sse").headers["content-type"].startswith("text/event-stream")
    )
    assert api.get(interaction_id, stream="true", last_event_id="evt_9999").status_code == 400
    assert api.get(interaction_id, stream="true", last_event_id="bogus").status_code == 400
    assert api.get(interaction_id, last_event_id=events[0]["event_id"]).status_code == 400


def test_alt_sse_streams_a_create(api: Api) -> None:
    response = api.create({"model": MODEL, "input": "hi", "stream": True}, params={"alt": "sse"})
    assert response.headers["content-type"].startswith("text/event-stream")
    response = api.create({"model": MODEL, "input": "hi"}, params={"alt": "sse"})
    assert response.headers["content-type"].startswith("text/event-stream")


def test_background_stream_follows_the_job_and_resumes(api: Api) -> None:
    response = _stream(api, {"agent": AGENT, "input": "What is 17*23?", "background": True})
    events = events_of(response.text)
    assert events[-1]["event_type"] == "interaction.complete"
    assert "391" in _rebuild(events)[-1]["text"]
    resumed = events_of(
        api.get(
            events[0]["interaction"]["id"], stream="true", last_event_id=events[1]["event_id"]
        ).text
    )
    assert resumed == events[2:]


# -- background, agents, cancel -------------------------------------------------------------


def test_agent_runs_in_background_and_completes(api: Api) -> None:
    started = time.monotonic()
    job = ok(api.create({"agent": AGENT, "input": "Research TPUs.", "background": True}))
    assert time.monotonic() - started < 0.15
    assert job["status"] == "in_progress"
    assert "outputs" not in job
    assert job["agent"] == AGENT
    done = api.wait(job["id"])
    assert done["status"] == "completed"
    assert text_of(done).startswith("Research report")


def test_background_model_interaction(api: Api) -> None:
    job = ok(api.create({"model": MODEL, "input": "What is 17*23?", "background": True}))
    assert job["status"] == "in_progress"
    assert "391" in text_of(api.wait(job["id"]))


def test_cancel_running_then_sticky_then_refused(api: Api) -> None:
    job = ok(api.create({"agent": AGENT, "input": "research", "background": True}))
    cancelled = ok(api.cancel(job["id"]))
    assert cancelled["status"] == "cancelled"
    assert "outputs" not in cancelled
    time.sleep(0.3)
    after = ok(api.get(job["id"]))
    assert after["status"] == "cancelled"
    assert "outputs" not in after
    again = api.cancel(job["id"])
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "failed_precondition"
    events = events_of(api.get(job["id"], stream="true").text)
    assert events[-1]["interaction"]["status"] == "cancelled"


def test_cancel_of_foreground_or_unknown(api: Api) -> None:
    done = ok(api.create({"model": MODEL, "input": "hi"}))
    response = api.cancel(done["id"])
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "failed_precondition"
    assert api.cancel("v1_unknown").status_code == 404


@pytest.mark.parametrize(
    "request_body",
    [
        {"agent": AGENT, "input": "x"},
        {"agent": AGENT, "input": "x", "background": True, "store": False},
        {"model": MODEL, "input": "x", "background": True, "store": False},
        {"agent": "no-such-agent", "input": "x", "background": True},
        {"agent": AGENT, "input": "x", "background": True, "tools": [WEATHER_TOOL]},
    ],
    ids=[
        "agent-foreground",
        "agent-store-false",
        "model-store-false",
        "unknown-agent",
        "agent-function-tool",
    ],
)
def test_background_preconditions(api: Api, request_body: dict[str, Any]) -> None:
    assert api.create(request_body).status_code == 400


# -- storage ------------------------------------------------------------------------------


def test_store_false_is_never_persisted(api: Api) -> None:
    before = api.client.app.state.emulator.store.count()  # type: ignore[attr-defined]
    body = ok(api.create({"model": MODEL, "input": "Hi, my name is Zorblat.", "store": False}))
    assert "id" not in body
    assert api.client.app.state.emulator.store.count() == before  # type: ignore[attr-defined]
    streamed = events_of(_stream(api, {"model": MODEL, "input": "hi", "store": False}).text)
    assert "id" not in streamed[0]["interaction"]


def test_delete_removes_and_breaks_the_chain(api: Api) -> None:
    body = ok(api.create({"model": MODEL, "input": "hi"}))
    assert ok(api.delete(body["id"])) == {}
    assert api.get(body["id"]).status_code == 404
    assert api.delete(body["id"]).status_code == 404
    follow = api.create({"model": MODEL, "input": "hi", "previous_interaction_id": body["id"]})
    assert follow.status_code == 404
    assert "previous_interaction_id" in follow.json()["error"]["message"]


@pytest.mark.parametrize(("tier", "days"), [("free", 1), ("paid", 55)])
def test_retention_by_tier(tier: str, days: int) -> None:
    with emulator(tier=tier) as api:
        body = ok(api.create({"model": MODEL, "input": "hi"}))
        api.advance(days * 86400 - 60)
        ok(api.get(body["id"]))
        api.advance(120)
        assert api.get(body["id"]).status_code == 404


def test_clock_and_tier_control_are_off_by_default() -> None:
    from emulator_helpers import TestClient

    with TestClient(create_app(EmulatorConfig())) as client:
        assert client.post("/__emulator/clock", json={"advance_seconds": 10}).status_code == 404
        assert client.post("/__emulator/tier", json={"tier": "paid"}).status_code == 404


def test_tier_control_switches_retention() -> None:
    from emulator_helpers import TestClient

    config = EmulatorConfig(test_control=True)
    headers = {"x-goog-api-key": "emulator-key"}
    with TestClient(create_app(config)) as client:
        assert client.post("/__emulator/tier", json={"tier": "gold"}).status_code == 400
        assert client.post("/__emulator/tier", json={"tier": "paid"}).json()["tier"] == "paid"
        created = client.post(
            "/v1beta/interactions", json={"model": MODEL, "input": "hi"}, headers=headers
        ).json()
        client.post("/__emulator/clock", json={"advance_seconds": 2 * 86400})
        # Two days old: gone on the free tier, kept on the paid one.
        assert (
            client.get(f"/v1beta/interactions/{created['id']}", headers=headers).status_code == 200
        )
        client.post("/__emulator/tier", json={"tier": "free"})
        assert (
            client.get(f"/v1beta/interactions/{created['id']}", headers=headers).status_code == 404
        )


def test_restart_with_db_keeps_interactions_and_event_logs(tmp_path: Any) -> None:
    db = str(tmp_path / "emulator.sqlite")
    with emulator(db_path=db) as api:
        first = ok(api.create({"model": MODEL, "input": "Hi, my name is Zorblat."}))
        events = events_of(api.get(first["id"], stream="true").text)
        job = ok(api.create({"agent": AGENT, "input": "What is 17*23?", "background": True}))
    with emulator(db_path=db) as api:
        assert ok(api.get(first["id"])) == first
        assert (
            events_of(api.get(first["id"], stream="true", last_event_id=events[2]["event_id"]).text)
            == events[3:]
        )
        follow = ok(
            api.create(
                {
                    "model": MODEL,
                    "input": "What is my name?",
                    "previous_interaction_id": first["id"],
                }
            )
        )
        assert "Zorblat" in text_of(follow)
        assert "391" in text_of(api.wait(job["id"]))


# -- keys and isolation -----------------------------------------------------------------------


def test_keys_required_and_checked(api: Api) -> None:
    missing = api.create({"model": MODEL, "input": "hi"}, key=None)
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "authentication"
    unknown = api.create({"model": MODEL, "input": "hi"}, key="nope")
    assert unknown.status_code == 401
    by_query = api.client.post(
        "/v1beta/interactions", params={"key": KEY}, json={"model": MODEL, "input": "hi"}
    )
    assert by_query.status_code == 200


def test_another_key_sees_nothing(api: Api) -> None:
    body = ok(api.create({"model": MODEL, "input": "Hi, my name is Zorblat."}))
    for response in (
        api.get(body["id"], key=KEY2),
        api.get(body["id"], key=KEY2, stream="true"),
        api.delete(body["id"], key=KEY2),
        api.cancel(body["id"], key=KEY2),
        api.create(
            {"model": MODEL, "input": "What is my name?", "previous_interaction_id": body["id"]},
            key=KEY2,
        ),
    ):
        assert response.status_code == 404
        assert "Zorblat" not in response.text
    ok(api.get(body["id"]))


# -- errors -------------------------------------------------------------------------------------

BAD_REQUESTS: list[tuple[str, Any, str]] = [
    ("not-json", b"{nope", ""),
    ("not-object", [1, 2], ""),
    ("empty-object", {}, "model"),
    (
        "both-model-agent",
        {"model": MODEL, "agent": AGENT, "input": "x", "background": True},
        "model",
    ),
    ("no-input", {"model": MODEL}, "input"),
    ("unknown-model", {"model": "gemini-0", "input": "x"}, "model"),
    ("unknown-field", {"model": MODEL, "input": "x", "colour": 1}, "colour"),
    ("input-number", {"model": MODEL, "input": 5}, "input"),
    ("input-empty-list", {"model": MODEL, "input": []}, "input"),
    ("turn-bad-role", {"model": MODEL, "input": [{"role": "system", "content": "x"}]}, "input[0]"),
    ("content-unknown-type", {"model": MODEL, "input": [{"type": "hologram"}]}, "input[0]"),
    ("text-not-string", {"model": MODEL, "input": [{"type": "text", "text": 5}]}, "input[0].text"),
    ("stream-not-bool", {"model": MODEL, "input": "x", "stream": "yes"}, "stream"),
    ("tools-not-list", {"model": MODEL, "input": "x", "tools": {"type": "google_search"}}, "tools"),
    (
        "modalities-bad",
        {"model": MODEL, "input": "x", "response_modalities": ["SMELL"]},
        "response_modalities[0]",
    ),
    (
        "previous-unknown",
        {"model": MODEL, "input": "x", "previous_interaction_id": "v1_nope"},
        "previous_interaction_id",
    ),
    (
        "previous-not-string",
        {"model": MODEL, "input": "x", "previous_interaction_id": 7},
        "previous_interaction_id",
    ),
    (
        "generation-config-list",
        {"model": MODEL, "input": "x", "generation_config": []},
        "generation_config",
    ),
    (
        "agent-config-on-model",
        {"model": MODEL, "input": "x", "agent_config": {"type": "dynamic"}},
        "agent_config",
    ),
    (
        "deep-nesting",
        {"model": MODEL, "input": [{"role": "user", "content": [{"type": "function_result"}]}]},
        "input[0]",
    ),
]


@pytest.mark.parametrize(
    ("body", "field"), [(b, f) for _, b, f in BAD_REQUESTS], ids=[n for n, _, _ in BAD_REQUESTS]
)
def test_bad_requests_get_a_4xx_naming_the_field(api: Api, body: Any, field: str) -> None:
    response = api.create(body)
    assert 400 <= response.status_code < 500, response.text
    error = response.json()["error"]
    assert isinstance(error["code"], str)
    assert field in error["message"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1beta/nothing"),
        ("PUT", "/v1beta/interactions"),
        ("GET", "/v1beta/interactions/x/cancel"),
        ("GET", "/v1beta/files/none"),
    ],
)
def test_unknown_routes_and_methods_are_4xx_json(api: Api, method: str, path: str) -> None:
    response = api.client.request(method, path, headers={"x-goog-api-key": KEY})
    assert 400 <= response.status_code < 500
    assert isinstance(response.json()["error"]["code"], str)


def test_unknown_fault_is_rejected_eagerly() -> None:
    with pytest.raises(UnknownFaultError, match="known fault modes"):
        EmulatorConfig(faults=("no-such-fault",))
    with pytest.raises(ValueError, match="tier"):
        EmulatorConfig(tier="gold")


# -- files ------------------------------------------------------------------------------------


def _upload(api: Api, data: bytes, mime: str, key: str = KEY) -> dict[str, Any]:
    start = api.client.post(
        "/upload/v1beta/files",
        json={"file": {"displayName": "probe.png"}},
        headers={
            "x-goog-api-key": key,
            "X-Goog-Upload-Protocol": "resumable",
            "X-Goog-Upload-Command": "start",
            "X-Goog-Upload-Header-Content-Length": str(len(data)),
            "X-Goog-Upload-Header-Content-Type": mime,
        },
    )
    assert start.status_code == 200
    url = start.headers["x-goog-upload-url"]
    half = len(data) // 2
    part = api.client.post(
        url,
        content=data[:half],
        headers={"X-Goog-Upload-Command": "upload", "X-Goog-Upload-Offset": "0"},
    )
    assert part.headers["x-goog-upload-status"] == "active"
    done = api.client.post(
        url,
        content=data[half:],
        headers={"X-Goog-Upload-Command": "upload, finalize", "X-Goog-Upload-Offset": str(half)},
    )
    assert done.headers["x-goog-upload-status"] == "final"
    file: dict[str, Any] = done.json()["file"]
    return file


def test_files_upload_get_use_and_isolation(api: Api) -> None:
    from emulator_helpers import REVISION

    file = _upload(api, b"\x89PNG fake image bytes", "image/png")
    assert REVISION.validate(file, "file", strict=True).ok
    assert file["state"] == "ACTIVE"
    assert file["sizeBytes"] == str(len(b"\x89PNG fake image bytes"))
    got = api.client.get(f"/v1beta/{file['name']}", headers={"x-goog-api-key": KEY})
    assert got.json() == file
    content = [{"type": "image", "uri": file["uri"]}, {"type": "text", "text": "What is this?"}]
    assert "image/png" in text_of(ok(api.create({"model": MODEL, "input": content})))
    assert api.create({"model": MODEL, "input": content}, key=KEY2).status_code == 400
    assert (
        api.client.get(f"/v1beta/{file['name']}", headers={"x-goog-api-key": KEY2}).status_code
        == 404
    )
    listed = api.client.get("/v1beta/files", headers={"x-goog-api-key": KEY}).json()["files"]
    assert [f["name"] for f in listed] == [file["name"]]
    assert (
        api.client.delete(f"/v1beta/{file['name']}", headers={"x-goog-api-key": KEY}).json() == {}
    )
    assert (
        api.client.get(f"/v1beta/{file['name']}", headers={"x-goog-api-key": KEY}).status_code
        == 404
    )


def test_upload_protocol_errors(api: Api) -> None:
    plain = api.client.post("/upload/v1beta/files", content=b"x", headers={"x-goog-api-key": KEY})
    assert plain.status_code == 400
    unknown = api.client.post(
        "/upload/v1beta/files",
        params={"upload_id": "nope"},
        headers={"X-Goog-Upload-Command": "upload, finalize"},
    )
    assert unknown.status_code == 404
