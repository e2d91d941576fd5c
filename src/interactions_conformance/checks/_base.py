"""Shared pieces of the checks: the result type, the registry, small helpers.

A check is a small pure function that returns a list of `Violation`s (STYLE
habit 4). It never raises on bad traffic: anything may be a list where an
object is expected, a number where a string is, or absent; the helpers here
make that cheap to handle.
"""

from __future__ import annotations

import dataclasses
import functools
import traceback
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from .._findings import Drift, Violation, excerpt
from .._spec import load_revision
from .._sse import loads_text
from .._traffic import loads_json
from .._wire import output_blocks

__all__ = ["CheckResult", "InteractionCheck", "applies", "registered", "violation"]


@dataclasses.dataclass
class CheckResult:
    """What running checks found. Truthy when there is no violation."""

    violations: list[Violation] = dataclasses.field(default_factory=list)
    drift: list[Drift] = dataclasses.field(default_factory=list)
    # A check that raised (a checker bug): one line each, `checker_error`; `check_scenario` fills it.
    errors: list[str] = dataclasses.field(default_factory=list)

    def __bool__(self) -> bool:
        return not self.violations

    @property
    def ok(self) -> bool:
        return not self.violations

    @property
    def rules(self) -> set[str]:
        return {v.rule for v in self.violations}

    def add(self, other: CheckResult | Iterable[Violation]) -> CheckResult:
        if isinstance(other, CheckResult):
            self.violations.extend(other.violations)
            self.drift.extend(other.drift)
            self.errors.extend(other.errors)
        else:
            self.violations.extend(other)
        return self


def parse_json(data: bytes) -> Any:
    """`loads_json` of a body (the same value, the same errors), its decoder built once.

    A body that starts with ``{`` or ``[`` and has no NUL in its first four bytes is UTF-8 to
    `json.detect_encoding`; anything else goes through `loads_json` itself.
    """
    if data[:1] not in (b"{", b"[") or b"\0" in data[:4]:
        return loads_json(data)
    return loads_text(data.decode("utf-8"))


def body_json(body: bytes) -> Any:
    """A request's or response's JSON body, or None (`Request.json`, `Response.json`)."""
    if not body:
        return None
    try:
        return parse_json(body)
    except ValueError:
        return None


# An interaction check looks at one Interaction resource (any JSON value) and,
# when known, the create request body that produced it.
InteractionCheck = Callable[..., list[Violation]]
_F = TypeVar("_F", bound=Callable[..., Any])

# name -> (check, rule ids); filled by @registered, read by check_exchange and the project's tests.
REGISTRY: dict[str, tuple[Callable[..., Any], tuple[str, ...]]] = {}
INTERACTION_CHECKS: list[InteractionCheck] = []
# The interaction checks that look only at status and outputs (run on reassembled streams too).
OUTPUT_CHECKS: list[InteractionCheck] = []
# Stream checks of modules beyond _stream.py (``(events, *, revision)``), run with its grammar.
STREAM_CHECKS: list[Callable[..., list[Violation]]] = []


def registered(
    *rules: str, interaction: bool = False, outputs: bool = False, stream: bool = False
) -> Callable[[_F], _F]:
    """Record a check and the rule ids it can emit.

    ``interaction=True`` runs it on every Interaction `check_exchange` sees;
    ``outputs=True`` also runs it on the outputs reassembled from a stream;
    ``stream=True`` runs it on every stream with the grammar checks (`check_stream_grammar`).
    """

    def mark(fn: _F) -> _F:
        REGISTRY[fn.__name__] = (fn, rules)
        if interaction:
            INTERACTION_CHECKS.append(fn)
        if outputs:
            OUTPUT_CHECKS.append(fn)
        if stream:
            STREAM_CHECKS.append(fn)
        return fn

    return mark


def applies(check: Callable[..., Any], revision: str) -> bool:
    """Whether a registered check runs under ``revision``: one of its rules is in the catalogue.

    A rule only one revision has (USAGE-CACHED-BOUND, STREAM-COMPLETE-OUTPUTS are 2025-12's)
    is never reported under the other: the runners skip the checks that would emit it.
    """
    return _applies(check.__name__, revision)


@functools.cache  # the registry is filled at import and catalogues never change: asked per check call
def _applies(name: str, revision: str) -> bool:
    rules = REGISTRY.get(name, (None, ()))[1]
    catalogue = load_revision(revision).rules
    return not rules or any(rule in catalogue for rule in rules)


def rules_under(revision: str) -> dict[str, tuple[str, ...]]:
    """Every check that runs under ``revision``, with the catalogue rules it can emit there."""
    catalogue = load_revision(revision).rules
    found = {}
    for name, (check, rules) in sorted(REGISTRY.items()):
        if applies(check, revision):
            found[name] = tuple(r for r in rules if r in catalogue)
    return found


def violation(
    rule: str, message: str, *, expected: str, actual: Any, where: str, raw: bool = False
) -> Violation:
    """A violation; ``actual`` is excerpted unless ``raw`` says it is already text."""
    return Violation(
        rule,
        message,
        expected=expected,
        actual=actual if raw else excerpt(actual),
        where=where or "/",
    )


def checker_error(exc: BaseException) -> str:
    """One line for a check that raised: the exception and where in the checker (to report)."""
    frames = traceback.extract_tb(exc.__traceback__)
    place = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return f"checker error {type(exc).__name__}: {str(exc)[:200]}{place}"


def esc(token: object) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def ptr(base: str, *parts: object) -> str:
    """Extend a JSON pointer (``ptr("/outputs", 2, "id")`` is ``/outputs/2/id``)."""
    return base + "".join(f"/{esc(p)}" for p in parts)


def at(prefix: str, pointer: str) -> str:
    """A location inside a larger piece of traffic: ``event 3 /delta/type``.

    A prefix that ends with a pointer is extended: ``at("event 9 /interaction", "/usage")``
    is ``event 9 /interaction/usage``.
    """
    if not prefix:
        return pointer or "/"
    if prefix.rsplit(" ", 1)[-1].startswith("/"):
        return prefix + pointer
    return f"{prefix} {pointer or '/'}"


def as_dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


# Counts and indexes are int64 on the API. A larger JSON integer is no count (SCHEMA-USAGE says
# so), and sums of such could outgrow what int -> str converts (4,300 digits).
_INT64 = 2**63


def is_int(value: Any) -> bool:
    """An integer (not a bool) in the int64 range."""
    return isinstance(value, int) and not isinstance(value, bool) and -_INT64 <= value < _INT64


def as_str(value: Any) -> str | None:
    """The value when it is a string, else None: safe to look up in a table or a set
    (a ``type`` or ``status`` that is an object or a list is unhashable)."""
    return value if isinstance(value, str) else None


def copy_json(value: Any) -> Any:
    """A deep copy of a JSON value that does not recurse (`copy.deepcopy` fails near 300 levels)."""
    if not isinstance(value, dict | list):
        return value
    root: Any = {} if isinstance(value, dict) else []
    stack = [(value, root)]
    while stack:
        source, target = stack.pop()
        items = source.items() if isinstance(source, dict) else enumerate(source)
        for key, item in items:
            if isinstance(item, dict | list):
                item_copy: Any = {} if isinstance(item, dict) else []
                stack.append((item, item_copy))
            else:
                item_copy = item
            if isinstance(target, dict):
                target[key] = item_copy
            else:
                target.append(item_copy)
    return root


def outputs_of(interaction: Any) -> list[Any] | None:
    """The outputs list, or None when absent or not a list (the schema check reports that)."""
    outputs = as_dict(interaction).get("outputs")
    return outputs if isinstance(outputs, list) else None


def blocks_of(interaction: Any, key: str) -> list[tuple[str, dict[str, Any]]] | None:
    """``(pointer, block)`` of each output in ``interaction[key]`` (``outputs`` or ``steps``),
    in the one block shape the checks read (`_wire.output_blocks`); None when that list is
    absent or not a list (the schema check reports it; a streamed interaction has none)."""
    items = as_dict(interaction).get(key)
    if not isinstance(items, list):
        return None
    return output_blocks({key: items})


def content_type(content: Any) -> str | None:
    kind = as_dict(content).get("type")
    return kind if isinstance(kind, str) else None


def request_tools(request: Any) -> list[Mapping[str, Any]]:
    return [t for t in as_list(as_dict(request).get("tools")) if isinstance(t, dict)]


def json_type(value: Any) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", int: "integer"}
    names.update({float: "number", type(None): "null"})
    return names.get(type(value), type(value).__name__)
