"""Today's official SDKs, on their default settings, run the current guide's examples against
the emulator as ``interactions-conformance serve`` starts it with no flag.

google-genai 3.6.1 (Python) and @google/genai 3.3.0 (JS) are the newest on the registries. Both
send no ``Api-Revision`` header and post to ``/v1/interactions``: what they get is the
emulator's default, the newest revision. Each example (``tests/py/*.py``, ``tests/js/*.mjs``)
is a documented example of a current ai.google.dev guide page (named at its top), unchanged but
for the base URL and the key; each runs directly and again through ``interactions-conformance
proxy --upstream``, which must report 0 violations for it and see only ``/v1`` paths.

The SDKs live outside the project's venv (which pins google-genai 1.55.0 for the Dec 2025 guide,
``test_emulator_sdk.py``): ``_sdk_env`` makes a cached venv and a cached npm folder on first use
and the tests skip, with the reason, where that cannot be done (no network, no node).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from _sdk_env import SdkEnvUnavailable, js_genai, sdk_python

HERE = Path(__file__).resolve().parent
PYTHON_SDK = "3.6.1"
JS_SDK = "3.3.0"
KEY = "emulator-key"
SCRIPT_TIMEOUT = 120

# What each example prints when it works (a regex searched in its stdout).
EXPECTED = {
    "text": r"\S",
    "multi_turn": r"Model: .+\nModel: .*Phil",
    "streaming": r"\S",
    "function_calling": r"Tool Call: get_weather\(.*Paris.*\)\nResponse: .*sunny",
    "structured_output": r"name='Ada' age=36|age: 36, name: 'Ada'|name: 'Ada', age: 36",
    "google_search": r"Search: .*euro 2024.*\n.*\S",
    "code_execution": r"Result: 12586269025\n(.|\n)*12586269025",
    "background": r"Status: completed\n.*\S",
    "deep_research": r"Research started: \S+\n(.|\n)*\S",
    "delete": r"Retrieved: \S+ \(completed\) .*user_input.*\nGone after delete: 404",
}
# Printed only when something went wrong (an SDK prints "None"/"undefined" for a missing field).
NEVER = re.compile(r"^(None|undefined)$|Research failed|Traceback", re.MULTILINE)
SCENARIOS = sorted(EXPECTED)


def _started(command: list[str], prefix: str, *, env: dict[str, str] | None = None) -> Any:
    """A CLI server started as a user would; its first line (``prefix`` URL ...) gives the URL."""
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith(prefix):
        proc.kill()
        pytest.fail(f"{' '.join(command)} did not start: {line!r}{proc.stdout.read()[-2000:]}")
    return proc, line[len(prefix) :].split()[0]


def _stop(proc: Any) -> str:
    """Ctrl-C, as a user stops it; the rest of its output."""
    proc.send_signal(signal.SIGINT)
    try:
        out, _ = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return str(out)


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    """``interactions-conformance serve`` with no flag but a free port."""
    command = [sys.executable, "-m", "interactions_conformance._cli", "serve", "--port", "0"]
    proc, url = _started(command, "interactions-conformance emulator on ")
    try:
        yield url
    finally:
        _stop(proc)


class _PythonRunner:
    """One interpreter of the SDK's venv running the examples in turn (``py/_runner.py``)."""

    def __init__(self, python: Path) -> None:
        self.proc = subprocess.Popen(
            [str(python), str(HERE / "py" / "_runner.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, script: Path, base_url: str) -> str:
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        request = {"script": str(script), "base_url": base_url, "api_key": KEY}
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, f"the example runner died running {script.name}"
        answer = json.loads(line)
        assert answer["error"] is None, (
            f"{script.name} raised:\n{answer['stdout']}{answer['error']}"
        )
        return str(answer["stdout"])

    def close(self) -> None:
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        self.proc.stdout.close()


@pytest.fixture(scope="module")
def python_sdk() -> Iterator[_PythonRunner]:
    try:
        python = sdk_python(PYTHON_SDK)
    except SdkEnvUnavailable as exc:
        pytest.skip(f"google-genai {PYTHON_SDK} cannot be installed here: {exc}")
    runner = _PythonRunner(python)
    try:
        yield runner
    finally:
        runner.close()


@pytest.fixture(scope="module")
def js_sdk() -> Path:
    try:
        return js_genai(JS_SDK)
    except SdkEnvUnavailable as exc:
        pytest.skip(f"@google/genai {JS_SDK} cannot be installed here: {exc}")


def _proxy_report(upstream: str, tmp_path: Path) -> tuple[Any, str, Path]:
    log = tmp_path / "proxy.jsonl"
    command = [
        sys.executable, "-m", "interactions_conformance._cli", "proxy",
        "--upstream", upstream, "--port", "0", "--log", str(log),
    ]  # fmt: skip
    proc, url = _started(command, "proxy ")
    return proc, url, log


def _run_example(command: list[str], base_url: str, cwd: Path | None = None) -> str:
    env = {**os.environ, "BASE_URL": base_url, "API_KEY": KEY}
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, env=env, cwd=cwd, timeout=SCRIPT_TIMEOUT
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{' '.join(command)} did not finish in {SCRIPT_TIMEOUT} s: {exc.stdout!r}")
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{' '.join(command)} exited {done.returncode}:\n{output[-3000:]}"
    return done.stdout


def _check_example(name: str, out: str, sdk: str) -> None:
    assert re.search(EXPECTED[name], out), f"{sdk} example {name}: unexpected output:\n{out}"
    assert not NEVER.search(out), f"{sdk} example {name}: a failure in its output:\n{out}"


def _scenario(
    name: str, route: str, run: Callable[[str], str], served: str, tmp_path: Path, sdk: str
) -> None:
    if route == "direct":
        _check_example(name, run(served), sdk)
        return
    proc, url, log = _proxy_report(served, tmp_path)
    try:
        out = run(url)
    finally:
        summary = _stop(proc)
    _check_example(name, out, sdk)
    entries = [json.loads(line) for line in log.read_text("utf-8").splitlines()]
    violations = [e for e in entries if e["kind"] == "violation"]
    exchanges = [e for e in entries if e["kind"] == "exchange"]
    assert not violations, f"{sdk} {name} through the proxy:\n{summary}\n{violations}"
    assert "violations: 0" in summary, summary
    assert exchanges, summary
    assert all(e["checked"] for e in exchanges), exchanges
    # the SDK's default API version: /v1, served by the emulator like /v1beta (REV-V1-PATH)
    assert {e["path"].split("/")[1] for e in exchanges} == {"v1"}, [e["path"] for e in exchanges]


@pytest.mark.parametrize("route", ["direct", "proxy"])
@pytest.mark.parametrize("name", SCENARIOS)
def test_python_sdk_runs_the_guide_on_its_defaults(
    name: str, route: str, served: str, python_sdk: _PythonRunner, tmp_path: Path
) -> None:
    script = HERE / "py" / f"{name}.py"
    sdk = f"google-genai {PYTHON_SDK}"
    _scenario(name, route, lambda url: python_sdk.run(script, url), served, tmp_path, sdk)


@pytest.mark.parametrize("route", ["direct", "proxy"])
@pytest.mark.parametrize("name", SCENARIOS)
def test_js_sdk_runs_the_guide_on_its_defaults(
    name: str, route: str, served: str, js_sdk: Path, tmp_path: Path
) -> None:
    # From stdin with the npm folder as cwd: an ES module resolves "@google/genai" from there.
    script = (HERE / "js" / f"{name}.mjs").read_text("utf-8")
    command = ["node", "--input-type=module", "--eval", script]
    sdk = f"@google/genai {JS_SDK}"
    _scenario(name, route, lambda url: _run_example(command, url, js_sdk), served, tmp_path, sdk)


def test_the_examples_are_the_same_scenarios_in_both_languages() -> None:
    assert sorted(p.stem for p in (HERE / "py").glob("[!_]*.py")) == SCENARIOS
    assert sorted(p.stem for p in (HERE / "js").glob("*.mjs")) == SCENARIOS


def test_the_proxy_catches_a_broken_stream_for_these_clients(
    python_sdk: _PythonRunner, tmp_path: Path
) -> None:
    # Teeth: the same header-less client and proxy, an emulator breaking STREAM-START-FIRST.
    command = [sys.executable, "-m", "interactions_conformance._cli", "serve", "--port", "0"]
    server, upstream = _started(
        [*command, "--fault", "stream-no-start"], "interactions-conformance emulator on "
    )
    try:
        proc, url, log = _proxy_report(upstream, tmp_path)
        try:
            with contextlib.suppress(AssertionError):  # whatever the SDK makes of it
                python_sdk.run(HERE / "py" / "streaming.py", url)
        finally:
            summary = _stop(proc)
    finally:
        _stop(server)
    rules = {e["rule"] for e in map(json.loads, log.read_text("utf-8").splitlines()) if "rule" in e}
    assert "STREAM-START-FIRST" in rules, summary
    assert "violations: 0" not in summary, summary
