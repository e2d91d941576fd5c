"""The pytest plugin: targets, markers, automatic checks, and the rules summary.

Thin by design (STYLE.md habit 9). Precedence, applied in `_session()`:
command-line option > environment variable (``GEMINI_API_KEY``,
``GEMINI_API_KEY_2``) > the profile's defaults. Nothing starts until a test
asks for the ``conformance`` fixture, so the plugin costs nothing in test
runs that do not use it.

Every exchange a suite makes through the ``api`` fixture is checked at once
(`checks.check_exchange`); a violation fails the test with the rule id, unless
the profile lists that rule as a known deviation.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import time
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from ._cassettes import RECORD_MODES
from ._client import ApiClient, TokenBudgetExceeded
from ._findings import ConformanceFailure, Drift, Violation
from ._spec import DEFAULT_REVISION, Revision, SpecError, available_revisions, load_revision
from ._targets import LIVE_BASE_URL, Profile, ProfileError, builtin_profile, load_profile

AREAS: dict[str, str] = {
    "basic": "create, input forms, the Interaction resource (G1 G2 G18 G19 G20)",
    "conversation": "stateful and stateless conversations, get (G3 G4 G5 G22)",
    "multimodal": "image, audio, video and document inputs (G6 G17)",
    "generation": "image output and generation_config (G7 G16)",
    "agents": "agents, background jobs and cancel (G8 G21)",
    "functions": "function calling, server and client state (G9 G10)",
    "tools": "built-in tools and remote MCP (G11 G12 G24)",
    "structured": "structured output, alone and with tools (G13 G14)",
    "streaming": "SSE streaming and resume (G15)",
    "storage": "store, delete and retention (G21)",
    "errors": "error bodies, API keys and isolation",
    "files": "the Files API (G17)",
    "revision": "the Api-Revision header, the steps schema and what it removed (2026-05)",
    "status": "the statuses a revision adds (2026-05: incomplete, budget_exceeded)",
}

# Client limits, selection, generation knobs, console scrubbing and workers: _runopts.py.
pytest_plugins = ["interactions_conformance._runopts"]

_STASH: pytest.StashKey[ConformanceState] = pytest.StashKey()
_OUTCOME_ORDER = ("failed", "deviation", "passed", "skipped")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("interactions-conformance", "Interactions API conformance")
    group.addoption(
        "--target",
        default="emulator",
        help="emulator (default: the reference emulator on a free loopback port), "
        "live (the Gemini API), or a base URL such as http://127.0.0.1:8080",
    )
    group.addoption("--api-key", default=None, help="API key (default: $GEMINI_API_KEY)")
    group.addoption(
        "--second-api-key",
        default=None,
        help="a second key for isolation tests (default: $GEMINI_API_KEY_2; skipped when absent)",
    )
    group.addoption(
        "--revision",
        default=None,
        help=f"spec revision (default: the target profile's revision, else {DEFAULT_REVISION})",
    )
    group.addoption(
        "--profile",
        default=None,
        help="target profile TOML (default: the built-in one for the target)",
    )
    group.addoption(
        "--strict-schema",
        action="store_true",
        default=False,
        help="unknown fields, enum values and event types are violations, not drift",
    )
    group.addoption(
        "--token-budget", type=int, default=None, help="stop sending requests after N tokens"
    )
    group.addoption("--results", default=None, metavar="PATH", help="write the results JSON here")
    group.addoption(
        "--retention-ledger",
        default=None,
        metavar="PATH",
        help="a ledger of stored interactions, re-checked on every run (live retention)",
    )
    group.addoption(
        "--emulator-fault",
        action="append",
        default=[],
        metavar="NAME",
        help="start the emulator with this fault mode (repeatable): proves the suite catches it",
    )
    group.addoption(
        "--record-mode",
        default=None,
        choices=RECORD_MODES,
        help="cassettes: none (replay only), once, new_episodes, all, rewrite "
        "(default: none with --target cassettes, otherwise no recording)",
    )
    group.addoption(
        "--cassette-dir",
        default=None,
        metavar="DIR",
        help="where cassettes are (default: cassettes/ at the rootdir); "
        "one file per test: <revision>/<target>/<module>/<test>.yaml",
    )
    group.addoption(
        "--cassette-target",
        default="emulator",
        metavar="NAME",
        help="with --target cassettes: replay the recordings of this target "
        "(emulator, live, or a host; default emulator)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "rule(*ids): the catalogue rules this test exercises (ids from spec/<revision>/rules.yaml)",
    )
    config.addinivalue_line(
        "markers",
        "no_cassette(reason): the test talks to the target outside the api client, so it cannot "
        "be recorded or replayed; skipped on --target cassettes with the reason",
    )
    config.addinivalue_line(
        "markers",
        "feature(*names): target features this test needs; skipped with the profile's reason when unsupported",
    )
    for area, text in AREAS.items():
        config.addinivalue_line("markers", f"{area}: conformance area: {text}")
    config.stash[_STASH] = ConformanceState(config)


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(_STASH, None)
    if state is not None:
        state.close()


# -- state ----------------------------------------------------------------------


@dataclasses.dataclass
class RuleOutcome:
    status: str = "not exercised"  # passed | failed | skipped | deviation | not exercised
    tests: list[str] = dataclasses.field(default_factory=list)
    evidence: list[dict[str, str]] = dataclasses.field(default_factory=list)
    reason: str = ""

    def record(self, status: str, test: str, reason: str = "") -> None:
        if test not in self.tests:
            self.tests.append(test)
        ranks = {s: i for i, s in enumerate(_OUTCOME_ORDER)}
        if self.status not in ranks or ranks[status] < ranks[self.status]:
            self.status = status
            self.reason = reason or self.reason


@dataclasses.dataclass
class Target:
    name: str  # emulator | live | the URL
    base_url: str
    # Never in a repr: pytest and Hypothesis print fixtures' reprs in failures (CI logs).
    api_key: str | None = dataclasses.field(repr=False)
    second_api_key: str | None = dataclasses.field(repr=False)
    profile: Profile
    revision: Revision
    strict: bool
    control_url: str | None = None  # emulator-only test control, when available


class ConformanceState:
    """Everything the plugin knows about this run; the target starts on first use."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.target: Target | None = None
        self.rules: dict[str, RuleOutcome] = {}
        self.drift: dict[tuple[str, str, str], Drift] = {}
        self.deviations_seen: list[dict[str, str]] = []
        self.requests = 0
        self.streams_checked = 0
        self.tokens = 0
        self.started = time.time()
        self._stack = contextlib.ExitStack()
        self._error: str | None = None

    def close(self) -> None:
        self._stack.close()

    def revision(self) -> Revision:
        """--revision, else the revision the target's profile speaks, else the default."""
        name = (
            self.config.getoption("--revision")
            or self.profile(self.config.getoption("--target")).revision
            or DEFAULT_REVISION
        )
        try:
            return load_revision(name)
        except SpecError as exc:
            raise pytest.UsageError(str(exc)) from exc

    def profile(self, target_name: str) -> Profile:
        path = self.config.getoption("--profile")
        if target_name == "cassettes":  # the profile of the target the recordings came from
            target_name = self.config.getoption("--cassette-target")
        try:
            if path:
                return load_profile(path)
            if target_name == "emulator":
                return builtin_profile("emulator")
            if target_name == "live":
                return builtin_profile("live-free")
            return builtin_profile("third-party")
        except ProfileError as exc:
            raise pytest.UsageError(str(exc)) from exc

    def validate_options(self) -> None:
        name = self.config.getoption("--target")
        if name not in ("emulator", "live", "cassettes") and not name.startswith(
            ("http://", "https://")
        ):
            raise pytest.UsageError(
                f"--target {name!r} is not emulator, live, cassettes, or an http(s) URL"
            )
        if name == "cassettes":
            mode = self.config.getoption("--record-mode")
            if mode not in (None, "none"):
                raise pytest.UsageError(
                    f"--target cassettes replays only: --record-mode {mode} has nothing to record "
                    "from (record against --target emulator, live or a URL)"
                )
            folder = (
                self.cassette_root()
                / self.revision().name
                / _target_dir(self.config.getoption("--cassette-target"))
            )
            if not folder.is_dir():
                raise pytest.UsageError(
                    f"--target cassettes: no recordings at {folder} (record them with "
                    f"--target {self.config.getoption('--cassette-target')} --record-mode rewrite)"
                )
        if name == "live" and not (
            self.config.getoption("--api-key") or os.environ.get("GEMINI_API_KEY")
        ):
            raise pytest.UsageError(
                "--target live needs an API key: set GEMINI_API_KEY or pass --api-key (no request was sent)"
            )
        budget = self.config.getoption("--token-budget")
        if budget is not None and budget < 0:
            raise pytest.UsageError(f"--token-budget must be 0 or more, not {budget}")
        self.revision()
        self.profile(name)

    def start(self) -> Target:
        if self.target is not None:
            return self.target
        if self._error:
            pytest.skip(self._error)
        opt = self.config.getoption
        name = opt("--target")
        key = opt("--api-key") or os.environ.get("GEMINI_API_KEY")
        key2 = opt("--second-api-key") or os.environ.get("GEMINI_API_KEY_2")
        profile = self.profile(name)
        revision = self.revision()
        control_url = None
        if name == "emulator":
            from .emulator import running_emulator  # the emulator only when asked for

            keys = ("emulator-key", "emulator-key-2")
            base_url = self._stack.enter_context(
                running_emulator(
                    api_keys=keys,
                    faults=tuple(opt("--emulator-fault")),
                    tier=profile.tier,
                    test_control=True,
                    # A header-less client (today's SDKs send none) is answered in the run's revision.
                    revision=revision.name,
                )
            )
            key, key2 = key if opt("--api-key") else keys[0], keys[1]
            control_url = f"{base_url}/__emulator"
        elif name == "cassettes":
            # Offline: nothing is started; every request is answered from the recordings.
            base_url = CASSETTE_BASE_URL
            if opt("--cassette-target") == "emulator":
                key = opt("--api-key") or "emulator-key"
                key2 = opt("--second-api-key") or "emulator-key-2"
                control_url = f"{base_url}/__emulator"
            else:  # recorded keys are placeholders by slot: any stand-in matches them
                key = opt("--api-key") or "replay-key"
                key2 = opt("--second-api-key")
        elif name == "live":
            if not key:
                raise pytest.UsageError(
                    "--target live needs an API key: set GEMINI_API_KEY or pass --api-key "
                    "(no request was sent)"
                )
            base_url = LIVE_BASE_URL
        elif name.startswith(("http://", "https://")):
            base_url = name.rstrip("/")
        else:
            raise pytest.UsageError(f"--target {name!r} is not emulator, live, or an http(s) URL")
        if key2:
            profile = dataclasses.replace(
                profile, features={**profile.features, "second_key": True}
            )
        self.target = Target(
            name=name,
            base_url=base_url,
            api_key=key,
            second_api_key=key2,
            profile=profile,
            revision=revision,
            strict=bool(opt("--strict-schema")),
            control_url=control_url,
        )
        return self.target

    # -- checking ---------------------------------------------------------------

    def observer(self, target: Target) -> Callable[[Any], None]:
        from .checks import check_exchange

        def observe(exchange: Any) -> None:
            self.requests += 1
            if exchange.response.is_stream and exchange.response.status == 200:
                self.streams_checked += 1
            result = check_exchange(exchange, target.revision, strict=target.strict)
            for item in result.drift:
                self.drift.setdefault((item.what, item.name, item.schema), item)
            failing = []
            for violation in result.violations:
                if violation.rule in target.profile.deviations:
                    self.deviations_seen.append(violation.as_dict())
                    self.rules.setdefault(violation.rule, RuleOutcome()).record(
                        "deviation", exchange.label, target.profile.deviations[violation.rule]
                    )
                else:
                    failing.append(violation)
            if failing:
                raise ConformanceFailure(failing, context=exchange.label or "an exchange")

        return observe

    def client(
        self, target: Target, key: str | None, label: str, transport: Any = None
    ) -> ApiClient:
        from ._runopts import client_options  # registered by pytest_plugins: imported there

        client = ApiClient(
            target.base_url,
            key,
            token_budget=self.config.getoption("--token-budget"),
            transport=transport,
            revision=target.revision.name,
            api_revision=target.revision.meta.get("api_revision_header"),
            **client_options(self.config),
        )
        client.tokens = self.tokens
        client.observers.append(self.observer(target))
        return client

    # -- cassettes -----------------------------------------------------------------

    def cassette_root(self) -> Path:
        option = self.config.getoption("--cassette-dir")
        return Path(option) if option else self.config.rootpath / "cassettes"

    def record_mode(self) -> str | None:
        """The record mode: the option; else none (replay) on --target cassettes; else None."""
        mode: str | None = self.config.getoption("--record-mode")
        if mode is None and self.config.getoption("--target") == "cassettes":
            return "none"
        return mode

    def cassette_path(self, target: Target, item: pytest.Item) -> Path:
        """cassettes/<revision>/<target>/<suite module stem>/<test name>.yaml"""
        recorded = (
            self.config.getoption("--cassette-target")
            if target.name == "cassettes"
            else target.name
        )
        test = item.nodeid.split("::", 1)[-1].replace("::", ".")
        return (
            self.cassette_root()
            / target.revision.name
            / _target_dir(recorded)
            / item.path.stem
            / f"{_safe_name(test)}.yaml"
        )

    def cassette_transport(self, target: Target, item: pytest.Item) -> Any:
        """A recording/replaying transport for this test, or None when not recording."""
        mode = self.record_mode()
        if mode is None:
            return None
        if any(True for _ in item.iter_markers("no_cassette")):
            return None  # cannot be replayed, so nothing is recorded (its reason is the marker's)
        from . import __name__ as package
        from ._cassettes import Cassette, CassetteError, CassetteTransport
        from ._cli import _version

        metadata = {
            "target": target.name,
            "base_url": target.base_url,
            "profile": target.profile.name,
            "revision": target.revision.name,
            "tool": f"{package} {_version()}",
            "test": item.nodeid,
        }
        try:
            cassette = Cassette(
                self.cassette_path(target, item),
                mode,
                metadata=metadata,
                known_keys=(target.api_key or "", target.second_api_key or ""),
            )
        except CassetteError as exc:
            pytest.fail(str(exc), pytrace=False)
        return CassetteTransport(cassette)

    def record_test(self, item: pytest.Item, report: pytest.TestReport, excinfo: Any) -> None:
        rules = _rules_of(item)
        nodeid = item.nodeid
        if report.skipped and hasattr(report, "wasxfail"):
            for rule in rules:
                self.rules.setdefault(rule, RuleOutcome()).record(
                    "deviation", nodeid, str(report.wasxfail)
                )
            return
        if report.skipped:
            reason = _skip_reason(report)
            for rule in rules:
                self.rules.setdefault(rule, RuleOutcome()).record("skipped", nodeid, reason)
            return
        if report.passed:
            for rule in rules:
                self.rules.setdefault(rule, RuleOutcome()).record("passed", nodeid)
            return
        violations = _violations_of(excinfo)
        if violations:
            for violation in violations:
                outcome = self.rules.setdefault(violation.rule, RuleOutcome())
                outcome.record("failed", nodeid)
                if len(outcome.evidence) < 5:
                    outcome.evidence.append(violation.as_dict())
        else:
            message = str(report.longreprtext).strip().splitlines()
            for rule in rules:
                outcome = self.rules.setdefault(rule, RuleOutcome())
                outcome.record("failed", nodeid)
                if len(outcome.evidence) < 5:
                    outcome.evidence.append(
                        {"kind": "failure", "rule": rule, "message": message[-1] if message else ""}
                    )

    def _credit_traffic_rules(self) -> None:
        """A `traffic` rule is checked on every exchange (schemas, usage, stream grammar), not by
        a test of its own: with no violation seen on traffic of its kind, it passed this run."""
        if self.target is None:
            return
        for rule in self.target.revision.rules.values():
            if rule.exercised != "traffic" or rule.id in self.rules:
                continue
            streamed = rule.area == "streaming"
            seen = self.streams_checked if streamed else self.requests
            if seen:
                kind = "streamed exchanges" if streamed else "exchanges"
                self.rules[rule.id] = RuleOutcome(
                    "passed", [], [], f"checked on every one of {seen} {kind}: no violation"
                )

    def summary_counts(self) -> dict[str, int]:
        self._credit_traffic_rules()
        counts = dict.fromkeys(("passed", "failed", "skipped", "deviation", "not exercised"), 0)
        revision = self.target.revision if self.target else None
        ids = set(revision.rules) if revision else set()
        ids |= set(self.rules)
        for rule in ids:
            counts[self.rules.get(rule, RuleOutcome()).status] += 1
        return counts

    def results(self) -> dict[str, Any]:
        from . import __name__ as package
        from ._cli import _version

        self._credit_traffic_rules()
        target = self.target
        revision = target.revision if target else None
        rules = {}
        for rule_id in sorted(set(revision.rules if revision else ()) | set(self.rules)):
            outcome = self.rules.get(rule_id, RuleOutcome())
            rule = revision.rules.get(rule_id) if revision else None
            rules[rule_id] = {
                "status": outcome.status,
                "area": rule.area if rule else "",
                "level": rule.level if rule else "",
                "statement": rule.statement if rule else "",
                "tests": outcome.tests,
                "reason": outcome.reason,
                "evidence": outcome.evidence,
            }
        return {
            "format_version": 1,  # results.schema.json; bump on an incompatible change
            "tool": {"name": package, "version": _version()},
            "target": {
                "name": target.name if target else self.config.getoption("--target"),
                "base_url": target.base_url if target else "",
                "profile": target.profile.name if target else "",
                "faults": list(self.config.getoption("--emulator-fault")),
            },
            "revision": revision.name
            if revision
            else (self.config.getoption("--revision") or DEFAULT_REVISION),
            "strict_schema": bool(self.config.getoption("--strict-schema")),
            "started": _iso(self.started),
            "finished": _iso(time.time()),
            "summary": self.summary_counts(),
            "requests": self.requests,
            "tokens": self.tokens,
            "rules": rules,
            "drift": [d.as_dict() for d in self.drift.values()],
        }


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def _rules_of(item: pytest.Item) -> list[str]:
    return [rule for mark in item.iter_markers("rule") for rule in mark.args]


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _violations_of(excinfo: Any) -> list[Violation]:
    if excinfo is None:
        return []
    value = excinfo.value
    if isinstance(value, ConformanceFailure):
        return value.violations
    if isinstance(value, Violation):
        return [value]
    return []


CASSETTE_BASE_URL = "http://cassettes.invalid"  # --target cassettes: never contacted


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._\[\]-]+", "_", text).strip("_") or "_"


def _target_dir(name: str) -> str:
    """emulator | live | a host (a URL's host and port, sanitised)."""
    if name.startswith(("http://", "https://")):
        name = urlsplit(name).netloc or name
    return _safe_name(name)


def _state(config: pytest.Config) -> ConformanceState:
    return config.stash[_STASH]


# -- collection -----------------------------------------------------------------


def _rule_ids_of_every_revision() -> set[str]:
    ids: set[str] = set()
    for name in available_revisions():
        ids.update(load_revision(name).rules)
    return ids


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    state = _state(config)
    if any("conformance" in getattr(item, "fixturenames", ()) for item in items):
        state.validate_options()  # usage errors before any request is sent
    if config.getoption("--target") == "cassettes":
        for item in items:
            for mark in item.iter_markers("no_cassette"):
                why = mark.args[0] if mark.args else mark.kwargs.get("reason", "")
                item.add_marker(
                    pytest.mark.skip(reason=f"cannot be replayed from cassettes: {why}")
                )
    marked = [item for item in items if any(True for _ in item.iter_markers("rule"))]
    if not marked:
        return
    revision = state.revision()
    profile = state.profile(config.getoption("--target"))
    known = _rule_ids_of_every_revision()
    for item in marked:
        # Rule ids in JUnit XML (<property name="rule" value="..."/>), for CI dashboards.
        item.user_properties.extend(("rule", rule) for rule in _rules_of(item))
        unknown = [r for r in _rules_of(item) if r not in known]
        if unknown:
            raise pytest.UsageError(
                f"{item.nodeid} cites rules that no revision defines: {', '.join(unknown)} "
                f"(see spec/*/rules.yaml)"
            )
        # A rule of another revision: the behaviour is not part of this one's contract.
        elsewhere = [r for r in _rules_of(item) if r not in revision.rules]
        if elsewhere and revision.rules:
            item.add_marker(
                pytest.mark.skip(
                    reason=f"not in revision {revision.name}: {', '.join(elsewhere)} "
                    f"(spec/{revision.name}/rules.yaml)"
                )
            )
            continue
        for mark in item.iter_markers("feature"):
            for feature in mark.args:
                if feature == "second_key" and (
                    config.getoption("--second-api-key") or os.environ.get("GEMINI_API_KEY_2")
                ):
                    continue
                if not profile.supports(feature):
                    item.add_marker(
                        pytest.mark.skip(reason=f"unsupported: {profile.why_unsupported(feature)}")
                    )
        deviations = [r for r in _rules_of(item) if r in profile.deviations]
        if deviations:
            reasons = "; ".join(f"{r}: {profile.deviations[r]}" for r in deviations)
            item.add_marker(pytest.mark.xfail(reason=f"known deviation: {reasons}", strict=True))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if call.excinfo is not None and call.excinfo.errisinstance(TokenBudgetExceeded):
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0, f"Skipped: {call.excinfo.value}")
    if any(True for _ in item.iter_markers("rule")) and (
        report.when == "call" or (report.when == "setup" and report.skipped)
    ):
        _state(item.config).record_test(item, report, call.excinfo)
    return report


# -- fixtures -------------------------------------------------------------------


@pytest.fixture(scope="session")
def conformance(request: pytest.FixtureRequest) -> Target:
    """The target under test: base URL, keys, profile, revision (started on first use)."""
    return _state(request.config).start()


@pytest.fixture
def api(request: pytest.FixtureRequest, conformance: Target) -> Iterator[ApiClient]:
    """A client for the target with the primary key; every exchange is checked as it happens."""
    state = _state(request.config)
    budget = request.config.getoption("--token-budget")
    if budget is not None and state.tokens >= budget:
        pytest.skip(f"token budget spent: {state.tokens} of {budget} tokens used")
    transport = state.cassette_transport(conformance, request.node)
    client = state.client(conformance, conformance.api_key, request.node.nodeid, transport)
    try:
        yield client
    finally:
        state.tokens = client.tokens
        if transport is not None:
            transport.cassette.save()
        client.close()


@pytest.fixture
def api2(
    request: pytest.FixtureRequest, conformance: Target, api: ApiClient
) -> Iterator[ApiClient]:
    """A client with the second key (isolation tests); skipped when there is none."""
    if not conformance.second_api_key:
        pytest.skip("no second API key: pass --second-api-key or set GEMINI_API_KEY_2")
    client = api.with_key(conformance.second_api_key)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def profile(conformance: Target) -> Profile:
    return conformance.profile


@pytest.fixture
def model(conformance: Target) -> str:
    """The default model of the target's profile (cheap: gemini-2.5-flash-lite on live)."""
    return conformance.profile.model()


def _control(api: ApiClient, target: Target, what: str, body: dict[str, Any]) -> None:
    """POST to the emulator's test control through the test's client (recorded and replayed)."""
    path = f"{urlsplit(target.control_url or '').path}/{what}"
    exchange = api.request("POST", path, json_body=body, label=f"test control {path}")
    if not 200 <= exchange.response.status < 300:
        raise AssertionError(
            f"test control POST {path} {json.dumps(body)} answered HTTP "
            f"{exchange.response.status}: {exchange.response.body[:200]!r}"
        )


@pytest.fixture
def clock(conformance: Target, api: ApiClient) -> Callable[[float], None]:
    """Move the target's clock forward (emulator test control only)."""
    if not conformance.control_url or not conformance.profile.supports("test_control"):
        pytest.skip("unsupported: the target has no test-control clock")

    def advance(seconds: float) -> None:
        _control(api, conformance, "clock", {"advance_seconds": seconds})

    return advance


@pytest.fixture
def tier(conformance: Target, api: ApiClient) -> Iterator[Callable[[str], None]]:
    """Put the target on a retention tier (free or paid) for this test.

    With test control the emulator switches and is switched back after the
    test; otherwise only the profile's own tier can be had, and a test that
    needs the other one is skipped with the reason.
    """
    switched: list[str] = []

    def use(name: str) -> None:
        if conformance.control_url and conformance.profile.supports("test_control"):
            _control(api, conformance, "tier", {"tier": name})
            switched.append(name)
        elif conformance.profile.tier != name:
            pytest.skip(
                f"unsupported: the target is on the {conformance.profile.tier} tier "
                f"and has no test control to switch to {name}"
            )

    yield use
    if switched:
        _control(api, conformance, "tier", {"tier": conformance.profile.tier})


# -- reporting ------------------------------------------------------------------


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    state = _state(config)
    if state.target is None and not state.rules:
        return
    counts = state.summary_counts()
    tr = terminalreporter
    tr.section("interactions-conformance")
    target = state.target
    if target is not None:
        tr.write_line(
            f"target {target.name} ({target.base_url}), profile {target.profile.name}, "
            f"revision {target.revision.name}{', strict schema' if target.strict else ''}"
        )
    tr.write_line(
        "rules: "
        + ", ".join(f"{n} {label}" for label, n in counts.items())
        + f"; drift: {len(state.drift)}; requests: {state.requests}; tokens: {state.tokens}"
    )
    failed = sorted(r for r, o in state.rules.items() if o.status == "failed")
    if failed:
        tr.write_line("failed rules: " + ", ".join(failed))
    for item in list(state.drift.values())[:20]:
        tr.write_line(item.render())
    results = config.getoption("--results")
    if results:
        path = Path(results)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(state.results(), indent=2) + "\n", "utf-8")
        tr.write_line(f"results written to {path}")
