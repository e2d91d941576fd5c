"""What a check finds: violations of a rule, and drift from a revision.

One failure format everywhere (STYLE.md habit 5): the rule id and its
statement, what was expected, what came, where, and how to reproduce.
A `Violation` is an `AssertionError`, so pytest shows it natively; a
`Drift` is not an error at all: in lenient mode the beta API may add
fields, enum values and event types without failing anyone.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from typing import Any

__all__ = ["ConformanceFailure", "Drift", "Violation", "excerpt"]

_EXCERPT_LIMIT = 160


def excerpt(value: Any, limit: int = _EXCERPT_LIMIT) -> str:
    """A short, JSON-looking rendering of a value for a failure message."""
    if isinstance(value, str) and value.startswith("<") and value.endswith(">"):
        text = value  # a description such as "<absent>", not a JSON value
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, sort_keys=True)
        except (TypeError, ValueError, RecursionError):
            try:
                text = repr(value)
            except (ValueError, RecursionError):  # an int past int -> str's 4,300 digits
                text = f"<{type(value).__name__} too large to show>"
    if len(text) > limit:
        text = f"{text[: limit - 15]}... ({len(text)} chars)"
    return text


class Violation(AssertionError):
    """A rule of the revision is broken, with the evidence.

    ``where`` is a JSON pointer into the instance (``/outputs/0/type``),
    optionally prefixed by the exchange or event it belongs to
    (``event 3 /delta/type``). ``reproduce`` is a command that sends the
    offending request again, never with a real key in it.
    """

    def __init__(
        self,
        rule: str,
        message: str,
        *,
        expected: str,
        actual: str,
        where: str = "",
        reproduce: str = "",
        schema_path: str = "",
        statement: str = "",
    ) -> None:
        self.rule = rule
        self.message = message
        self.expected = expected
        self.actual = actual
        self.where = where
        self.reproduce = reproduce
        self.schema_path = schema_path
        self.statement = statement
        super().__init__(self.render())

    def _key(self) -> tuple[str, ...]:
        return (self.rule, self.message, self.expected, self.actual, self.where)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Violation):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Violation({self.rule!r}, {self.message!r}, where={self.where!r})"

    def with_context(
        self, *, where_prefix: str = "", reproduce: str = "", statement: str = ""
    ) -> Violation:
        """The same violation placed in a larger piece of traffic."""
        where = f"{where_prefix} {self.where}".strip() if where_prefix else self.where
        return Violation(
            self.rule,
            self.message,
            expected=self.expected,
            actual=self.actual,
            where=where,
            reproduce=reproduce or self.reproduce,
            schema_path=self.schema_path,
            statement=statement or self.statement,
        )

    def render(self) -> str:
        head = f"[{self.rule}] {self.message}"
        lines = [head]
        if self.statement and self.statement != self.message:
            lines.append(f"  rule:      {self.statement}")
        lines.append(f"  expected:  {self.expected}")
        lines.append(f"  actual:    {self.actual}")
        if self.where:
            lines.append(f"  where:     {self.where}")
        if self.schema_path:
            lines.append(f"  schema:    {self.schema_path}")
        if self.reproduce:
            lines.append(f"  reproduce: {self.reproduce}")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, str]:
        return {
            "kind": "violation",
            "rule": self.rule,
            "message": self.message,
            "expected": self.expected,
            "actual": self.actual,
            "where": self.where,
            "schema_path": self.schema_path,
            "reproduce": self.reproduce,
        }


@dataclasses.dataclass(frozen=True)
class Drift:
    """Something the revision does not know: a field, an enum value, an event type.

    Not a failure in lenient mode (the API is beta and grows); a violation
    of rule ``SCHEMA-STRICT`` in strict mode.
    """

    what: str  # "property" | "enum value" | "event type" | "content type" | ...
    name: str  # the unknown name or value
    where: str  # JSON pointer
    schema: str  # the schema that did not know it

    def render(self) -> str:
        return f"drift: unknown {self.what} {excerpt(self.name)} at {self.where or '/'} ({self.schema})"

    def as_dict(self) -> dict[str, str]:
        return {"kind": "drift", **dataclasses.asdict(self)}


class ConformanceFailure(AssertionError):
    """Several violations at once, raised by a test so pytest shows them all."""

    def __init__(self, violations: Iterable[Violation], *, context: str = "") -> None:
        self.violations = list(violations)
        self.context = context
        count = len(self.violations)
        title = f"{count} conformance violation{'s' if count != 1 else ''}"
        if context:
            title = f"{title} in {context}"
        body = "\n\n".join(v.render() for v in self.violations)
        super().__init__(f"{title}\n\n{body}")

    @property
    def rules(self) -> set[str]:
        return {v.rule for v in self.violations}
