"""Cassettes: an httpx transport that records and replays, in vcrpy's file format.

The files are vcrpy cassettes (YAML, format version 1, written and read by
vcrpy's own serializer and filesystem persister), so vcrpy tooling reads them;
the transport is ours so that streams stay exact: an SSE response is stored
frame by frame (``response.body.chunks``, each event's raw text in order, the
blank line that ends it included; their join is the body byte for byte) and
replayed as a real incremental stream, one frame per chunk. Other bodies are
stored whole (``response.body.string``), decoded (no ``content-encoding``).

Record modes, as pytest-recording names them:

==============  ===============================================================
``none``        replay only; a request with no recording is an error
``once``        record when the cassette file does not exist, else replay only
``new_episodes`` replay what matches, record what does not
``all``         record everything, replay nothing (earlier recordings are kept)
``rewrite``     drop the cassette and record anew
==============  ===============================================================

Matching (`MATCHERS`): method, path, query without the key, which key was
sent (the primary, the second, another one, none: the isolation and bad-key
tests send the same request with different keys), and the body (JSON compared
as data). The host and port are ignored, and in bodies the target's origin
(``http://127.0.0.1:PORT``, new every emulator run) is normalised: the
emulator writes it into upload URLs and file URIs, which the client sends
back. Nothing else is normalised, on purpose: ids and timestamps reach a
request only from earlier responses, which on replay are the recorded ones,
so they match exactly; normalising them would hide a test that sends the
wrong id. Each recording is played once, in order (polling loops replay the
same sequence of answers).

Secrets are never written: the key header and ``Authorization``, the ``key``
query parameter, any Google-shaped key (``AIza...``) anywhere, and the known
keys given to the transport (written as ``$GEMINI_API_KEY`` and
``$GEMINI_API_KEY_2``) are scrubbed before anything reaches the file. A key
a model echoes in a stream may be split across deltas: Google-shaped keys are
also looked for in the joined text of the events, and any piece of 8 or more
characters of a long key (24+ characters) is written ``<redacted>``.

Cassettes are read as if from a stranger (`load_cassette`, for replay and for
``check`` alike): YAML's safe loader, anchors and aliases refused (a 500-byte
"billion laughs" file stands for gigabytes), no Python tags, at most 64
levels of nesting and `MAX_CASSETTE_BYTES`; each problem is one
`CassetteError` naming the line.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import yaml
from vcr.persisters.filesystem import FilesystemPersister  # files vcrpy tooling can read
from vcr.request import Request as VcrRequest
from vcr.serializers import compat, yamlserializer

from ._secrets import GOOGLE_KEY, KEY_PLACEHOLDER, SECRET_HEADERS, scrub_text

__all__ = [
    "MATCHERS",
    "RECORD_MODES",
    "Cassette",
    "CassetteError",
    "CassetteTransport",
    "LoadedCassette",
    "NoRecordingError",
    "load_cassette",
    "sse_frames",
]

RECORD_MODES = ("none", "once", "new_episodes", "all", "rewrite")
MATCHERS = ("method", "path", "query", "key", "body")
_SECRET_QUERY = frozenset({"key", "api_key", "access_token"})
_KEY_PLACEHOLDERS = (KEY_PLACEHOLDER, "$GEMINI_API_KEY_2")
_OTHER_KEY = "<redacted key>"
_ORIGIN = "{origin}"
# Request headers that say nothing about the request (and change with the httpx version).
_DROP_REQUEST = frozenset(
    {"host", "content-length", "connection", "accept", "accept-encoding", "user-agent"}
)
# Response headers that are volatile, or wrong once the body is stored decoded.
_DROP_RESPONSE = frozenset(
    {"date", "server", "content-length", "transfer-encoding", "content-encoding", "connection"}
)
_FRAME_END = re.compile(rb"\r\n\r\n|\n\n|\r\r")


class CassetteError(Exception):
    """A cassette file cannot be read, or the record mode is unknown (``line``: where, if known)."""

    def __init__(self, why: str, *, line: int | None = None) -> None:
        super().__init__(f"line {line}: {why}" if line else why)
        self.why, self.line = why, line


class NoRecordingError(httpx.TransportError, AssertionError):
    """A request has no recording to answer it and the record mode forbids recording.

    An httpx transport error (the request never reached a server) and an
    AssertionError (pytest shows it as a test failure, not a crash). The
    message names the cassette file and the closest recorded requests with
    the matchers they failed.
    """


def sse_frames(data: bytes) -> list[bytes]:
    """Split an SSE body after each blank line; the frames join back to ``data`` exactly."""
    frames: list[bytes] = []
    start = 0
    for match in _FRAME_END.finditer(data):
        frames.append(data[start : match.end()])
        start = match.end()
    if start < len(data):
        frames.append(data[start:])
    return frames


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _text(data: bytes) -> str | bytes:
    """Text when the bytes are UTF-8 (readable YAML), else the bytes (YAML !!binary)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data


def _bytes(value: Any) -> bytes:
    if value is None:
        return b""
    if isinstance(value, str):
        return value.encode("utf-8")
    return bytes(value)


@dataclass
class _Recording:
    """One stored interaction: the vcrpy request and the response dict."""

    request: VcrRequest
    response: dict[str, Any]
    played: bool = False

    @property
    def origin(self) -> str:
        return _origin(str(self.request.uri))


@dataclass
class Cassette:
    """The recordings of one cassette file, and what this session added to them."""

    path: Path
    record_mode: str = "none"
    metadata: dict[str, Any] = field(default_factory=dict)
    known_keys: Sequence[str] = ()  # the primary key, then the second (scrubbed by slot)
    recordings: list[_Recording] = field(default_factory=list)
    existed: bool = False
    dirty: bool = False
    split_keys: list[str] = field(default_factory=list)  # keys found across stream frames

    def __post_init__(self) -> None:
        if self.record_mode not in RECORD_MODES:
            raise CassetteError(
                f"unknown record mode {self.record_mode!r}; known: {', '.join(RECORD_MODES)}"
            )
        self.path = Path(self.path)
        if self.record_mode == "rewrite":
            self.existed = self.path.is_file()
            return
        if not self.path.is_file() or not self.path.read_bytes().strip():
            return  # as vcrpy: an empty file is a cassette not recorded yet
        # Read as `check` reads it (no aliases, no Python objects), then vcrpy's own conversion.
        try:
            loaded = load_cassette(self.path)
            requests = [VcrRequest._from_dict(i["request"]) for i in loaded.interactions]
            responses = [compat.convert_to_bytes(i["response"]) for i in loaded.interactions]
        except (CassetteError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise CassetteError(f"cannot read cassette {self.path}: {exc}") from exc
        self.existed = True
        self.metadata = {**loaded.metadata, **self.metadata}
        self.recordings = [
            _Recording(r, dict(s)) for r, s in zip(requests, responses, strict=False)
        ]

    # -- modes -------------------------------------------------------------------

    @property
    def may_replay(self) -> bool:
        return self.record_mode in ("none", "once", "new_episodes")

    @property
    def may_record(self) -> bool:
        if self.record_mode == "once":
            return not self.existed
        return self.record_mode in ("new_episodes", "all", "rewrite")

    # -- scrubbing ---------------------------------------------------------------

    def _key_slot(self, value: str | None) -> str | None:
        if value is None:
            return None
        for secret, placeholder in zip(self.known_keys, _KEY_PLACEHOLDERS, strict=False):
            if secret and value == secret:
                return placeholder
        if value.startswith("Bearer "):
            return "Bearer " + _OTHER_KEY
        return _OTHER_KEY

    def scrub(self, text: str) -> str:
        """Known keys (longest first) and Google-shaped keys out of any text."""
        pairs = sorted(
            zip(self.known_keys, _KEY_PLACEHOLDERS, strict=False), key=lambda p: -len(p[0])
        )
        for secret, placeholder in pairs:
            if secret:
                text = text.replace(secret, placeholder)
        text = scrub_text(text)
        for secret in (*self.known_keys, *self.split_keys):
            text = _scrub_fragments(text, secret)
        return text

    def _scrub_body(self, data: bytes) -> str | bytes:
        value = _text(data)
        return self.scrub(value) if isinstance(value, str) else value

    def _scrub_url(self, url: str) -> str:
        parts = urlsplit(url)
        if parts.query:
            pairs = [
                (k, (self._key_slot(v) or "") if k.lower() in _SECRET_QUERY else v)
                for k, v in parse_qsl(parts.query, keep_blank_values=True)
            ]
            url = parts._replace(query=urlencode(pairs, safe="$")).geturl()
        return self.scrub(url)

    # -- matching ----------------------------------------------------------------

    def _features(
        self, method: str, uri: str, headers: Mapping[str, str], body: bytes
    ) -> dict[str, Any]:
        parts = urlsplit(uri)
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        lower = {k.lower(): v for k, v in headers.items()}
        key = next((v for k, v in pairs if k.lower() in _SECRET_QUERY), None)
        if key is None:
            key = next((lower[h] for h in sorted(SECRET_HEADERS) if h in lower), None)
        return {
            "method": method.upper(),
            "path": parts.path,
            "query": sorted((k, v) for k, v in pairs if k.lower() not in _SECRET_QUERY),
            "key": key,
            "body": _normal_body(body, _origin(uri)),
        }

    def _incoming(self, request: httpx.Request) -> dict[str, Any]:
        features = self._features(
            request.method, str(request.url), dict(request.headers), request.content
        )
        features["key"] = self._key_slot(features["key"])
        if isinstance(features["body"], str):
            features["body"] = self.scrub(features["body"])
        else:
            features["body"] = _scrub_json(features["body"], self.scrub)
        return features

    def _recorded(self, recording: _Recording) -> dict[str, Any]:
        req = recording.request
        headers = dict(req.headers.items())
        return self._features(str(req.method), str(req.uri), headers, _bytes(req.body))
        # Recorded keys are already placeholders; a missing header stays None.

    def find(self, request: httpx.Request) -> _Recording | None:
        """The first unplayed recording that matches on every matcher."""
        wanted = self._incoming(request)
        for recording in self.recordings:
            if not recording.played and self._recorded(recording) == wanted:
                return recording
        return None

    def no_match(self, request: httpx.Request) -> NoRecordingError:
        wanted = self._incoming(request)
        scored = []
        for index, recording in enumerate(self.recordings):
            have = self._recorded(recording)
            failed = [(m, _why(have[m], wanted[m])) for m in MATCHERS if have[m] != wanted[m]]
            if not failed and recording.played:
                failed = [("played", "already played once (each recording answers one request)")]
            scored.append((len(failed), index, recording, failed))
        scored.sort(key=lambda s: (s[0], s[1]))
        lines = [
            f"no recording for {request.method} {request.url.path}"
            f"{'?' + _public_query(request.url) if request.url.query else ''} "
            f"in cassette {self.path} (record mode {self.record_mode!r}"
            + (
                ", the file does not exist)"
                if not self.existed and not self.recordings
                else f", {len(self.recordings)} recorded requests)"
            )
        ]
        if scored:
            lines.append("closest recorded requests:")
            for _, index, recording, failed in scored[:3]:
                req = recording.request
                lines.append(f"  #{index} {req.method} {urlsplit(str(req.uri)).path}")
                for name, why in failed:
                    lines.append(f"      {name}: {why}")
        lines.append(
            "re-record with --record-mode new_episodes (add what is missing) "
            "or --record-mode rewrite (record the test anew)"
        )
        return NoRecordingError("\n".join(lines), request=request)

    # -- recording and replay -----------------------------------------------------

    def record(
        self,
        request: httpx.Request,
        status: int,
        reason: str,
        headers: Sequence[tuple[str, str]],
        body: bytes,
        is_sse: bool,
    ) -> None:
        sent = {}
        for name, value in request.headers.multi_items():
            lname = name.lower()
            if lname in _DROP_REQUEST:
                continue
            if lname in SECRET_HEADERS:
                sent[lname] = self._key_slot(value) or ""
            else:
                sent[lname] = self.scrub(value)
        vcr_request = VcrRequest(
            request.method,
            self._scrub_url(str(request.url)),
            self._scrub_body(request.content),
            sent,
        )
        kept: dict[str, list[str]] = {}
        for name, value in headers:
            lname = name.lower()
            if lname in _DROP_RESPONSE:
                continue
            text = _KEY_PLACEHOLDERS[0] if lname in SECRET_HEADERS else self.scrub(value)
            kept.setdefault(lname, []).append(text)
        stored_body: dict[str, Any]
        if is_sse:
            # A key the model echoes may be split across deltas: find it in the joined text.
            self.split_keys.extend(GOOGLE_KEY.findall(_stream_text(body)))
            stored_body = {"chunks": [self._scrub_body(f) for f in sse_frames(body)]}
        else:
            stored_body = {"string": self._scrub_body(body)}
        response = {
            "status": {"code": status, "message": reason},
            "headers": kept,
            "body": stored_body,
        }
        self.recordings.append(_Recording(vcr_request, response, played=True))
        self.dirty = True

    def save(self) -> bool:
        """Write the cassette when this session recorded something; True when written."""
        if self.record_mode == "rewrite" and not self.recordings and self.path.is_file():
            self.path.unlink()  # rewritten to nothing: the test no longer sends requests
            return False
        if not self.dirty:
            return False
        metadata = {k: v for k, v in self.metadata.items() if v is not None}
        metadata["recorded"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        metadata = json.loads(self.scrub(json.dumps(metadata)))
        FilesystemPersister.save_cassette(
            self.path,
            {
                "requests": [r.request for r in self.recordings],
                "responses": [r.response for r in self.recordings],
                "metadata": metadata,
            },
            yamlserializer,
        )
        self.dirty = False
        return True


# A streamed echo of a key arrives in pieces: any piece this long of a long key is scrubbed.
# (Short keys such as the emulator's are not secret, and their pieces are ordinary words.)
_FRAGMENT = 8
_FRAGMENT_KEY = 24


def _scrub_fragments(text: str, secret: str) -> str:
    if len(secret) < _FRAGMENT_KEY:
        return text
    windows = range(len(secret) - _FRAGMENT + 1)
    if not any(secret[i : i + _FRAGMENT] in text for i in windows):
        return text
    for length in range(len(secret) - 1, _FRAGMENT - 1, -1):
        for start in range(len(secret) - length + 1):
            piece = secret[start : start + length]
            if piece in text:
                text = text.replace(piece, "<redacted>")
    return text


def _stream_text(body: bytes) -> str:
    """Every string value of every event's data, joined: what a reader of the stream sees."""
    texts: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)

    for line in body.decode("utf-8", "replace").splitlines():
        if line.startswith("data:"):
            try:
                walk(json.loads(line[5:]))
            except ValueError:
                continue
    return "".join(texts)


def _public_query(url: httpx.URL) -> str:
    pairs = parse_qsl(url.query.decode("ascii", "replace"), keep_blank_values=True)
    return "&".join(f"{k}={'...' if k.lower() in _SECRET_QUERY else v}" for k, v in pairs)


def _normal_body(body: bytes, origin: str) -> Any:
    """JSON bodies as data, others as text; the request's own origin written as {origin}."""
    if not body:
        return None
    text = _text(body)
    if isinstance(text, bytes):
        return text
    text = text.replace(origin, _ORIGIN)
    try:
        return json.loads(text)
    except ValueError:
        return text


def _scrub_json(value: Any, scrub: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list):
        return [_scrub_json(v, scrub) for v in value]
    if isinstance(value, dict):
        return {k: _scrub_json(v, scrub) for k, v in value.items()}
    return value


def _first_difference(have: Any, want: Any, pointer: str = "") -> str:
    if isinstance(have, dict) and isinstance(want, dict):
        for key in sorted(set(have) | set(want)):
            if key not in have:
                return f"{pointer}/{key}: not recorded, sent {_short(want[key])}"
            if key not in want:
                return f"{pointer}/{key}: recorded {_short(have[key])}, not sent"
            if have[key] != want[key]:
                return _first_difference(have[key], want[key], f"{pointer}/{key}")
    if isinstance(have, list) and isinstance(want, list) and len(have) == len(want):
        for index, (a, b) in enumerate(zip(have, want, strict=False)):
            if a != b:
                return _first_difference(a, b, f"{pointer}/{index}")
    return f"{pointer or '/'}: recorded {_short(have)}, sent {_short(want)}"


def _short(value: Any) -> str:
    text = json.dumps(value, default=repr) if not isinstance(value, bytes) else repr(value)
    return text if len(text) <= 80 else text[:70] + f"... ({len(text)} chars)"


def _why(have: Any, want: Any) -> str:
    if isinstance(have, dict | list) and isinstance(want, dict | list):
        return _first_difference(have, want)
    return f"recorded {_short(have)}, sent {_short(want)}"


class _FrameStream(httpx.SyncByteStream):
    """A response body that yields its frames one by one (iter_bytes sees each)."""

    def __init__(self, frames: Sequence[bytes]) -> None:
        self._frames = list(frames)

    def __iter__(self) -> Iterator[bytes]:
        yield from self._frames


class CassetteTransport(httpx.BaseTransport):
    """Answers from a `Cassette`, and records through ``inner`` where the mode allows."""

    def __init__(self, cassette: Cassette, inner: httpx.BaseTransport | None = None) -> None:
        self.cassette = cassette
        self._inner = inner
        self._own_inner = inner is None

    def _transport(self) -> httpx.BaseTransport:
        if self._inner is None:
            self._inner = httpx.HTTPTransport()
        return self._inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        cassette = self.cassette
        if cassette.may_replay:
            found = cassette.find(request)
            if found is not None:
                found.played = True
                return _replay(found, request)
        if not cassette.may_record:
            raise cassette.no_match(request)
        response = self._transport().handle_request(request)
        decoded = httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=response.stream,
            request=request,
            extensions=response.extensions,
        )
        try:
            body = b"".join(decoded.iter_bytes())
        finally:
            decoded.close()
        is_sse = decoded.headers.get("content-type", "").startswith("text/event-stream")
        headers = decoded.headers.multi_items()
        cassette.record(request, decoded.status_code, decoded.reason_phrase, headers, body, is_sse)
        kept = [(k, v) for k, v in headers if k.lower() not in _DROP_RESPONSE]
        frames = sse_frames(body) if is_sse else ([body] if body else [])
        return httpx.Response(
            decoded.status_code, headers=kept, stream=_FrameStream(frames), request=request
        )

    def close(self) -> None:
        if self._own_inner and self._inner is not None:
            with contextlib.suppress(Exception):
                self._inner.close()
            self._inner = None


def _replay(recording: _Recording, request: httpx.Request) -> httpx.Response:
    """The recorded response, with the recorded origin replaced by this request's."""
    old, new = recording.origin, _origin(str(request.url))

    def fix(data: Any) -> bytes:
        raw = _bytes(data)
        return raw.replace(old.encode(), new.encode()) if old != new else raw

    response = recording.response
    status = response.get("status", {})
    headers = [
        (name, fix(value).decode("utf-8", "replace"))
        for name, values in (response.get("headers") or {}).items()
        for value in (values if isinstance(values, list) else [values])
    ]
    body = response.get("body") or {}
    if isinstance(body, dict) and isinstance(body.get("chunks"), list):
        frames = [fix(chunk) for chunk in body["chunks"]]
    else:
        data = fix(body.get("string") if isinstance(body, dict) else body)
        frames = [data] if data else []
    return httpx.Response(
        int(status.get("code", 200)) if isinstance(status, dict) else int(status),
        headers=headers,
        stream=_FrameStream(frames),
        request=request,
    )


# -- reading a cassette that may come from anywhere (the `check` command) ----------------------

# A cassette larger than this is refused before it is parsed (documented in the README).
MAX_CASSETTE_BYTES = 64 * 1024 * 1024
_MAX_YAML_DEPTH = 64  # as `_traffic.MAX_JSON_DEPTH`: a cassette's own structure is 6 levels
_PYTHON_TAG = "tag:yaml.org,2002:python/"


@dataclass(frozen=True)
class LoadedCassette:
    """A cassette's ``interactions`` as plain data (shape not yet checked), each with its line."""

    interactions: list[Any]
    lines: list[int]
    metadata: dict[str, Any]


def _refuse_hostile(root: Any) -> None:
    """Anchors/aliases, Python tags and deep nesting are refused before anything is built.

    An alias makes one node appear twice, so a 500-byte "billion laughs" document stands for
    gigabytes once anything walks it; a cassette we write never has one.
    """
    seen: set[int] = set()
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        line = node.start_mark.line + 1
        if id(node) in seen:
            raise CassetteError("YAML anchors and aliases are refused in a cassette", line=line)
        seen.add(id(node))
        if isinstance(node.tag, str) and node.tag.startswith(_PYTHON_TAG):
            tag = "!!python/" + node.tag.removeprefix(_PYTHON_TAG)
            raise CassetteError(f"the YAML tag {tag} is refused (Python objects)", line=line)
        if depth > _MAX_YAML_DEPTH:
            raise CassetteError(
                f"nested deeper than {_MAX_YAML_DEPTH} levels (the checker's limit)", line=line
            )
        if isinstance(node, yaml.MappingNode):
            stack.extend((part, depth + 1) for pair in node.value for part in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, depth + 1) for item in node.value)


def _interaction_lines(root: Any) -> list[int]:
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if key.value == "interactions" and isinstance(value, yaml.SequenceNode):
                return [item.start_mark.line + 1 for item in value.value]
    return []


def load_cassette(path: str | Path) -> LoadedCassette:
    """A cassette file read safely, for `check` on files from anywhere (a pull request's).

    YAML's safe loader (no Python objects), with anchors and aliases refused, nesting and size
    capped; every problem is a `CassetteError` naming the line.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_CASSETTE_BYTES:
            raise CassetteError(
                f"{size:,} bytes, over the {MAX_CASSETTE_BYTES:,}-byte limit for a cassette"
            )
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise CassetteError(f"cannot read ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        raise CassetteError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    loader = yaml.CSafeLoader(text) if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return LoadedCassette([], [], {})
        _refuse_hostile(root)
        data = loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise CassetteError(
            f"not valid YAML ({exc.problem or exc.context})",
            line=mark.line + 1 if mark is not None else None,
        ) from exc
    except yaml.reader.ReaderError as exc:  # a character YAML refuses (no mark, a position)
        line = text.count("\n", 0, exc.position) + 1
        char = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise CassetteError(f"not valid YAML ({exc.reason}: #x{char:04x})", line=line) from exc
    except yaml.YAMLError as exc:
        raise CassetteError(f"not valid YAML ({exc})") from exc
    except (ValueError, TypeError, OverflowError) as exc:  # a 5,000-digit int, a bad date...
        raise CassetteError(f"a YAML value that cannot be read ({str(exc)[:120]})") from exc
    finally:
        loader.dispose()
    if not isinstance(data, dict) or not isinstance(data.get("interactions"), list):
        raise CassetteError(
            "not a cassette: expected a mapping with an interactions list "
            "(vcrpy format version 1, as `pytest suites --record-mode` writes)"
        )
    metadata = data.get("metadata")
    return LoadedCassette(
        data["interactions"],
        _interaction_lines(root),
        metadata if isinstance(metadata, dict) else {},
    )
