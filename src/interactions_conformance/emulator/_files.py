"""The minimal Files API of the guide's Files example (G17).

The official SDK uploads with the resumable protocol:

1. ``POST /upload/v1beta/files`` with ``X-Goog-Upload-Protocol: resumable``,
   ``X-Goog-Upload-Command: start``, ``X-Goog-Upload-Header-Content-Length``
   and ``-Content-Type``, body ``{"file": {"displayName": ...}}``; the answer
   carries ``X-Goog-Upload-URL`` (``/upload/v1beta/files/<upload id>``; ``?upload_id=`` is accepted too) and
   ``X-Goog-Upload-Status: active``;
2. ``POST <upload url>`` with ``X-Goog-Upload-Command: upload[, finalize]``
   and ``X-Goog-Upload-Offset``; the SDK sends no API key here, so the upload
   id is the credential (as on the live API); ``finalize`` answers
   ``X-Goog-Upload-Status: final`` and ``{"file": File}``.

``GET /v1beta/files/{id}`` returns the File (camelCase JSON, ``state``
``ACTIVE`` at once: the emulator has nothing to process), ``DELETE`` removes
it, ``GET /v1beta/files`` lists them. A content's ``uri`` naming such a file
(``<base>/v1beta/files/{id}``) is resolved by the owner's key.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from typing import Any

from ._clock import iso
from ._store import FileRecord, Store

__all__ = ["FILE_TTL_SECONDS", "file_name_from_uri", "new_file", "new_upload_id"]

FILE_TTL_SECONDS = 48 * 3600  # the Files API keeps uploads for 48 hours
_URI = re.compile(r"(?:^|/v1(?:beta)?/)(files/[a-z0-9-]+)$")  # v1 and v1beta: REV-V1-PATH


def new_upload_id() -> str:
    return secrets.token_urlsafe(18)


def file_name_from_uri(uri: str) -> str | None:
    """``files/<id>`` when ``uri`` names a Files API file, else None."""
    found = _URI.search(uri.split("?", 1)[0])
    return found.group(1) if found else None


def new_file(
    store: Store,
    *,
    api_key: str,
    meta: dict[str, Any],
    data: bytes,
    now: float,
    base_url: str,
) -> FileRecord:
    """Store an uploaded file and return its record (``meta`` is the File resource)."""
    name = str(meta.get("name") or "")
    if not re.fullmatch(r"files/[a-z0-9-]{1,40}", name):
        name = f"files/{secrets.token_hex(6)}"
    resource: dict[str, Any] = {
        "name": name,
        "mimeType": meta.get("mimeType") or "application/octet-stream",
        "sizeBytes": str(len(data)),
        "createTime": iso(now),
        "updateTime": iso(now),
        "expirationTime": iso(now + FILE_TTL_SECONDS),
        "sha256Hash": base64.b64encode(hashlib.sha256(data).hexdigest().encode()).decode(),
        "uri": f"{base_url}/v1beta/{name}",
        "state": "ACTIVE",
        "source": "UPLOADED",
    }
    if meta.get("displayName"):
        resource["displayName"] = str(meta["displayName"])
    record = FileRecord(name=name, api_key=api_key, created=now, meta=resource, data=data)
    store.put_file(record)
    return record
