"""The emulator serves both revisions, chosen per request by the ``Api-Revision`` header
(REV-HEADER): 2026-05-20 answers in steps, no header in the config's revision, 2026-05-07 opts
out. Every 2026-05 answer here is validated (strict) against spec/2026-05."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from _support import REAL_TRAFFIC, load_recording, rebuild_steps
from emulator_helpers import AGENT, KEY, MODEL, WEATHER_TOOL, emulator, events_of, parse_sse
from interactions_conformance import load_revision
from interactions_conformance._wire import LEGACY_SCHEMA_MESSAGE, outputs_of
from interactions_conformance.emulator import EmulatorConfig, create_app

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")

R2026 = load_revision("2026-05")
R2025 = load_revision("2025-12")
STEPS_HEADER = {"Api-Revision": "2026-05-20"}
IMAGE_MODEL = "gemini-2.5-flash-image"


class StepsApi:
    """A TestClient that speaks 2026-05 and validates (strict) what comes back."""

    def __init__(self, client: Any, *, validate: bool = True) -> None:
        self.client = client
        self.validate = validate
        self.headers = {"x-goog-api-key": KEY, **STEPS_HEADER}

    def check(self, response: httpx.Response, schema: str) -> httpx.Response:
        if not self.validate:
            return response
        assert response.status_code < 500, response.text
        if response.status_code >= 400:
            found = R2026.validate(response.json(), "error", strict=True)
        elif "text/event-stream" in response.headers.get("content-type", ""):
            for n, event in enumerate(events_of(response.text)):
                found = R2026.validate(event, "sse-event", strict=True, at=f"event {n}")
                assert found.ok, [str(v) for v in found.violations]
                assert not found.drift, found.drift
            return response
        else:
            found = R2026.validate(response.json(), schema, strict=True)
            assert not found.drift, found.drift
        assert found.ok, [str(v) for v in found.violations]
        return response

    def create(self, body: Any, **headers: str) -> httpx.Response:
        response = self.client.post(
            "/v1beta/interactions", json=body, headers={**self.headers, **headers}
        )
        return self.check(response, "interaction")

    def get(self, interaction_id: str, **params: Any) -> httpx.Response:
        response = self.client.get(
            f"/v1beta/interactions/{interaction_id}", params=params, headers=self.headers
        )
        return self.check(response, "interaction")

    def cancel(self, interaction_id: str) -> httpx.Response:
        response = self.client.post(
            f"/v1beta/interactions/{interaction_id}/cancel", headers=self.headers
        )
        return self.check(response, "interaction")

    def wait(self, interaction_id: str, timeout: float = 10) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            body: dict[str, Any] = self.get(interaction_id).json()
            if body.get("status") != "in_progress":
                return body
            assert time.monotonic() < deadline, body
            time.sleep(0.05)


@contextlib.contextmanager
def steps_emulator(*faults: str, **fields: Any) -> Iterator[StepsApi]:
    with emulator(*faults, validate=False, **fields) as api:
        yield StepsApi(api.client, validate=not faults)


@pytest.fixture
def api() -> Iterator[StepsApi]:
    with steps_emulator() as client:
        yield client


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def kinds(body: dict[str, Any]) -> list[str]:
    return [s["type"] for s in body.get("steps", [])]


def final_text(body: dict[str, Any]) -> str:
    last = body["steps"][-1]
    assert last["type"] == "model_output", body["steps"]
    return str(last["content"][-1]["text"])


# -- steps in, steps out -------------------------------------------------------------------


@pytest.mark.parametrize(
    "given",
    [
        "What is 17*23?",
        {"type": "text", "text": "What is 17*23?"},
        [{"type": "text", "text": "What is 17*23?"}],
        [{"type": "user_input", "content": [{"type": "text", "text": "What is 17*23?"}]}],
    ],
    ids=["string", "content", "content-list", "steps"],
)
def test_every_2026_input_form_is_answered_in_steps(api: StepsApi, given: Any) -> None:
    body = ok(api.create({"model": MODEL, "input": given}))
    assert body["status"] == "completed"
    assert "outputs" not in body
    assert "role" not in body
    assert kinds(body) == ["thought", "model_output"]
    assert "391" in final_text(body)
    assert body["service_tier"] == "standard"
    assert body["object"] == "interaction"
    assert body["id"].startswith("v1_")


def test_get_starts_with_the_user_input_then_the_post_steps(api: StepsApi) -> None:
    created = ok(api.create({"model": MODEL, "input": "What is 17*23?"}))
    assert "user_input" not in kinds(created)  # POST-STEPS-NO-INPUT
    got = ok(api.get(created["id"]))
    assert got["steps"][0] == {
        "type": "user_input",
        "content": [{"type": "text", "text": "What is 17*23?"}],
    }
    assert got["steps"][1:] == created["steps"]
    assert ok(api.get(created["id"], include_input="false"))["steps"] == created["steps"]
    refused = api.get(created["id"], include_input="maybe")
    assert refused.status_code == 400
    assert "include_input" in refused.json()["error"]["message"]


@pytest.mark.parametrize("tier", ["flex", "standard", "priority"])
def test_the_service_tier_is_echoed(api: StepsApi, tier: str) -> None:
    body = ok(api.create({"model": MODEL, "input": "hi", "service_tier": tier}))
    assert body["service_tier"] == tier
    assert ok(api.get(body["id"]))["service_tier"] == tier


def test_an_unknown_service_tier_is_refused(api: StepsApi) -> None:
    response = api.create({"model": MODEL, "input": "hi", "service_tier": "turbo"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"
    assert "service_tier" in response.json()["error"]["message"]


def test_steps_of_a_response_are_accepted_back_as_history(api: StepsApi) -> None:
    first_input = [{"type": "user_input", "content": [{"type": "text", "text": "My name is Ada."}]}]
    first = ok(api.create({"model": MODEL, "input": first_input, "store": False}))
    history = [
        *first_input,
        *first["steps"],
        {"type": "user_input", "content": [{"type": "text", "text": "What is my name?"}]},
    ]
    body = ok(api.create({"model": MODEL, "input": history, "store": False}))
    assert "Ada" in final_text(body)  # CONV-STEPS-RESENT
    assert "id" not in body


def test_structured_output_in_a_text_format_is_json(api: StepsApi) -> None:
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    body = ok(
        api.create(
            {
                "model": MODEL,
                "input": "Give n.",
                "response_format": {
                    "type": "text",
                    "mime_type": "application/json",
                    "schema": schema,
                },
            }
        )
    )
    assert isinstance(json.loads(final_text(body))["n"], int)


def test_an_image_format_with_the_image_modality_makes_an_image(api: StepsApi) -> None:
    body = ok(
        api.create(
            {
                "model": IMAGE_MODEL,
                "input": "Draw a cat.",
                "response_modalities": ["image"],
                "response_format": {"type": "image", "aspect_ratio": "1:1"},
            }
        )
    )
    assert [c["type"] for c in outputs_of(body)][-1:] == ["image"]


# -- function calling -------------------------------------------------------------------------


def test_a_function_call_step_requires_action_and_a_result_step_continues(api: StepsApi) -> None:
    ask = "What is the weather in Paris? Use get_weather."
    first = ok(api.create({"model": MODEL, "input": ask, "tools": [WEATHER_TOOL]}))
    assert first["status"] == "requires_action"
    call = first["steps"][-1]
    assert call["type"] == "function_call"
    assert call["name"] == "get_weather"
    assert call["arguments"] == {"location": "Paris"}
    result = {
        "type": "function_result",
        "call_id": call["id"],
        "name": "get_weather",
        "result": "sunny, 21 C",
    }

    # stateful: previous_interaction_id and the result step
    body = ok(
        api.create(
            {
                "model": MODEL,
                "previous_interaction_id": first["id"],
                "input": [result],
                "tools": [WEATHER_TOOL],
            }
        )
    )
    assert body["status"] == "completed"
    assert "sunny, 21 C" in final_text(body)
    got = ok(api.get(body["id"]))
    assert got["steps"][0] == result  # the result is this interaction's input

    # stateless: the whole history as steps
    history = [
        {"type": "user_input", "content": [{"type": "text", "text": ask}]},
        *first["steps"],
        result,
    ]
    again = ok(
        api.create({"model": MODEL, "input": history, "tools": [WEATHER_TOOL], "store": False})
    )
    assert "sunny, 21 C" in final_text(again)


def test_a_result_for_no_pending_call_is_refused(api: StepsApi) -> None:
    stray = {"type": "function_result", "call_id": "nope", "result": "x"}
    response = api.create({"model": MODEL, "input": [stray], "tools": [WEATHER_TOOL]})
    assert response.status_code == 400
    assert "call_id" in response.json()["error"]["message"]


# -- streams ----------------------------------------------------------------------------------


def test_a_stream_is_steps_events_in_the_recorded_order(api: StepsApi) -> None:
    ask = "What is the weather in Paris? Use get_weather."
    response = api.create({"model": MODEL, "input": ask, "tools": [WEATHER_TOOL], "stream": True})
    assert response.status_code == 200
    events = events_of(response.text)
    names = [e["event_type"] for e in events]
    assert names[:2] == ["interaction.created", "interaction.status_update"]
    assert names[-1] == "interaction.completed"
    assert set(names[2:-1]) == {"step.start", "step.delta", "step.stop"}
    assert parse_sse(response.text)[-1] == (None, "[DONE]")
    assert [name for name, _ in parse_sse(response.text)[:-1]] == names  # event: lines agree
    start = next(
        e
        for e in events
        if e["event_type"] == "step.start" and e["step"]["type"] == "function_call"
    )
    assert start["step"]["arguments"] == {}  # STREAM-STEP-START-PARTIAL
    deltas = [e["delta"] for e in events if e.get("index") == start["index"] and "delta" in e]
    assert [d["type"] for d in deltas] == ["arguments_delta"]
    assert isinstance(deltas[0]["arguments"], str)  # STREAM-ARGUMENTS-DELTA
    completed = events[-1]["interaction"]
    assert completed["status"] == "requires_action"
    assert "steps" not in completed
    assert completed["usage"]["total_tokens"] > 0
    got = ok(api.get(completed["id"]))
    assert (
        rebuild_steps(events) == got["steps"][1:]
    )  # the stream equals the resource's output steps


def test_a_replay_and_a_resume_read_the_same_log_in_steps(api: StepsApi) -> None:
    body = ok(api.create({"model": MODEL, "input": "What is 17*23?"}))
    replay = events_of(api.get(body["id"], stream="true").text)
    assert replay[0]["event_type"] == "interaction.created"
    assert rebuild_steps(replay) == body["steps"]
    resumed = events_of(
        api.get(body["id"], stream="true", last_event_id=replay[3]["event_id"]).text
    )
    assert resumed == replay[4:]


def test_a_background_interaction_runs_and_streams_in_steps(api: StepsApi) -> None:
    created = ok(api.create({"agent": AGENT, "input": "Research tea.", "background": True}))
    assert created["status"] == "in_progress"
    assert "steps" not in created
    done = api.wait(created["id"])
    assert done["status"] == "completed"
    assert kinds(done)[0] == "user_input"
    events = events_of(api.get(created["id"], stream="true").text)
    assert rebuild_steps(events) == done["steps"][1:]


def test_a_cancelled_background_interaction_answers_in_steps(api: StepsApi) -> None:
    created = ok(api.create({"agent": AGENT, "input": "Research tea.", "background": True}))
    cancelled = ok(api.cancel(created["id"]))
    assert cancelled["status"] == "cancelled"
    assert "role" not in cancelled


# -- what 2026-05 refuses -------------------------------------------------------------------


def _recorded_legacy_message() -> str:
    path = REAL_TRAFFIC / "2026-steps__error__live-legacy-schema-removed-400.json"
    if not path.is_file():
        return LEGACY_SCHEMA_MESSAGE
    return str(load_recording(path)[1]["error"]["message"])


@pytest.mark.parametrize(
    "legacy",
    [
        {"response_mime_type": "application/json", "response_format": {"type": "object"}},
        {"input": [{"role": "user", "content": "hi"}]},
        {"generation_config": {"image_config": {"aspect_ratio": "1:1"}}},
    ],
    ids=["response_mime_type", "turns", "image_config"],
)
def test_a_legacy_field_is_refused_with_the_recorded_message(
    api: StepsApi, legacy: dict[str, Any]
) -> None:
    response = api.create({"model": MODEL, "input": "hi", **legacy})
    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "invalid_request", "message": _recorded_legacy_message()}
    }


def test_a_bare_json_schema_format_is_refused(api: StepsApi) -> None:
    response = api.create({"model": MODEL, "input": "hi", "response_format": {"type": "object"}})
    assert response.status_code == 400
    assert "response_format" in response.json()["error"]["message"]  # SO-RESPONSE-FORMAT


@pytest.mark.parametrize("value", ["2026-05-10", "yes", "2026-05-20,2026-05-07"])
def test_an_unsupported_revision_header_is_a_400_naming_it(value: str) -> None:
    with emulator() as plain:
        for response in (
            plain.client.post(
                "/v1beta/interactions",
                json={"model": MODEL, "input": "hi"},
                headers={"x-goog-api-key": KEY, "Api-Revision": value},
            ),
            plain.client.get(
                "/v1beta/interactions/v1_x", headers={"x-goog-api-key": KEY, "Api-Revision": value}
            ),
        ):
            assert response.status_code == 400, response.text
            assert response.json()["error"]["code"] == "invalid_request"
            assert "Api-Revision" in response.json()["error"]["message"]


# -- the default revision and the opt-out ---------------------------------------------------


def test_no_header_is_the_2025_12_emulator_unchanged() -> None:
    with emulator() as plain:  # validates every answer against 2025-12, strict, no drift
        body = plain.create({"model": MODEL, "input": "What is 17*23?"}).json()
        assert [o["type"] for o in body["outputs"]] == ["thought", "text"]
        assert body["role"] == "model"
        assert "service_tier" not in body
        assert "steps" not in plain.get(body["id"]).json()
        stream = plain.create({"model": MODEL, "input": "hi", "stream": True}).text
        assert events_of(stream)[0]["event_type"] == "interaction.start"


def test_one_interaction_reads_in_either_revision(api: StepsApi) -> None:
    created = ok(api.create({"model": MODEL, "input": "What is 17*23?", "service_tier": "flex"}))
    legacy = api.client.get(
        f"/v1beta/interactions/{created['id']}", headers={"x-goog-api-key": KEY}
    ).json()
    found = R2025.validate(legacy, "interaction", strict=True)
    assert found.ok, [str(v) for v in found.violations]
    assert not found.drift, found.drift
    assert legacy["outputs"] == outputs_of(created)


def test_a_steps_default_is_answered_without_a_header_and_opted_out_with_one() -> None:
    with emulator(validate=False, revision="2026-05") as server:
        steps = server.client.post(
            "/v1beta/interactions",
            json={"model": MODEL, "input": "hi"},
            headers={"x-goog-api-key": KEY},
        ).json()
        assert "steps" in steps
        legacy = server.client.post(
            "/v1beta/interactions",
            json={"model": MODEL, "input": [{"role": "user", "content": "hi"}]},
            headers={"x-goog-api-key": KEY, "Api-Revision": "2026-05-07"},
        ).json()
        assert "outputs" in legacy
        assert "steps" not in legacy


def test_the_config_refuses_an_unknown_revision() -> None:
    with pytest.raises(ValueError, match="revision must be one of 2025-12, 2026-05"):
        EmulatorConfig(revision="2024-01")
    assert create_app(EmulatorConfig(revision="2026-05")).state.emulator.revision.name == "2026-05"


def test_serve_revision_sets_the_default() -> None:
    with subprocess.Popen(
        [
            sys.executable,
            "-m",
            "interactions_conformance._cli",
            "serve",
            "--port",
            "0",
            "--revision",
            "2026-05",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as proc:
        try:
            assert proc.stdout is not None
            url = proc.stdout.readline().split(" on ", 1)[1].strip()
            lines = [proc.stdout.readline() for _ in range(3)]
            assert any("revision (no Api-Revision header): 2026-05" in line for line in lines), (
                lines
            )
            deadline = time.monotonic() + 10
            while True:
                try:
                    response = httpx.post(
                        f"{url}/v1beta/interactions",
                        json={"model": MODEL, "input": "hi"},
                        headers={"x-goog-api-key": KEY},
                    )
                    break
                except httpx.ConnectError:
                    assert time.monotonic() < deadline
                    time.sleep(0.05)
            assert response.status_code == 200, response.text
            assert "steps" in response.json()
        finally:
            proc.terminate()
            proc.wait(timeout=10)


# -- faults still break the 2026-05 wire form ---------------------------------------------------


def _violations(body: Any, schema: str = "interaction") -> set[tuple[str, str]]:
    return {(v.rule, v.where) for v in R2026.validate(body, schema, strict=True).violations}


def test_content_bad_type_breaks_a_model_output_text() -> None:
    with steps_emulator("content-bad-type") as api:
        body = ok(api.create({"model": MODEL, "input": "hi"}))
        assert any(where == "/steps/1/content/0/text" for _, where in _violations(body))


def test_status_bad_enum_breaks_the_status() -> None:
    with steps_emulator("status-bad-enum") as api:
        body = ok(api.create({"model": MODEL, "input": "hi"}))
        assert ("SCHEMA-STRICT", "/status") in _violations(body)


def test_missing_object_fields_breaks_the_required_status() -> None:
    with steps_emulator("missing-object-fields") as api:
        body = ok(api.create({"model": MODEL, "input": "hi"}))
        assert "id" not in body
        assert any(where == "/status" for _, where in _violations(body))


def test_timestamps_not_utc_break_the_timestamp_pattern() -> None:
    with steps_emulator("timestamps-not-utc") as api:
        body = ok(api.create({"model": MODEL, "input": "hi"}))
        assert {"/created", "/updated"} <= {where for _, where in _violations(body)}


def test_usage_total_wrong_breaks_the_sum() -> None:
    with steps_emulator("usage-total-wrong") as api:
        usage = ok(api.create({"model": MODEL, "input": "hi"}))["usage"]
        parts = sum(
            usage[k]
            for k in (
                "total_input_tokens",
                "total_output_tokens",
                "total_thought_tokens",
                "total_tool_use_tokens",
            )
        )
        assert usage["total_tokens"] == parts + 7  # USAGE-TOTAL-SUM


def test_function_call_no_id_breaks_the_call_step() -> None:
    with steps_emulator("function-call-no-id") as api:
        body = ok(
            api.create(
                {
                    "model": MODEL,
                    "input": "Weather in Paris? Use get_weather.",
                    "tools": [WEATHER_TOOL],
                }
            )
        )
        assert ("FC-CALL-SHAPE", "/steps/1/id") in _violations(body)


def test_stream_delta_wrong_type_sends_arguments_into_a_model_output() -> None:
    with steps_emulator("stream-delta-wrong-type") as api:
        events = events_of(api.create({"model": MODEL, "input": "hi", "stream": True}).text)
        output = next(e["index"] for e in events if e.get("step", {}).get("type") == "model_output")
        deltas = [e["delta"] for e in events if e.get("index") == output and "delta" in e]
        assert deltas[0]["type"] == "arguments_delta"  # a model_output step's first delta


def test_stream_no_start_leaves_out_interaction_created() -> None:
    with steps_emulator("stream-no-start") as api:
        events = events_of(api.create({"model": MODEL, "input": "hi", "stream": True}).text)
        assert events[0]["event_type"] == "interaction.status_update"


def test_sse_bad_json_truncates_step_deltas() -> None:
    with steps_emulator("sse-bad-json") as api:
        frames = parse_sse(api.create({"model": MODEL, "input": "hi", "stream": True}).text)
        broken = [data for name, data in frames if name == "step.delta"]
        assert broken
        assert all(isinstance(data, str) for data in broken)  # not JSON


def test_stream_complete_no_usage_breaks_the_completed_event() -> None:
    with steps_emulator("stream-complete-no-usage") as api:
        events = events_of(api.create({"model": MODEL, "input": "hi", "stream": True}).text)
        assert "usage" not in events[-1]["interaction"]
        assert ("STREAM-COMPLETE-USAGE", "/interaction/usage") in _violations(
            events[-1], "sse-event"
        )


@pytest.mark.parametrize(
    ("tool", "prefix"),
    [
        ({"type": "google_search"}, "google_search"),
        ({"type": "code_execution"}, "code_execution"),
        ({"type": "url_context"}, "url_context"),
        (
            {"type": "mcp_server", "name": "docs", "url": "https://example.com/mcp"},
            "mcp_server_tool",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_built_in_tool_steps_are_valid_posted_and_streamed(
    api: StepsApi, tool: dict[str, Any], prefix: str
) -> None:
    ask = "What is fibonacci 10? See https://example.com/a for tea."
    body = ok(api.create({"model": MODEL, "input": ask, "tools": [tool]}))
    assert [t for t in kinds(body) if t.startswith(prefix)] == [
        f"{prefix}_call",
        f"{prefix}_result",
    ]
    call, result = (s for s in body["steps"] if s["type"].startswith(prefix))
    assert result["call_id"] == call["id"]
    events = events_of(
        api.create({"model": MODEL, "input": ask, "tools": [tool], "stream": True}).text
    )
    assert rebuild_steps(events) == body["steps"]
