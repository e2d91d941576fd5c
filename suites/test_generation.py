"""Generation: image output and generation_config (G7 G16)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import pytest

from interactions_conformance import _probes as probes
from interactions_conformance._assertions import expect_error, expect_ok, require
from interactions_conformance._suite import outputs_of, where_output

pytestmark = pytest.mark.generation

MAGIC = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff", "image/webp": b"RIFF"}


@pytest.mark.rule("GEN-IMAGE-OUTPUT", "GEN-IMAGE-DECODES")
@pytest.mark.feature("image_output")
def test_image_output(api: Any, conformance: Any) -> None:
    exchange = api.create(
        {
            "model": conformance.profile.model("image"),
            "input": "Generate a small red square.",
            "response_modalities": ["IMAGE"],
        }
    )
    body = expect_ok("GEN-IMAGE-OUTPUT", exchange)
    images = [o for o in outputs_of(body) if o.get("type") == "image"]
    require(
        "GEN-IMAGE-OUTPUT",
        images,
        "no image output",
        expected="an output of type image",
        actual=[o.get("type") for o in outputs_of(body)],
        where=where_output(body),
        exchange=exchange,
    )
    image = images[0]
    mime = str(image.get("mime_type"))
    try:
        data = base64.b64decode(str(image.get("data")), validate=True)
    except binascii.Error as exc:
        require(
            "GEN-IMAGE-DECODES",
            False,
            "image data is not base64",
            expected="base64",
            actual=str(exc),
            exchange=exchange,
        )
        return
    require(
        "GEN-IMAGE-DECODES",
        data.startswith(MAGIC.get(mime, b"")) and len(data) > 8,
        "image data is not an image of the declared type",
        expected=f"{mime} bytes",
        actual=data[:8].hex(),
        exchange=exchange,
    )


@pytest.mark.rule("GEN-MODALITIES-ENUM")
def test_unknown_modality_is_rejected(api: Any, model: str) -> None:
    expect_error(
        "GEN-MODALITIES-ENUM",
        api.create({"model": model, "input": "hi", "response_modalities": ["SMELL"]}),
        400,
        what="response_modalities ['SMELL']",
    )


@pytest.mark.rule("GEN-MAX-OUTPUT-TOKENS")
def test_max_output_tokens_caps_output(api: Any, model: str) -> None:
    exchange = api.create(
        {
            "model": model,
            "input": "Write a long story about a lighthouse.",
            "generation_config": {"max_output_tokens": 16},
        }
    )
    body = expect_ok("GEN-MAX-OUTPUT-TOKENS", exchange)
    used = (body.get("usage") or {}).get("total_output_tokens", 0)
    require(
        "GEN-MAX-OUTPUT-TOKENS",
        isinstance(used, int) and used <= 16,
        "output tokens exceed max_output_tokens",
        expected="total_output_tokens <= 16",
        actual=used,
        where="/usage/total_output_tokens",
        exchange=exchange,
    )


@pytest.mark.rule("GEN-TEMPERATURE-RANGE")
@pytest.mark.parametrize("temperature", [-0.5, 2.5])
def test_temperature_out_of_range(api: Any, model: str, temperature: float) -> None:
    exchange = api.create(
        {"model": model, "input": "hi", "generation_config": {"temperature": temperature}}
    )
    expect_error("GEN-TEMPERATURE-RANGE", exchange, 400, what=f"temperature {temperature}")


@pytest.mark.rule("GEN-THINKING-LEVEL")
@pytest.mark.parametrize("level", ["low", "high"])
def test_thinking_levels_accepted(
    api: Any, conformance: Any, level: str, small: dict[str, Any]
) -> None:
    exchange = api.create(
        {
            "model": conformance.profile.model("thinking"),
            "input": probes.SHORT_PROMPT,
            "generation_config": {**small, "thinking_level": level},
        }
    )
    expect_ok("GEN-THINKING-LEVEL", exchange, what=f"thinking_level {level!r}")


@pytest.mark.rule("GEN-THINKING-LEVEL")
def test_unknown_thinking_level_rejected(api: Any, conformance: Any) -> None:
    exchange = api.create(
        {
            "model": conformance.profile.model("thinking"),
            "input": "hi",
            "generation_config": {"thinking_level": "ludicrous"},
        }
    )
    expect_error("GEN-THINKING-LEVEL", exchange, 400, what="thinking_level 'ludicrous'")


@pytest.mark.rule("GEN-CONFIG-TYPES")
def test_generation_config_types(api: Any, model: str) -> None:
    exchange = api.create(
        {"model": model, "input": "hi", "generation_config": {"max_output_tokens": "many"}}
    )
    expect_error("GEN-CONFIG-TYPES", exchange, 400, what="max_output_tokens as a string")
