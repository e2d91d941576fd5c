"""Request fields google-genai 3.6.1 marks deprecated (revision 2026-11: DEPRECATED-ACCEPTED):
deprecated is not removed, so a request that still sends them is accepted. (response_mime_type
and generation_config.image_config, removed by the May 2026 migration, are REQ-NO-LEGACY-FIELDS
and LEGACY-REJECTED.)"""

from __future__ import annotations

from typing import Any

import pytest

from interactions_conformance import ConformanceFailure
from interactions_conformance import _probes as probes
from interactions_conformance._assertions import body_of
from interactions_conformance.checks import check_deprecated_accepted


@pytest.mark.rule("DEPRECATED-ACCEPTED")
@pytest.mark.parametrize(
    ("field", "extra"),
    [
        ("response_modalities", {"response_modalities": ["text"]}),
        ("generation_config.temperature", {"generation_config": {"temperature": 0.5}}),
        ("generation_config.top_p", {"generation_config": {"top_p": 0.9}}),
    ],
    ids=["response_modalities", "temperature", "top_p"],
)
def test_a_deprecated_field_is_still_accepted(
    api: Any, model: str, small: dict[str, Any], field: str, extra: dict[str, Any]
) -> None:
    body: dict[str, Any] = {"model": model, "input": probes.ARITHMETIC_PROMPT, **extra}
    body["generation_config"] = {**small, **body.get("generation_config", {})}
    exchange = api.create(body)
    found = check_deprecated_accepted(exchange.response.status, body_of(exchange), field)
    if found:
        raise ConformanceFailure(
            [v.with_context(reproduce=exchange.reproduce) for v in found],
            context=f"a request with the deprecated {field}",
        )
