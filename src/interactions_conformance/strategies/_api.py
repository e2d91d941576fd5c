"""The public strategy functions: validate eagerly, then return a lazily built strategy.

Hypothesis house style (``guides/api-style.rst``): a bad argument raises
`hypothesis.errors.InvalidArgument` where the strategy is written, not when
a test draws from it; the strategy's ``repr`` shows the call that built it
(``create_requests(features=('streaming',), max_output_tokens=8)``);
``from_schema`` infers its values from a schema, hence its name.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from .._wire import CANONICAL_REVISION  # the shape generated; the client spells it per revision
from ._mutations import MUTATIONS, NearValid, draw_near_valid
from ._requests import DEFAULT_AGENT, DEFAULT_MODEL, Options, check_options, draw_request
from ._schema import revision_for, walker_for

__all__ = ["create_requests", "from_schema", "near_valid_requests"]


def _features_arg(features: Collection[str] | None, opts: Options) -> tuple[str, ...] | None:
    return None if features is None else tuple(sorted(opts.features))


# Options are built once per set of arguments, not once per draw (a draw rebuilt the whole
# request strategy, which was most of generation's cost); what hangs off them (media
# variants, tool names) is then built once too.
@functools.cache
def _options(
    revision: str, model: str, agent: str, features: tuple[str, ...] | None, max_output_tokens: int
) -> Options:
    return check_options(revision, model, agent, features, max_output_tokens)


def _draw_create_requests(
    draw: st.DrawFn,
    revision: str = CANONICAL_REVISION,
    *,
    model: str = DEFAULT_MODEL,
    agent: str = DEFAULT_AGENT,
    features: tuple[str, ...] | None = None,
    max_output_tokens: int = 16,
) -> dict[str, Any]:
    return draw_request(draw, _options(revision, model, agent, features, max_output_tokens))


def _draw_near_valid_requests(
    draw: st.DrawFn,
    revision: str = CANONICAL_REVISION,
    *,
    model: str = DEFAULT_MODEL,
    agent: str = DEFAULT_AGENT,
    features: tuple[str, ...] | None = None,
    max_output_tokens: int = 16,
    mutations: tuple[str, ...] | None = None,
) -> NearValid:
    opts = _options(revision, model, agent, features, max_output_tokens)
    return draw_near_valid(draw, opts, mutations or tuple(MUTATIONS))


def _draw_from_schema(draw: st.DrawFn, name: str, revision: str = CANONICAL_REVISION) -> Any:
    return draw(walker_for(revision).strategy(name))


# The repr of a composite strategy is its function's name and the arguments it was given.
_draw_create_requests.__name__ = _draw_create_requests.__qualname__ = "create_requests"
_draw_near_valid_requests.__name__ = _draw_near_valid_requests.__qualname__ = "near_valid_requests"
_draw_from_schema.__name__ = _draw_from_schema.__qualname__ = "from_schema"
# The public strategies are memoized on their (validated, hashable) arguments: the suites write
# `near_valid_requests(...)` inside the test, once per example, and a new strategy object is
# validated again by Hypothesis at its first draw; the same object is validated once.
_create = functools.cache(st.composite(_draw_create_requests))
_near = functools.cache(st.composite(_draw_near_valid_requests))
_schema = functools.cache(st.composite(_draw_from_schema))


def create_requests(
    revision: str = CANONICAL_REVISION,
    *,
    model: str = DEFAULT_MODEL,
    agent: str = DEFAULT_AGENT,
    features: Collection[str] | None = None,
    max_output_tokens: int = 16,
) -> st.SearchStrategy[dict[str, Any]]:
    """Valid create request bodies of ``revision`` that a conforming target must accept.

    They cover every input form (string, one content, a content list, turns),
    every content type a request accepts (media as a few real bytes in
    standard base64 with a documented mime type; a model turn's previous
    outputs; a function call paired with its result), tools, generation_config,
    response_format, system_instruction, and the ``store`` / ``background`` /
    ``stream`` combinations the rules allow (never store=false with
    background=true). ``features`` limits them to what a target supports
    (a profile's feature names, e.g. ``profile.features``; None: all);
    ``model`` and ``agent`` name what to ask; ``max_output_tokens`` caps every
    request's generation_config so that a live run costs little.
    """
    opts = check_options(revision, model, agent, features, max_output_tokens)
    return _create(
        revision, model=model, agent=agent, features=_features_arg(features, opts),
        max_output_tokens=max_output_tokens,
    )  # fmt: skip


def near_valid_requests(
    revision: str = CANONICAL_REVISION,
    *,
    model: str = DEFAULT_MODEL,
    agent: str = DEFAULT_AGENT,
    features: Collection[str] | None = None,
    max_output_tokens: int = 16,
    mutations: Iterable[str] | None = None,
) -> st.SearchStrategy[NearValid]:
    """Requests one mutation away from a valid one (`NearValid`), each labelled with the
    mutation, the rule a target breaks by accepting it, the statuses it documents and the
    field a 400's message must name. ``mutations`` picks from `MUTATIONS` (default: all);
    a mutation that needs a feature ``features`` lacks is left out (``unknown-field`` only
    for targets with ``strict_fields``)."""
    opts = check_options(revision, model, agent, features, max_output_tokens)
    chosen: tuple[str, ...] | None = None
    if mutations is not None:
        if isinstance(mutations, str):
            raise InvalidArgument(
                f"mutations={mutations!r} must be a collection of names, not a string"
            )
        chosen = tuple(mutations)
        unknown = [m for m in chosen if m not in MUTATIONS]
        if unknown or not chosen:
            raise InvalidArgument(
                f"unknown mutations {unknown}; known: {', '.join(MUTATIONS)}"
                if unknown
                else "mutations must name at least one mutation"
            )
    usable = [
        m for m in (chosen or MUTATIONS)
        if not MUTATIONS[m].feature or opts.has(MUTATIONS[m].feature)
    ]  # fmt: skip
    if not usable:
        raise InvalidArgument(
            f"none of the mutations {list(chosen or ())} applies to features {sorted(opts.features)}"
        )
    return _near(
        revision, model=model, agent=agent, features=_features_arg(features, opts),
        max_output_tokens=max_output_tokens, mutations=chosen,
    )  # fmt: skip


def from_schema(name: str, revision: str = CANONICAL_REVISION) -> st.SearchStrategy[Any]:
    """Instances of one schema of ``revision``, inferred from it alone: ``"generation-config"``,
    ``"tool#/$defs/request-tool"``, ``"content#/$defs/input-content"``, ``"agent-config"``.

    Well formed by construction (they validate, strict), but not meaningful: a
    schema cannot say which call ids are pending or which models exist. Use
    `create_requests` for traffic a server must accept."""
    if not isinstance(name, str) or not name:
        raise InvalidArgument(f"name={name!r} must be a schema name such as 'generation-config'")
    walker_for(revision_for(revision).name).node(name)  # InvalidArgument for an unknown schema
    return _schema(name, revision)
