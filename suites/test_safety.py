"""safety_settings validation (revision 2026-11: SAFETY-ENUMS): every type, threshold and
method of google-genai 3.6.1 (harmcategory.py, safetysetting.py) is accepted; any other value
is a 400 whose message names the field."""

from __future__ import annotations

import json
from typing import Any

import pytest

from interactions_conformance import ConformanceFailure
from interactions_conformance import _probes as probes
from interactions_conformance._assertions import body_of, expect_ok
from interactions_conformance._spec import spec_root
from interactions_conformance.checks import check_safety_rejection

# The values come from the revision's own schema (spec/2026-11 create-request.json, written from
# google-genai 3.6.1 harmcategory.py and safetysetting.py), not from a second copy here.
_SETTING = json.loads(
    (spec_root() / "2026-11" / "schemas" / "create-request.json").read_text("utf-8")
)["$defs"]["safety-setting"]["properties"]
TYPES = tuple(_SETTING["type"]["enum"])
THRESHOLDS = tuple(_SETTING["threshold"]["enum"])


@pytest.mark.rule("SAFETY-ENUMS")
def test_every_documented_safety_setting_is_accepted(
    api: Any, model: str, small: dict[str, Any]
) -> None:
    settings = [
        {"type": kind, "threshold": THRESHOLDS[i % len(THRESHOLDS)], "method": "severity"}
        for i, kind in enumerate(TYPES)
    ]
    exchange = api.create(
        {
            "model": model,
            "input": probes.ARITHMETIC_PROMPT,
            "safety_settings": settings,
            "generation_config": small,
        }
    )
    expect_ok("SAFETY-ENUMS", exchange, what="safety settings of every documented type")


@pytest.mark.rule("SAFETY-ENUMS")
@pytest.mark.parametrize(
    ("setting", "field"),
    [
        ({"type": "harassment", "threshold": "block_most"}, "safety_settings[0].threshold"),
        ({"type": "harm_category_spam", "threshold": "off"}, "safety_settings[0].type"),
        (
            {"type": "harassment", "threshold": "off", "method": "random"},
            "safety_settings[0].method",
        ),
    ],
    ids=["threshold", "type", "method"],
)
def test_an_unknown_safety_value_is_rejected(
    api: Any, model: str, setting: dict[str, Any], field: str
) -> None:
    exchange = api.create({"model": model, "input": "Hello.", "safety_settings": [setting]})
    found = check_safety_rejection(exchange.response.status, body_of(exchange), field)
    if found:
        raise ConformanceFailure(
            [v.with_context(reproduce=exchange.reproduce) for v in found],
            context=f"a safety setting with an unknown {field.rsplit('.', 1)[-1]}",
        )
