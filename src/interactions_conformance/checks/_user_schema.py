"""Validation against a JSON Schema that the traffic under test brings (response_format, a
function's declared parameters).

Such a schema is input, not ours: a recorded request may carry a ``pattern`` such as
``(a+)+$``, and Python's ``re`` takes minutes (catastrophic backtracking) to find that forty
a's and a b do not match it, so one hostile cassette would hang ``check``. jsonschema-rs
matches with the Rust ``regex`` engine (linear time) and, for patterns it needs backtracking
for (look-around, back-references), with a backtracking limit: every user schema is
validated there, errors included. A pattern that hits the limit cannot be decided, so it is
no violation (SO-VALID-JSON's and FC-ARGS-VALID's decision in the catalogue). Where
jsonschema-rs cannot be imported, python-jsonschema validates, unbounded (its ``re``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import jsonschema
import referencing

from .._spec import jsonschema_rs

__all__ = ["SchemaError", "schema_errors"]


@dataclasses.dataclass(frozen=True)
class SchemaError:
    """One way an instance fails a schema: the keyword, its value, and where."""

    keyword: str
    keyword_value: Any
    message: str
    instance: Any
    path: tuple[str | int, ...]


def schema_errors(instance: Any, schema: Any) -> list[SchemaError] | None:
    """The errors of ``instance`` against ``schema``, sorted by where; None when ``schema``
    is not a usable schema (not an object, invalid, an unsupported regex, a remote ``$ref``,
    which is never retrieved)."""
    if not isinstance(schema, dict):
        return None
    try:
        if jsonschema_rs is not None:
            errors = _rs_errors(instance, schema)
        else:
            errors = _python_errors(instance, schema)
    except Exception:
        return None
    return sorted(errors, key=lambda e: [str(p) for p in e.path])


def _refuse(uri: str) -> Any:
    raise ValueError(f"a remote $ref is never retrieved: {uri}")


def _rs_errors(instance: Any, schema: dict[str, Any]) -> list[SchemaError]:
    # jsonschema-rs would fetch a remote $ref over HTTP: the traffic under test must not make
    # the checker send requests anywhere, so a schema that needs one is not usable.
    validator = jsonschema_rs.validator_for(schema, retriever=_refuse)
    if validator.is_valid(instance):
        return []
    found = []
    for error in validator.iter_errors(instance):
        if type(error.kind).__name__ == "BacktrackLimitExceeded":
            continue  # undecidable within bounds: no verdict (module docstring)
        schema_path = list(error.schema_path)
        found.append(
            SchemaError(
                keyword=str(schema_path[-1]) if schema_path else "",
                keyword_value=_at(schema, schema_path),
                message=error.message,
                instance=error.instance,
                path=tuple(error.instance_path),
            )
        )
    return found


def _python_errors(instance: Any, schema: dict[str, Any]) -> list[SchemaError]:
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    cls.check_schema(schema)
    validator = cls(schema, registry=referencing.Registry())
    return [
        SchemaError(
            keyword=str(error.validator),
            keyword_value=error.validator_value,
            message=error.message,
            instance=error.instance,
            path=tuple(error.absolute_path),
        )
        for error in validator.iter_errors(instance)
    ]


def _at(schema: Any, path: list[str | int]) -> Any:
    node = schema
    for part in path:
        found = isinstance(node, dict) and part in node
        found = found or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        )
        if not found:
            return None
        node = node[part]
    return node
