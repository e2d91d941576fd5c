"""The Files API as the guide's Files example uses it: upload, ACTIVE, uri in content (G17)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from interactions_conformance import _probes as probes
from interactions_conformance._assertions import expect_ok, require
from interactions_conformance._suite import final_text

pytestmark = [pytest.mark.files, pytest.mark.feature("files")]


def _upload(api: Any, data: bytes, mime: str) -> dict[str, Any]:
    """The resumable upload protocol of the official SDK: start, then upload and finalize."""
    start = api.request(
        "POST",
        "/upload/v1beta/files",
        json_body={"file": {"display_name": "probe.png"}},
        headers={
            "X-Goog-Upload-Protocol": "resumable",
            "X-Goog-Upload-Command": "start",
            "X-Goog-Upload-Header-Content-Length": str(len(data)),
            "X-Goog-Upload-Header-Content-Type": mime,
        },
    )
    upload_url = {k.lower(): v for k, v in start.response.headers.items()}.get("x-goog-upload-url")
    require(
        "FILES-UPLOAD-ACTIVE",
        start.response.status == 200 and upload_url,
        "the upload did not start",
        expected="HTTP 200 with an X-Goog-Upload-URL header",
        actual=f"HTTP {start.response.status}",
        exchange=start,
    )
    base = api.base_url
    path = str(upload_url)[len(base) :] if str(upload_url).startswith(base) else str(upload_url)
    done = api.request(
        "POST",
        path,
        content=data,
        headers={
            "X-Goog-Upload-Command": "upload, finalize",
            "X-Goog-Upload-Offset": "0",
            "content-type": mime,
        },
    )
    body = expect_ok("FILES-UPLOAD-ACTIVE", done, what="the upload")
    file = body.get("file", body)
    return file if isinstance(file, dict) else {}


@pytest.mark.rule("FILES-UPLOAD-ACTIVE", "FILES-URI-USABLE")
def test_uploaded_file_becomes_active_and_is_usable(
    api: Any, model: str, small: dict[str, Any]
) -> None:
    file = _upload(api, probes.tiny_png(), "image/png")
    name = str(file.get("name", ""))
    require(
        "FILES-UPLOAD-ACTIVE",
        name.startswith("files/"),
        "the uploaded file has no name",
        expected="name 'files/...'",
        actual=file,
        exchange=None,
    )
    deadline = time.monotonic() + 120
    while file.get("state") != "ACTIVE":
        require(
            "FILES-UPLOAD-ACTIVE",
            file.get("state") in (None, "PROCESSING", "STATE_UNSPECIFIED")
            and time.monotonic() < deadline,
            "the file did not become ACTIVE",
            expected="state ACTIVE",
            actual=json.dumps(file)[:200],
        )
        time.sleep(0.5)
        file = expect_ok(
            "FILES-UPLOAD-ACTIVE", api.request("GET", f"/v1beta/{name}"), what="GET of the file"
        )
    exchange = api.create(
        {
            "model": model,
            "input": [
                {"type": "text", "text": probes.MEDIA_KIND_PROMPT},
                {"type": "image", "uri": file.get("uri"), "mime_type": "image/png"},
            ],
            "generation_config": small,
        }
    )
    body = expect_ok("FILES-URI-USABLE", exchange, what="content with the file's uri")
    require(
        "FILES-URI-USABLE",
        "image" in final_text(body).lower(),
        "the file's content was not seen",
        expected="an answer naming 'image'",
        actual=final_text(body),
        exchange=exchange,
    )
