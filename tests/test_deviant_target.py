"""A third-party target we did not write the suites for: exact verdicts, rule by rule.

`deviant_target.py` puts the emulator behind a gateway with five systematic
deviations. The suites run against it three times (through the gateway with
no deviation, with all five undeclared, and with four of their rules declared
in the profile) and every rule's outcome is asserted: each deviation fails
exactly the rules listed in CAUSED (or is a known deviation once declared),
every other rule ends as it does on the clean gateway, and no test fails on a
rule no deviation explains (JUnit's ``violated`` properties).

Bounded: four suite modules, the CI Hypothesis profile, one emulator per run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from deviant_target import DEVIATIONS, serving

REPO = Path(__file__).resolve().parents[1]
SUITES = [
    str(REPO / "suites" / f"test_{m}.py") for m in ("basic", "errors", "storage", "streaming")
]

# What each deviation breaks, with why where it is not the obvious rule.
CAUSED: dict[str, dict[str, str]] = {
    "null-fields": {"SCHEMA-INTERACTION": "failed"},
    "error-codes": {"ERR-BODY": "failed"},
    "delete-body": {
        "DELETE-RESPONSE": "failed",
        # test_delete_removes stops at DELETE-RESPONSE, before its GET after the DELETE; the
        # rule's other test needs a retention ledger: not reached, and said so.
        "DELETE-REMOVES": "not exercised",
    },
    "model-and-agent": {
        "BASIC-MODEL-XOR-AGENT": "failed",
        # the accepted answer names the model, not the agent the request sent: reported too
        "BASIC-MODEL-ECHO": "failed",
    },
    "ignore-last-event-id": {
        "STREAM-RESUME": "failed",
        "STREAM-RESUME-UNKNOWN": "failed",
        "STREAM-RESUME-NEEDS-STREAM": "failed",  # the GET without stream no longer has it
    },
}
DECLARED = {
    "SCHEMA-INTERACTION": "absent fields are sent as null",
    "ERR-BODY": "error codes are google.rpc names",
    "DELETE-RESPONSE": 'DELETE answers {"deleted": true}',
    "BASIC-MODEL-XOR-AGENT": "the gateway drops agent when model is given",
}
PROFILE = """\
name = "deviant"
[features]
agents = true
background = true
cancel = true
image_output = true
multimodal_input = true
builtin_tools = true
mcp = true
structured_output = true
streaming = true
resume = true
files = true
test_control = false
second_key = true
strict_fields = true
[models]
default = "gemini-2.5-flash-lite"
image = "gemini-3-pro-image-preview"
thinking = "gemini-3-pro-preview"
agent = "deep-research-pro-preview-12-2025"
"""


class Run:
    def __init__(self, folder: Path, code: int, output: str) -> None:
        self.code = code
        self.output = output
        data = json.loads((folder / "results.json").read_text("utf-8"))
        self.rules: dict[str, Any] = data["rules"]
        self.statuses = {rule: entry["status"] for rule, entry in self.rules.items()}
        cases = list(ET.parse(folder / "junit.xml").getroot().iter("testcase"))
        self.violated = {
            p.get("value") for case in cases for p in case.iter("property")
            if p.get("name") == "violated"
        }  # fmt: skip
        self.failures = {
            str(case.get("name")): str(failure.get("message"))
            for case in cases
            if (failure := case.find("failure")) is not None
        }


def _run(tmp: Path, name: str, deviations: tuple[str, ...], declared: dict[str, str]) -> Run:
    folder = tmp / name
    folder.mkdir()
    profile = folder / "profile.toml"
    lines = [f"{rule} = {json.dumps(why)}" for rule, why in declared.items()]
    profile.write_text(PROFILE + "[deviations]\n" + "\n".join(lines) + "\n", "utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEMINI_API_KEY")}
    env["HYPOTHESIS_PROFILE"] = "ci"
    with serving(deviations) as url:
        command = [
            sys.executable, "-m", "pytest", *SUITES, "-q", "-p", "no:cacheprovider",
            "-p", "no:randomly", f"--rootdir={REPO}", "--target", url, "--profile", str(profile),
            "--api-key", "emulator-key", "--second-api-key", "emulator-key-2",
            "--results", str(folder / "results.json"), f"--junitxml={folder / 'junit.xml'}",
        ]  # fmt: skip
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=600, cwd=folder, env=env
        )
    return Run(folder, done.returncode, done.stdout[-4000:] + done.stderr[-2000:])


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    tmp = tmp_path_factory.mktemp("deviant")
    return {
        "clean": _run(tmp, "clean", (), {}),
        "undeclared": _run(tmp, "undeclared", DEVIATIONS, {}),
        "declared": _run(tmp, "declared", DEVIATIONS, DECLARED),
    }


def _caused() -> dict[str, str]:
    return {rule: status for rules in CAUSED.values() for rule, status in rules.items()}


def test_every_deviation_of_the_gateway_is_listed() -> None:
    assert set(CAUSED) == set(DEVIATIONS)
    assert set(DECLARED) <= set(_caused())


def test_the_gateway_without_deviations_passes(runs: dict[str, Run]) -> None:
    clean = runs["clean"]
    assert clean.code == 0, clean.output
    assert "failed" not in clean.statuses.values()
    assert clean.statuses["ERR-BODY"] == "passed"


def test_undeclared_deviations_fail_exactly_their_rules(runs: dict[str, Run]) -> None:
    clean, run = runs["clean"], runs["undeclared"]
    assert run.code == 1, run.output
    expected = {**clean.statuses, **_caused()}
    assert {r: s for r, s in run.statuses.items() if s != expected[r]} == {}, run.output
    # no test failed on a rule that no deviation explains
    assert run.violated == {r for r, s in _caused().items() if s == "failed"}
    # The rejection test the gateway let through fails under its own rule first; what the
    # accepted answer broke is reported too, after it.
    # (the accepted answer also carries the gateway's null field: SCHEMA-INTERACTION)
    assert run.failures["test_model_xor_agent[both]"] == (
        "violated BASIC-MODEL-XOR-AGENT, SCHEMA-INTERACTION, BASIC-MODEL-ECHO: "
        "a request with both model and agent was accepted"
    )
    assert run.rules["DELETE-REMOVES"]["reason"].startswith(
        "not reached: suites/test_storage.py::test_delete_removes stopped at DELETE-RESPONSE"
    )


def test_declared_deviations_are_known_and_change_no_other_rule(runs: dict[str, Run]) -> None:
    undeclared, run = runs["undeclared"], runs["declared"]
    assert run.code == 1, run.output  # the undeclared ones still fail the run
    expected = {**undeclared.statuses, **dict.fromkeys(DECLARED, "deviation")}
    assert {r: s for r, s in run.statuses.items() if s != expected[r]} == {}, run.output
    for rule, why in DECLARED.items():
        entry = run.rules[rule]
        assert entry["reason"] == f"known deviation: {why}"
        assert entry["evidence"], f"{rule}: the tolerated violations are kept as evidence"
    assert run.violated == {r for r, s in _caused().items() if s == "failed"} - set(DECLARED)
    assert "known deviations: BASIC-MODEL-XOR-AGENT, DELETE-RESPONSE, ERR-BODY" in run.output
