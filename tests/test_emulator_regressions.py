"""Emulator bugs that generated traffic found (suites/test_generated.py), each pinned by the
smallest request that showed it. In process; responses are schema-checked by the helper."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from emulator_helpers import MODEL, REVISION, Api, emulator, events_of
from interactions_conformance import _probes as probes
from interactions_conformance.checks import check_structured_output

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")

MCP_TOOL = {"type": "mcp_server", "name": "docs", "url": "https://mcp.example.com/mcp"}


@pytest.fixture
def api() -> Any:
    with emulator() as client:
        yield client


def _ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_streamed_mcp_result_delta_matches_the_delta_schema(api: Api) -> None:
    """SCHEMA-EVENT: the result was a bare list, which delta.json does not allow."""
    response = api.create({"model": MODEL, "input": "hi", "tools": [MCP_TOOL], "stream": True})
    deltas = [
        e["delta"]
        for e in events_of(response.text)
        if e.get("event_type") == "content.delta"
        and e["delta"].get("type") == "mcp_server_tool_result"
    ]
    assert deltas, response.text
    for delta in deltas:
        result = REVISION.validate(delta, "delta", strict=True)
        assert result.ok, [str(v) for v in result.violations]
    stored = _ok(api.create({"model": MODEL, "input": "hi", "tools": [MCP_TOOL]}))
    outputs = [o for o in stored["outputs"] if o["type"] == "mcp_server_tool_result"]
    assert [o["result"] for o in outputs] == [d["result"] for d in deltas]  # the stream rebuilds it


def test_an_earlier_question_teaches_no_code_word(api: Api) -> None:
    """'... Answer with the code word only.' was read as teaching the code word 'only'."""
    taught = _ok(api.create({"model": MODEL, "input": probes.remember_code_word("ZB44")}))
    previous = taught["id"]
    for _ in range(2):  # the second question has the first one in its context
        asked = _ok(
            api.create(
                {
                    "model": MODEL,
                    "input": probes.ask_code_word(),
                    "previous_interaction_id": previous,
                }
            )
        )
        assert asked["outputs"][-1]["text"] == "ZB44"
        previous = asked["id"]
    alone = _ok(api.create({"model": MODEL, "input": probes.ask_code_word()}))
    assert "only" not in alone["outputs"][-1]["text"].lower()
    assert "don't know" in alone["outputs"][-1]["text"]


def test_unknown_field_accepted_breaks_only_what_it_declares() -> None:
    """The fault used to validate leniently, which also opened every open enum (mime types)."""
    with emulator("unknown-field-accepted") as faulty:
        assert faulty.create({"model": MODEL, "input": "hi", "colour": "blue"}).status_code == 200
        bogus = {
            "type": "image",
            "mime_type": "image/bogus",
            "data": base64.b64encode(probes.tiny_png()).decode(),
        }
        response = faulty.create({"model": MODEL, "input": [bogus]})
        assert response.status_code == 400, response.text
        assert "mime_type" in response.json()["error"]["message"]


def test_media_without_data_or_uri_is_named_in_the_message(api: Api) -> None:
    response = api.create({"model": MODEL, "input": [{"type": "image", "mime_type": "image/png"}]})
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert "input[0]" in message
    assert "'data'" in message
    assert "'uri'" in message


PERSON = probes.PERSON_SCHEMA


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_structured_output_cut_by_max_output_tokens_is_not_completed(
    api: Api, stream: bool
) -> None:
    """SO-VALID-JSON holds for a completed interaction; 2025-12 has no incomplete status."""
    body = {
        "model": MODEL,
        "input": "Describe a person named Ada, 36 years old.",
        "response_format": PERSON,
        "generation_config": {"max_output_tokens": 2},
        "stream": stream,
    }
    response = api.create(body)
    assert response.status_code == 200, response.text
    if stream:
        events = events_of(response.text)
        final = next(e for e in events if e.get("event_type") == "interaction.complete")
        interaction = final["interaction"]
    else:
        interaction = response.json()
        text = interaction["outputs"][-1]["text"]
        with pytest.raises(json.JSONDecodeError):
            json.loads(text)  # cut: no JSON, and not claimed to be
    assert interaction["status"] == "failed"  # 2025-12 spells the canonical incomplete so
    assert interaction["usage"]["total_output_tokens"] <= 2
    assert check_structured_output(interaction, body) == []


def test_structured_output_with_room_completes_with_valid_json(api: Api) -> None:
    body = {
        "model": MODEL,
        "input": "Describe a person named Ada, 36 years old.",
        "response_format": PERSON,
        "generation_config": {"max_output_tokens": 16},
    }
    interaction = _ok(api.create(body))
    assert interaction["status"] == "completed"
    assert json.loads(interaction["outputs"][-1]["text"]) == {"name": "Ada", "age": 36}
    assert check_structured_output(interaction, body) == []
