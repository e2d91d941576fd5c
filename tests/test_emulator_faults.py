"""Every fault mode really breaks its rule: the check below passes with the fault on and
fails on the correct emulator, so no fault is a no-op and no check is vacuous."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest

from emulator_helpers import AGENT, KEY2, MODEL, WEATHER_TOOL, Api, emulator, events_of, parse_sse
from interactions_conformance.emulator import FAULTS

# starlette's TestClient warns that it prefers httpx2 (not installed); the in-process client is still right.
pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")

Check = Callable[[Api], None]
CHECKS: dict[str, Check] = {}


def check(name: str) -> Callable[[Check], Check]:
    def register(fn: Check) -> Check:
        assert name in FAULTS, name
        CHECKS[name] = fn
        return fn

    return register


def _simple(api: Api, **extra: Any) -> dict[str, Any]:
    response = api.create({"model": MODEL, "input": "What is 17*23?", **extra})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _stream(api: Api, text: str = "Tell me a short joke about programming.") -> tuple[str, str]:
    response = api.create({"model": MODEL, "input": text, "stream": True})
    return response.text, response.headers["content-type"]


def _bad_tool(api: Api) -> Any:
    return api.create({"model": MODEL, "input": "hi", "tools": [{"type": "bogus"}]})


# -- schemas ----------------------------------------------------------------------


@check("status-bad-enum")
def _(api: Api) -> None:
    assert _simple(api)["status"] == "done"


@check("usage-negative")
def _(api: Api) -> None:
    assert _simple(api)["usage"]["total_cached_tokens"] < 0


@check("missing-object-fields")
def _(api: Api) -> None:
    body = _simple(api)
    assert "id" not in body
    assert "status" not in body


@check("content-bad-type")
def _(api: Api) -> None:
    texts = [o for o in _simple(api)["outputs"] if o["type"] == "text"]
    assert not isinstance(texts[0]["text"], str)


@check("timestamps-not-utc")
def _(api: Api) -> None:
    assert not _simple(api)["created"].endswith("Z")


@check("object-wrong")
def _(api: Api) -> None:
    assert _simple(api)["object"] != "interaction"


# -- errors -------------------------------------------------------------------------


@check("error-rpc-envelope")
def _(api: Api) -> None:
    error = _bad_tool(api).json()["error"]
    assert isinstance(error["code"], int)
    assert error["status"] == "INVALID_ARGUMENT"


@check("error-500-on-bad-request")
def _(api: Api) -> None:
    assert _bad_tool(api).status_code == 500


@check("error-message-vague")
def _(api: Api) -> None:
    response = _bad_tool(api)
    assert response.status_code == 400
    assert "tools[0]" not in response.json()["error"]["message"]


@check("unknown-field-accepted")
def _(api: Api) -> None:
    assert api.create({"model": MODEL, "input": "hi", "colour": "blue"}).status_code == 200


@check("malformed-json-accepted")
def _(api: Api) -> None:
    assert api.create(b"{not json").status_code == 200


# -- SSE framing -------------------------------------------------------------------------


@check("sse-no-blank-line")
def _(api: Api) -> None:
    assert "\n\n" not in _stream(api)[0]


@check("sse-bad-json")
def _(api: Api) -> None:
    assert any(isinstance(data, str) and data != "[DONE]" for _, data in parse_sse(_stream(api)[0]))


@check("sse-wrong-content-type")
def _(api: Api) -> None:
    assert not _stream(api)[1].startswith("text/event-stream")


@check("sse-event-name-mismatch")
def _(api: Api) -> None:
    pairs = [(n, d) for n, d in parse_sse(_stream(api)[0]) if isinstance(d, dict)]
    assert any(name != data["event_type"] for name, data in pairs)


# -- stream grammar ---------------------------------------------------------------------


@check("stream-no-start")
def _(api: Api) -> None:
    assert events_of(_stream(api)[0])[0]["event_type"] != "interaction.start"


@check("stream-double-complete")
def _(api: Api) -> None:
    types = [e["event_type"] for e in events_of(_stream(api)[0])]
    assert types.count("interaction.complete") == 2


@check("stream-event-after-complete")
def _(api: Api) -> None:
    types = [e["event_type"] for e in events_of(_stream(api)[0])]
    assert types[-1] != "interaction.complete"
    assert "interaction.complete" in types


@check("stream-index-skip")
def _(api: Api) -> None:
    indices = sorted({e["index"] for e in events_of(_stream(api)[0]) if "index" in e})
    assert indices != list(range(len(indices)))


@check("stream-delta-wrong-type")
def _(api: Api) -> None:
    events = events_of(_stream(api)[0])
    kinds = {e["index"]: e["content"]["type"] for e in events if e["event_type"] == "content.start"}
    text_index = next(i for i, k in kinds.items() if k == "text")
    deltas = [
        e["delta"]["type"]
        for e in events
        if e["event_type"] == "content.delta" and e["index"] == text_index
    ]
    assert set(deltas) != {"text"}


@check("stream-missing-stop")
def _(api: Api) -> None:
    types = [e["event_type"] for e in events_of(_stream(api)[0])]
    assert types.count("content.start") != types.count("content.stop")


@check("stream-no-event-id")
def _(api: Api) -> None:
    assert any("event_id" not in e for e in events_of(_stream(api)[0]))


@check("stream-complete-no-usage")
def _(api: Api) -> None:
    complete = [e for e in events_of(_stream(api)[0]) if e["event_type"] == "interaction.complete"]
    assert "usage" not in complete[0]["interaction"]


@check("stream-deltas-differ")
def _(api: Api) -> None:
    events = events_of(_stream(api)[0])
    interaction_id = events[0]["interaction"]["id"]
    streamed = "".join(
        e["delta"]["text"]
        for e in events
        if e["event_type"] == "content.delta" and e["delta"]["type"] == "text"
    )
    stored = api.get(interaction_id).json()["outputs"][-1]["text"]
    assert streamed != stored


# -- resume -----------------------------------------------------------------------------


def _resume(api: Api, after: str = "evt_0003") -> list[str]:
    interaction_id = _simple(api)["id"]
    response = api.get(interaction_id, stream="true", last_event_id=after)
    return [e["event_id"] for e in events_of(response.text)]


@check("resume-off-by-one")
def _(api: Api) -> None:
    assert _resume(api)[0] == "evt_0003"


@check("resume-duplicates")
def _(api: Api) -> None:
    ids = _resume(api)
    assert len(ids) != len(set(ids))


@check("resume-from-start")
def _(api: Api) -> None:
    assert _resume(api)[0] == "evt_0000"


# -- storage, background, cancel -------------------------------------------------------------


@check("store-false-retrievable")
def _(api: Api) -> None:
    body = _simple(api, store=False)
    assert "id" in body
    assert api.get(body["id"]).status_code == 200


@check("background-blocks")
def _(api: Api) -> None:
    body = api.create({"agent": AGENT, "input": "research", "background": True}).json()
    assert body["status"] == "completed"


@check("background-store-false-accepted")
def _(api: Api) -> None:
    response = api.create({"model": MODEL, "input": "hi", "background": True, "store": False})
    assert response.status_code == 200


@check("agent-foreground-accepted")
def _(api: Api) -> None:
    assert api.create({"agent": AGENT, "input": "research"}).status_code == 200


@check("cancel-ignored")
def _(api: Api) -> None:
    created = api.create({"agent": AGENT, "input": "research", "background": True}).json()
    cancelled = api.cancel(created["id"]).json()
    assert cancelled["status"] != "cancelled"
    assert api.wait(created["id"])["status"] == "completed"


@check("delete-noop")
def _(api: Api) -> None:
    interaction_id = _simple(api)["id"]
    assert api.delete(interaction_id).json() == {}
    assert api.get(interaction_id).status_code == 200


@check("retention-never-expires")
def _(api: Api) -> None:
    interaction_id = _simple(api)["id"]
    api.advance(60 * 86400)
    assert api.get(interaction_id).status_code == 200


@check("retention-early-expiry")
def _(api: Api) -> None:
    interaction_id = _simple(api)["id"]
    api.advance(2 * 3600)
    assert api.get(interaction_id).status_code == 404


# -- conversation state ---------------------------------------------------------------------


@check("previous-ignored")
def _(api: Api) -> None:
    first = api.create({"model": MODEL, "input": "Hi, my name is Zorblat."}).json()
    second = api.create(
        {"model": MODEL, "input": "What is my name?", "previous_interaction_id": first["id"]}
    )
    assert "Zorblat" not in second.json()["outputs"][-1]["text"]


@check("chain-not-transitive")
def _(api: Api) -> None:
    one = api.create(
        {"model": MODEL, "input": "Remember the code word K7Q2. Reply with OK."}
    ).json()
    two = api.create(
        {"model": MODEL, "input": "Say hello in three words.", "previous_interaction_id": one["id"]}
    )
    three = api.create(
        {
            "model": MODEL,
            "input": "What is the code word?",
            "previous_interaction_id": two.json()["id"],
        }
    )
    assert "K7Q2" not in three.json()["outputs"][-1]["text"]


@check("previous-unknown-accepted")
def _(api: Api) -> None:
    assert _simple(api, previous_interaction_id="v1_doesnotexist").get("status")


# -- keys -------------------------------------------------------------------------------------


@check("isolation-leak")
def _(api: Api) -> None:
    interaction_id = _simple(api)["id"]
    assert api.get(interaction_id, key=KEY2).status_code == 200


@check("auth-optional")
def _(api: Api) -> None:
    assert api.create({"model": MODEL, "input": "hi"}, key=None).status_code == 200


@check("auth-any-key")
def _(api: Api) -> None:
    assert api.create({"model": MODEL, "input": "hi"}, key="made-up-key").status_code == 200


# -- usage and generation -----------------------------------------------------------------------


@check("usage-total-wrong")
def _(api: Api) -> None:
    usage = _simple(api)["usage"]
    parts = (
        "total_input_tokens",
        "total_output_tokens",
        "total_thought_tokens",
        "total_tool_use_tokens",
    )
    assert usage["total_tokens"] != sum(usage[p] for p in parts)


@check("max-tokens-ignored")
def _(api: Api) -> None:
    body = api.create(
        {
            "model": MODEL,
            "input": "Tell me a story about a knight.",
            "generation_config": {"max_output_tokens": 2},
        }
    ).json()
    assert body["usage"]["total_output_tokens"] > 2


@check("temperature-unchecked")
def _(api: Api) -> None:
    assert _simple(api, generation_config={"temperature": 5}).get("status")


@check("image-output-corrupt")
def _(api: Api) -> None:
    body = api.create(
        {
            "model": "gemini-3-pro-image-preview",
            "input": "Draw a cat.",
            "response_modalities": ["IMAGE"],
        }
    ).json()
    image = next(o for o in body["outputs"] if o["type"] == "image")
    assert not base64.b64decode(image["data"]).startswith(b"\x89PNG")


@check("base64-unchecked")
def _(api: Api) -> None:
    body = {
        "model": MODEL,
        "input": [{"type": "image", "data": "@@not base64@@", "mime_type": "image/png"}],
    }
    assert api.create(body).status_code == 200


# -- function calling, tools, structured output ----------------------------------------------------


def _weather(api: Api) -> dict[str, Any]:
    body: dict[str, Any] = api.create(
        {"model": MODEL, "input": "What is the weather in Paris?", "tools": [WEATHER_TOOL]}
    ).json()
    return body


@check("function-call-no-id")
def _(api: Api) -> None:
    call = next(o for o in _weather(api)["outputs"] if o["type"] == "function_call")
    assert "id" not in call


@check("function-call-undeclared")
def _(api: Api) -> None:
    call = next(o for o in _weather(api)["outputs"] if o["type"] == "function_call")
    assert call["name"] != WEATHER_TOOL["name"]


@check("requires-action-as-completed")
def _(api: Api) -> None:
    body = _weather(api)
    assert body["outputs"][-1]["type"] == "function_call"
    assert body["status"] == "completed"


@check("tool-result-call-id-mismatch")
def _(api: Api) -> None:
    outputs = _simple(api, tools=[{"type": "google_search"}])["outputs"]
    call = next(o for o in outputs if o["type"] == "google_search_call")
    result = next(o for o in outputs if o["type"] == "google_search_result")
    assert result["call_id"] != call["id"]


@check("structured-invalid-json")
def _(api: Api) -> None:
    schema = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
    body = _simple(api, response_format=schema)
    try:
        json.loads(body["outputs"][-1]["text"])
    except ValueError:
        return
    raise AssertionError("the final text is valid JSON")


def test_every_fault_has_a_check() -> None:
    # Faults of one revision's new behaviour are checked in that revision's module
    # (tests/test_emulator_2026_11.py).
    assert sorted(CHECKS) == sorted(n for n, f in FAULTS.items() if not f.revisions)


def test_at_least_25_faults_each_citing_rules() -> None:
    assert len(FAULTS) >= 25
    assert all(f.rules and f.description for f in FAULTS.values())


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_fault_breaks_its_rule(name: str) -> None:
    with emulator(name) as api:
        CHECKS[name](api)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_correct_emulator_passes_what_the_fault_breaks(name: str) -> None:
    with emulator() as api, pytest.raises((AssertionError, StopIteration)):
        CHECKS[name](api)
