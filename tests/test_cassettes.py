"""Cassettes: record and replay through our transport, in vcrpy's file format."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import yaml
from vcr.persisters.filesystem import FilesystemPersister
from vcr.serializers import yamlserializer

from interactions_conformance._cassettes import (
    Cassette,
    CassetteError,
    CassetteTransport,
    NoRecordingError,
    sse_frames,
)
from interactions_conformance._client import ApiClient

GOOGLE_KEY = "AIza" + "Zy9X" * 8 + "abc"
SECOND = "second-secret-key"
FRAMES = [
    b'event: interaction.start\ndata: {"event_type": "interaction.start"}\n\n',
    b'event: content.delta\ndata: {"event_type": "content.delta"}\n\n',
    b"data: [DONE]\n\n",
]


class Server:
    """A fake target: counts requests, streams FRAMES, echoes its origin in a header."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        origin = f"{request.url.scheme}://{request.url.netloc.decode()}"
        body = json.loads(request.content or b"{}")
        if body.get("stream"):
            return httpx.Response(
                200,
                headers={"content-type": "text/event-stream"},
                content=b"".join(FRAMES),
            )
        if request.headers.get("x-goog-api-key") not in (GOOGLE_KEY, SECOND):
            return httpx.Response(403, json={"error": {"code": 403, "message": "bad key"}})
        return httpx.Response(
            200,
            headers={"x-goog-upload-url": f"{origin}/upload/1", "x-echo": GOOGLE_KEY},
            json={"n": self.calls, "uri": f"{origin}/v1beta/files/a", "note": f"key {GOOGLE_KEY}"},
        )


def client(
    path: Path, mode: str, server: Server | None = None, base: str = "http://127.0.0.1:1111"
) -> tuple[ApiClient, Cassette]:
    cassette = Cassette(
        path, mode, metadata={"target": "emulator"}, known_keys=(GOOGLE_KEY, SECOND)
    )
    inner = httpx.MockTransport(server or Server())
    return ApiClient(base, GOOGLE_KEY, transport=CassetteTransport(cassette, inner)), cassette


def test_frames_join_back_exactly() -> None:
    data = b"".join(FRAMES) + b"data: partial"
    assert sse_frames(data) == [*FRAMES, b"data: partial"]
    assert sse_frames(b"a\r\n\r\nb\r\rc") == [b"a\r\n\r\n", b"b\r\r", b"c"]


def test_a_recorded_stream_replays_frame_by_frame(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    api, cassette = client(path, "rewrite")
    recorded = api.create({"model": "m", "input": "hi", "stream": True})
    assert cassette.save()
    replay, _ = client(path, "none", base="http://127.0.0.1:2222")
    replayed = replay.create({"model": "m", "input": "hi", "stream": True})
    assert replayed.response.chunks == tuple(FRAMES) == recorded.response.chunks
    stored = yaml.safe_load(path.read_text())
    assert [c.encode() for c in stored["interactions"][0]["response"]["body"]["chunks"]] == FRAMES


def test_the_file_is_a_vcrpy_cassette_with_metadata(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    api, cassette = client(path, "rewrite")
    api.create({"model": "m", "input": "hi"})
    cassette.save()
    requests, responses, metadata = FilesystemPersister.load_cassette(path, yamlserializer)
    assert requests[0].method == "POST"
    assert requests[0].path == "/v1beta/interactions"
    assert responses[0]["status"]["code"] == 200
    assert metadata["target"] == "emulator"
    assert metadata["recorded"].endswith("Z")


def test_secrets_never_reach_the_file(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    api, cassette = client(path, "rewrite")
    api.create({"model": "m", "input": f"my key is {GOOGLE_KEY}"})
    api.create({"model": "m", "input": "hi"}, key_in="query")
    api.create({"model": "m", "input": "hi"}, api_key=SECOND)
    api.create({"model": "m", "input": "hi"}, headers={"Authorization": "Bearer tok-123"})
    cassette.save()
    text = path.read_text()
    for secret in (GOOGLE_KEY, SECOND, "tok-123", "AIza"):
        assert secret not in text
    assert "$GEMINI_API_KEY_2" in text


def test_host_and_port_are_ignored_and_the_origin_follows_the_replay(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    api, cassette = client(path, "rewrite")
    first = api.create({"model": "m", "input": "hi"}).response.json()
    # The client sends back what the target wrote, with the target's origin in it.
    api.create({"model": "m", "input": [{"type": "image", "uri": first["uri"]}]})
    cassette.save()
    replay, _ = client(path, "none", base="http://127.0.0.1:2222")
    again = replay.create({"model": "m", "input": "hi"})
    assert again.response.json()["uri"] == "http://127.0.0.1:2222/v1beta/files/a"
    assert again.response.headers["x-goog-upload-url"] == "http://127.0.0.1:2222/upload/1"
    uri = again.response.json()["uri"]
    assert (
        replay.create({"model": "m", "input": [{"type": "image", "uri": uri}]}).response.json()["n"]
        == 2
    )


def test_each_recording_answers_once_in_order(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    api, cassette = client(path, "rewrite")
    assert [api.get("x").response.json()["n"] for _ in range(3)] == [1, 2, 3]
    cassette.save()
    replay, _ = client(path, "none")
    assert [replay.get("x").response.json()["n"] for _ in range(3)] == [1, 2, 3]
    with pytest.raises(NoRecordingError, match="already played"):
        replay.get("x")


def test_the_key_sent_is_matched_by_slot(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    api, cassette = client(path, "rewrite")
    api.get("x", api_key="wrong")
    api.get("x")
    cassette.save()
    replay, _ = client(path, "none")
    assert replay.get("x").response.status == 200  # the primary key's recording, not the first
    assert replay.get("x", api_key="also-wrong").response.status == 403


def test_no_recording_is_an_assertion_naming_the_file_and_the_closest(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    api, cassette = client(path, "rewrite")
    api.create({"model": "m", "input": "hello", "generation_config": {"temperature": 0}})
    api.get("abc", stream=True)
    cassette.save()
    replay, _ = client(path, "none")
    with pytest.raises(NoRecordingError) as info:
        replay.create({"model": "m", "input": "goodbye", "generation_config": {"temperature": 0}})
    message = str(info.value)
    assert isinstance(info.value, AssertionError)
    assert isinstance(info.value, httpx.TransportError)
    assert str(path) in message
    assert "closest recorded requests:" in message
    assert '#0 POST /v1beta/interactions\n      body: /input: recorded "hello", sent "goodbye"' in (
        message
    )
    assert "#1 GET /v1beta/interactions/abc" in message
    assert "method: recorded" in message


def test_none_without_a_file_says_the_file_does_not_exist(tmp_path: Path) -> None:
    server = Server()
    api, _ = client(tmp_path / "missing.yaml", "none", server)
    with pytest.raises(NoRecordingError, match="the file does not exist"):
        api.get("x")
    assert server.calls == 0


def test_once_records_a_new_file_and_then_only_replays(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    server = Server()
    api, cassette = client(path, "once", server)
    api.get("x")
    cassette.save()
    again, cassette = client(path, "once", server)
    again.get("x")
    with pytest.raises(NoRecordingError):
        again.get("y")
    assert server.calls == 1
    assert not cassette.save()


def test_new_episodes_replays_what_matches_and_records_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    server = Server()
    api, cassette = client(path, "new_episodes", server)
    api.get("x")
    cassette.save()
    again, cassette = client(path, "new_episodes", server)
    again.get("x")
    again.get("y")
    assert server.calls == 2
    assert cassette.save()
    assert len(Cassette(path, "none").recordings) == 2


def test_all_records_everything_and_rewrite_starts_anew(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    server = Server()
    for mode, expected in (("all", 1), ("all", 2), ("rewrite", 1)):
        api, cassette = client(path, mode, server)
        api.get("x")
        cassette.save()
        assert len(Cassette(path, "none").recordings) == expected
    assert server.calls == 3


def test_unknown_mode_and_unreadable_file_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(CassetteError, match="unknown record mode 'sometimes'"):
        Cassette(tmp_path / "c.yaml", "sometimes")
    bad = tmp_path / "bad.yaml"
    bad.write_text("- request: {}\n")
    with pytest.raises(CassetteError, match="cannot read cassette"):
        Cassette(bad, "none")
