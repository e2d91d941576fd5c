"""Proof of power of the generated suites (suites/test_generated.py).

Against the correct emulator they pass; against the emulator in each fault mode
that generation can reach they fail, and the results JSON shows one of the
fault's rules failed. The faults generation cannot reach are listed with the
reason, and a test keeps the two lists a partition of the emulator's fault
table, so a new fault mode is classified on purpose.

What runs per fault is derived, not hand-kept: the generated tests whose rule
marks name one of the fault's rules (``emulator/_faults.py``), or else the
valid-request test, whose every exchange the automatic checks see (schemas,
usage, stream grammar). Each fault gets its own pytest session and emulator,
with a fixed ``--hypothesis-seed`` (repeatable), the ``fault-proof`` profile
(the ``ci`` budget without shrinking: the first failure is the proof, and
shrinking it cost most of the old 16 minutes), ``-x``, and its own working
directory. The sessions run one after the other in a single subprocess
(tests/_pytest_sessions.py), so start-up is paid once and this module's own
process is left untouched.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import Phase, settings

emulator = pytest.importorskip("interactions_conformance.emulator")
REPO = Path(__file__).resolve().parents[1]
SUITE = REPO / "suites" / "test_generated.py"
SESSIONS = Path(__file__).with_name("_pytest_sessions.py")
VALID = "test_valid_generated_requests_succeed"

# Generation reaches these, each within the ci budget; the run must fail with one of its rules.
CAUGHT = frozenset(
    {
        # what every response must be: the automatic checks on generated valid traffic
        "status-bad-enum",  # the first example is a plain request: BASIC-STATUS-COMPLETED
        "usage-negative",
        "missing-object-fields",
        "content-bad-type",
        "timestamps-not-utc",
        "object-wrong",
        "usage-total-wrong",
        "max-tokens-ignored",
        "background-blocks",
        # streams: generated stream=true requests
        "sse-no-blank-line",
        "sse-bad-json",
        "sse-wrong-content-type",
        "sse-event-name-mismatch",
        "stream-no-start",
        "stream-double-complete",
        "stream-event-after-complete",
        "stream-index-skip",
        "stream-delta-wrong-type",
        "stream-missing-stop",
        "stream-no-event-id",
        "stream-complete-no-usage",
        # function calling, tools and structured output in generated requests
        "function-call-no-id",
        "function-call-undeclared",
        "requires-action-as-completed",
        "tool-result-call-id-mismatch",
        "structured-invalid-json",
        # near-valid requests
        "error-rpc-envelope",
        "error-500-on-bad-request",
        "error-message-vague",
        "unknown-field-accepted",
        "malformed-json-accepted",
        "background-store-false-accepted",
        "agent-foreground-accepted",
        "temperature-unchecked",
        "base64-unchecked",
        "previous-unknown-accepted",
        "auth-optional",  # the no-api-key mutation (found missing by benchmarks/peers.py)
        "auth-any-key",  # the unknown-api-key mutation
        # the lifecycle state machines
        "store-false-retrievable",
        "delete-noop",
        "cancel-ignored",
        "retention-never-expires",
        "retention-early-expiry",
        "previous-ignored",
        "chain-not-transitive",
    }
)

UNREACHABLE: dict[str, str] = {
    "stream-deltas-differ": "needs a stream compared with a later GET of the same id "
    "(STREAM-EQUALS-RESOURCE); the generated suites check each exchange alone, "
    "suites/test_streaming.py makes that comparison",
    "resume-off-by-one": "generation sends no resume (GET ?stream=true&last_event_id=); "
    "suites/test_streaming.py does",
    "resume-duplicates": "generation sends no resume; suites/test_streaming.py does",
    "resume-from-start": "generation sends no resume; suites/test_streaming.py does",
    "isolation-leak": "the generated suites use one API key; isolation needs a second "
    "(suites/test_errors.py)",
    "image-output-corrupt": "image output needs an image model and costs 1120 tokens a "
    "response on a live target, so generation asks for text only (suites/test_generation.py "
    "covers images)",
    # Behaviour new in 2026-11 (emulator/_faults.py FAULTS_2026_11): provoked only by a deferred
    # job, the continuation probe, the failure probe or safety_settings, which generation does
    # not draw; suites/test_queue.py, test_continuation.py, test_diagnostics.py, test_usage.py
    # and test_safety.py catch each (tests/test_fault_detection.py, revision 2026-11).
    **{
        name: "2026-11 behaviour: caught by its own suite module under revision 2026-11"
        for name, fault in emulator.FAULTS.items()
        if getattr(fault, "revisions", ())
    },
}


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@functools.cache
def declared_rules() -> dict[str, frozenset[str]]:
    """Every generated test (``name`` or ``name[param]``) -> the rules its marks declare."""
    suite = _load(SUITE, "_generated_suite_marks")
    found: dict[str, frozenset[str]] = {}
    for name, test in vars(suite).items():
        if not name.startswith("test_") or not callable(test):
            continue
        marks: list[Any] = list(getattr(test, "pytestmark", []))
        rules = {r for m in marks if m.name == "rule" for r in m.args}
        params = [p for m in marks if m.name == "parametrize" for p in m.args[1]]
        if not params:
            found[name] = frozenset(rules)
        for param in params:
            extra = {r for m in param.marks if m.name == "rule" for r in m.args}
            found[f"{name}[{param.id}]"] = frozenset(rules | extra)
    return found


def reaching(fault: str) -> list[str]:
    """The generated tests that can reach ``fault``: those declaring one of its rules, else
    the valid-request test (the automatic checks see every exchange it makes)."""
    rules = set(emulator.FAULTS[fault].rules)
    return sorted(t for t, declared in declared_rules().items() if declared & rules) or [VALID]


def test_every_fault_is_classified() -> None:
    table = set(emulator.FAULTS)
    assert CAUGHT & set(UNREACHABLE) == set()
    assert CAUGHT | set(UNREACHABLE) == table, (
        f"unclassified: {sorted(table - CAUGHT - set(UNREACHABLE))}; "
        f"no longer faults: {sorted((CAUGHT | set(UNREACHABLE)) - table)}"
    )


def test_the_reaching_tests_are_derived_from_the_declared_rules() -> None:
    tests = declared_rules()
    assert VALID in tests
    assert "test_lifecycle_state_machine" in tests
    assert "test_near_valid_requests_are_rejected[unknown-field]" in tests, sorted(tests)
    # one per kind: an automatic check, a mutation, a state machine, a rule every mutation checks
    assert reaching("usage-negative") == [VALID]
    assert reaching("unknown-field-accepted") == [
        "test_near_valid_requests_are_rejected[unknown-field]"
    ]
    assert reaching("cancel-ignored") == ["test_lifecycle_with_background_and_cancel"]
    assert "test_near_valid_requests_are_rejected[malformed-json]" not in reaching(
        "error-message-vague"
    )
    assert len(reaching("error-500-on-bad-request")) == len(
        [t for t in tests if t.startswith("test_near_valid_requests_are_rejected[")]
    )


@dataclasses.dataclass(frozen=True)
class Run:
    """One pytest session of the generated suite: its exit code, results JSON and output."""

    exit: int | None  # None: the session never ended (see output)
    results: dict[str, Any] = dataclasses.field(repr=False)
    output: str = dataclasses.field(repr=False)

    def failed_rules(self) -> set[str]:
        rules = self.results.get("rules", {})
        return {rule for rule, outcome in rules.items() if outcome["status"] == "failed"}


def _session_args(folder: Path, fault: str) -> list[str]:
    targets = [f"{SUITE}::{t}" for t in reaching(fault)] if fault else [str(SUITE)]
    options = ["--emulator-fault", fault, "-x"] if fault else []
    return [
        *targets, "-p", "no:cacheprovider", "-q", f"--rootdir={REPO}",
        "-c", str(REPO / "pyproject.toml"), "--hypothesis-seed=0",
        "--results", str(folder / "results.json"), *options,
    ]  # fmt: skip


@pytest.fixture(scope="module")
def runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Run]:
    """fault ("" = the correct emulator) -> its run, for the tests of this module that were
    selected: one subprocess runs every session in turn (tests/_pytest_sessions.py)."""
    here = request.node.path
    selected = [i for i in request.session.items if i.path == here]
    wanted = [""] if any(i.name.startswith("test_generated_suites_pass") for i in selected) else []
    wanted += [i.callspec.params["fault"] for i in selected if hasattr(i, "callspec")]
    root = tmp_path_factory.mktemp("generated-faults")
    folders = {fault: root / (fault or "correct-emulator") for fault in wanted}
    plan = [{"dir": str(folders[f]), "args": _session_args(folders[f], f)} for f in wanted]
    (root / "plan.json").write_text(json.dumps(plan), "utf-8")
    env = {**os.environ, "HYPOTHESIS_PROFILE": "fault-proof"}
    driver = subprocess.run(
        [sys.executable, str(SESSIONS), str(root / "plan.json")],
        capture_output=True, text=True, timeout=900, cwd=root, env=env,
    )  # fmt: skip
    found = {}
    for fault, folder in folders.items():
        ended = (folder / "exit").is_file()
        results = folder / "results.json"
        output = folder / "output.txt"
        found[fault] = Run(
            int((folder / "exit").read_text("utf-8")) if ended else None,
            json.loads(results.read_text("utf-8")) if results.is_file() else {},
            (output.read_text("utf-8") if output.is_file() else "")
            + ("" if ended else f"\nthe session runner stopped first:\n{driver.stderr[-3000:]}"),
        )
    return found


def test_generated_suites_pass_on_the_correct_emulator(runs: dict[str, Run]) -> None:
    run = runs[""]
    assert run.exit == 0, run.output[-4000:]
    assert run.results["summary"]["failed"] == 0
    assert run.results["summary"]["passed"] > 0


@pytest.mark.parametrize("fault", sorted(CAUGHT))
def test_generation_catches_the_fault_by_its_rule(fault: str, runs: dict[str, Run]) -> None:
    rules = set(emulator.FAULTS[fault].rules)
    run = runs[fault]
    assert run.exit == 1, (
        f"generation did not catch {fault} (ran {reaching(fault)}):\n{run.output[-3000:]}"
    )
    assert run.failed_rules() & rules, (
        f"fault {fault} breaks {sorted(rules)}, but the run of {reaching(fault)} failed "
        f"{sorted(run.failed_rules())}\n{run.output[-3000:]}"
    )


# -- the live profile ------------------------------------------------------------------


class _Options:
    def __init__(self, target: str) -> None:
        self.target = target

    def getoption(self, name: str, default: Any = None) -> Any:
        return self.target if name == "--target" else default


@pytest.fixture
def hypothesis_profile_restored() -> Any:
    settings.register_profile("_before-this-test", parent=settings.default)
    yield
    settings.load_profile("_before-this-test")


@pytest.mark.usefixtures("hypothesis_profile_restored")
def test_the_live_profile_spends_little_and_is_chosen_for_a_live_target(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("HYPOTHESIS_PROFILE", raising=False)
    suites_conftest = _load(REPO / "suites" / "conftest.py", "_suites_conftest_profiles")
    live = settings.get_profile("live")
    assert live.max_examples <= 5
    assert live.stateful_step_count <= 5  # the lifecycle machines: a few steps a run
    assert Phase.shrink not in live.phases  # shrinking sends a failing request again and again
    suites_conftest.pytest_configure(_Options("emulator"))
    assert settings.default.max_examples == settings.get_profile("conformance").max_examples
    monkeypatch.setenv("HYPOTHESIS_PROFILE", "deep")
    suites_conftest.pytest_configure(_Options("live"))  # an explicit choice stands
    assert Phase.shrink in settings.default.phases
    monkeypatch.delenv("HYPOTHESIS_PROFILE")
    suites_conftest.pytest_configure(_Options("live"))
    assert settings.default.max_examples == live.max_examples
    assert settings.default.phases == live.phases
