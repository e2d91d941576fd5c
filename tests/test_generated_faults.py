"""Proof of power of the generated suites (suites/test_generated.py).

Against the correct emulator they pass; against the emulator in each fault mode
that generation can reach they fail, and the results JSON shows the fault's
rule failed. The faults generation cannot reach are listed with the reason, and
a test keeps the three lists a partition of the emulator's fault table, so a new
fault mode is classified on purpose.

Each run is a subprocess with a fixed ``--hypothesis-seed`` (repeatable), the
``ci`` profile, ``-k`` narrowed to the generated test that reaches the fault,
and its working directory in a temporary folder (so its example database never
mixes with the developer's ``.hypothesis/``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from interactions_conformance._client import ApiClient
from interactions_conformance.checks import check_exchange

emulator = pytest.importorskip("interactions_conformance.emulator")
REPO = Path(__file__).resolve().parents[1]
SUITE = REPO / "suites" / "test_generated.py"

VALID = "test_valid_generated_requests_succeed"
NEAR = "test_near_valid_requests_are_rejected"
LIFECYCLE = "test_lifecycle"

# fault -> the generated test (-k) that reaches it.
CAUGHT: dict[str, str] = {
    # what every response must be: the automatic checks on generated valid traffic
    "usage-negative": VALID,
    "missing-object-fields": VALID,
    "content-bad-type": VALID,
    "timestamps-not-utc": VALID,
    "object-wrong": VALID,
    "usage-total-wrong": VALID,
    "max-tokens-ignored": VALID,
    "background-blocks": VALID,
    # streams: generated stream=true requests
    "sse-no-blank-line": VALID,
    "sse-bad-json": VALID,
    "sse-wrong-content-type": VALID,
    "sse-event-name-mismatch": VALID,
    "stream-no-start": VALID,
    "stream-double-complete": VALID,
    "stream-event-after-complete": VALID,
    "stream-index-skip": VALID,
    "stream-delta-wrong-type": VALID,
    "stream-missing-stop": VALID,
    "stream-no-event-id": VALID,
    "stream-complete-no-usage": VALID,
    # function calling, tools and structured output in generated requests
    "function-call-no-id": VALID,
    "function-call-undeclared": VALID,
    "requires-action-as-completed": VALID,
    "tool-result-call-id-mismatch": VALID,
    "structured-invalid-json": VALID,
    # near-valid requests
    "error-rpc-envelope": NEAR,
    "error-500-on-bad-request": NEAR,
    "error-message-vague": NEAR,
    "unknown-field-accepted": NEAR,
    "malformed-json-accepted": NEAR,
    "background-store-false-accepted": NEAR,
    "agent-foreground-accepted": NEAR,
    "temperature-unchecked": NEAR,
    "base64-unchecked": NEAR,
    "previous-unknown-accepted": NEAR,
    # the lifecycle state machine
    "store-false-retrievable": LIFECYCLE,
    "delete-noop": LIFECYCLE,
    "cancel-ignored": LIFECYCLE,
    "retention-never-expires": LIFECYCLE,
    "retention-early-expiry": LIFECYCLE,
    "previous-ignored": LIFECYCLE,
}

UNREACHABLE: dict[str, str] = {
    "status-bad-enum": "caught, but by another rule: the first failing generated example is a "
    "stream whose interaction.complete says 'done' (STREAM-COMPLETE-USAGE); in lenient mode "
    "the unknown status is drift, so neither of the fault's rules is the one that fails",
    "chain-not-transitive": "reachable in principle (teach, a plain turn, then ask: "
    "CONV-CHAIN-TRANSITIVE), but the ci profile's 25 runs with seed 0 draw no such chain; "
    "suites/test_conversation.py catches it",
    "stream-deltas-differ": "needs a stream compared with a later GET of the same id "
    "(STREAM-EQUALS-RESOURCE); the generated suites check each exchange alone, "
    "suites/test_streaming.py makes that comparison",
    "resume-off-by-one": "generation sends no resume (GET ?stream=true&last_event_id=); "
    "suites/test_streaming.py does",
    "resume-duplicates": "generation sends no resume; suites/test_streaming.py does",
    "resume-from-start": "generation sends no resume; suites/test_streaming.py does",
    "isolation-leak": "the generated suites use one API key; isolation needs a second "
    "(suites/test_errors.py)",
    "auth-optional": "API keys are not part of the generated request bodies: every generated "
    "request carries the valid key",
    "auth-any-key": "API keys are not part of the generated request bodies",
    "image-output-corrupt": "image output needs an image model and costs 1120 tokens a "
    "response on a live target, so generation asks for text only (suites/test_generation.py "
    "covers images)",
}


def test_every_fault_is_classified() -> None:
    table = set(emulator.FAULTS)
    assert set(CAUGHT) & set(UNREACHABLE) == set()
    assert set(CAUGHT) | set(UNREACHABLE) == table, (
        f"unclassified: {sorted(table - set(CAUGHT) - set(UNREACHABLE))}; "
        f"no longer faults: {sorted((set(CAUGHT) | set(UNREACHABLE)) - table)}"
    )


def _run(tmp_path: Path, *options: str) -> tuple[subprocess.CompletedProcess[str], dict]:  # type: ignore[type-arg]
    results = tmp_path / "results.json"
    command = [
        sys.executable, "-m", "pytest", str(SUITE), "-p", "no:cacheprovider", "-q",
        f"--rootdir={REPO}", "-c", str(REPO / "pyproject.toml"), "--hypothesis-seed=0",
        "--results", str(results), *options,
    ]  # fmt: skip
    env = {**os.environ, "HYPOTHESIS_PROFILE": "ci"}
    run = subprocess.run(
        command, capture_output=True, text=True, timeout=600, cwd=tmp_path, env=env
    )
    data = json.loads(results.read_text("utf-8")) if results.is_file() else {}
    return run, data


def test_generated_suites_pass_on_the_correct_emulator(tmp_path: Path) -> None:
    run, data = _run(tmp_path)
    assert run.returncode == 0, run.stdout[-4000:]
    assert data["summary"]["failed"] == 0


@pytest.mark.parametrize("fault", sorted(CAUGHT))
def test_generation_catches_the_fault_by_its_rule(fault: str, tmp_path: Path) -> None:
    rules = set(emulator.FAULTS[fault].rules)
    run, data = _run(tmp_path, "--emulator-fault", fault, "-k", CAUGHT[fault])
    assert run.returncode != 0, f"generation did not catch {fault}:\n{run.stdout[-3000:]}"
    failed = {rule for rule, outcome in data["rules"].items() if outcome["status"] == "failed"}
    assert failed & rules, (
        f"fault {fault} breaks {sorted(rules)}, but the run failed {sorted(failed)}\n"
        f"{run.stdout[-3000:]}"
    )


def test_known_emulator_bugs_still_exist() -> None:
    """Each KNOWN_EMULATOR_BUGS entry of the suite still reproduces; when this fails, the
    emulator was fixed: remove the entry so that generation sends such requests again."""
    body = {
        "model": "gemini-2.5-flash-lite",
        "input": "hi",
        "tools": [{"type": "mcp_server", "name": "docs", "url": "https://mcp.example.com/mcp"}],
        "stream": True,
    }
    with emulator.running_emulator(api_keys=("k",)) as url, ApiClient(url, "k") as api:
        result = check_exchange(api.create(body))
    assert "SCHEMA-EVENT" in {v.rule for v in result.violations}
