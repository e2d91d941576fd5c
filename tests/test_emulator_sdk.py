"""The official SDK (google-genai 1.55.0) runs the guide's Python examples unchanged against the emulator.

Each test is one of the guide's examples (shared/guide, "Python" tabs), with
``genai.Client()`` pointed at the emulator; file reads become in-memory bytes.

SDK 1.55.0 reads ``outputs`` and sends no ``Api-Revision`` header, like today's SDKs; the
emulator answers a header-less request in the newest revision, so this user of the Dec 2025
guide starts it in that guide's revision, as ``serve --revision 2025-12`` does. Today's SDKs
on their defaults are ``tests/test_sdk_today.py``.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal, Union

import pytest

genai = pytest.importorskip("google.genai")
from pydantic import BaseModel, Field  # noqa: E402

from interactions_conformance.emulator import running_emulator  # noqa: E402
from interactions_conformance.emulator._engine import png  # noqa: E402

# The SDK warns once that Interactions are experimental; that is the SDK's notice, not a failure.
pytestmark = pytest.mark.filterwarnings("ignore:Interactions usage is experimental:UserWarning")


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with running_emulator(agent_seconds=0.5, revision="2025-12") as url:
        yield genai.Client(api_key="emulator-key", http_options={"base_url": url})


def test_basic_interaction(client: Any) -> None:
    interaction = client.interactions.create(
        model="gemini-3-pro-preview", input="Tell me a short joke about programming."
    )
    assert interaction.outputs[-1].text
    assert interaction.status == "completed"


def test_stateful_conversation_remembers_the_name(client: Any) -> None:
    interaction1 = client.interactions.create(
        model="gemini-2.5-flash", input="Hi, my name is Phil."
    )
    interaction2 = client.interactions.create(
        model="gemini-2.5-flash", input="What is my name?", previous_interaction_id=interaction1.id
    )
    assert "Phil" in interaction2.outputs[-1].text
    again = client.interactions.get(interaction2.id)
    assert again.id == interaction2.id
    assert again.outputs[-1].text == interaction2.outputs[-1].text


def test_stateless_conversation(client: Any) -> None:
    history: list[dict[str, Any]] = [
        {"role": "user", "content": "What are the three largest cities in Spain?"}
    ]
    interaction1 = client.interactions.create(model="gemini-2.5-flash", input=history)
    history.append({"role": "model", "content": interaction1.outputs})
    history.append(
        {"role": "user", "content": "What is the most famous landmark in the second one?"}
    )
    interaction2 = client.interactions.create(model="gemini-2.5-flash", input=history)
    assert interaction2.outputs[-1].text


@pytest.mark.parametrize(
    ("kind", "mime"),
    [
        ("image", "image/png"),
        ("audio", "audio/wav"),
        ("video", "video/mp4"),
        ("document", "application/pdf"),
    ],
)
def test_multimodal_input(client: Any, kind: str, mime: str) -> None:
    data = base64.b64encode(png(b"abcdef") if kind == "image" else b"\x00\x01 media").decode()
    interaction = client.interactions.create(
        model="gemini-2.5-flash",
        input=[
            {"type": "text", "text": "Describe the input."},
            {"type": kind, "data": data, "mime_type": mime},
        ],
    )
    assert f"({mime})" in interaction.outputs[-1].text


def test_image_generation_is_a_png(client: Any, tmp_path: Path) -> None:
    interaction = client.interactions.create(
        model="gemini-3-pro-image-preview",
        input="Generate an image of a futuristic city.",
        response_modalities=["IMAGE"],
    )
    images = [o for o in interaction.outputs if o.type == "image"]
    assert images
    target = tmp_path / "generated_city.png"
    target.write_bytes(base64.b64decode(images[0].data))
    assert target.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert images[0].mime_type == "image/png"


def test_deep_research_completes_by_polling(client: Any) -> None:
    initial = client.interactions.create(
        input="Research the history of the Google TPUs with a focus on 2025 and 2026.",
        agent="deep-research-pro-preview-12-2025",
        background=True,
    )
    assert initial.status == "in_progress"
    deadline = time.monotonic() + 10
    while True:
        interaction = client.interactions.get(initial.id)
        if interaction.status == "completed":
            assert interaction.outputs[-1].text
            break
        assert interaction.status == "in_progress"
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_function_calling_loop_completes(client: Any) -> None:
    def get_weather(location: str) -> str:
        return f"The weather in {location} is sunny."

    weather_tool = {
        "type": "function",
        "name": "get_weather",
        "description": "Gets the weather for a given location.",
        "parameters": {
            "type": "object",
            "properties": {"location": {"type": "string", "description": "The city and state"}},
            "required": ["location"],
        },
    }
    interaction = client.interactions.create(
        model="gemini-2.5-flash", input="What is the weather in Paris?", tools=[weather_tool]
    )
    assert interaction.status == "requires_action"
    calls = [o for o in interaction.outputs if o.type == "function_call"]
    assert [c.arguments for c in calls] == [{"location": "Paris"}]
    for output in calls:
        result = get_weather(**output.arguments)
        interaction = client.interactions.create(
            model="gemini-2.5-flash",
            previous_interaction_id=interaction.id,
            input=[
                {
                    "type": "function_result",
                    "name": output.name,
                    "call_id": output.id,
                    "result": result,
                }
            ],
        )
    assert interaction.status == "completed"
    assert "The weather in Paris is sunny." in interaction.outputs[-1].text


def test_function_calling_client_side_state(client: Any) -> None:
    functions = [
        {
            "type": "function",
            "name": "schedule_meeting",
            "description": "Schedules a meeting with specified attendees at a given time and date.",
            "parameters": {
                "type": "object",
                "properties": {
                    "attendees": {"type": "array", "items": {"type": "string"}},
                    "date": {"type": "string"},
                    "time": {"type": "string"},
                    "topic": {"type": "string"},
                },
                "required": ["attendees", "date", "time", "topic"],
            },
        }
    ]
    history: list[dict[str, Any]] = [
        {
            "role": "user",
            "content": [
                {
                    "type": "text",
                    "text": "Schedule a meeting for 2025-11-01 at 10 am with Peter and Amir about the Next Gen API.",
                }
            ],
        }
    ]
    interaction = client.interactions.create(
        model="gemini-2.5-flash", input=history, tools=functions
    )
    history.append({"role": "model", "content": interaction.outputs})
    finals = []
    for output in interaction.outputs:
        if output.type == "function_call":
            assert output.arguments["attendees"] == ["Peter", "Amir"]
            history.append(
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "function_result",
                            "name": output.name,
                            "call_id": output.id,
                            "result": "Meeting scheduled successfully.",
                        }
                    ],
                }
            )
            interaction2 = client.interactions.create(model="gemini-2.5-flash", input=history)
            finals.append(interaction2.outputs[-1].text)
    assert finals
    assert "Meeting scheduled successfully." in finals[0]


@pytest.mark.parametrize(
    ("tool", "kinds"),
    [
        ("google_search", {"google_search_call", "google_search_result"}),
        ("code_execution", {"code_execution_call", "code_execution_result"}),
        ("url_context", {"url_context_call", "url_context_result"}),
    ],
)
def test_builtin_tools(client: Any, tool: str, kinds: set[str]) -> None:
    prompt = {
        "google_search": "Who won the last Super Bowl?",
        "code_execution": "Calculate the 50th Fibonacci number.",
        "url_context": "Summarize the content of https://www.wikipedia.org/",
    }[tool]
    interaction = client.interactions.create(
        model="gemini-2.5-flash", input=prompt, tools=[{"type": tool}]
    )
    assert kinds <= {o.type for o in interaction.outputs}
    text_output = next((o for o in interaction.outputs if o.type == "text"), None)
    assert text_output is not None
    if tool == "code_execution":
        assert "12586269025" in interaction.outputs[-1].text


def test_remote_mcp(client: Any) -> None:
    mcp_server = {
        "type": "mcp_server",
        "name": "weather_service",
        "url": "https://gemini-api-demos.uc.r.appspot.com/mcp",
    }
    interaction = client.interactions.create(
        model="gemini-2.5-flash",
        input="What is the weather like in New York today?",
        tools=[mcp_server],
    )
    assert interaction.outputs[-1].text
    assert {"mcp_server_tool_call", "mcp_server_tool_result"} <= {
        o.type for o in interaction.outputs
    }


class SpamDetails(BaseModel):
    reason: str = Field(description="The reason why the content is considered spam.")
    spam_type: Literal["phishing", "scam", "unsolicited promotion", "other"]


class NotSpamDetails(BaseModel):
    summary: str = Field(description="A brief summary of the content.")
    is_safe: bool = Field(description="Whether the content is safe for all audiences.")


class ModerationResult(BaseModel):
    decision: Union[SpamDetails, NotSpamDetails]  # noqa: UP007 (the guide's spelling)


@pytest.mark.parametrize(
    ("model", "tools"),
    [("gemini-2.5-flash", None), ("gemini-3-pro-preview", [{"type": "url_context"}])],
)
def test_structured_output_parses(client: Any, model: str, tools: Any) -> None:
    extra = {"tools": tools} if tools else {}
    interaction = client.interactions.create(
        model=model,
        input="Moderate the following content: 'Congratulations! You've won a free cruise. Click here to claim your prize: www.definitely-not-a-scam.com'",
        response_format=ModerationResult.model_json_schema(),
        **extra,
    )
    parsed = ModerationResult.model_validate_json(interaction.outputs[-1].text)
    assert isinstance(parsed.decision, (SpamDetails, NotSpamDetails))


def test_streaming_prints_text_and_total_tokens(client: Any) -> None:
    stream = client.interactions.create(
        model="gemini-2.5-flash", input="Explain quantum entanglement in simple terms.", stream=True
    )
    text, total, types = "", None, []
    for chunk in stream:
        types.append(chunk.event_type)
        if chunk.event_type == "content.delta":
            if chunk.delta.type == "text":
                text += chunk.delta.text
        elif chunk.event_type == "interaction.complete":
            total = chunk.interaction.usage.total_tokens
    assert text
    assert isinstance(total, int)
    assert total > 0
    assert types[0] == "interaction.start"
    assert types[-1] == "interaction.complete"


def test_generation_config(client: Any) -> None:
    interaction = client.interactions.create(
        model="gemini-2.5-flash",
        input="Tell me a story about a brave knight.",
        generation_config={"temperature": 0.7, "max_output_tokens": 500, "thinking_level": "low"},
    )
    assert interaction.outputs[-1].text
    assert interaction.usage.total_output_tokens <= 500


def test_remote_uri_content(client: Any) -> None:
    interaction = client.interactions.create(
        model="gemini-2.5-flash",
        input=[
            {"type": "image", "uri": "https://github.com/example/cats-and-dogs.jpg"},
            {"type": "text", "text": "Describe what you see."},
        ],
    )
    assert any(o.type == "text" and "image" in o.text for o in interaction.outputs)


def test_files_upload_active_and_usable(client: Any, tmp_path: Path) -> None:
    path = tmp_path / "cats-and-dogs.png"
    path.write_bytes(png(b"catdog"))
    file = client.files.upload(file=str(path))
    deadline = time.monotonic() + 10
    while client.files.get(name=file.name).state != "ACTIVE":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    interaction = client.interactions.create(
        model="gemini-2.5-flash",
        input=[
            {"type": "image", "uri": file.uri},
            {"type": "text", "text": "Describe what you see."},
        ],
    )
    texts = [o.text for o in interaction.outputs if o.type == "text"]
    assert texts
    assert "image/png" in texts[0]


def test_delete_and_cancel(client: Any) -> None:
    job = client.interactions.create(
        input="Research something slowly.",
        agent="deep-research-pro-preview-12-2025",
        background=True,
    )
    cancelled = client.interactions.cancel(job.id)
    assert cancelled.status == "cancelled"
    client.interactions.delete(job.id)
    with pytest.raises(genai._interactions.NotFoundError):
        client.interactions.get(job.id)
