"""The fast validation path gives the same answers as the explaining one.

`Revision.validate` asks a compiled validator (jsonschema-rs) first and trusts it for
"valid" (nothing to report) and for "only drift" (unknown properties, unknown values of
open enums, in lenient mode); everything else goes to python-jsonschema. These tests hold
the two to the same result, violation for violation and drift for drift, on schema-drawn
instances pushed off the schema in every way that matters (unknown keys, unknown enum
values, wrong types, missing fields), on the recorded payloads of ../shared/real-traffic
against both revisions, and on values the compiled validator cannot read.

``FAST_PATH_EXAMPLES=5000`` searches deeper than the default 300 examples per property
(a minute; 5000 each found no disagreement when the fast path was written).
"""

from __future__ import annotations

import functools
import json
import math
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _support import REAL_TRAFFIC, SPEC, load_recording, real_traffic_files
from interactions_conformance import Revision, load_revision
from interactions_conformance._spec import jsonschema_rs
from interactions_conformance.strategies import from_schema

REVISIONS = ("2025-12", "2026-05")
SETTINGS = settings(
    max_examples=int(os.environ.get("FAST_PATH_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
# Schemas drawn from (2025-12: the revision the strategies know) and the fragments the
# checks and the emulator validate against.
DRAWN = (
    "interaction",
    "sse-event",
    "create-request",
    "content",
    "usage",
    "error",
    "tool",
    "turn",
    "file",
    "delta",
    "generation-config",
    "agent-config",
    "get-params",
    "delete-response",
    "content#/$defs/input-content",
    "tool#/$defs/request-tool",
)
SCHEMA_OF_KIND = {
    "interaction": "interaction",
    "request": "create-request",
    "error": "error",
    "stream": "sse-event",
}

pytestmark = pytest.mark.skipif(
    jsonschema_rs is None, reason="jsonschema-rs is not installed: there is no fast path to compare"
)


@functools.cache
def _slow(name: str) -> Revision:
    """The revision validated by python-jsonschema alone."""
    return Revision(name, SPEC / name, fast=False)


def _same_answers(rev: Revision, instance: Any, schema: str) -> None:
    """validate (both modes) and is_valid agree with python-jsonschema alone."""
    slow = _slow(rev.name)
    for strict in (False, True):
        fast_result = rev.validate(instance, schema, strict=strict, at="event 3")
        slow_result = slow.validate(instance, schema, strict=strict, at="event 3")
        assert fast_result.violations == slow_result.violations, (schema, strict, instance)
        assert fast_result.drift == slow_result.drift, (schema, strict, instance)
    clean = slow.validate(instance, schema)
    assert rev.is_valid(instance, schema) is (not clean.violations and not clean.drift), instance


# -- instances off the schema ------------------------------------------------------------

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.sampled_from(["text", "image", "completed", "in_progress", "function_call", "x\n", ""]),
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def _places(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every location inside a JSON value (the root included)."""
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _places(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _places(item, (*path, i))
    return found


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


@st.composite
def _pushed_off(draw: st.DrawFn, instance: Any) -> Any:
    """The instance after 1-3 edits: an unknown key, an unknown string, a random value, a
    removed key, or a different type, each at a drawn location."""
    value = json.loads(json.dumps(instance))  # a private copy
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_places(value)))
        target = _get(value, path)
        edit = draw(st.sampled_from(["add-key", "unknown-string", "replace", "remove", "retype"]))
        if edit == "add-key" and isinstance(target, dict):
            target[draw(st.sampled_from(["service_tier", "new_field", "x"]))] = draw(_JSON)
        elif edit == "remove" and isinstance(target, dict) and target:
            del target[draw(st.sampled_from(sorted(target)))]
        elif path:
            parent, key = _get(value, path[:-1]), path[-1]
            if edit == "unknown-string":
                parent[key] = draw(st.sampled_from(["brand_new_type", "quantum", "Text", ""]))
            elif edit == "retype":
                parent[key] = draw(_SCALARS)
            else:
                parent[key] = draw(_JSON)
    return value


@SETTINGS
@given(data=st.data(), schema=st.sampled_from(DRAWN))
def test_drawn_instances_get_the_same_answer(data: st.DataObject, schema: str) -> None:
    rev = load_revision("2025-12")
    instance = data.draw(from_schema(schema), label="valid instance")
    _same_answers(rev, instance, schema)
    pushed = data.draw(_pushed_off(instance), label="pushed off")
    _same_answers(rev, pushed, schema)


@SETTINGS
@given(schema=st.sampled_from(DRAWN), value=_JSON)
def test_arbitrary_json_gets_the_same_answer(schema: str, value: Any) -> None:
    _same_answers(load_revision("2025-12"), value, schema)


# -- recorded traffic, both revisions --------------------------------------------------------

RECORDED = real_traffic_files("")


@pytest.mark.skipif(not RECORDED, reason=f"../shared is absent (looked in {REAL_TRAFFIC})")
@pytest.mark.parametrize("revision", REVISIONS)
@pytest.mark.parametrize("path", RECORDED, ids=lambda p: p.stem)
def test_recorded_payloads_get_the_same_answer(revision: str, path: Path) -> None:
    meta, payload = load_recording(path)
    schema = SCHEMA_OF_KIND.get(meta.get("kind", ""))
    if schema is None:
        pytest.skip(f"no schema for kind {meta.get('kind')!r}")
    rev = load_revision(revision)
    for item in payload if meta["kind"] == "stream" else [payload]:
        _same_answers(rev, item, schema)


# -- the fast path is taken, and steps aside when it cannot read a value ---------------------


def _recorded_like_live() -> dict[str, Any]:
    """An interaction as the live API sends it: valid, with fields 2025-12 does not know."""
    return {
        "id": "v1_abc",
        "object": "interaction",
        "status": "completed",
        "model": "gemini-2.5-flash-lite",
        "role": "model",
        "created": "2026-05-04T17:53:45Z",
        "updated": "2026-05-04T17:53:45Z",
        "service_tier": "standard",
        "outputs": [{"type": "text", "text": "391", "brand_new": True}],
        "usage": {
            "total_tokens": 12,
            "total_input_tokens": 11,
            "input_tokens_by_modality": [{"modality": "smell", "tokens": 11}],
            "total_output_tokens": 1,
        },
    }


def test_valid_and_drift_only_instances_never_reach_the_slow_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rev = Revision("2025-12", SPEC / "2025-12")
    live = _recorded_like_live()
    expected = _slow("2025-12").validate(live, "interaction")
    assert not expected.violations
    assert [d.name for d in expected.drift] == ["brand_new", "service_tier", "smell"]

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the slow path ran")

    monkeypatch.setattr(rev, "_validate_slow", refuse)
    assert rev.validate(live, "interaction") == expected
    del live["service_tier"], live["outputs"][0]["brand_new"]
    live["usage"]["input_tokens_by_modality"][0]["modality"] = "text"
    assert rev.validate(live, "interaction").drift == []


def test_violations_and_strict_mode_are_explained_by_the_slow_path() -> None:
    rev = load_revision("2025-12")
    live = _recorded_like_live()
    strict = rev.validate(live, "interaction", strict=True)
    assert {v.rule for v in strict.violations} == {"SCHEMA-STRICT"}
    assert all(v.expected and v.actual for v in strict.violations)
    live["status"] = 7
    found = rev.validate(live, "interaction")
    assert [(v.where, v.expected) for v in found.violations] == [("/status", "type 'string'")]
    # the drift is still reported beside the violation (7 is also an unknown status value)
    assert {"brand_new", "service_tier", "smell"} <= {d.name for d in found.drift}


@pytest.mark.parametrize(
    "value",
    [
        "\ud800",  # a lone surrogate (json.loads accepts one): not UTF-8, so not for jsonschema-rs
        math.nan,
        math.inf,
        2**80,
        {"error": {"code": "bad\ud800", "message": "m"}},
        {"error": {"code": "x", "message": "m"}, "extra\n": 1},
    ],
    ids=repr,
)
def test_values_the_compiled_validator_cannot_read_get_the_same_answer(value: Any) -> None:
    for schema in ("error", "usage", "interaction"):
        _same_answers(load_revision("2025-12"), value, schema)


def test_without_the_compiled_validator_nothing_changes_but_speed() -> None:
    slow = _slow("2025-12")
    assert slow._fast_validator("interaction") is None
    assert load_revision("2025-12")._fast_validator("interaction") is not None
    assert slow.validate(_recorded_like_live(), "interaction") == load_revision("2025-12").validate(
        _recorded_like_live(), "interaction"
    )
