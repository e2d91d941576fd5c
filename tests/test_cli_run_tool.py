"""`interactions-conformance run` as a tool people keep: preflight, isolation, bad inputs,
selection, secrets, workers, exit codes (issue 15, issue 16 item 1)."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from interactions_conformance.emulator import running_emulator

CLI = [sys.executable, "-m", "interactions_conformance._cli"]
# A Google-shaped key (AIza + 35 characters) that is not a real one.
FAKE_KEY = "AIza" + "FakeKeyForTheSecretsTest0123456789_"[:35]
GATEWAY_TOKEN = "gw-token-that-must-never-print-7f3a"


def _env() -> dict[str, str]:
    # Never the live API from the project's tests, whatever the developer's environment holds.
    return {k: v for k, v in os.environ.items() if not k.startswith("GEMINI_API_KEY")}


def cli(cwd: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, cwd=cwd, timeout=timeout, env=_env()
    )


def _one_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert "Traceback" not in lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def emulator_url() -> Iterator[str]:
    with running_emulator(api_keys=("emulator-key", "emulator-key-2")) as url:
        yield url


@pytest.fixture
def hung_server() -> Iterator[str]:
    """Accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(sock.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    sock.close()


def _dead_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    return int(port)


# -- preflight: each broken setup ends in seconds with one line and exit 2 --------------------


def test_dead_target_is_one_line_exit_2_fast(tmp_path: Path) -> None:
    start = time.monotonic()
    done = cli(tmp_path, "run", "--target", f"http://127.0.0.1:{_dead_port()}", "--api-key", "k")
    assert time.monotonic() - start < 10
    assert done.returncode == 2
    assert "cannot connect" in _one_line(done)


def test_keyless_url_target_is_one_line_exit_2(tmp_path: Path, emulator_url: str) -> None:
    start = time.monotonic()
    done = cli(tmp_path, "run", "--target", emulator_url)
    assert time.monotonic() - start < 10
    assert done.returncode == 2
    line = _one_line(done)
    assert "wants an API key" in line
    assert "--api-key" in line


def test_hung_server_is_one_line_exit_2_within_10_s(tmp_path: Path, hung_server: str) -> None:
    start = time.monotonic()
    done = cli(tmp_path, "run", "--target", hung_server, "--api-key", "k")
    assert time.monotonic() - start < 10
    assert done.returncode == 2
    assert "hung server" in _one_line(done)


def test_preflight_tells_refused_key_wrong_path_and_tls_apart(emulator_url: str) -> None:
    from interactions_conformance._preflight import PreflightError, preflight

    with pytest.raises(PreflightError, match="refused the API key"):
        preflight(emulator_url, "not-a-key")
    with pytest.raises(PreflightError, match=r"nothing serves .* drop the API path"):
        preflight(f"{emulator_url}/v1beta", "emulator-key")
    with pytest.raises(PreflightError, match=r"TLS handshake .* use http://"):
        preflight(emulator_url.replace("http://", "https://"), "emulator-key")
    preflight(emulator_url, "emulator-key")  # a conforming target passes


def test_preflight_names_a_refused_revision() -> None:
    import httpx

    from interactions_conformance._preflight import PreflightError, preflight

    def legacy_gone(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(404, json={"error": {"code": 404, "message": "not found"}})
        message = "The legacy Interactions API schema is no longer supported."
        return httpx.Response(400, json={"error": {"code": 400, "message": message}})

    with pytest.raises(PreflightError, match=r"refuses revision 2025-12 .* try --revision 2026-05"):
        preflight("http://t", "k", revision="2025-12", transport=httpx.MockTransport(legacy_gone))


# -- isolation -------------------------------------------------------------------------------


def _rules_line(output: str) -> str:
    line = next(line for line in output.splitlines() if line.startswith("rules: "))
    return re.sub(r"; tokens: \d+", "", line)


def test_run_ignores_the_projects_pytest_configuration_and_leaves_nothing(
    tmp_path: Path,
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\naddopts = "--cov=acme -p randomly"\n'
        'filterwarnings = ["error"]\n',
        "utf-8",
    )
    (project / "conftest.py").write_text("raise SystemExit('a stray conftest ran')\n", "utf-8")
    (project / "interactions-conformance-results.json").write_text('{"rules": {}}', "utf-8")
    before = sorted(p.name for p in project.iterdir())
    selection = ("run", "-k", "test_string_input or test_delete_removes")
    clean = cli(empty, *selection)
    env = {**_env(), "PYTEST_ADDOPTS": "--cov=acme"}
    # the old results file given again: rewritten, never taken for a test path
    again = ("--results", "interactions-conformance-results.json")
    inside = subprocess.run(
        [*CLI, *selection, *again],
        capture_output=True,
        text=True,
        cwd=project,
        timeout=300,
        env=env,
    )
    assert clean.returncode == 0, clean.stdout[-2000:] + clean.stderr[-2000:]
    assert inside.returncode == 0, inside.stdout[-2000:] + inside.stderr[-2000:]
    assert _rules_line(inside.stdout) == _rules_line(clean.stdout)
    assert sorted(p.name for p in project.iterdir()) == before  # no .hypothesis, no cache
    rewritten = json.loads((project / "interactions-conformance-results.json").read_text("utf-8"))
    assert rewritten["rules"]["DELETE-REMOVES"]["status"] == "passed"
    assert "results written to" not in clean.stdout  # nothing asked for, nothing named
    assert list(empty.iterdir()) == []


def test_usage_error_does_not_show_an_older_runs_table(tmp_path: Path) -> None:
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"rules": {"X": {"status": "passed", "area": "basic"}}}), "utf-8")
    os.utime(old, (time.time() - 60, time.time() - 60))
    done = cli(tmp_path, "run", "--results", str(old), "--revision", "1999-01")
    assert done.returncode == 2
    assert "per area" not in done.stdout


# -- bad inputs: one line, the documented exit code --------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("serve", "--port", "99999"),
        ("serve", "--port", "-5"),
        ("proxy", "--upstream", "http://127.0.0.1:9", "--port", "99999"),
        ("serve", "--db", "/nonexistent/dir/x.sqlite"),
        ("run", "--emulator-fault", "nosuch"),
        ("run", "--profile", "no-such-profile"),
        ("run", "--target", "cassettes"),
        ("run", "--rule", "NO-SUCH-RULE"),
        ("run", "--header", "no colon here"),
        ("run", "--request-timeout", "0"),
        ("run", "--rate-limit", "-1"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: tuple[str, ...]) -> None:
    done = cli(tmp_path, *args, timeout=60)
    assert done.returncode == 2, done.stdout + done.stderr
    line = _one_line(done)
    assert line.startswith("error: ")


def test_serve_db_on_a_text_file(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n", "utf-8")
    done = cli(tmp_path, "serve", "--db", str(text), timeout=60)
    assert done.returncode == 2
    assert "not an SQLite database" in _one_line(done)


def test_unknown_profile_says_where_built_ins_live(tmp_path: Path) -> None:
    line = _one_line(cli(tmp_path, "run", "--profile", "third-pary", timeout=60))
    assert "third-party" in line
    assert "profiles" in line


def test_profile_accepts_a_built_in_name() -> None:
    from interactions_conformance._targets import load_profile

    assert load_profile("third-party").name == "third-party"


def test_cassettes_are_looked_for_in_the_current_directory(tmp_path: Path) -> None:
    line = _one_line(cli(tmp_path, "run", "--target", "cassettes", timeout=60))
    assert str(tmp_path / "cassettes") in line


def test_token_budget_is_incomplete_not_clean(tmp_path: Path) -> None:
    done = cli(tmp_path, "run", "--token-budget", "500", "-q", "-k", "basic or conversation")
    assert done.returncode == 3, done.stdout[-2000:]
    assert "incomplete: the token budget was spent" in done.stdout


def test_ctrl_c_is_one_line_without_traceback(tmp_path: Path) -> None:
    child = subprocess.Popen(
        [*CLI, "run", "-q"], cwd=tmp_path, env=_env(), text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert child.stdout is not None
    child.stdout.readline()  # the seed line: the run has started
    time.sleep(3)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 130
    assert "Traceback" not in out + err
    assert "KeyboardInterrupt" not in out + err
    assert [line for line in err.splitlines() if line.strip()] == [
        "interrupted (Ctrl-C): the run stopped; no results written"
    ]


# -- readable failures -------------------------------------------------------------------------


def test_one_fault_is_a_short_report_whose_rerun_line_reruns_that_rule(tmp_path: Path) -> None:
    done = cli(tmp_path, "run", "--emulator-fault", "stream-no-start")
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    lines = done.stdout.splitlines() + done.stderr.splitlines()
    assert len(lines) < 60, done.stdout  # it was 146 (tracebacks, progress, FAILED list)
    assert "Traceback" not in done.stdout + done.stderr
    blocks = [line for line in lines if line.startswith("[")]
    # the fault breaks one rule; the tests that only read the stream's id fail on it too
    assert blocks == ["[STREAM-START-FIRST] the first event is not interaction.created"], blocks
    readme = (Path(__file__).parents[1] / "README.md").read_text("utf-8")
    example = readme.split("--emulator-fault stream-no-start`\nprints it (", 1)[1]
    assert example.startswith(f"{len(lines)} lines;"), "README.md's fault example is stale"
    shown = example.split("```\n", 1)[1].split("\n```", 1)[0].splitlines()
    assert len(shown) == len(lines), "README.md's fault example is not the whole output"
    (rerun,) = [line.split("rerun:", 1)[1].split() for line in lines if "rerun:" in line]
    assert rerun[:2] == ["interactions-conformance", "run"]
    again = cli(tmp_path, *rerun[1:], "--results", "r.json")
    assert again.returncode == 1, again.stdout[-3000:]
    rules = json.loads((tmp_path / "r.json").read_text("utf-8"))["rules"]
    assert [r for r, v in rules.items() if v["status"] == "failed"] == ["STREAM-START-FIRST"]
    ran = [r for r, v in rules.items() if v["status"] not in ("not exercised", "skipped")]
    assert "BASIC-CREATE" not in ran, ran  # only that rule's tests ran
    assert os.listdir(tmp_path) == ["r.json"]


# -- selection --------------------------------------------------------------------------------


def test_rule_and_k_select_the_tests_of_a_rule(tmp_path: Path) -> None:
    by_rule = cli(tmp_path, "run", "--rule", "DELETE-REMOVES", "--list")
    assert by_rule.returncode == 0, by_rule.stdout + by_rule.stderr
    assert "test_storage.py::test_delete_removes" in by_rule.stdout
    assert "test_basic.py" not in by_rule.stdout
    by_k = cli(tmp_path, "run", "-q", "-k", "DELETE-REMOVES", "--results", "r.json")
    assert by_k.returncode == 0, by_k.stdout[-2000:]
    rules = json.loads((tmp_path / "r.json").read_text("utf-8"))["rules"]
    assert rules["DELETE-REMOVES"]["status"] == "passed"
    assert rules["BASIC-CREATE"]["status"] == "not exercised"


def test_traffic_rule_selects_the_tests_of_its_area(tmp_path: Path) -> None:
    done = cli(tmp_path, "run", "--rule", "STREAM-START-FIRST", "--list")
    assert done.returncode == 0
    listed = [line for line in done.stdout.splitlines() if "::" in line]
    assert listed
    assert all("test_streaming.py" in line for line in listed)


def test_level_and_area_narrow_together(tmp_path: Path) -> None:
    done = cli(tmp_path, "run", "--area", "storage", "--level", "MAY", "--list")
    assert done.returncode in (0, 2)
    listed = [line for line in done.stdout.splitlines() if "::" in line]
    assert all("test_storage.py" in line for line in listed)


def test_rules_command_shows_sources_decision_and_tests(tmp_path: Path) -> None:
    done = cli(tmp_path, "rules", "DELETE-REMOVES")
    assert done.returncode == 0
    assert "sources:" in done.stdout
    assert "test_storage.py::test_delete_removes" in done.stdout
    assert "run: interactions-conformance run --rule DELETE-REMOVES" in done.stdout


# -- secrets (issue 16 item 1) ------------------------------------------------------------------


def test_no_key_in_any_output_of_a_failing_run(tmp_path: Path) -> None:
    with running_emulator(api_keys=(FAKE_KEY,), faults=("usage-total-wrong",)) as url:
        done = cli(
            tmp_path, "run", "--target", url, "--api-key", FAKE_KEY,
            "--header", f"X-Gateway-Token: {GATEWAY_TOKEN}",
            "-k", "test_string_input or test_valid_generated", "--max-examples", "3",
            "-v", "--tb=long", "-rA", "--showlocals",
            "--results", "r.json", "--junitxml", "j.xml",
        )  # fmt: skip
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    assert "USAGE-TOTAL-SUM" in done.stdout  # it did fail, and said why
    texts = {
        "stdout": done.stdout,
        "stderr": done.stderr,
        "results": (tmp_path / "r.json").read_text("utf-8"),
        "junit": (tmp_path / "j.xml").read_text("utf-8"),
    }
    for where, text in texts.items():
        assert text.count(FAKE_KEY) == 0, where
        assert text.count(GATEWAY_TOKEN) == 0, where
        assert text.count(FAKE_KEY[:20]) == 0, where


def test_target_and_client_reprs_mask_keys() -> None:
    from interactions_conformance._client import ApiClient
    from interactions_conformance._plugin import Target

    client = ApiClient("http://t", FAKE_KEY)
    assert FAKE_KEY not in repr(client)
    client.close()
    target = Target("t", "http://t", FAKE_KEY, FAKE_KEY, None, None, False)  # type: ignore[arg-type]
    assert FAKE_KEY not in repr(target)


def test_serve_prints_keys_masked() -> None:
    from interactions_conformance.emulator._serve import masked

    assert masked("emulator-key") == "emulator-key"  # the documented built-in keys
    assert FAKE_KEY[6:] not in masked(FAKE_KEY)


# -- exit codes, Markdown, knobs, workers --------------------------------------------------------


def test_summary_md_and_seed(tmp_path: Path) -> None:
    done = cli(
        tmp_path, "run", "-q", "-k", "test_string_input", "--seed", "7", "--summary-md", "s.md"
    )
    assert done.returncode == 0, done.stdout[-2000:]
    assert done.stdout.startswith("seed 7 (reproduce: interactions-conformance run --seed 7")
    assert (tmp_path / "s.md").read_text("utf-8").startswith("# interactions-conformance report")


def test_help_documents_exit_codes_and_every_option(tmp_path: Path) -> None:
    import argparse

    from interactions_conformance import _plugin, _runopts

    text = cli(tmp_path, "run", "--help").stdout
    for code in ("0  every rule", "1  violations", "2  usage", "3  incomplete"):
        assert code in text
    parser = argparse.ArgumentParser()
    options: list[str] = []

    class Group:
        def addoption(self, *names: str, **_: object) -> None:
            options.extend(n for n in names if n.startswith("--"))

    class Parser:
        def getgroup(self, *_: object) -> Group:
            return Group()

    _plugin.pytest_addoption(Parser())  # type: ignore[arg-type]
    _runopts.pytest_addoption(Parser())  # type: ignore[arg-type]
    # run's own plumbing, spelled --list, --hypothesis-profile and --results on run; compact
    # is what run does unless -v, -q, -r or --tb is given
    internal = {
        "--conformance-compact",
        "--conformance-list",
        "--conformance-hypothesis-profile",
        "--conformance-results-file",
    }
    del parser
    missing = [o for o in options if o not in text and o not in internal]
    assert missing == []
    assert "goes to pytest" in text


def test_two_workers_give_the_same_rules_summary(tmp_path: Path) -> None:
    subset = ("-k", "basic or streaming or storage or errors")
    one = cli(tmp_path, "run", "-q", *subset, "--results", "one.json")
    two = cli(tmp_path, "run", "-q", "-n", "2", *subset, "--results", "two.json")
    assert one.returncode == two.returncode == 0, two.stdout[-2000:] + two.stderr[-2000:]
    a = json.loads((tmp_path / "one.json").read_text("utf-8"))
    b = json.loads((tmp_path / "two.json").read_text("utf-8"))
    assert a["summary"] == b["summary"]
    assert {k: v["status"] for k, v in a["rules"].items()} == {
        k: v["status"] for k, v in b["rules"].items()
    }
    assert a["requests"] == b["requests"]


def test_a_seed_reproduces_its_run(tmp_path: Path) -> None:
    """The same --seed draws the same examples: the same requests, in number and in body."""
    args = ("run", "-q", "-k", "test_valid_generated", "--max-examples", "8", "--seed", "11")
    first = cli(tmp_path, *args, "--results", "a.json")
    again = cli(tmp_path, *args, "--results", "b.json")
    assert first.returncode == again.returncode == 0, first.stdout[-2000:]
    a = json.loads((tmp_path / "a.json").read_text("utf-8"))
    b = json.loads((tmp_path / "b.json").read_text("utf-8"))
    assert a["requests"] == b["requests"]
    assert a["tokens"] == b["tokens"]  # the same bodies: the emulator counts their tokens
    other = cli(tmp_path, *args[:-1], "12", "--results", "c.json")
    assert other.returncode == 0
    # another seed draws other bodies (fixed seeds: this holds every run, not by luck)
    assert json.loads((tmp_path / "c.json").read_text("utf-8"))["tokens"] != a["tokens"]


def test_pytest_on_the_suites_is_preflighted_too(tmp_path: Path) -> None:
    """Not only `run`: `pytest suites --target URL` stops before any test on a dead target."""
    from interactions_conformance._cmd_run import suites_root

    command = [sys.executable, "-m", "pytest", str(suites_root()), "-p", "no:cacheprovider"]
    command += ["-q", "--target", f"http://127.0.0.1:{_dead_port()}", "--api-key", "k"]
    done = subprocess.run(
        command, capture_output=True, text=True, cwd=tmp_path, timeout=120, env=_env()
    )
    assert done.returncode == 4  # pytest's usage error
    assert "ERROR: preflight: cannot connect" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert "ConnectError" not in done.stdout + done.stderr
