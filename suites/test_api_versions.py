"""/v1 and /v1beta are one Interactions API (REV-V1-PATH, revision 2026-11): today's SDKs post to
/v1, the docs' curl lines to /v1beta. Under an older revision the plugin skips these tests with
the reason (their catalogues predate the stable path)."""

from __future__ import annotations

from typing import Any

import pytest

from interactions_conformance import _probes as probes
from interactions_conformance._assertions import expect_ok, require
from interactions_conformance._suite import interaction_id
from interactions_conformance._wire import request_to_wire

pytestmark = pytest.mark.revision

RULE = "REV-V1-PATH"


def _other(api: Any) -> str:
    """The API version the client does not use by default (it speaks v1beta unless told)."""
    return "v1beta" if api.api_version == "v1" else "v1"


@pytest.mark.rule("REV-V1-PATH")
def test_an_interaction_created_under_one_version_is_the_same_under_the_other(
    api: Any, model: str, small: dict[str, Any]
) -> None:
    other = _other(api)
    body = {"model": model, "input": probes.SHORT_PROMPT, "generation_config": small}
    created = api.request(
        "POST", f"/{other}/interactions", json_body=request_to_wire(body, api.revision)
    )
    resource = expect_ok(RULE, created, what=f"POST /{other}/interactions")
    ident = interaction_id(RULE, resource, created)
    again = api.get(ident)  # under the client's own version
    fetched = expect_ok(RULE, again, what=f"GET /{api.api_version}/interactions/{{id}}")
    require(
        RULE,
        fetched.get("id") == ident and fetched.get("status") == resource.get("status"),
        f"an interaction created under /{other} is not the same under /{api.api_version}",
        expected={"id": ident, "status": resource.get("status")},
        actual={"id": fetched.get("id"), "status": fetched.get("status")},
        exchange=again,
    )
    shapes = {key for key in ("steps", "outputs") if key in resource}
    require(
        RULE,
        shapes == {key for key in ("steps", "outputs") if key in fetched},
        f"/{other} and /{api.api_version} answer in different schemas",
        expected=sorted(shapes),
        actual=sorted(k for k in ("steps", "outputs") if k in fetched),
        exchange=again,
    )
    deleted = api.request("DELETE", f"/{other}/interactions/{ident}")
    expect_ok(RULE, deleted, what=f"DELETE /{other}/interactions/{{id}}")
    gone = api.get(ident)
    require(
        RULE,
        gone.response.status == 404,
        f"an interaction deleted under /{other} is still there under /{api.api_version}",
        expected=404,
        actual=gone.response.status,
        exchange=gone,
    )
