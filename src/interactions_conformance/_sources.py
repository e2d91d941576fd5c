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

The proxy's own files are read too: ``--record DIR`` writes one exchange per
``.json`` file (``body_base64``/``chunks_base64`` where a body is not UTF-8),
and its ``--log`` (JSON Lines of findings, no bodies) is recognised by its
``"kind"`` lines: each exchange that has a recording is read from it (the
path as logged, else beside the log) and checked again; the violations the
proxy logged for an exchange without a recording are reported as logged.

Reading never trusts the file. Every reader checks the shape of what it
reads and raises one `SourceError` (file, line or entry, and why); files
larger than `MAX_SOURCE_BYTES` are refused unread; JSON is strict
(`_traffic.loads_json`: no ``NaN``/``Infinity``, at most 64 levels deep);
cassettes are read by `_cassettes.load_cassette` (YAML's safe loader, no
anchors or aliases, no Python tags, the same depth limit).

`from_interaction` and `from_events` turn bare payloads (an Interaction
resource, a list of SSE ``data`` objects) into exchanges, for recordings that
kept only the payload.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ._findings import Violation
from ._traffic import Exchange, Request, Response, loads_json

__all__ = [
    "EXTENSIONS",
    "MAX_SOURCE_BYTES",
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
# A file larger than this is refused before it is read: what is read is held in memory
# (the bytes, then the exchanges), so this bounds what one file can cost.
MAX_SOURCE_BYTES = 64 * 1024 * 1024


class SourceError(Exception):
    """A file cannot be read as the traffic its name promises.

    ``path``, ``where`` (``line 3``, ``entry 2``, ``interaction 0 (line 41)``, or empty for
    the whole file) and ``why``; the message is ``path:where: why`` on one line.
    """

    def __init__(self, path: Path | str, why: str, where: str = "") -> None:
        self.path = Path(path)
        self.where = where
        self.why = why = " ".join(why.split())  # one line, whatever a parser's message holds
        if where.startswith("line ") and where[5:].isascii() and where[5:].isdigit():
            super().__init__(f"{path}:{where[5:]}: {why}")  # path:line: as compilers say it
        else:
            super().__init__(f"{path}: {where + ': ' if where else ''}{why}")


class _Shape(ValueError):
    """What is wrong with one entry (the reader adds the file and the entry)."""


@dataclasses.dataclass(frozen=True)
class Sourced:
    """The exchanges of one file, with what the file says about itself.

    ``logged``: violations a proxy log holds for exchanges it has no recording of
    (reported as logged; there is nothing to check again).
    """

    path: Path
    kind: str  # cassette | har | jsonl | json | payload | proxy-log
    exchanges: list[Exchange]
    metadata: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    logged: list[Violation] = dataclasses.field(default_factory=list)


# -- shape checks of one entry ----------------------------------------------------------------


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    names.update({int: "a number", float: "a number", type(None): "null"})
    return names.get(type(value), type(value).__name__)


def _object(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _Shape(f"{what} is {_json_type(value)}, not an object")
    return value


def _text(value: Any, what: str, default: str | None = None) -> str:
    if value is None and default is not None:
        return default
    if not isinstance(value, str):
        raise _Shape(f"{what} is {_json_type(value)}, not a string")
    return value


def _url(value: Any, what: str) -> str:
    url = _text(value, what)
    try:
        urlsplit(url)
    except ValueError as exc:
        raise _Shape(f"{what} is not a URL ({exc}): {url[:80]!r}") from None
    return url


def _status(value: Any, what: str) -> int:
    whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if isinstance(value, bool) or not whole:
        shown = "" if value is None else f" {_short(value)}"
        raise _Shape(f"{what} is {_json_type(value)}{shown}, not an HTTP status code")
    status = int(value)
    if not 0 <= status <= 999:
        raise _Shape(f"{what} is {_short(value)}, not an HTTP status code (0-999)")
    return status


def _short(value: Any) -> str:
    try:
        text = json.dumps(value)
    except (TypeError, ValueError, RecursionError):
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 40 else text[:30] + "..."


def _bytes(value: Any, what: str) -> bytes:
    """A body: absent, raw bytes, text (kept byte for byte), or a JSON value (compact JSON)."""
    if value is None:
        return b""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        # A lone surrogate (JSON "\ud800") is kept as the bytes it stands for: the checks
        # then report the body as not UTF-8, rather than the reader crashing on it.
        return value.encode("utf-8", "surrogatepass")
    if isinstance(value, dict | list | int | float | bool):
        return json.dumps(value, separators=(",", ":")).encode("utf-8", "surrogatepass")
    raise _Shape(f"{what} is {_json_type(value)}, not text or JSON")


def _chunks(value: Any, what: str) -> tuple[bytes, ...]:
    if not isinstance(value, list):
        raise _Shape(f"{what} is {_json_type(value)}, not a list of texts")
    out = []
    for i, chunk in enumerate(value):
        if not isinstance(chunk, str | bytes):
            raise _Shape(f"{what}[{i}] is {_json_type(chunk)}, not text")
        out.append(_bytes(chunk, what))
    return tuple(out)


def _base64(value: Any, what: str) -> bytes:
    try:
        return base64.b64decode(_text(value, what), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _Shape(f"{what} is not base64 ({exc})") from None


def _headers(value: Any, what: str) -> dict[str, str]:
    """Headers from a mapping (values or lists of values) or a HAR list of {name, value}."""
    out: dict[str, str] = {}
    if value is None:
        return out
    if isinstance(value, Mapping):
        for name, item in value.items():
            if isinstance(item, list):
                out[str(name)] = ", ".join(str(v) for v in item if not isinstance(v, dict | list))
            elif isinstance(item, str | int | float | bool):
                out[str(name)] = str(item)
        return out
    if isinstance(value, list):
        for header in value:
            if isinstance(header, Mapping) and isinstance(header.get("name"), str):
                item = header.get("value", "")
                out[header["name"]] = item if isinstance(item, str) else str(item)
        return out
    raise _Shape(f"{what} is {_json_type(value)}, not an object or a list of {{name, value}}")


# -- files -------------------------------------------------------------------------------------


def source_files(paths: Iterable[Path]) -> list[Path]:
    """The files to read: each given file, and every known extension under each folder."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in EXTENSIONS)
            )
        else:
            found.append(path)
    return found


def read_source(path: Path) -> Sourced:
    """The exchanges of one file, by its extension; `SourceError` when it cannot be read."""
    kind = EXTENSIONS.get(path.suffix.lower())
    if kind is None:
        known = ", ".join(sorted(EXTENSIONS))
        raise SourceError(path, f"unknown kind of file (known extensions: {known})")
    if not path.is_file():
        raise SourceError(path, "no such file")
    reader = {"cassette": read_cassette, "har": read_har, "jsonl": read_jsonl, "json": read_json}
    return reader[kind](path)


def _read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_SOURCE_BYTES:
            raise SourceError(
                path, f"{size:,} bytes, over the {MAX_SOURCE_BYTES:,}-byte limit for one file"
            )
        return path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise SourceError(path, f"cannot read ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise SourceError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


def _loads(text: str, path: Path, where: str = "") -> Any:
    try:
        return loads_json(text)
    except json.JSONDecodeError as exc:
        at = where or f"line {exc.lineno}"
        raise SourceError(path, f"not JSON ({exc.msg}, column {exc.colno})", at) from exc
    except ValueError as exc:  # NaN/Infinity, too deep, a number too long to convert
        raise SourceError(path, f"not JSON the checker reads ({exc})", where) from exc


def read_cassette(path: Path) -> Sourced:
    from ._cassettes import CassetteError, load_cassette  # vcrpy only when a cassette is read

    try:
        loaded = load_cassette(path)
    except CassetteError as exc:
        raise SourceError(path, exc.why, f"line {exc.line}" if exc.line else "") from exc
    exchanges = []
    for index, item in enumerate(loaded.interactions):
        line = loaded.lines[index] if index < len(loaded.lines) else None
        where = f"interaction {index}" + (f" (line {line})" if line else "")
        try:
            exchanges.append(_cassette_exchange(item, f"{path} #{index}"))
        except _Shape as exc:
            raise SourceError(path, str(exc), where) from None
    return Sourced(path, "cassette", exchanges, loaded.metadata)


def _cassette_exchange(item: Any, label: str) -> Exchange:
    item = _object(item, "the interaction")
    req = _object(item.get("request"), "request")
    resp = _object(item.get("response"), "response")
    status = resp.get("status")
    code = status.get("code") if isinstance(status, Mapping) else status
    body = resp.get("body")
    chunks = None
    if isinstance(body, Mapping):
        if body.get("chunks") is not None:
            chunks = _chunks(body["chunks"], "response.body.chunks")
        raw = b"".join(chunks) if chunks is not None else _bytes(body.get("string"), "body")
    else:
        raw = _bytes(body, "response.body")
    return Exchange(
        Request(
            method=_text(req.get("method"), "request.method"),
            url=_url(req.get("uri"), "request.uri"),
            headers=_headers(req.get("headers"), "request.headers"),
            body=_bytes(req.get("body"), "request.body"),
        ),
        Response(
            status=_status(code, "response.status.code"),
            headers=_headers(resp.get("headers"), "response.headers"),
            body=raw,
            chunks=chunks,
        ),
        label=label,
    )


def read_har(path: Path) -> Sourced:
    data = _loads(_read_text(path), path)
    log = data.get("log") if isinstance(data, Mapping) else None
    entries = log.get("entries") if isinstance(log, Mapping) else None
    if not isinstance(entries, list):
        raise SourceError(path, "not a HAR file (expected an object with log.entries, a list)")
    exchanges = []
    for index, entry in enumerate(entries):
        try:
            exchanges.append(_har_exchange(entry, f"{path} #{index}"))
        except _Shape as exc:
            raise SourceError(path, f"not a HAR entry: {exc}", f"entry {index}") from None
    creator = log.get("creator") if isinstance(log, Mapping) else None
    return Sourced(path, "har", exchanges, {"creator": creator if creator is not None else {}})


def _har_exchange(entry: Any, label: str) -> Exchange:
    entry = _object(entry, "the entry")
    req = _object(entry.get("request"), "request")
    resp = _object(entry.get("response"), "response")
    content = _object(resp.get("content") or {}, "response.content")
    text = content.get("text")
    if content.get("encoding") == "base64":
        raw = _base64(text, "response.content.text") if text else b""
    elif text is None or isinstance(text, str):
        raw = _bytes(text, "response.content.text")
    else:
        raise _Shape(f"response.content.text is {_json_type(text)}, not a string")
    headers = _headers(resp.get("headers"), "response.headers")
    mime = content.get("mimeType")
    if isinstance(mime, str) and mime and not any(k.lower() == "content-type" for k in headers):
        headers["content-type"] = mime
    post = _object(req.get("postData") or {}, "request.postData")
    post_text = post.get("text")
    if post_text is not None and not isinstance(post_text, str):
        raise _Shape(f"request.postData.text is {_json_type(post_text)}, not a string")
    return Exchange(
        Request(
            method=_text(req.get("method"), "request.method"),
            url=_url(req.get("url"), "request.url"),
            headers=_headers(req.get("headers"), "request.headers"),
            body=_bytes(post_text, "request.postData.text"),
        ),
        Response(status=_status(resp.get("status"), "response.status"), headers=headers, body=raw),
        label=label,
    )


def _jsonl_exchange(item: Any, label: str) -> Exchange:
    """One exchange of the JSON Lines format (also the proxy's ``--record`` files)."""
    item = _object(item, "the line")
    if "request" not in item or "response" not in item:
        raise _Shape("it has no request and response")
    req = _object(item["request"], "request")
    resp = _object(item["response"], "response")
    chunks: tuple[bytes, ...] | None = None
    if resp.get("chunks") is not None:
        chunks = _chunks(resp["chunks"], "response.chunks")
    elif resp.get("chunks_base64") is not None:
        encoded = resp["chunks_base64"]
        if not isinstance(encoded, list):
            raise _Shape(f"response.chunks_base64 is {_json_type(encoded)}, not a list")
        chunks = tuple(_base64(c, "response.chunks_base64[]") for c in encoded)
    if chunks is not None:
        body = b"".join(chunks)
    elif resp.get("body_base64") is not None:
        body = _base64(resp["body_base64"], "response.body_base64")
    else:
        body = _bytes(resp.get("body"), "response.body")
    if req.get("body_base64") is not None:
        request_body = _base64(req["body_base64"], "request.body_base64")
    else:
        request_body = _bytes(req.get("body"), "request.body")
    return Exchange(
        Request(
            method=_text(req.get("method"), "request.method", default="GET"),
            url=_url(req.get("url"), "request.url"),
            headers=_headers(req.get("headers"), "request.headers"),
            body=request_body,
        ),
        Response(
            status=_status(resp.get("status"), "response.status"),
            headers=_headers(resp.get("headers"), "response.headers"),
            body=body,
            chunks=chunks,
        ),
        label=label,
    )


_JSONL_HINT = 'expected {"request": {"method", "url", ...}, "response": {"status", ...}}'


def read_jsonl(path: Path) -> Sourced:
    exchanges = []
    items: list[tuple[int, Any]] = []
    for number, line in enumerate(_read_text(path).splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        items.append((number, _loads(line, path, f"line {number}")))
    if items and _is_proxy_log(items[0][1]):
        return _read_proxy_log(path, items)
    for number, item in items:
        try:
            exchanges.append(_jsonl_exchange(item, f"{path}:{number}"))
        except _Shape as exc:
            raise SourceError(
                path, f"not an exchange: {exc}; {_JSONL_HINT}", f"line {number}"
            ) from None
    return Sourced(path, "jsonl", exchanges)


def _is_proxy_log(item: Any) -> bool:
    # The proxy's log lines carry "kind" and "exchange" (its number) and never a "request".
    return (
        isinstance(item, Mapping)
        and isinstance(item.get("kind"), str)
        and "exchange" in item
        and "request" not in item
    )


def _read_proxy_log(path: Path, items: list[tuple[int, Any]]) -> Sourced:
    """The proxy's --log: exchanges from the recordings it names, and the logged violations of
    the exchanges that have none."""
    recorded: dict[Any, Path] = {}
    logged: dict[Any, list[tuple[int, Mapping[str, Any]]]] = {}
    for number, item in items:
        if not isinstance(item, Mapping):
            raise SourceError(path, "not a proxy log line (not an object)", f"line {number}")
        ident = item.get("exchange")
        if item.get("kind") == "exchange" and isinstance(item.get("recording"), str):
            found = _recording_path(path, item["recording"])
            if found is not None:
                recorded[ident] = found
        elif item.get("kind") == "violation":
            logged.setdefault(ident, []).append((number, item))
    exchanges = []
    for recording in recorded.values():
        exchanges.extend(read_json(recording).exchanges)
    violations = [
        _logged_violation(number, item)
        for ident, lines in logged.items()
        if ident not in recorded
        for number, item in lines
    ]
    return Sourced(path, "proxy-log", exchanges, {}, violations)


def _recording_path(log: Path, written: str) -> Path | None:
    for candidate in (Path(written), log.parent / Path(written).name):
        if candidate.is_file():
            return candidate
    return None


def _logged_violation(number: int, item: Mapping[str, Any]) -> Violation:
    def text(key: str) -> str:
        value = item.get(key, "")
        return value if isinstance(value, str) else _short(value)

    where = f"proxy exchange {_short(item.get('exchange'))} {text('where') or '/'}"
    return Violation(
        text("rule") or "<no rule>",
        f"{text('message')} (logged by the proxy, line {number})",
        expected=text("expected"),
        actual=text("actual"),
        where=where,
        reproduce=text("reproduce"),
        statement=text("statement"),
    )


def read_json(path: Path) -> Sourced:
    """One exchange, or a payload recording (``_meta.kind`` interaction, stream or error)."""
    data = _loads(_read_text(path), path)
    label = str(path)
    if isinstance(data, Mapping) and "request" in data and "response" in data:
        try:
            return Sourced(path, "json", [_jsonl_exchange(data, label)], {})
        except _Shape as exc:
            raise SourceError(path, f"not an exchange: {exc}") from None
    if isinstance(data, Mapping) and isinstance(data.get("_meta"), Mapping) and "payload" in data:
        meta, payload = data["_meta"], data["payload"]
        kind = meta.get("kind")
        if kind == "interaction":
            exchange = from_interaction(payload, label=label)
        elif kind == "stream" and isinstance(payload, list):
            exchange = from_events(payload, label=label)
        elif kind == "error":
            try:
                status = _status(meta.get("status", 400), "_meta.status")
            except _Shape as exc:
                raise SourceError(path, str(exc)) from None
            body = json.dumps(payload).encode("utf-8", "surrogatepass")
            exchange = Exchange(
                Request("POST", f"{_PLACEHOLDER}/v1beta/interactions"),
                Response(status, {"content-type": "application/json"}, body),
                label=label,
            )
        else:
            raise SourceError(
                path,
                f"a payload recording of kind {_short(kind)}; check reads interaction, "
                "stream and error payloads (a request alone has no response to check)",
            )
        return Sourced(path, "payload", [exchange], dict(meta))
    raise SourceError(
        path, "neither an exchange {request, response} nor a payload recording {_meta, payload}"
    )


# -- bare payloads -------------------------------------------------------------------


def from_interaction(
    interaction: Any, *, label: str = "", base_url: str = _PLACEHOLDER
) -> Exchange:
    """An Interaction resource as the answer to ``GET /v1beta/interactions/{id}``."""
    ident = interaction.get("id") if isinstance(interaction, Mapping) else None
    return Exchange(
        Request("GET", f"{base_url}/v1beta/interactions/{ident or 'unknown'}"),
        Response(
            200,
            {"content-type": "application/json"},
            json.dumps(interaction).encode("utf-8", "surrogatepass"),
        ),
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
        frames.append(f"{head}data: {json.dumps(event)}\n\n".encode("utf-8", "surrogatepass"))
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
