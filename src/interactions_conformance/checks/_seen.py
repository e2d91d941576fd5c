"""One walk of an Interaction and of its create request: the facts every interaction rule reads.

`Seen` holds what one Interaction says (status, usage, its output blocks with their wire
pointers, listed once); `Asked` what the create request asked for (tools, declared functions,
formats). An interaction rule is a function ``(seen, asked, where) -> [Violation]`` that reads
these and never walks the JSON again; `interaction_rule` turns it into the public check
``check(interaction, request=None, *, revision, where)``. Pointers and excerpts are built only
where a rule finds a violation.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from .._findings import Violation
from .._spec import DEFAULT_REVISION
from .._wire import output_blocks
from ._base import registered, request_tools
from ._grammar import Grammar, grammar_for

__all__ = ["Asked", "Rule", "Seen", "interaction_rule"]

_EMPTY: Mapping[str, Any] = {}


class Seen:
    """An Interaction (any JSON value), walked once.

    ``body`` is the object (an empty mapping when the value is not one); ``blocks`` the
    ``(pointer, block)`` of each output in the revision's list (``outputs`` or ``steps``,
    flattened by `_wire.output_blocks`), None when that list is absent or not a list.
    """

    __slots__ = ("blocks", "body", "grammar", "is_object", "raw", "status", "usage")

    def __init__(self, interaction: Any, grammar: Grammar) -> None:
        self.raw = interaction
        self.grammar = grammar
        self.is_object = isinstance(interaction, dict)
        body: Mapping[str, Any] = interaction if self.is_object else _EMPTY
        self.body = body
        self.status = body.get("status")
        self.usage = body.get("usage")
        key = grammar.output_key
        items = body.get(key)
        self.blocks: list[tuple[str, dict[str, Any]]] | None = (
            output_blocks({key: items}) if isinstance(items, list) else None
        )

    @property
    def usage_fields(self) -> Mapping[str, Any]:
        usage = self.usage
        return usage if isinstance(usage, dict) else _EMPTY


class Asked:
    """A create request body (any JSON value, or None when unknown), read once."""

    __slots__ = ("body", "declared", "raw", "tools")

    def __init__(self, request: Any) -> None:
        self.raw = request
        self.body: Mapping[str, Any] = request if isinstance(request, dict) else _EMPTY
        self.tools = request_tools(request) if "tools" in self.body else []
        # name -> parameters of each declared function tool (FC-NAME-DECLARED, FC-ARGS-VALID)
        self.declared: dict[str, Any] = {
            t["name"]: t.get("parameters")
            for t in self.tools
            if t.get("type") == "function" and isinstance(t.get("name"), str)
        }


Rule = Callable[[Seen, Asked, str], list[Violation]]

# The one signature of every public interaction check (`inspect.signature` reads it).
_SIGNATURE = inspect.Signature(
    [
        inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None),
        inspect.Parameter("revision", inspect.Parameter.KEYWORD_ONLY, default=DEFAULT_REVISION),
        inspect.Parameter("where", inspect.Parameter.KEYWORD_ONLY, default=""),
    ],
    return_annotation="list[Violation]",
)


def interaction_rule(
    *rules: str, outputs: bool = False
) -> Callable[[Rule], Callable[..., list[Violation]]]:
    """Register a rule on one Interaction under its public name.

    The public check takes ``(interaction, request=None, *, revision, where)``;
    `run_interaction_checks` calls the rule itself (``check.rule``) on one shared `Seen`.
    ``outputs=True``: it reads only status and outputs (it also runs on reassembled streams).
    """

    def make(rule: Rule) -> Callable[..., list[Violation]]:
        def check(
            interaction: Any,
            request: Any = None,
            *,
            revision: str = DEFAULT_REVISION,
            where: str = "",
        ) -> list[Violation]:
            return rule(Seen(interaction, grammar_for(revision)), Asked(request), where)

        check.__name__ = check.__qualname__ = rule.__name__
        check.__doc__ = rule.__doc__
        check.__module__ = rule.__module__
        check.__signature__ = _SIGNATURE  # type: ignore[attr-defined]
        check.rule = rule  # type: ignore[attr-defined]
        return registered(*rules, interaction=True, outputs=outputs)(check)

    return make
