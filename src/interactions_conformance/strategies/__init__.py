"""Hypothesis strategies for Interactions API traffic, derived from a spec revision.

* `create_requests` - valid create request bodies a conforming target accepts;
* `near_valid_requests` - requests one mutation away from valid (`NearValid`),
  each labelled with its mutation (`MUTATIONS`) and the rule it must trigger;
* `from_schema` - instances of any one request-side schema, inferred from it.

Arguments are validated when the strategy is written (an unknown revision,
feature or mutation raises `hypothesis.errors.InvalidArgument` listing the
known ones), and a strategy's ``repr`` shows how it was built::

    >>> create_requests(features={"streaming"}, max_output_tokens=8)
    create_requests(features=('streaming',), max_output_tokens=8)

The suites use them in ``suites/test_generated.py``; the layer rule puts this
package with the traffic sources: it imports the core and Hypothesis, never
pytest, an HTTP client or the emulator.
"""

from ._api import create_requests, from_schema, near_valid_requests
from ._mutations import MUTATIONS, Mutation, NearValid

__all__ = [
    "MUTATIONS",
    "Mutation",
    "NearValid",
    "create_requests",
    "from_schema",
    "near_valid_requests",
]
