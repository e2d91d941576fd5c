"""Recorded suites replay offline: the committed cassettes, and the plugin's record modes.

`pytest suites --target cassettes` must pass with no emulator and no network: the replay
run below is guarded by a plugin that makes starting the emulator and opening any socket
an error, and its results JSON must name the target ``cassettes``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from _support import REPO
from interactions_conformance import DEFAULT_REVISION
from interactions_conformance._cli import main

pytest_plugins = ["pytester"]
CASSETTES = REPO / "cassettes"
REVISIONS = ("2025-12", "2026-05")
OLD = ("--revision", "2025-12")

GUARD = '''
"""Loaded with -p: the replay run may start no emulator and open no socket."""
import socket

import interactions_conformance.emulator as emulator


def _refuse(*args, **kwargs):
    raise AssertionError("the replay run tried to start the emulator")


def _no_network(self, *args, **kwargs):
    raise AssertionError(f"the replay run opened a connection to {args}")


emulator.running_emulator = _refuse
socket.socket.connect = _no_network
'''


def _needs_cassettes(revision: str) -> Path:
    recorded = CASSETTES / revision / "emulator"
    if not recorded.is_dir():
        pytest.skip(
            f"no recordings at {recorded}: pytest suites --revision {revision} --record-mode rewrite"
        )
    return recorded


@pytest.mark.parametrize("revision", REVISIONS)
def test_the_suites_replay_offline_from_the_committed_cassettes(
    revision: str, tmp_path: Path
) -> None:
    _needs_cassettes(revision)
    (tmp_path / "replay_guard.py").write_text(GUARD)
    results = tmp_path / "results.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO / "tests")])}
    env.pop("GEMINI_API_KEY", None)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "suites",
            # Generated traffic (hypothesis) differs every run: not recorded, not replayable.
            # The plugin skips @given tests; the state machines need the no_cassette marker.
            "--ignore=suites/test_generated.py",
            "--target",
            "cassettes",
            "--revision",
            revision,
            "--results",
            str(results),
            "-p",
            "replay_guard",
            "-p",
            "no:cacheprovider",
            "-q",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    data = json.loads(results.read_text())
    assert data["target"]["name"] == "cassettes"
    assert data["target"]["base_url"] == "http://cassettes.invalid"
    assert data["summary"]["failed"] == 0
    assert data["revision"] == revision
    assert data["requests"] > 100
    if revision == "2025-12":  # BASIC-SDK-COMPAT (SDK 1.55.0) is not a 2026-05 rule
        sdk = data["rules"]["BASIC-SDK-COMPAT"]
        assert sdk["status"] == "skipped"
        assert sdk["reason"].startswith("cannot be replayed from cassettes: the official SDK")


@pytest.mark.parametrize("revision", REVISIONS)
def test_every_cassette_names_its_target_revision_tool_and_time(revision: str) -> None:
    files = sorted(_needs_cassettes(revision).rglob("*.yaml"))
    assert len(files) > 100
    for path in files:
        metadata = yaml.safe_load(path.read_text("utf-8"))["metadata"]
        assert metadata["target"] == "emulator", path
        assert metadata["revision"] == revision, path
        assert metadata["tool"].startswith("interactions_conformance "), path
        assert metadata["recorded"].endswith("Z"), path
        assert path.stem in metadata["test"].replace(" ", "_"), path


@pytest.mark.parametrize("revision", REVISIONS)
def test_the_committed_cassettes_pass_the_check_command(
    revision: str, capsys: pytest.CaptureFixture[str]
) -> None:
    recorded = _needs_cassettes(revision)
    assert main(["check", str(recorded), "--revision", revision]) == 0, capsys.readouterr().out
    assert "0 violations (0 rules), 0 drift" in capsys.readouterr().out


# -- the plugin's options, with pytester ----------------------------------------------

TEST_FILE = """
    def test_create(api, model):
        exchange = api.create({"model": model, "input": "What is 17*23?"})
        assert exchange.response.status == 200

    def test_stream(api, model):
        exchange = api.create({"model": model, "input": "hi", "stream": True})
        assert len(exchange.response.chunks) > 3
"""


def test_record_then_replay_then_a_changed_request_names_the_cassette(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_things=textwrap.dedent(TEST_FILE))
    # In 2025-12 (the default is the newest): the streams below are read as content.* events.
    recorded = pytester.runpytest("--record-mode", "rewrite", "-p", "no:randomly", *OLD)
    recorded.assert_outcomes(passed=2)
    path = pytester.path / "cassettes" / "2025-12" / "emulator" / "test_things" / "test_create.yaml"
    assert path.is_file()
    stream = yaml.safe_load(path.with_name("test_stream.yaml").read_text())
    chunks = stream["interactions"][0]["response"]["body"]["chunks"]
    assert chunks[0].startswith("event: interaction.start\n")
    replayed = pytester.runpytest("--target", "cassettes", "-p", "no:randomly", *OLD)
    replayed.assert_outcomes(passed=2)
    replayed.stdout.fnmatch_lines(["target cassettes (http://cassettes.invalid)*"])
    pytester.makepyfile(test_things=textwrap.dedent(TEST_FILE).replace("17*23", "17*24"))
    changed = pytester.runpytest("--target", "cassettes", "-p", "no:randomly", *OLD)
    changed.assert_outcomes(passed=1, failed=1)
    changed.stdout.fnmatch_lines(
        [
            f"*NoRecordingError: no recording for POST /v1beta/interactions in cassette {path}*",
            "*closest recorded requests:*",
            '*body: /input: recorded "What is 17*23?", sent "What is 17*24?"*',
        ]
    )


def test_target_cassettes_only_replays(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(api):\n    pass\n")
    (pytester.path / "cassettes" / "2025-12" / "emulator").mkdir(parents=True)
    result = pytester.runpytest("--target", "cassettes", "--record-mode", "all")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--target cassettes replays only: --record-mode all*"])


def test_target_cassettes_without_recordings_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(api):\n    pass\n")
    result = pytester.runpytest("--target", "cassettes", "--cassette-target", "live")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    # The live profile pins no revision: the newest (the live API ignores Api-Revision).
    result.stderr.fnmatch_lines(
        [f"*--target cassettes: no recordings at *{DEFAULT_REVISION}?live*"]
    )


def test_unknown_record_mode_is_refused(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--record-mode", "sometimes")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--record-mode: invalid choice: 'sometimes'*"])
