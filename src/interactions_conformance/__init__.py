"""interactions-conformance: does an endpoint behave as the Interactions API documentation says?

The public API is what this module exports; everything else is private
(``_name`` modules) and may change. A test guards the list.
"""

from ._findings import ConformanceFailure, Drift, Violation
from ._spec import (
    DEFAULT_REVISION,
    Revision,
    Rule,
    SpecError,
    ValidationResult,
    available_revisions,
    load_revision,
)
from ._traffic import Exchange, Request, Response

__all__ = [
    "DEFAULT_REVISION",
    "ConformanceFailure",
    "Drift",
    "Exchange",
    "Request",
    "Response",
    "Revision",
    "Rule",
    "SpecError",
    "ValidationResult",
    "Violation",
    "available_revisions",
    "load_revision",
]
