"""Multimodal input: image, audio, video, document by data or uri (G6 G17)."""

from __future__ import annotations

import struct
from typing import Any

import pytest

from interactions_conformance import _probes as probes
from interactions_conformance._assertions import expect_error, expect_ok, require
from interactions_conformance._suite import final_text

pytestmark = [pytest.mark.multimodal, pytest.mark.feature("multimodal_input")]


def _wav(seconds: float = 0.1, rate: int = 8000) -> bytes:
    frames = b"\x00\x00" * int(seconds * rate)
    header = struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        36 + len(frames),
        b"WAVE",
        b"fmt ",
        16,
        1,
        1,
        rate,
        rate * 2,
        2,
        16,
        b"data",
        len(frames),
    )
    return header + frames


_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 72 72]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
_MP4 = struct.pack(">I4s4sI4s4s", 24, b"ftyp", b"isom", 512, b"isom", b"mp41")

MEDIA: dict[str, tuple[str, bytes, str]] = {
    "image": ("MM-IMAGE-INPUT", probes.tiny_png(), "image/png"),
    "audio": ("MM-AUDIO-INPUT", _wav(), "audio/wav"),
    "video": ("MM-VIDEO-INPUT", _MP4, "video/mp4"),
    "document": ("MM-DOCUMENT-INPUT", _PDF, "application/pdf"),
}


@pytest.mark.rule(
    "MM-IMAGE-INPUT", "MM-AUDIO-INPUT", "MM-VIDEO-INPUT", "MM-DOCUMENT-INPUT", "MM-UNDERSTOOD"
)
@pytest.mark.parametrize("kind", list(MEDIA))
def test_media_by_base64_data(api: Any, model: str, small: dict[str, Any], kind: str) -> None:
    rule, data, mime = MEDIA[kind]
    exchange = api.create(
        {
            "model": model,
            "input": [
                {"type": "text", "text": probes.MEDIA_KIND_PROMPT},
                {"type": kind, "data": probes.b64(data), "mime_type": mime},
            ],
            "generation_config": small,
        }
    )
    body = expect_ok(rule, exchange, what=f"a {kind} input")
    require(
        "MM-UNDERSTOOD",
        kind in final_text(body).lower(),
        "the answer does not reflect the media given",
        expected=f"an answer naming {kind!r}",
        actual=final_text(body),
        exchange=exchange,
    )


@pytest.mark.rule("MM-BASE64")
def test_bad_base64_is_rejected(api: Any, model: str) -> None:
    exchange = api.create(
        {
            "model": model,
            "input": [{"type": "image", "data": "not base64 !!!", "mime_type": "image/png"}],
        }
    )
    expect_error("MM-BASE64", exchange, 400, what="image data that is not base64")


@pytest.mark.rule("MM-MIME-TYPE")
def test_unknown_mime_type_is_rejected(api: Any, model: str) -> None:
    data = probes.b64(probes.tiny_png())
    exchange = api.create(
        {"model": model, "input": [{"type": "image", "data": data, "mime_type": "image/x-unknown"}]}
    )
    expect_error("MM-MIME-TYPE", exchange, 400, what="an image with an undocumented mime_type")


@pytest.mark.rule("MM-DATA-OR-URI")
def test_media_without_data_or_uri_is_rejected(api: Any, model: str) -> None:
    exchange = api.create({"model": model, "input": [{"type": "image", "mime_type": "image/png"}]})
    expect_error("MM-DATA-OR-URI", exchange, 400, what="an image with neither data nor uri")


@pytest.mark.rule("MM-URI-INPUT", "FILES-REMOTE-URI")
def test_media_by_remote_uri(api: Any, model: str, small: dict[str, Any]) -> None:
    exchange = api.create(
        {
            "model": model,
            "input": [
                {"type": "text", "text": probes.MEDIA_KIND_PROMPT},
                {
                    "type": "image",
                    "uri": "https://storage.googleapis.com/generativeai-downloads/images/scones.jpg",
                    "mime_type": "image/jpeg",
                },
            ],
            "generation_config": small,
        }
    )
    expect_ok("MM-URI-INPUT", exchange, what="an image by https uri")
