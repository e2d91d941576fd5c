"""The plugin's run options: client limits, selection, generation knobs, secrets, preflight.

Loaded with the plugin (``_plugin.pytest_plugins``); each hook here calls a small module
(`_selection`, `_redact`, `_preflight`) and holds no logic of its own (pytest-xdist workers'
results are merged by the plugin itself: each report carries its test's record). Precedence as the
plugin's: command-line option > environment > default.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import Any

import pytest

from ._client import DEFAULT_REQUEST_TIMEOUT, RateLimiter
from ._redact import register_run_secrets, scrub_report, scrub_terminal
from ._selection import LEVELS, Selection, SelectionError, TestInfo, rules_selected, select
from ._selection import validate as validate_selection

_LIMITER: pytest.StashKey[RateLimiter | None] = pytest.StashKey()
_SELECTED: pytest.StashKey[list[TestInfo]] = pytest.StashKey()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("interactions-conformance")
    group.addoption(
        "--request-timeout",
        type=float,
        default=DEFAULT_REQUEST_TIMEOUT,
        metavar="SECONDS",
        help="seconds without a byte from the target before a request fails "
        f"(default {DEFAULT_REQUEST_TIMEOUT:g})",
    )
    group.addoption(
        "--rate-limit",
        type=float,
        default=None,
        metavar="PER_SECOND",
        help="at most this many requests per second (live quotas; shared among -n workers)",
    )
    group.addoption(
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="send this header on every request (a gateway's own auth); values of "
        "secret-looking names are never printed",
    )
    group.addoption(
        "--rule",
        action="append",
        default=[],
        metavar="ID",
        help="only the tests of rules with this id or prefix (STREAM-); repeatable; "
        "a traffic rule selects the tests of its area",
    )
    group.addoption(
        "--exclude-rule",
        action="append",
        default=[],
        metavar="ID",
        help="leave out the tests that declare a rule with this id or prefix; repeatable",
    )
    group.addoption(
        "--area", action="append", default=[], metavar="AREA", help="only this area; repeatable"
    )
    group.addoption(
        "--level",
        action="append",
        default=[],
        choices=LEVELS,
        help="only tests of rules at this level; repeatable",
    )
    group.addoption(
        "--conformance-list",
        action="store_true",
        default=False,
        help="print the tests and rules that would run, and run nothing",
    )
    group.addoption(
        "--conformance-hypothesis-profile",
        default=None,
        metavar="NAME",
        help="load this registered Hypothesis profile (run --hypothesis-profile; a name that "
        "is not registered is a usage error)",
    )
    group.addoption(
        "--conformance-results-file",
        default=None,
        metavar="PATH",
        help="also write the results JSON here, without saying so (run reads it, then deletes it)",
    )
    group.addoption(
        "--conformance-compact",
        action="store_true",
        default=False,
        help="the summary lists the failed tests no rule block covers (run passes it along "
        "with -q --tb=no -rN: the rule blocks are the report)",
    )
    group.addoption(
        "--no-preflight",
        action="store_true",
        default=False,
        help="skip the preflight requests to a URL or live target (run makes them itself)",
    )
    group.addoption(
        "--max-examples",
        type=int,
        default=None,
        metavar="N",
        help="Hypothesis examples per generated test (default: the profile's, 25)",
    )


def parse_headers(values: list[str]) -> dict[str, str]:
    headers = {}
    for value in values:
        name, sep, rest = value.partition(":")
        if not sep or not name.strip() or any(c.isspace() for c in name.strip()):
            raise pytest.UsageError(f"--header {value!r}: write it as 'Name: value'")
        headers[name.strip()] = rest.strip()
    return headers


def client_options(config: pytest.Config) -> dict[str, Any]:
    """What every ApiClient of the run is built with (timeout, rate limit, extra headers)."""
    return {
        "timeout": config.getoption("--request-timeout"),
        "rate_limiter": config.stash.get(_LIMITER, None),
        "extra_headers": parse_headers(config.getoption("--header")),
    }


def _check_faults(config: pytest.Config) -> None:
    """An unknown --emulator-fault is a usage error once a test needs the target (run checks it
    before starting pytest)."""
    faults = config.getoption("--emulator-fault")
    if faults and config.getoption("--target") == "emulator":
        from .emulator._faults import FAULTS  # only when asked: the emulator's imports

        unknown = [f for f in faults if f not in FAULTS]
        if unknown:
            raise pytest.UsageError(
                f"--emulator-fault {unknown[0]}: no such fault mode "
                "(interactions-conformance serve --list-faults lists them)"
            )


def workers_of_run() -> int:
    """How many xdist workers share the run (1 outside xdist; set on each worker)."""
    return max(int(os.environ.get("PYTEST_XDIST_WORKER_COUNT") or 1), 1)


def _validate(config: pytest.Config) -> None:
    timeout = config.getoption("--request-timeout")
    if not timeout > 0:
        raise pytest.UsageError(
            f"--request-timeout must be a positive number of seconds, not {timeout}"
        )
    rate = config.getoption("--rate-limit")
    if rate is not None:
        if not rate > 0:
            raise pytest.UsageError(
                f"--rate-limit must be a positive number of requests/s, not {rate}"
            )
        config.stash[_LIMITER] = RateLimiter(rate / workers_of_run())
    budget = config.getoption("--token-budget")
    if budget and workers_of_run() > 1:
        # each worker counts its own tokens: its share keeps the run within the budget
        config.option.token_budget = budget // workers_of_run()
    examples = config.getoption("--max-examples")
    if examples is not None and examples < 1:
        raise pytest.UsageError(f"--max-examples must be 1 or more, not {examples}")


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    _validate(config)
    headers = parse_headers(config.getoption("--header"))
    register_run_secrets(
        (
            config.getoption("--api-key"),
            config.getoption("--second-api-key"),
            os.environ.get("GEMINI_API_KEY"),
            os.environ.get("GEMINI_API_KEY_2"),
        ),
        headers,
    )
    scrub_terminal(config)
    _hypothesis_settings(config)


def _preflight(config: pytest.Config) -> None:
    """A URL or live target is preflighted once the tests are known to need it and before any
    of them runs, so that `pytest suites --target http://dead` ends with one line, not a
    traceback per test."""
    name = config.getoption("--target", None)
    if name is None or config.getoption("--no-preflight") or hasattr(config, "workeroutput"):
        return
    if not (name == "live" or name.startswith(("http://", "https://"))):
        return
    from ._plugin import _state
    from ._preflight import PREFLIGHT_TIMEOUT, PreflightError, preflight
    from ._secrets import scrub_text
    from ._targets import LIVE_BASE_URL

    revision = _state(config).revision()
    try:
        preflight(
            LIVE_BASE_URL if name == "live" else name,
            config.getoption("--api-key") or os.environ.get("GEMINI_API_KEY"),
            api_revision=revision.meta.get("api_revision_header"),
            revision=revision.name,
            headers=parse_headers(config.getoption("--header")),
            timeout=min(PREFLIGHT_TIMEOUT, config.getoption("--request-timeout")),
        )
    except PreflightError as exc:
        raise pytest.UsageError(scrub_text(str(exc))) from None


def _hypothesis_settings(config: pytest.Config) -> None:
    """--max-examples, and --hypothesis-seed over the derandomized default (a seed only
    reproduces a run when Hypothesis does not derive its own from each test)."""
    from hypothesis import settings
    from hypothesis.errors import InvalidArgument

    name = config.getoption("--conformance-hypothesis-profile")
    if name:
        try:
            settings.load_profile(name)
        except InvalidArgument:
            known = ", ".join(sorted(settings._profiles))  # no public list of the registered names
            raise pytest.UsageError(
                f"--hypothesis-profile {name}: not a registered profile; registered: {known}"
            ) from None
    overrides: dict[str, Any] = {}
    examples = config.getoption("--max-examples")
    if examples is not None:
        overrides["max_examples"] = examples
    if config.getoption("hypothesis_seed", None) is not None:
        overrides["derandomize"] = False
    if overrides:
        settings.register_profile(
            "interactions-conformance-run", parent=settings.default, **overrides
        )
        settings.load_profile("interactions-conformance-run")


def _test_info(item: pytest.Item, areas: set[str]) -> TestInfo:
    rules = tuple(rule for mark in item.iter_markers("rule") for rule in mark.args)
    marked = tuple(m.name for m in item.iter_markers() if m.name in areas)
    return TestInfo(item.nodeid, rules, marked)


def pytest_itemcollected(item: pytest.Item) -> None:
    # -k STREAM-START-FIRST: rule ids are keywords (added before -k deselects anything)
    item.extra_keyword_matches.update(r for mark in item.iter_markers("rule") for r in mark.args)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from ._plugin import AREAS, _rule_ids_of_every_revision, _state

    if any("conformance" in getattr(item, "fixturenames", ()) for item in items):
        _check_faults(config)
        _preflight(config)
    areas = set(AREAS)
    infos = {item.nodeid: _test_info(item, areas) for item in items}
    selection = Selection(
        tuple(config.getoption("--rule")),
        tuple(config.getoption("--exclude-rule")),
        tuple(config.getoption("--area")),
        tuple(config.getoption("--level")),
    )
    if not selection.active and not config.getoption("--conformance-list"):
        return
    try:
        selection = validate_selection(selection, _rule_ids_of_every_revision(), areas)
    except SelectionError as exc:
        raise pytest.UsageError(str(exc)) from exc
    revision = _state(config).revision()
    kept, dropped = select(list(infos.values()), selection, revision)
    keep_ids = {t.nodeid for t in kept}
    if dropped:
        config.hook.pytest_deselected(items=[i for i in items if i.nodeid not in keep_ids])
        items[:] = [i for i in items if i.nodeid in keep_ids]
    config.stash[_SELECTED] = kept
    if config.getoption("--conformance-list"):
        rules = rules_selected(kept, selection, revision)
        lines = [f"{t.nodeid}  [{' '.join(t.rules) or '-'}]" for t in kept]
        lines.append(f"{len(kept)} tests; {len(rules)} rules of revision {revision.name}:")
        lines.append("  " + " ".join(rules))
        config.stash[_LISTING] = lines
        items[:] = []


_LISTING: pytest.StashKey[list[str]] = pytest.StashKey()


def pytest_report_collectionfinish(config: pytest.Config) -> list[str]:
    return config.stash.get(_LISTING, [])


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    scrub_report(report)  # outermost: after every other plugin has shaped the report


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """``run`` without ``--results``: the results go to its temporary file, silently (a
    "results written to" line naming a file about to be deleted would mislead)."""
    path = session.config.getoption("--conformance-results-file")
    if not path or hasattr(session.config, "workeroutput"):
        return
    import json
    from pathlib import Path

    from ._plugin import _state

    state = _state(session.config)
    if state.target is None and not state.records:
        return  # nothing ran (a usage error, --list): no results, as with --results
    Path(path).write_text(json.dumps(state.results(), indent=2) + "\n", "utf-8")
