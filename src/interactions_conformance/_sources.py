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
reads and raises one `SourceError` (file, line or entry, and why); a file
read whole larger than `MAX_SOURCE_BYTES` is refused unread. `open_source`
streams instead (what ``check`` uses): JSON Lines and the proxy's log line by
line, a HAR file over `MAX_SOURCE_BYTES` entry by entry (`ijson`), each line
or entry capped at `MAX_SOURCE_BYTES`; `jsonl_segments` cuts a JSON Lines file
into byte ranges that processes read on their own. JSON is strict
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
import itertools
import json
from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ._findings import Violation
from ._traffic import MAX_JSON_DEPTH, Exchange, Request, Response, loads_json, too_deep

__all__ = [
    "EXTENSIONS",
    "MAX_SOURCE_BYTES",
    "SCENARIO_BYTES",
    "Segment",
    "SourceError",
    "Sourced",
    "Streamed",
    "from_events",
    "from_interaction",
    "jsonl_segments",
    "open_source",
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
# A file read whole (a cassette, a .json exchange, `read_source`) larger than this is refused
# before it is read: what is read is held in memory (the bytes, then the exchanges). Streamed
# files (JSON Lines, the proxy's log, a HAR file over it) have no size limit; one line or one
# HAR entry over it is refused instead, so this bounds what one exchange can cost.
MAX_SOURCE_BYTES = 64 * 1024 * 1024
# A streamed file is checked as consecutive scenarios of about this much input: the rules
# across exchanges (a stream against a later GET, a delete then a GET) apply within one, and
# memory is bounded by one (its exchanges and what the scenario keeps), whatever the file's
# size. A file up to this size is one scenario, as every file was before streaming.
SCENARIO_BYTES = 64 * 1024 * 1024


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


@dataclasses.dataclass(frozen=True)
class Segment:
    """A byte range ``[start, end)`` of a JSON Lines file, cut at line ends; ``first_line`` is
    the number of its first line (for the file:line of what it holds)."""

    start: int
    end: int
    first_line: int


@dataclasses.dataclass(frozen=True)
class Streamed:
    """The exchanges of one file (or one `Segment` of it) as they are read: ``exchanges`` is
    an iterator, read once, that raises `SourceError` at the first entry it cannot read; the
    entries before it have been given already. The other fields are those of `Sourced`."""

    path: Path
    kind: str
    exchanges: Iterator[Exchange]
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


def _kind(path: Path) -> str:
    kind = EXTENSIONS.get(path.suffix.lower())
    if kind is None:
        known = ", ".join(sorted(EXTENSIONS))
        raise SourceError(path, f"unknown kind of file (known extensions: {known})")
    if not path.is_file():
        raise SourceError(path, "no such file")
    return kind


def read_source(path: Path) -> Sourced:
    """The exchanges of one file, by its extension, read whole (at most `MAX_SOURCE_BYTES`);
    `SourceError` when it cannot be read."""
    kind = _kind(path)
    reader = {"cassette": read_cassette, "har": read_har, "jsonl": read_jsonl, "json": read_json}
    return reader[kind](path)


def open_source(path: Path, segment: Segment | None = None) -> Streamed:
    """The exchanges of one file as they are read, in bounded memory whatever its size: JSON
    Lines (and the proxy's log) line by line, a HAR file over `MAX_SOURCE_BYTES` entry by entry
    (`ijson`); the other files (at most `MAX_SOURCE_BYTES`) are read whole. ``segment``: only
    that byte range of a JSON Lines file (`jsonl_segments`). `SourceError` when the file cannot
    be opened; an entry that cannot be read raises it from the iterator."""
    kind = _kind(path)
    if kind == "jsonl":
        items = _jsonl_items(path, segment)
        first = next(items, None)
        if first is None:
            return Streamed(path, "jsonl", iter(()))
        if (segment is None or segment.start == 0) and _is_proxy_log(first[1]):
            return _stream_proxy_log(path, itertools.chain([first], items))
        return Streamed(path, "jsonl", _jsonl_exchanges(path, itertools.chain([first], items)))
    if kind == "har" and _size(path) > MAX_SOURCE_BYTES:
        return Streamed(path, "har", _stream_har(path))
    whole = read_source(path)
    return Streamed(path, whole.kind, iter(whole.exchanges), whole.metadata, whole.logged)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError as exc:
        raise SourceError(path, f"cannot read ({exc.strerror or exc})") from exc


def jsonl_segments(path: Path, size: int | None = None) -> list[Segment]:
    """A JSON Lines file cut into byte ranges of about ``size`` bytes (`SCENARIO_BYTES`) at line
    ends, without parsing it (one pass counting newlines): the scenarios it is checked as, which
    processes can read on their own. One segment for a file up to ``size``, and for the proxy's
    log (its exchanges are in the recordings it names, read one by one)."""
    size = size or SCENARIO_BYTES
    total = _size(path)
    if total <= size:
        return [Segment(0, total, 1)]
    items = _jsonl_items(path)
    first = next(items, None)
    items.close()
    if first is not None and _is_proxy_log(first[1]):
        return [Segment(0, total, 1)]  # the proxy's log is read whole, line by line
    cuts = [(0, 1)]  # (offset, number of the line there)
    pos, line, target = 0, 1, size
    try:
        with path.open("rb") as handle:
            while block := handle.read(1 << 20):
                at = block.find(b"\n", target - pos) if target < pos + len(block) else -1
                while at != -1:
                    cuts.append((pos + at + 1, line + block.count(b"\n", 0, at + 1)))
                    target = pos + at + 1 + size
                    at = block.find(b"\n", target - pos) if target < pos + len(block) else -1
                line += block.count(b"\n")
                pos += len(block)
    except OSError as exc:
        raise SourceError(path, f"cannot read ({exc.strerror or exc})") from exc
    if cuts[-1][0] >= pos:  # the file ends with the newline of a cut
        cuts.pop()
    ends = [offset for offset, _ in cuts[1:]] + [pos]
    return [Segment(start, end, first) for (start, first), end in zip(cuts, ends, strict=True)]


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


class _EntryTooLarge(Exception):
    pass


class _Counted:
    """A binary file that counts what is read from it since the last entry, and stops reading
    past `MAX_SOURCE_BYTES`: ijson builds one entry at a time, and this bounds one entry."""

    def __init__(self, handle: Any, buffer: int) -> None:
        self.handle = handle
        self.buffer = buffer
        self.since = 0

    def read(self, size: int = -1) -> bytes:
        data: bytes = self.handle.read(size)
        self.since += len(data)
        # what ijson reads ahead counts to the entry before: an entry up to the limit always
        # passes, and none past the limit and two buffers is built
        if self.since > MAX_SOURCE_BYTES + self.buffer:
            raise _EntryTooLarge
        return data


def _stream_har(path: Path) -> Iterator[Exchange]:
    """The entries of a HAR file one at a time (`ijson`, its C parser where it has one)."""
    import ijson  # only for a HAR file too large to read whole

    index = 0
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise SourceError(path, f"cannot read ({exc.strerror or exc})") from exc
    with handle:
        buffer = max(1024, min(64 << 10, MAX_SOURCE_BYTES // 8))
        counted = _Counted(handle, buffer)
        try:
            entries = ijson.items(counted, "log.entries.item", use_float=True, buf_size=buffer)
            for entry in entries:
                counted.since = 0
                where = f"entry {index}"
                if isinstance(entry, dict | list) and too_deep(entry):
                    deep = f"JSON nested deeper than {MAX_JSON_DEPTH} levels (the checker's limit)"
                    raise SourceError(path, f"not JSON the checker reads ({deep})", where)
                try:
                    exchange = _har_exchange(entry, f"{path} #{index}")
                except _Shape as exc:
                    raise SourceError(path, f"not a HAR entry: {exc}", where) from None
                yield exchange
                index += 1
        except _EntryTooLarge:
            why = (
                f"over {MAX_SOURCE_BYTES:,} bytes read without a whole entry "
                "(the limit for one exchange)"
            )
            raise SourceError(path, why, f"entry {index}") from None
        except (ijson.JSONError, ValueError, OSError) as exc:
            raise SourceError(path, f"not JSON ({exc})", f"entry {index}") from None
    if index == 0 and not _has_har_entries(path):
        raise SourceError(path, "not a HAR file (expected an object with log.entries, a list)")


def _has_har_entries(path: Path) -> bool:
    import ijson

    with path.open("rb") as handle:
        for prefix, event, _ in ijson.parse(handle):
            if prefix == "log.entries" and event == "start_array":
                return True
    return False


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
    size = _size(path)
    if size > MAX_SOURCE_BYTES:
        raise SourceError(
            path, f"{size:,} bytes, over the {MAX_SOURCE_BYTES:,}-byte limit for one file"
        )
    streamed = open_source(path)
    return Sourced(
        path, streamed.kind, list(streamed.exchanges), streamed.metadata, streamed.logged
    )


_BOM = b"\xef\xbb\xbf"


def _jsonl_items(
    path: Path, segment: Segment | None = None
) -> Generator[tuple[int, Any], None, None]:
    """(line number, JSON value) of each line that is not blank or a ``#`` comment, read one
    line at a time; a line over `MAX_SOURCE_BYTES` is refused without being held."""
    start, end, number = (0, None, 1) if segment is None else dataclasses.astuple(segment)
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise SourceError(path, f"cannot read ({exc.strerror or exc})") from exc
    with handle:
        handle.seek(start)
        pos = start
        while end is None or pos < end:
            try:
                raw = handle.readline(MAX_SOURCE_BYTES + 1)
            except OSError as exc:
                raise SourceError(path, f"cannot read ({exc.strerror or exc})") from exc
            if not raw:
                return
            line = raw[:-1] if raw.endswith(b"\n") else raw
            if len(line) > MAX_SOURCE_BYTES:
                raise SourceError(
                    path,
                    f"a line over the {MAX_SOURCE_BYTES:,}-byte limit for one exchange",
                    f"line {number}",
                )
            if pos == 0 and line.startswith(_BOM):
                line = line[len(_BOM) :]
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError as exc:
                at = f"{exc.reason} at byte {pos + exc.start}"
                raise SourceError(path, f"not UTF-8 text ({at})", f"line {number}") from exc
            if text.strip() and not text.lstrip().startswith("#"):
                yield number, _loads(text, path, f"line {number}")
            pos += len(raw)
            number += 1


def _jsonl_exchanges(path: Path, items: Iterable[tuple[int, Any]]) -> Iterator[Exchange]:
    for number, item in items:
        try:
            yield _jsonl_exchange(item, f"{path}:{number}")
        except _Shape as exc:
            raise SourceError(
                path, f"not an exchange: {exc}; {_JSONL_HINT}", f"line {number}"
            ) from None


def _is_proxy_log(item: Any) -> bool:
    # The proxy's log lines carry "kind" and "exchange" (its number) and never a "request".
    return (
        isinstance(item, Mapping)
        and isinstance(item.get("kind"), str)
        and "exchange" in item
        and "request" not in item
    )


def _stream_proxy_log(path: Path, items: Iterable[tuple[int, Any]]) -> Streamed:
    """The proxy's --log: exchanges from the recordings it names (read one at a time), and the
    logged violations of the exchanges that have none. The log itself is read line by line;
    what is kept of it is each exchange's number and recording path, and the logged
    violations."""
    recorded: dict[Any, Path] = {}
    logged: dict[Any, list[tuple[int, Mapping[str, Any]]]] = {}
    for number, item in items:
        if not isinstance(item, Mapping):
            raise SourceError(path, "not a proxy log line (not an object)", f"line {number}")
        ident = _hashable(item.get("exchange"))
        if item.get("kind") == "exchange" and isinstance(item.get("recording"), str):
            found = _recording_path(path, item["recording"])
            if found is not None:
                recorded[ident] = found
        elif item.get("kind") == "violation":
            logged.setdefault(ident, []).append((number, item))
    violations = [
        _logged_violation(number, item)
        for ident, lines in logged.items()
        if ident not in recorded
        for number, item in lines
    ]
    exchanges = (e for recording in recorded.values() for e in read_json(recording).exchanges)
    return Streamed(path, "proxy-log", exchanges, {}, violations)


def _hashable(value: Any) -> Any:
    # An exchange number is an int in the proxy's own log; anything else is keyed by its text.
    return value if isinstance(value, str | int | float | bool | None) else _short(value)


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
