"""The checks are total: arbitrary JSON in any position of recorded traffic gives violations, never an
exception (issue 16: a list `status`, a 4,300-digit count, an unhashable `type`, deep nesting...).

Seeds are recorded exchanges of each revision (a stream and its GET, a resumed stream, a streamed
function call, a JSON create); each example replaces one value of one seed (the request body, the
Interaction, one event, the status, the URL) with an arbitrary JSON value or a hostile JSON text
(deep nesting, ``Infinity``, a lone surrogate escape, a 5,000-digit number) and asserts that
`check_scenario`, `check_exchange` and each public check return violations and never raise.
The last test writes seed recordings as cassettes, HAR and JSON Lines, breaks them (truncated,
bytes inserted or cut, a value replaced by hostile JSON or YAML) and runs ``check`` on each: exit
0, 1 or 2, at most one line on stderr, never a traceback. Bounded: ``max_examples`` and a
deadline per test keep the file well under a minute.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import json
import tempfile
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interactions_conformance import Exchange, Request, Response, Violation, available_revisions
from interactions_conformance import checks as C
from interactions_conformance._cli import main
from interactions_conformance._sources import read_source

ROOT = Path(__file__).resolve().parent.parent
SEEDS = (
    "test_streaming/test_deltas_equal_the_stored_outputs.yaml",
    "test_streaming/test_resume_after_an_event[middle].yaml",
    "test_streaming/test_streamed_function_call.yaml",
    "test_functions/test_function_call_requires_action.yaml",
)
REVISIONS = available_revisions()
FUZZ = settings(
    max_examples=150,
    deadline=2000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=False,
)

# JSON texts no Python value can be dumped to (json.dumps refuses them or recurses too deep).
HOSTILE_TEXTS = (
    "[" * 5000 + "]" * 5000,
    '{"a":' * 3000 + "1" + "}" * 3000,
    "Infinity",
    "-Infinity",
    "NaN",
    '"\\ud800"',
    '"a\\udfffb"',
    "[" * 60 + "]" * 60,
    '{"a":' * 60 + '"x"' + "}" * 60,
    '{"\\ud800": "\\udc00", "type": "text", "text": "\\ud83d"}',
    "9" * 4299,
    "-" + "9" * 4299,
    "9" * 5000,
    "-" + "1" * 4301,
    "1e999",
    '{"type": {"a": 1}}',
    '{"status": []}',
    '""',
    "[]",
    "{}",
)
_HOLE = "\x00hole\x00"
_HOLE_JSON = json.dumps(_HOLE)

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=10)
    | st.sampled_from(["text", "function_call", "completed", "model_output", "in_progress"])
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=10,
)
# A replacement: a JSON text, from a Python value or hostile.
replacements = st.one_of(json_values.map(lambda v: json.dumps(v)), st.sampled_from(HOSTILE_TEXTS))


@cache
def seeds(revision: str) -> tuple[tuple[Exchange, ...], ...]:
    """The revision's own recordings; for a revision with none yet, every revision's (a check
    must be total on any traffic)."""
    found = list(_own_seeds(revision))
    if not found:
        found = [s for other in REVISIONS if other != revision for s in _own_seeds(other)]
    assert found, f"no seed cassette under cassettes/*/emulator ({SEEDS[0]}, ...)"
    return tuple(found)


@cache
def _own_seeds(revision: str) -> tuple[tuple[Exchange, ...], ...]:
    paths = [ROOT / "cassettes" / revision / "emulator" / name for name in SEEDS]
    return tuple(tuple(read_source(p).exchanges) for p in paths if p.is_file())


def _places(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every position in a JSON value: the root, each member and item, and a new member."""
    yield path
    if isinstance(value, dict):
        yield (*path, "_new")
        for key, item in value.items():
            yield from _places(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _places(item, (*path, index))


def _put(value: Any, path: tuple[Any, ...], text: str) -> str:
    """``value`` as JSON text with the value at ``path`` replaced by the JSON text ``text``."""
    if not path:
        return text
    copy = json.loads(json.dumps(value))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = _HOLE
    return json.dumps(copy).replace(_HOLE_JSON, text, 1)


def _sse(payload_texts: list[str]) -> tuple[bytes, ...]:
    return tuple(f"data: {text}\n\n".encode("utf-8", "surrogatepass") for text in payload_texts)


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


@st.composite
def mutated(draw: st.DrawFn, revision: str) -> list[Exchange]:
    """A seed scenario with one value replaced somewhere."""
    scenario = list(draw(st.sampled_from(seeds(revision))))
    index = draw(st.integers(0, len(scenario) - 1))
    exchange = scenario[index]
    request, response = exchange.request, exchange.response
    where = draw(
        st.sampled_from(["request", "response", "event", "status", "url", "chunking", "order"])
    )
    text = draw(replacements)
    if where == "request" and request.json() is not None:
        body = request.json()
        path = draw(st.sampled_from(list(_places(body))))
        request = Request(
            request.method, request.url, request.headers, _encode(_put(body, path, text))
        )
    elif where == "status":
        status = draw(st.sampled_from([0, 100, 204, 299, 400, 404, 500, 999, -1, 10**30]))
        response = Response(status, response.headers, response.body, response.chunks)
    elif where == "url":
        url = draw(
            st.sampled_from(
                [
                    "http://[::1/v1beta/interactions",
                    "http://[zz]/v1beta/interactions/x",
                    "https://h/v1beta/interactions/\ud800?stream=true&last_event_id=%ff",
                    "/v1beta/interactions/" + "a/" * 200,
                    "",
                ]
            )
            | st.text(max_size=30)
        )
        request = Request(request.method, url, request.headers, request.body)
    elif where == "chunking" and response.chunks is not None:
        cut = draw(st.integers(0, len(response.body)))
        body = response.body[:cut]
        response = Response(response.status, response.headers, body, (body,))
    elif where == "order" and response.chunks is not None:
        # events dropped, repeated and reordered: a stop before its start, two completes...
        picks = draw(st.lists(st.integers(0, len(response.chunks) - 1), max_size=12))
        chunks = tuple(response.chunks[i] for i in picks)
        response = Response(response.status, response.headers, b"".join(chunks), chunks)
    elif response.chunks is not None:
        events = [c.decode().partition("data: ")[2].strip() for c in response.chunks]
        events = [e for e in events if e.startswith("{")]
        n = draw(st.integers(0, len(events) - 1))
        event = json.loads(events[n])
        path = draw(st.sampled_from(list(_places(event))))
        events[n] = _put(event, path, text)
        chunks = _sse(events)
        response = Response(response.status, response.headers, b"".join(chunks), chunks)
    elif response.json() is not None:
        body = response.json()
        path = draw(st.sampled_from(list(_places(body))))
        response = Response(response.status, response.headers, _encode(_put(body, path, text)))
    scenario[index] = Exchange(request, response, exchange.label)
    return scenario


def _is_violations(found: Any) -> None:
    items = found.violations if isinstance(found, C.CheckResult) else found
    if isinstance(found, C.CheckResult):
        assert not found.errors, found.errors  # a check that raised, caught by check_scenario
    assert isinstance(items, list), f"{type(found).__name__}, not a list of violations"
    for item in items:
        assert isinstance(item, Violation), item
        str(item)  # rendering a violation must not raise either
        item.as_dict()


@pytest.mark.parametrize("revision", REVISIONS)
@FUZZ
@given(data=st.data())
def test_check_scenario_never_raises(revision: str, data: st.DataObject) -> None:
    scenario = data.draw(mutated(revision))
    _is_violations(C.check_scenario(scenario, revision))
    for exchange in scenario:
        _is_violations(C.check_exchange(exchange, revision, require_event_ids=True))


def _payloads(exchange: Exchange) -> list[Any]:
    return C.parse_sse(exchange.response.chunks or (exchange.response.body,)).payloads


def _interaction_checks() -> list[Callable[..., list[Violation]]]:
    names = [
        n
        for n in C.__all__
        if n.startswith("check_") and "interaction" in getattr(C, n).__code__.co_varnames[:1]
    ]
    return [getattr(C, n) for n in names]


def _event_checks() -> list[Callable[..., list[Violation]]]:
    return [
        getattr(C, n)
        for n in C.__all__
        if n.startswith("check_")
        and getattr(C, n).__code__.co_varnames[:1] == ("events",)
        and n != "check_stream_equals_resource"
    ]


def _call(check: Callable[..., list[Violation]], *args: Any, **options: Any) -> Any:
    """A check called with what its signature takes of these (positional, then keywords)."""
    parameters = inspect.signature(check).parameters
    positional = [
        p for p in parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    taken = {k: v for k, v in options.items() if k in parameters}
    return check(*args[: len(positional)], **taken)


def status_of(data: st.DataObject) -> Any:
    return data.draw(st.sampled_from([200, 400, 404, 500, 0, 999, None, "400"]))


@pytest.mark.parametrize("revision", REVISIONS)
@FUZZ
@given(data=st.data())
def test_every_public_check_is_total(revision: str, data: st.DataObject) -> None:
    scenario = data.draw(mutated(revision))
    stream = next((e for e in scenario if e.response.chunks is not None), scenario[0])
    events = _payloads(stream) if stream.response.chunks is not None else []
    body = next((e.response.json() for e in scenario if e.response.chunks is None), None)
    request = scenario[0].request.json()
    interaction = data.draw(
        st.sampled_from([body, *[e.get("interaction") for e in events if isinstance(e, dict)]])
    )
    for check in _interaction_checks():
        _is_violations(_call(check, interaction, request, revision=revision, where="x"))
    for check in _event_checks():
        _is_violations(_call(check, events, revision=revision))
    # The 2026-11 behaviour checks of odd shapes (hops, polls, a status and a body).
    _is_violations(C.check_status_sequence(events))
    _is_violations(C.check_continued_answer(events, data.draw(st.text(max_size=5))))
    _is_violations(C.check_safety_rejection(status_of(data), body, "safety_settings"))
    _is_violations(C.check_deprecated_accepted(status_of(data), body, "response_modalities"))
    reassembled = C.reassemble_outputs(events, revision=revision)
    assert isinstance(reassembled, list)
    _is_violations(
        C.check_stream_grammar(events, revision=revision, require_event_ids=True, resumed=True)
    )
    _is_violations(C.check_stream_equals_resource(events, interaction, revision=revision))
    _is_violations(C.check_resume(events, events[1:], data.draw(st.text(max_size=5))))
    _is_violations(C.check_replay(events, events[::-1]))
    _is_violations(C.check_event_schemas(events, revision))
    _is_violations(C.check_interaction_schema(interaction, revision))
    _is_violations(C.check_request_fields(request, revision))
    status = data.draw(st.sampled_from([400, 404, 429, 500, 0, 999]))
    _is_violations(C.check_error_body(stream.response.body, revision))
    _is_violations(C.check_error_status(status, body, revision))
    for exchange in scenario:
        _is_violations(C.check_client_error(exchange))
        _is_violations(C.check_delete_response(exchange))
        _is_violations(C.check_sse_content_type(exchange))
        _is_violations(C.check_sse_framing(exchange.response.chunks or exchange.response.body))
    C.first_difference(interaction, body)


# -- malformed files through the command -------------------------------------------------------

FILE_NOISE = st.sampled_from(
    [
        "&a ",
        "*a",
        "!!python/tuple [1]",
        "!!binary x",
        "\t",
        "{",
        "[",
        "]",
        "'",
        '"',
        "\x00",
        ": ",
        "- ",
    ]
) | st.text(max_size=8)


def _har_text(exchanges: tuple[Exchange, ...]) -> str:
    def entry(e: Exchange) -> dict[str, Any]:
        headers = [{"name": k, "value": v} for k, v in e.response.headers.items()]
        return {
            "request": {
                "method": e.request.method,
                "url": e.request.url,
                "headers": [{"name": k, "value": v} for k, v in e.request.headers.items()],
                "postData": {"text": e.request.body.decode()},
            },
            "response": {
                "status": e.response.status,
                "headers": headers,
                "content": {"mimeType": e.response.content_type, "text": e.response.body.decode()},
            },
        }

    return json.dumps({"log": {"version": "1.2", "entries": [entry(e) for e in exchanges]}})


def _jsonl_text(exchanges: tuple[Exchange, ...]) -> str:
    lines = []
    for e in exchanges:
        response: dict[str, Any] = {
            "status": e.response.status,
            "headers": dict(e.response.headers),
        }
        if e.response.chunks is not None:
            response["chunks"] = [c.decode() for c in e.response.chunks]
        else:
            response["body"] = e.response.body.decode()
        request = {
            "method": e.request.method,
            "url": e.request.url,
            "body": e.request.body.decode(),
        }
        lines.append(json.dumps({"request": request, "response": response}))
    return "\n".join(lines) + "\n"


@st.composite
def malformed_files(draw: st.DrawFn) -> tuple[str, str]:
    """(suffix, text): a seed recording as a cassette, HAR or JSON Lines, then broken."""
    revision = draw(st.sampled_from([r for r in REVISIONS if _own_seeds(r)]))
    paths = [
        p for p in (ROOT / "cassettes" / revision / "emulator" / n for n in SEEDS) if p.is_file()
    ]
    index = draw(st.integers(0, len(paths) - 1))
    suffix = draw(st.sampled_from([".yaml", ".har", ".jsonl", ".json"]))
    exchanges = _own_seeds(revision)[index]
    if suffix == ".yaml":
        text = paths[index].read_text("utf-8")
    elif suffix == ".har":
        text = _har_text(exchanges)
    elif suffix == ".jsonl":
        text = _jsonl_text(exchanges)
    else:  # one exchange, as the proxy's --record writes it
        text = _jsonl_text(exchanges).splitlines()[0]
    how = draw(st.sampled_from(["truncate", "insert", "delete", "replace"]))
    at = draw(st.integers(0, len(text)))
    if how == "truncate":
        text = text[:at]
    elif how == "insert":
        text = text[:at] + draw(FILE_NOISE) + text[at:]
    elif how == "delete":
        text = text[:at] + text[at + draw(st.integers(1, 40)) :]
    elif suffix in (".har", ".json"):
        document = json.loads(text)
        text = _put(document, draw(st.sampled_from(list(_places(document)))), draw(replacements))
    elif suffix == ".jsonl":
        lines = text.splitlines()
        n = draw(st.integers(0, len(lines) - 1))
        line = json.loads(lines[n])
        lines[n] = _put(line, draw(st.sampled_from(list(_places(line)))), draw(replacements))
        text = "\n".join(lines)
    else:  # a YAML value replaced by hostile text
        lines = text.splitlines()
        n = draw(st.integers(0, len(lines) - 1))
        head, colon, _ = lines[n].partition(": ")
        lines[n] = head + (colon or ": ") + draw(replacements)
        text = "\n".join(lines)
    return suffix, text


@settings(FUZZ, max_examples=80)
@given(malformed_files())
def test_check_on_a_malformed_file_exits_0_1_or_2_with_one_line(file: tuple[str, str]) -> None:
    suffix, text = file
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"broken{suffix}"
        path.write_text(text, "utf-8", errors="surrogatepass")
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["check", str(path)])
    assert code in (0, 1, 2), err.getvalue()
    assert "Traceback" not in err.getvalue()
    lines = err.getvalue().splitlines()
    assert len(lines) <= 1, lines
    assert all(
        line.startswith(f"check: {path}") or line == f"check: no exchanges in {path}"
        for line in lines
    )
    if code == 2:
        assert lines, "exit 2 without saying why"
