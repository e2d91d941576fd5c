"""Secrets never written: the committed cassettes hold no key, and a real record cycle proves it.

The record cycle runs the emulator with a fake Google-shaped key as a *valid* key, records
creates, streams, a GET, the key in the query string and the key inside a prompt, and then
finds no trace of the key in the cassette: not whole, not in part.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from _support import REPO
from interactions_conformance._cassettes import Cassette, CassetteTransport
from interactions_conformance._cli import main
from interactions_conformance._client import ApiClient
from interactions_conformance._secrets import find_secrets
from interactions_conformance.emulator import running_emulator

FAKE = "AIza" + "Fake0Key1For2Scrub3Tests4Only5xx" + "_-9"
SECOND = "plain-second-key"
CASSETTES = REPO / "cassettes"


def test_fake_key_is_google_shaped() -> None:
    assert find_secrets(FAKE) == [FAKE]


def test_committed_cassettes_hold_no_key(capsys: pytest.CaptureFixture[str]) -> None:
    if not CASSETTES.is_dir():
        pytest.skip(f"no cassettes recorded yet ({CASSETTES})")
    # The emulator's keys are not secret, but they are what the cassettes were recorded with:
    # finding them would mean the known-key scrubbing failed.
    code = main(["scan", str(CASSETTES), "--key", "emulator-key", "--key", "emulator-key-2"])
    assert code == 0, capsys.readouterr().out


def test_scan_finds_shaped_and_given_keys_and_never_prints_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.yaml").write_text(f"ok\nkey: {FAKE}\n")
    (tmp_path / "two.txt").write_text("x-goog-api-key: my-own-key\n")
    (tmp_path / "clean.txt").write_text("nothing here\n")
    assert main(["scan", str(tmp_path), "--key", "my-own-key"]) == 1
    out = capsys.readouterr().out
    assert f"{tmp_path / 'a' / 'one.yaml'}:2: a Google-shaped API key: AIzaFa... (39 chars)" in out
    assert f"{tmp_path / 'two.txt'}:1: a key given with --key: my-own... (10 chars)" in out
    assert "2 key(s) found in 3 file(s) scanned" in out
    assert FAKE not in out
    assert main(["scan", str(tmp_path / "clean.txt")]) == 0
    assert main(["scan", str(tmp_path / "absent")]) == 2


def test_a_real_record_cycle_writes_no_trace_of_the_key(tmp_path: Path) -> None:
    path = tmp_path / "cassette.yaml"
    with running_emulator(api_keys=(FAKE, SECOND)) as base_url:
        cassette = Cassette(path, "rewrite", known_keys=(FAKE, SECOND), metadata={"t": FAKE})
        with ApiClient(base_url, FAKE, transport=CassetteTransport(cassette)) as api:
            body = {"model": "gemini-2.5-flash-lite", "input": f"Repeat this: {FAKE}"}
            created = api.create(body)
            assert created.response.status == 200, created.response.body
            assert api.create({**body, "stream": True}).response.status == 200
            assert api.get(created.response.json()["id"], key_in="query").response.status == 200
            assert api.get("v1_missing", api_key=SECOND).response.status == 404
            assert api.create(body, api_key=FAKE + "x").response.status in (400, 401, 403)
        assert cassette.save()
    text = path.read_text("utf-8")
    assert len(cassette.recordings) == 5
    assert find_secrets(text, (FAKE, SECOND)) == []
    for part in (FAKE, FAKE[4:], FAKE[-16:], SECOND):
        assert part not in text
    assert "$GEMINI_API_KEY" in text
    assert main(["scan", str(path), "--key", FAKE, "--key", SECOND]) == 0
