"""Recorded traffic from files, turned into `Exchange`s: cassettes, HAR, JSON Lines.

==========================  ===================================================
``*.yaml``, ``*.yml``       our cassettes (vcrpy format; see `_cassettes`)
``*.har``                   HTTP Archive 1.2 (``log.entries``, as browsers and
                            proxies export it)
``*.jsonl``, ``*.ndjson``   one exchange per line (below)
``*.json``                  one exchange (``{"request", "response"}``, as the
                            proxy's ``--record`` writes it), or a payload
                            recording ``{"_meta": {"kind": ...}, "payload": ...}``
                            (kind ``interaction``, ``stream`` or ``error``)
==========================  ===================================================

The JSON Lines format, one object per line (blank lines and lines starting
with ``#`` are skipped)::

    {"request":  {"method": "POST", "url": "https://host/v1beta/interactions",
                  "headers": {"content-type": "application/json"},
                  "body": {"model": "...", "input": "..."}},
     "response": {"status": 200, "headers": {"content-type": "application/json"},
                  "body": {"id": "...", "status": "completed", ...}}}

``body`` is a JSON value (written as compact JSON) or a string (the raw
text); a streamed response gives ``"chunks": ["event: ...\\ndata: {...}\\n\\n",
...]`` (the raw SSE text in arrival order) instead of ``body``. ``headers``
and the request ``body`` may be omitted.

`from_interaction` and `from_events` turn bare payloads (an Interaction
resource, a list of SSE ``data`` objects) into exchanges, for recordings that
kept only the payload.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ._traffic import Exchange, Request, Response

__all__ = [
    "EXTENSIONS",
    "SourceError",
    "Sourced",
    "from_events",
    "from_interaction",
    "read_cassette",
    "read_har",
    "read_json",
    "read_jsonl",
    "read_source",
    "source_files",
]

EXTENSIONS = {".yaml": "cassette", ".yml": "cassette", ".har": "har", ".jsonl": "jsonl"}
EXTENSIONS[".ndjson"] = "jsonl"
EXTENSIONS[".json"] = "json"
_PLACEHOLDER = "https://recorded.invalid"


class SourceError(Exception):
    """A file cannot be read as the traffic its name promises (the message says where)."""


@dataclasses.dataclass(frozen=True)
class Sourced:
    """The exchanges of one file, with what the file says about itself."""

    path: Path
    kind: str  # cassette | har | jsonl
    exchanges: list[Exchange]
    metadata: Mapping[str, Any] = dataclasses.field(default_factory=dict)


def _bytes(value: Any) -> bytes:
    if value is None:
        return b""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    return json.dumps(value).encode("utf-8")


def _headers(value: Any) -> dict[str, str]:
    """Headers from a mapping (values or lists of values) or a HAR list of {name, value}."""
    if isinstance(value, Mapping):
        out: dict[str, str] = {}
        for name, item in value.items():
            if isinstance(item, list):
                out[str(name)] = ", ".join(str(v) for v in item)
            elif item is not None:
                out[str(name)] = str(item)
        return out
    if isinstance(value, list):
        return {
            str(h.get("name")): str(h.get("value", ""))
            for h in value
            if isinstance(h, Mapping) and h.get("name")
        }
    return {}


def source_files(paths: Iterable[Path]) -> list[Path]:
    """The files to read: each given file, and every known extension under each folder."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in EXTENSIONS)
            )
        else:
            found.append(path)
    return found


def read_source(path: Path) -> Sourced:
    kind = EXTENSIONS.get(path.suffix.lower())
    if kind is None:
        known = ", ".join(sorted(EXTENSIONS))
        raise SourceError(f"{path}: unknown kind of file (known extensions: {known})")
    if not path.is_file():
        raise SourceError(f"{path}: no such file")
    reader = {"cassette": read_cassette, "har": read_har, "jsonl": read_jsonl, "json": read_json}[
        kind
    ]
    return reader(path)


def read_cassette(path: Path) -> Sourced:
    from ._cassettes import CassetteError, load_cassette  # vcrpy only when a cassette is read

    try:
        recordings, metadata = load_cassette(path)
    except CassetteError as exc:
        raise SourceError(str(exc)) from exc
    exchanges = []
    for index, recording in enumerate(recordings):
        req, resp = recording.request, recording.response
        body = resp.get("body") or {}
        chunks = body.get("chunks") if isinstance(body, Mapping) else None
        status = resp.get("status") or {}
        response = Response(
            status=int(status.get("code", 0)) if isinstance(status, Mapping) else int(status),
            headers=_headers(resp.get("headers")),
            body=b"".join(_bytes(c) for c in chunks)
            if isinstance(chunks, list)
            else _bytes(body.get("string") if isinstance(body, Mapping) else body),
            chunks=tuple(_bytes(c) for c in chunks) if isinstance(chunks, list) else None,
        )
        request = Request(
            method=str(req.method),
            url=str(req.uri),
            headers=_headers(dict(req.headers.items())),
            body=_bytes(req.body),
        )
        exchanges.append(Exchange(request, response, label=f"{path} #{index}"))
    return Sourced(path, "cassette", exchanges, metadata)


def read_har(path: Path) -> Sourced:
    try:
        data = json.loads(path.read_text("utf-8"))
        entries = data["log"]["entries"]
        if not isinstance(entries, list):
            raise TypeError("log.entries is not a list")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SourceError(f"{path}: not a HAR file ({exc})") from exc
    exchanges = []
    for index, entry in enumerate(entries):
        try:
            req, resp = entry["request"], entry["response"]
            content = resp.get("content") or {}
            text = content.get("text") or ""
            if content.get("encoding") == "base64":
                import base64

                raw = base64.b64decode(text)
            else:
                raw = _bytes(text)
            headers = _headers(resp.get("headers"))
            if content.get("mimeType") and not any(k.lower() == "content-type" for k in headers):
                headers["content-type"] = str(content["mimeType"])
            exchanges.append(
                Exchange(
                    Request(
                        method=str(req["method"]),
                        url=str(req["url"]),
                        headers=_headers(req.get("headers")),
                        body=_bytes((req.get("postData") or {}).get("text")),
                    ),
                    Response(status=int(resp["status"]), headers=headers, body=raw),
                    label=f"{path} #{index}",
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise SourceError(f"{path}: entry {index} is not a HAR entry ({exc})") from exc
    return Sourced(path, "har", exchanges, {"creator": data["log"].get("creator", {})})


def _jsonl_exchange(item: Any, label: str) -> Exchange:
    if not isinstance(item, Mapping):
        raise TypeError("not an object with request and response")
    req, resp = item["request"], item["response"]
    chunks = resp.get("chunks")
    if chunks is not None and not isinstance(chunks, list):
        raise TypeError("response.chunks is not a list")
    return Exchange(
        Request(
            method=str(req.get("method", "GET")),
            url=str(req["url"]),
            headers=_headers(req.get("headers")),
            body=_bytes(req.get("body")),
        ),
        Response(
            status=int(resp["status"]),
            headers=_headers(resp.get("headers")),
            body=b"".join(_bytes(c) for c in chunks)
            if chunks is not None
            else _bytes(resp.get("body")),
            chunks=tuple(_bytes(c) for c in chunks) if chunks is not None else None,
        ),
        label=label,
    )


def read_jsonl(path: Path) -> Sourced:
    try:
        lines = path.read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path}: cannot read ({exc})") from exc
    exchanges = []
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            exchanges.append(_jsonl_exchange(json.loads(line), f"{path}:{number}"))
        except (ValueError, KeyError, TypeError) as exc:
            raise SourceError(
                f"{path}:{number}: not an exchange ({type(exc).__name__}: {exc}); "
                'expected {"request": {"method", "url", ...}, "response": {"status", ...}}'
            ) from exc
    return Sourced(path, "jsonl", exchanges)


def read_json(path: Path) -> Sourced:
    """One exchange, or a payload recording (``_meta.kind`` interaction, stream or error)."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise SourceError(f"{path}: cannot read as JSON ({exc})") from exc
    label = str(path)
    if isinstance(data, Mapping) and "request" in data and "response" in data:
        try:
            return Sourced(path, "json", [_jsonl_exchange(data, label)], {})
        except (KeyError, TypeError, ValueError) as exc:
            raise SourceError(f"{path}: not an exchange ({type(exc).__name__}: {exc})") from exc
    if isinstance(data, Mapping) and isinstance(data.get("_meta"), Mapping) and "payload" in data:
        meta, payload = data["_meta"], data["payload"]
        kind = meta.get("kind")
        if kind == "interaction":
            exchange = from_interaction(payload, label=label)
        elif kind == "stream" and isinstance(payload, list):
            exchange = from_events(payload, label=label)
        elif kind == "error":
            body = json.dumps(payload).encode()
            exchange = Exchange(
                Request("POST", f"{_PLACEHOLDER}/v1beta/interactions"),
                Response(int(meta.get("status", 400)), {"content-type": "application/json"}, body),
                label=label,
            )
        else:
            raise SourceError(
                f"{path}: a payload recording of kind {kind!r}; check reads interaction, "
                "stream and error payloads (a request alone has no response to check)"
            )
        return Sourced(path, "payload", [exchange], dict(meta))
    raise SourceError(
        f"{path}: neither an exchange {{request, response}} nor a payload recording {{_meta, payload}}"
    )


# -- bare payloads -------------------------------------------------------------------


def from_interaction(
    interaction: Any, *, label: str = "", base_url: str = _PLACEHOLDER
) -> Exchange:
    """An Interaction resource as the answer to ``GET /v1beta/interactions/{id}``."""
    ident = interaction.get("id") if isinstance(interaction, Mapping) else None
    return Exchange(
        Request("GET", f"{base_url}/v1beta/interactions/{ident or 'unknown'}"),
        Response(200, {"content-type": "application/json"}, json.dumps(interaction).encode()),
        label=label,
    )


def from_events(
    events: Sequence[Any],
    *,
    request: Mapping[str, Any] | None = None,
    label: str = "",
    base_url: str = _PLACEHOLDER,
    done: bool = False,
) -> Exchange:
    """SSE ``data`` objects as the streamed answer to a create (``stream: true``).

    Each event is one frame (``event:`` line when it names its type, then
    ``data:``); ``done`` appends the ``data: [DONE]`` marker.
    """
    frames = []
    for event in events:
        kind = event.get("event_type") if isinstance(event, Mapping) else None
        head = f"event: {kind}\n" if isinstance(kind, str) else ""
        frames.append(f"{head}data: {json.dumps(event)}\n\n".encode())
    if done:
        frames.append(b"data: [DONE]\n\n")
    body = {"stream": True, **(request or {})}
    return Exchange(
        Request(
            "POST",
            f"{base_url}/v1beta/interactions",
            {"content-type": "application/json"},
            json.dumps(body).encode(),
        ),
        Response(200, {"content-type": "text/event-stream"}, b"".join(frames), tuple(frames)),
        label=label,
    )
