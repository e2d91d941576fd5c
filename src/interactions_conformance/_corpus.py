"""Checking a corpus of recorded traffic: files read as they are checked, in one process or N.

A file is read as it is checked (`_sources.open_source`) and checked as consecutive scenarios
of about `SCENARIO_BYTES` of input (`check_scenario` on each: the rules across exchanges apply
within one), so memory is bounded by one scenario whatever the file's size. A file up to that
size is one scenario, as every file was before.

The work is cut into units: a JSON Lines file over `SCENARIO_BYTES` is one unit per segment
(`jsonl_segments`: byte ranges at line ends, read on their own), every other file is one unit.
With ``jobs > 1`` the units run in a `concurrent.futures.ProcessPoolExecutor` and their results
are taken back in unit order, a few units ahead at most, so what is reported (and in which
order) is the same as with one process, and memory stays bounded.

The revision of a file is decided once, from its first scenario (``--revision``, else the
cassette's metadata, else its shape, else the default), and every unit of the file is checked
against it. A file that cannot be read is reported with the first entry that cannot be read,
as before; what its other units found is dropped.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import re
import signal
import threading
from collections import deque
from collections.abc import Generator, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from . import _sources
from ._findings import Drift, Violation
from ._shape import revision_by_shape
from ._sources import Segment, SourceError, jsonl_segments, open_source
from ._spec import DEFAULT_REVISION, Revision, SpecError, load_revision
from ._traffic import Exchange, split_url
from .checks import check_scenario
from .checks._base import checker_error

__all__ = ["FileResult", "check_files", "default_jobs", "exchange_of", "revision_of"]

# Files read whole are one scenario; these are split as they are read (their size has no cap).
_SPLIT_KINDS = frozenset({"har", "proxy-log"})
_EXCHANGE = re.compile(r"^exchange (\d+)\b")
# check_scenario names another exchange of the scenario in these expected texts
# (STORE-FALSE-GET, DELETE-REMOVES): renumbered with the scenario's place in the file.
_IN_EXCHANGE = re.compile(r"\bin exchange (\d+)\)$")

_Packed = tuple[str, str, str, str, str, str, str, str]  # a Violation's fields


def default_jobs() -> int:
    """``--jobs auto``: the cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def exchange_of(violation: Violation) -> int | None:
    match = _EXCHANGE.match(violation.where)
    return int(match.group(1)) if match else None


def revision_of(
    metadata: Any, exchanges: Iterable[Exchange], chosen: str | None
) -> tuple[Revision, str]:
    """--revision; else the one the cassette was recorded under; else the one the traffic's
    shape shows (``_shape``: outputs 2025-12, steps the newest); else the default. With the
    reason when neither the option nor metadata said (it is printed)."""
    recorded = metadata.get("revision") if isinstance(metadata, dict) else None
    name = chosen or (recorded if isinstance(recorded, str) else None)
    if name:
        return load_revision(name), ""
    guess = revision_by_shape(exchanges)
    if guess is not None:
        return load_revision(guess.revision), f"by its shape: {guess.reason}"
    return load_revision(DEFAULT_REVISION), "the default: no metadata, and no shape says"


@dataclasses.dataclass(frozen=True)
class _Unit:
    path: Path
    segment: Segment | None
    revision: str | None  # for every unit of a file: --revision, or the first segment's
    why: str
    strict: bool
    scenario_bytes: int  # SCENARIO_BYTES as the planner read it (a worker has its own module)


@dataclasses.dataclass
class _Found:
    """What one unit found, as it travels back from a worker: exchange indices are the
    unit's own, violations are tuples (an exception with keyword arguments does not pickle)."""

    kind: str = ""
    revision: str = ""
    why: str = ""
    exchanges: int = 0
    violations: list[_Packed] = dataclasses.field(default_factory=list)
    drift: dict[tuple[str, str, str], Drift] = dataclasses.field(default_factory=dict)
    errors: list[str] = dataclasses.field(default_factory=list)
    heads: dict[int, str] = dataclasses.field(default_factory=dict)
    unreadable: str = ""


@dataclasses.dataclass
class FileResult:
    """What checking one file found; ``heads`` gives ``METHOD /path (status)`` for each
    exchange (by its index in the file) that has a violation."""

    path: Path
    kind: str = ""
    revision: str = ""
    why: str = ""
    exchanges: int = 0
    violations: list[Violation] = dataclasses.field(default_factory=list)
    drift: list[Drift] = dataclasses.field(default_factory=list)
    errors: list[str] = dataclasses.field(default_factory=list)
    heads: dict[int, str] = dataclasses.field(default_factory=dict)
    unreadable: str = ""


def _pack(v: Violation, offset: int) -> _Packed:
    where, expected = v.where, v.expected
    if offset:
        shift = _shifter(offset)
        where = _EXCHANGE.sub(shift, where, count=1)
        expected = _IN_EXCHANGE.sub(shift, expected, count=1)
    return (v.rule, v.message, expected, v.actual, where, v.reproduce, v.schema_path, v.statement)


def _shifter(offset: int) -> Any:
    def shift(match: re.Match[str]) -> str:
        whole, number = match.group(0), match.group(1)
        return whole.replace(number, str(int(number) + offset), 1)

    return shift


def _unpack(p: _Packed, offset: int) -> Violation:
    if offset:
        shift = _shifter(offset)
        p = (*p[:2], _IN_EXCHANGE.sub(shift, p[2], count=1), p[3],
             _EXCHANGE.sub(shift, p[4], count=1), *p[5:])  # fmt: skip
    rule, message, expected, actual, where, reproduce, schema_path, statement = p
    return Violation(
        rule,
        message,
        expected=expected,
        actual=actual,
        where=where,
        reproduce=reproduce,
        schema_path=schema_path,
        statement=statement,
    )


def _shift_error(line: str, offset: int) -> str:
    return _EXCHANGE.sub(_shifter(offset), line, count=1) if offset else line


def _head(exchange: Exchange) -> str:
    path = split_url(exchange.request.url).path or exchange.request.url[:80]
    return f"{exchange.request.method} {path} ({exchange.response.status})"


def _take(exchanges: Iterator[Exchange], limit: int | None) -> list[Exchange]:
    """The next scenario: every exchange left (no limit), or until about ``limit`` bytes."""
    if limit is None:
        return list(exchanges)
    taken, size = [], 0
    for exchange in exchanges:
        taken.append(exchange)
        size += len(exchange.request.body) + len(exchange.response.body) + 256
        if size >= limit:
            break
    return taken


def _check_into(found: _Found, scenario: list[Exchange], rev: Revision, strict: bool) -> None:
    base = found.exchanges
    try:
        result = check_scenario(scenario, rev, strict=strict)
        violations, drift, errors = result.violations, result.drift, result.errors
    except Exception as exc:  # check_scenario keeps each exchange's failure; this is the rest
        violations, drift, errors = [], [], [checker_error(exc)]
    for v in violations:
        index = exchange_of(v)
        if index is not None and index < len(scenario) and base + index not in found.heads:
            found.heads[base + index] = _head(scenario[index])
        found.violations.append(_pack(v, base))
    for item in drift:
        found.drift.setdefault((item.what, item.name, item.where), item)
    found.errors.extend(_shift_error(line, base) for line in errors)
    found.exchanges += len(scenario)


def _check_unit(unit: _Unit) -> _Found:
    """Read one unit and check it, scenario by scenario (in a worker, or in this process)."""
    found = _Found()
    try:
        source = open_source(unit.path, unit.segment)
        found.kind = source.kind
        limit = unit.scenario_bytes if source.kind in _SPLIT_KINDS else None
        scenario = _take(source.exchanges, limit)
        if unit.revision:
            rev, found.why = load_revision(unit.revision), unit.why
        else:
            rev, found.why = revision_of(source.metadata, scenario, None)
        found.revision = rev.name
        while scenario:
            _check_into(found, scenario, rev, unit.strict)
            scenario = _take(source.exchanges, limit) if limit is not None else []
        found.violations.extend(_pack(v, 0) for v in source.logged)
    except SourceError as exc:
        found.unreadable = str(exc)
    except SpecError as exc:
        found.unreadable = f"{unit.path}: {exc}"
    return found


def _units(
    files: Iterable[Path], revision: str | None, strict: bool
) -> Iterator[tuple[int, Path, _Unit | _Found]]:
    """Each file's units, in order (or what made it unreadable before any unit)."""
    size = _sources.SCENARIO_BYTES
    for number, path in enumerate(files):
        try:
            kind = _sources.EXTENSIONS.get(path.suffix.lower())
            segments: list[Segment | None] = [None]
            if kind == "jsonl" and path.is_file():
                segments = list(jsonl_segments(path, size))
            why = ""
            if len(segments) > 1 and revision is None:  # every segment needs the same revision
                # read as far as the first response that shows an era (most often the first)
                rev, why = revision_of({}, open_source(path, segments[0]).exchanges, None)
                chosen: str | None = rev.name
            else:
                chosen = revision
        except SourceError as exc:
            yield number, path, _Found(unreadable=str(exc))
            continue
        except SpecError as exc:
            yield number, path, _Found(unreadable=f"{path}: {exc}")
            continue
        for segment in segments:
            yield number, path, _Unit(path, segment, chosen, why, strict, size)


def _ignore_sigint() -> None:
    # Ctrl-C reaches the whole process group: the main process says it and stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _found(
    items: Iterable[tuple[int, Path, _Unit | _Found]], jobs: int
) -> Generator[tuple[int, Path, _Found], None, None]:
    unreadable: set[int] = set()  # files found unreadable: their later units need no check

    if jobs <= 1:
        for number, path, item in items:
            if isinstance(item, _Unit):
                item = _Found() if number in unreadable else _check_unit(item)
            if item.unreadable:
                unreadable.add(number)
            yield number, path, item
        return
    # fork: workers start at once with what is loaded, and are children of this process (their
    # CPU and memory show in its rusage); forkserver where threads run (fork would copy them
    # mid-flight: check called from a threaded program).
    single = threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if single else "forkserver")
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_ignore_sigint)
    # A few units ahead of the one being reported: every worker busy, results kept bounded.
    window: deque[tuple[int, Path, _Found | Future[_Found]]] = deque()
    try:
        for number, path, item in items:
            if isinstance(item, _Unit):
                waiting: _Found | Future[_Found] = (
                    _Found() if number in unreadable else pool.submit(_check_unit, item)
                )
            else:
                waiting = item
            window.append((number, path, waiting))
            while len(window) > 2 * jobs:
                yield _result(window.popleft(), unreadable)
        while window:
            yield _result(window.popleft(), unreadable)
    except BaseException:  # Ctrl-C, a worker that died, the consumer gone: stop the workers now
        for *_, pending in window:
            if isinstance(pending, Future):
                pending.cancel()
        # No public way to end running workers before Python 3.14 (terminate_workers).
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _result(
    item: tuple[int, Path, _Found | Future[_Found]], unreadable: set[int]
) -> tuple[int, Path, _Found]:
    number, path, waiting = item
    found = waiting if isinstance(waiting, _Found) else waiting.result()
    if found.unreadable:
        unreadable.add(number)
    return number, path, found


def check_files(
    files: Sequence[Path], *, revision: str | None = None, strict: bool = False, jobs: int = 1
) -> Iterator[FileResult]:
    """Each file's `FileResult`, in the order of ``files``, checked in ``jobs`` processes."""
    current: FileResult | None = None
    current_number = -1
    stream = _found(_units(files, revision, strict), jobs)  # a generator: closed below
    try:
        for number, path, found in stream:
            if number != current_number:
                if current is not None:
                    yield current
                current, current_number = FileResult(path), number
                current.kind, current.revision, current.why = found.kind, found.revision, found.why
            assert current is not None
            if current.unreadable:
                continue  # reported at its first unreadable entry; the rest is dropped
            if found.unreadable:
                current.unreadable = found.unreadable
                current.violations, current.drift, current.heads = [], [], {}
                current.errors = []
                continue
            offset = current.exchanges
            current.violations.extend(_unpack(p, offset) for p in found.violations)
            known = {(d.what, d.name, d.where) for d in current.drift}
            current.drift.extend(d for key, d in found.drift.items() if key not in known)
            current.errors.extend(_shift_error(line, offset) for line in found.errors)
            current.heads.update((offset + i, head) for i, head in found.heads.items())
            current.exchanges += found.exchanges
        if current is not None:
            yield current
    finally:
        stream.close()
