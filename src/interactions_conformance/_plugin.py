"""The pytest plugin: targets, markers, automatic checks, and the rules summary.

Thin by design (STYLE.md habit 9). Precedence, applied in `_session()`:
command-line option > environment variable (``GEMINI_API_KEY``,
``GEMINI_API_KEY_2``) > the profile's defaults. Nothing starts until a test
asks for the ``conformance`` fixture, so the plugin costs nothing in test
runs that do not use it.

Every exchange a suite makes through the ``api`` fixture is checked at once
(`checks.check_exchange`); the violations are collected, never raised, so a
test runs to its end and fails once with every rule its traffic broke (its
own assertion's rule first). What each rule's outcome is, deviations and
scores included, is decided by `_verdicts.py`; this module only feeds it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import shlex
import time
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from ._cassettes import RECORD_MODES
from ._client import ApiClient, TokenBudgetExceeded
from ._findings import ConformanceFailure, Drift, Violation
from ._secrets import scrub_text
from ._spec import DEFAULT_REVISION, Revision, SpecError, available_revisions, load_revision
from ._targets import LIVE_BASE_URL, Profile, ProfileError, builtin_profile, load_profile
from ._verdicts import (
    FIXED,
    STATUSES,
    Policy,
    RuleInfo,
    RuleVerdict,
    Score,
    TestRecord,
    incomplete_reasons,
    judge,
    judge_test,
    percent,
    record_from_json,
    record_to_json,
    render_rule_block,
    render_test_failure,
    score,
)

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
_RECORD: pytest.StashKey[TestRecord] = pytest.StashKey()


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
        "--strict-deviations",
        action="store_true",
        default=False,
        help="a profile deviation whose rule held (deviation fixed) fails the run "
        "(default: reported only)",
    )
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
    config.pluginmanager.register(
        _Absorber(config.stash[_STASH]), "interactions-conformance-absorber"
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(_STASH, None)
    if state is not None:
        state.close()


# -- state ----------------------------------------------------------------------


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
        self.records: dict[str, TestRecord] = {}  # per test that declares rules or broke one
        self.current: TestRecord | None = None  # the running test's: its traffic goes there
        self.outside = TestRecord("(outside any test)", (), "passed")
        self.unsupported: dict[str, str] = {}  # rules of features the profile turns off
        self.in_scope: set[str] | None = None  # rules the selected tests declare
        self.budget_spent = False
        self._policy: Policy | None = None  # built once the collection knows the features off
        self.drift: dict[tuple[str, str, str], Drift] = {}
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
            # Collected, not raised: the test goes on to its own expectation and its other
            # exchanges, and fails once at the end with all of them (pytest_runtest_makereport).
            record = self.current if self.current is not None else self.outside
            record.traffic.extend(result.violations)

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

    # -- verdicts ---------------------------------------------------------------------

    def policy(self) -> Policy:
        if self._policy is None:
            target = self.config.getoption("--target")
            profile = self.target.profile if self.target else self.profile(target)
            self._policy = Policy(dict(profile.deviations), dict(self.unsupported))
        return self._policy

    def known_revision(self) -> Revision | None:
        """The target's revision, else the one the options name (None when they name none)."""
        if self.target is not None:
            return self.target.revision
        try:
            return self.revision()
        except pytest.UsageError:
            return None

    def verdicts(self) -> dict[str, RuleVerdict]:
        revision = self.known_revision()
        rules = {
            rule.id: RuleInfo(rule.id, rule.area, rule.level, rule.statement, rule.exercised)
            for rule in (revision.rules.values() if revision else ())
        }
        records = list(self.records.values())
        scope = self.in_scope
        if scope is None and records:  # a pytest-xdist controller collects nothing itself
            scope = {rule for record in records for rule in record.rules}
        if self.outside.traffic:
            records.append(self.outside)
        return judge(
            rules,
            records,
            self.policy(),
            requests=self.requests,
            streams=self.streams_checked,
            in_scope=scope,
        )

    def absorb(self, payload: dict[str, Any]) -> None:
        """A test's record and counts from another process (a pytest-xdist worker)."""
        if payload.get("record"):
            record = record_from_json(payload["record"])
            self.records[record.nodeid] = record
        self.requests += int(payload.get("requests", 0))
        self.streams_checked += int(payload.get("streams", 0))
        self.tokens += int(payload.get("tokens", 0))
        for item in payload.get("drift") or ():
            drift = Drift(
                str(item["what"]), str(item["name"]), str(item["where"]), str(item["schema"])
            )
            self.drift.setdefault((drift.what, drift.name, drift.schema), drift)
        self.budget_spent |= bool(payload.get("budget"))
        if payload.get("unsupported"):
            self.unsupported.update(payload["unsupported"])
            self._policy = None

    def summary_counts(self, verdicts: dict[str, RuleVerdict] | None = None) -> dict[str, int]:
        counts = dict.fromkeys(STATUSES, 0)
        for verdict in (verdicts if verdicts is not None else self.verdicts()).values():
            counts[verdict.status] += 1
        return counts

    def results(self, verdicts: dict[str, RuleVerdict] | None = None) -> dict[str, Any]:
        from . import __name__ as package
        from ._cli import _version

        verdicts = verdicts if verdicts is not None else self.verdicts()
        target = self.target
        revision = self.known_revision()
        entries = {rule: verdict.as_dict() for rule, verdict in verdicts.items()}
        overall, areas = _scores(entries)
        incomplete = incomplete_reasons(overall, budget_spent=self.budget_spent)
        return {
            "format_version": 2,  # results.schema.json; bump on an incompatible change
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
            "strict_deviations": bool(self.config.getoption("--strict-deviations")),
            "started": _iso(self.started),
            "finished": _iso(time.time()),
            "summary": self.summary_counts(verdicts),
            "score": {
                "overall": overall.as_dict(),
                "areas": {area: s.as_dict() for area, s in areas.items()},
            },
            "complete": not incomplete,
            "incomplete": incomplete,
            "requests": self.requests,
            "tokens": self.tokens,
            "rules": entries,
            "drift": [d.as_dict() for d in self.drift.values()],
        }


def _scores(entries: dict[str, dict[str, Any]]) -> tuple[Score, dict[str, Score]]:
    by_area: dict[str, list[dict[str, Any]]] = {}
    for entry in entries.values():
        by_area.setdefault(entry["area"] or "other", []).append(entry)
    return score(entries.values()), {area: score(rules) for area, rules in sorted(by_area.items())}


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def _rules_of(item: pytest.Item) -> list[str]:
    return [rule for mark in item.iter_markers("rule") for rule in mark.args]


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


_RULE_MESSAGE = re.compile(r"^\[([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+)\] (.+)", re.DOTALL)


def _violations_of(error: BaseException) -> list[Violation] | None:
    """The violations an exception carries; None when it is (or holds) something else."""
    if isinstance(error, ConformanceFailure):
        return list(error.violations)
    if isinstance(error, Violation):
        return [error]
    if isinstance(error, pytest.fail.Exception):  # pytest.fail("[RULE-ID] what broke")
        match = _RULE_MESSAGE.match(error.msg or "")
        if match:
            return [Violation(match[1], match[2], expected="the rule to hold", actual=match[2])]
    inner_errors = getattr(error, "exceptions", None)  # an exception group (Hypothesis: several)
    if isinstance(inner_errors, (list, tuple)):
        found: list[Violation] = []
        for inner in inner_errors:
            violations = _violations_of(inner)
            if violations is None:
                return None
            found += violations
        return found
    return None


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
        missing = _missing_features(item, profile, config)
        if missing:
            item.add_marker(pytest.mark.skip(reason=f"unsupported: {missing[0][1]}"))
    state.unsupported = _unsupported_rules(marked, profile, config)
    state._policy = None  # rebuilt with the features off


def _missing_features(
    item: pytest.Item, profile: Profile, config: pytest.Config
) -> list[tuple[str, str]]:
    """The features a test needs that the profile turns off, each with the profile's reason."""
    missing = []
    for mark in item.iter_markers("feature"):
        for feature in mark.args:
            if feature == "second_key" and (
                config.getoption("--second-api-key") or os.environ.get("GEMINI_API_KEY_2")
            ):
                continue
            if not profile.supports(feature):
                missing.append((feature, profile.why_unsupported(feature)))
    return missing


def _unsupported_rules(
    items: list[pytest.Item], profile: Profile, config: pytest.Config
) -> dict[str, str]:
    """Rules every test of which needs a feature the profile turns off: never failed, even when
    an answer the target should not have given shows them broken."""
    needs: dict[str, list[list[tuple[str, str]]]] = {}
    for item in items:
        missing = _missing_features(item, profile, config)
        for rule in _rules_of(item):
            needs.setdefault(rule, []).append(missing)
    return {
        rule: missing[0][1]
        for rule, per_test in needs.items()
        if all(per_test) and (missing := per_test[0])
    }


def pytest_collection_finish(session: pytest.Session) -> None:
    # What the selected tests (after -k, --deselect) declare: a selection is scored on it.
    state = _state(session.config)
    if any(True for item in session.items for _ in item.iter_markers("rule")):
        state.in_scope = {rule for item in session.items for rule in _rules_of(item)}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    state = _state(item.config)
    record = TestRecord(item.nodeid, tuple(_rules_of(item)), "passed")
    item.stash[_RECORD] = record
    item.stash[_COUNTS] = (state.requests, state.streams_checked, state.tokens, len(state.drift))
    state.current = record


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    state = _state(item.config)
    if call.excinfo is not None and call.excinfo.errisinstance(TokenBudgetExceeded):
        state.budget_spent = True
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0, f"Skipped: {call.excinfo.value}")
    record = item.stash.get(_RECORD, None)
    if record is None:
        return report
    if (report.when == "setup" and report.skipped) or report.when == "call":
        _settle(state, item, record, report, call)
    elif report.when == "teardown":
        state.current = None
        _settle_teardown(state, item, record, report)
        report.conformance = _payload(state, item, record)  # type: ignore[attr-defined]
    return report


_COUNTS: pytest.StashKey[tuple[int, int, int, int]] = pytest.StashKey()


def _payload(state: ConformanceState, item: pytest.Item, record: TestRecord) -> dict[str, Any]:
    """What this test added to the run, as JSON data on its last report: pytest-xdist ships
    reports from workers to the controller, whose `pytest_runtest_logreport` absorbs it."""
    requests, streams, tokens, drift = item.stash.get(_COUNTS, (0, 0, 0, 0))
    return {
        "pid": os.getpid(),
        "record": record_to_json(record) if record.nodeid in state.records else None,
        "requests": state.requests - requests,
        "streams": state.streams_checked - streams,
        "tokens": state.tokens - tokens,
        "drift": [d.as_dict() for d in list(state.drift.values())[drift:]],
        "budget": state.budget_spent,
        "unsupported": {r: state.unsupported[r] for r in record.rules if r in state.unsupported},
    }


class _Absorber:
    """Takes in what other processes' tests did (their reports' payload), bound to one run."""

    def __init__(self, state: ConformanceState) -> None:
        self.state = state

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        payload = getattr(report, "conformance", None)
        if isinstance(payload, dict) and payload.get("pid") != os.getpid():
            self.state.absorb(payload)


def _settle(
    state: ConformanceState,
    item: pytest.Item,
    record: TestRecord,
    report: pytest.TestReport,
    call: pytest.CallInfo[None],
) -> None:
    """Record what the test did, and make pytest's outcome the verdict's: it fails on the
    violations the profile does not tolerate, its own rule first, all of them at once."""
    error = call.excinfo.value if call.excinfo is not None else None
    if report.skipped:
        record.outcome, record.reason = "skipped", _skip_reason(report)
    elif error is not None:
        raised = _violations_of(error)
        record.outcome = "failed"
        if raised:
            record.raised = raised
        else:
            lines = str(error).strip().splitlines()
            record.reason = f"{type(error).__name__}: {lines[0] if lines else ''}".rstrip(": ")
    if not (record.rules or record.traffic or record.raised):
        return  # not a conformance test: pytest's report stands
    state.records[record.nodeid] = record
    verdict = judge_test(record, state.policy())
    for rule in verdict.rules:  # JUnit XML names the rules the test broke, not only declared
        item.user_properties.append(("violated", rule))
    if verdict.failed:
        text = render_test_failure(verdict, crash=record.reason if verdict.crash_failing else "")
        if report.failed and (verdict.crash_failing or not _readable(item.config)):
            # pytest's traceback stays (a crash needs it; -v/--tb asked for it), rules beside it
            if verdict.failing:
                report.sections.append(("conformance violations", text))
        else:
            report.longrepr = text
        report.outcome = "failed"
    elif report.failed:  # stopped by a violation the profile tolerates: not a failure
        report.outcome = "passed"
        report.longrepr = None
    item.stash[_REPORTED] = verdict.failed


_REPORTED: pytest.StashKey[bool] = pytest.StashKey()


def _settle_teardown(
    state: ConformanceState, item: pytest.Item, record: TestRecord, report: pytest.TestReport
) -> None:
    """Exchanges a fixture made after the test (switching a tier back) are checked too."""
    if item.stash.get(_REPORTED, True) or not record.traffic:
        return
    verdict = judge_test(record, state.policy())
    if verdict.failing and report.passed:
        state.records[record.nodeid] = record
        report.outcome = "failed"
        report.longrepr = render_test_failure(verdict)


def _readable(config: pytest.Config) -> bool:
    """Readable failures (rule blocks, no traceback) unless -v or --tb asks for pytest's."""
    return config.option.tbstyle == "auto" and config.get_verbosity() <= 0


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
        state.budget_spent = True
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
    if state.target is None and not state.records:
        if config.getoption("--conformance-compact"):
            _write_uncovered_failures(terminalreporter, state)
        return
    verdicts = state.verdicts()
    results = state.results(verdicts)
    tr = terminalreporter
    tr.section("interactions-conformance")
    target = state.target
    if target is not None:
        tr.write_line(
            f"target {target.name} ({target.base_url}), profile {target.profile.name}, "
            f"revision {target.revision.name}{', strict schema' if target.strict else ''}"
        )
    for block in _rule_blocks(state, verdicts):
        tr.write_line(block)
        tr.write_line("")
    if config.getoption("--conformance-compact"):
        _write_uncovered_failures(tr, state)
    for status, title in (("deviation", "known deviations"), (FIXED, "deviations fixed")):
        rules = sorted(r for r, v in verdicts.items() if v.status == status)
        if rules:
            tr.write_line(f"{title}: {', '.join(rules)}")
    if any(v.status == FIXED for v in verdicts.values()):
        strict = bool(config.getoption("--strict-deviations"))
        tr.write_line(
            "a deviation that held: remove it from the profile's [deviations]"
            + (" (--strict-deviations: the run fails)" if strict else "")
        )
    counts = results["summary"]
    tr.write_line(
        "rules: "
        + ", ".join(f"{n} {label}" for label, n in counts.items())
        + f"; drift: {len(state.drift)}; requests: {state.requests}; tokens: {state.tokens}"
    )
    tr.write_line(_score_line(results["score"]["overall"]))
    if results["incomplete"]:
        tr.write_line("INCOMPLETE: " + "; ".join(results["incomplete"]))
    for item in list(state.drift.values())[:20]:
        tr.write_line(item.render())
    path_option = config.getoption("--results")
    if path_option:
        path = Path(path_option)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(results, indent=2) + "\n", "utf-8")
        tr.write_line(f"results written to {path}")


def _write_uncovered_failures(tr: Any, state: ConformanceState) -> None:
    """Under run's compact output pytest prints no traceback: a test that failed without a
    rule violation (a crash, an error in a fixture, a plain assert) is named here instead."""
    policy = state.policy()
    lines = []
    for report in [*tr.stats.get("failed", []), *tr.stats.get("error", [])]:
        record = state.records.get(report.nodeid)
        verdict = judge_test(record, policy) if record is not None else None
        if verdict is not None and verdict.failing and not verdict.crash_failing:
            continue  # in a rule block above
        crash = getattr(report.longrepr, "reprcrash", None)
        why = (record.reason if record is not None else "") or getattr(crash, "message", "")
        why = scrub_text(str(why).strip().splitlines()[0]) if str(why).strip() else ""
        lines.append(f"  {report.nodeid} ({report.when}): {why[:200]}".rstrip(": "))
    if lines:
        tr.write_line(f"failed without a rule violation ({len(lines)}; --tb=short shows why):")
        for line in lines:
            tr.write_line(line)
        tr.write_line("")


def _score_line(overall: dict[str, Any]) -> str:
    return (
        f"score: {overall['passed']}/{overall['applicable']} applicable rules held "
        f"({percent(overall['pass_rate'])}), MUST {overall['must_passed']}/"
        f"{overall['must_applicable']} ({percent(overall['must_rate'])}), coverage "
        f"{overall['exercised']}/{overall['applicable']} ({percent(overall['coverage'])})"
    )


def _rule_blocks(state: ConformanceState, verdicts: dict[str, RuleVerdict]) -> list[str]:
    """One block per failed rule: its first violation in full, the tests, and a rerun line."""
    policy = state.policy()
    found: dict[str, tuple[list[Violation], list[str]]] = {}
    for record in state.records.values():
        for violation in judge_test(record, policy).failing:
            violations, tests = found.setdefault(violation.rule, ([], []))
            violations.append(violation)
            if record.nodeid not in tests:
                tests.append(record.nodeid)
    blocks = []
    for rule in sorted(found):
        verdict = verdicts.get(rule)
        violations, tests = found[rule]
        blocks.append(
            render_rule_block(
                rule,
                violations,
                statement=verdict.statement if verdict else "",
                level=verdict.level if verdict else "",
                tests=tests,
                rerun=_rerun_line(state.config, rule),
            )
        )
    return blocks


def _rerun_line(config: pytest.Config, rule: str) -> str:
    """`interactions-conformance run --rule ID` with the options that chose this target."""
    parts = ["interactions-conformance", "run", "--rule", rule]
    target = config.getoption("--target")
    if target != "emulator":
        parts += ["--target", target]
    for option in ("--revision", "--profile"):
        value = config.getoption(option)
        if value:
            parts += [option, str(value)]
    for fault in config.getoption("--emulator-fault"):
        parts += ["--emulator-fault", fault]
    if config.getoption("--strict-schema"):
        parts.append("--strict-schema")
    return " ".join(shlex.quote(p) for p in parts)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A run whose summary shows a failed rule never exits 0 (traffic outside any test counts
    too); with --strict-deviations a deviation that held fails it, so the profile stays true."""
    state = session.config.stash.get(_STASH, None)
    if state is None or exitstatus != 0 or not (state.records or state.outside.traffic):
        return
    statuses = {v.status for v in state.verdicts().values()}
    strict = session.config.getoption("--strict-deviations", False)
    if "failed" in statuses or (strict and FIXED in statuses):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
