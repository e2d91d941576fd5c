"""Hostile-input fuzzing of the emulator, in process (issue 16; ERR-NOT-5XX, SCHEMA-ERROR).

Hypothesis generates malformed requests (random methods and paths, trailing slashes, odd
headers, arbitrary bytes, invalid UTF-8, deep nesting, lone surrogates, NaN and huge
numbers, a wrong type in every field of a valid create body, both revisions through
``Api-Revision``, the test-control routes, the Files upload) and sends each to one
long-lived app through Starlette's TestClient. Each answer must be < 500, each error body
valid against both revisions' ``error.json``, each 200 stream must end in ``[DONE]``, and
every interaction the request left in the store must read back (GET, JSON and stream, both
revisions) without a 5xx.

``python tests/test_emulator_fuzz.py [N]`` runs N examples without stopping at the first
problem and prints how many requests were sent and how many answered >= 500.
"""

from __future__ import annotations

import collections
import json
import sys
import warnings
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's TestClient prefers httpx2 (not installed)
    from starlette.testclient import TestClient

from interactions_conformance import load_revision
from interactions_conformance.emulator import EmulatorConfig, create_app

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")

KEYS = ("emulator-key", "emulator-key-2")
ERROR_SCHEMAS = [load_revision(name) for name in ("2025-12", "2026-05")]
REVISION_HEADERS = (None, "2026-05-20", "2026-05-07", "2099-01-01", "", "\u00e9t\u00e9", "x" * 300)
FIELDS = sorted(
    {
        "model",
        "agent",
        "input",
        "system_instruction",
        "tools",
        "response_format",
        "response_mime_type",
        "response_modalities",
        "stream",
        "store",
        "background",
        "previous_interaction_id",
        "generation_config",
        "agent_config",
        "service_tier",
        "webhook_config",
        "environment",
        "unknown_field",
    }
)
CONTENT_TYPES = ("text", "image", "audio", "video", "document", "function_call", "function_result")
CONTENT_FIELDS = (
    "text",
    "data",
    "uri",
    "mime_type",
    "name",
    "arguments",
    "call_id",
    "result",
    "id",
)
PATHS = (
    "/",
    "/v1beta/interactions",
    "/v1beta/interactions/",
    "/v1beta/interactions//",
    "/v1beta/interactions/{id}",
    "/v1beta/interactions/{id}/",
    "/v1beta/interactions/{id}/cancel",
    "/v1beta/interactions/{id}/cancel/",
    "/v1beta/interactions/%ED%A0%80",
    "/v1beta/interactions/%00",
    "/v1beta/files",
    "/v1beta/files/",
    "/v1beta/files/{file}",
    "/upload/v1beta/files",
    "/upload/v1beta/files/",
    "/upload/v1beta/files/{upload}",
    "/__emulator/clock",
    "/__emulator/clock/",
    "/__emulator/tier",
    "/v1/interactions",
    "/v1beta/models",
)
METHODS = ("GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS", "TRACE", "FOO")
DEEP = "@@deep:{}:{}@@"  # a placeholder the serialiser swaps for deeply nested JSON text

# -- values -------------------------------------------------------------------------------

# Texts the probe model reads, by a short name (a strategy's repr stays readable).
PROMPTS = {
    "model": "gemini-2.5-flash-lite",
    "agent": "deep-research-pro-preview-12-2025",
    "id": "v1_" + "A" * 64,
    "arithmetic": "what is 17*23?",
    "fibonacci-5000-digits": "the " + "9" * 5000 + "th fibonacci number",
    "arithmetic-400-digits": "what is " + "9" * 400 + " times " + "9" * 400,
    "nul": "\x00",
    "bom": "\ufeff",
}


def prompt(name: str) -> str:
    return PROMPTS[name]


surrogates = st.text(st.characters(categories=["Cs"]), min_size=1, max_size=3)
texts = st.one_of(
    st.text(max_size=20),
    st.builds(lambda a, s, b: a + s + b, st.text(max_size=5), surrogates, st.text(max_size=5)),
    st.sampled_from(sorted(PROMPTS)).map(prompt),
)
numbers = st.one_of(
    st.integers(),
    st.integers(min_value=18, max_value=400).map(lambda digits: 10**digits + 7),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e308, -1e308, 5e-324]),
)
deep = st.builds(
    lambda depth, kind: DEEP.format(depth, kind),
    st.integers(min_value=1, max_value=6000),
    st.sampled_from(["array", "object"]),
)
leaves = st.one_of(st.none(), st.booleans(), numbers, texts, deep)
values = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.one_of(st.sampled_from(CONTENT_FIELDS), texts), children, max_size=3),
    ),
    max_leaves=8,
)


# JSON Schemas the probe model builds instances from (response_format, function parameters)
schemas = st.one_of(
    values,
    st.fixed_dictionaries(
        {"type": st.sampled_from(["array", "string", "object", "integer", "number"])},
        optional={
            "minItems": st.one_of(st.integers(-5, 10**12), values),
            "minLength": st.one_of(st.integers(-5, 10**12), values),
            "minimum": values,
            "items": st.just({"$ref": "#"}),
            "properties": st.dictionaries(
                st.sampled_from(["a", "b", "c", "location", "age"]),
                st.sampled_from([{"$ref": "#"}, {"type": "string"}, {}]),
                max_size=4,
            ),
            "required": values,
            "anyOf": values,
        },
    ),
)


def contents(value: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A content of a known type with one field set to ``value``."""
    return st.builds(
        lambda kind, field, v: {"type": kind, field: v},
        st.sampled_from(CONTENT_TYPES),
        st.sampled_from(CONTENT_FIELDS),
        value,
    )


inputs = st.one_of(
    texts,  # the probe model reads these (arithmetic, Fibonacci, recall)
    values,
    contents(values),
    st.lists(contents(values), min_size=1, max_size=2),
    st.builds(
        lambda role, c: [{"role": role, "content": c}],
        st.one_of(st.sampled_from(["user", "model"]), values),
        st.one_of(values, st.lists(contents(values), max_size=2)),
    ),
)


def serialise(value: Any) -> bytes:
    """JSON text as a careless client writes it: NaN tokens, ``\\udXXX`` escapes, deep nesting."""
    text = json.dumps(value)  # ensure_ascii: a lone surrogate becomes its \\u escape

    def nested(match: str) -> str:
        depth, kind = match.split(":")[1:3]
        n = int(depth)
        return "[" * n + "]" * n if kind == "array" else '{"a":' * n + "1" + "}" * n

    while '"@@deep:' in text:
        start = text.index('"@@deep:')
        end = text.index('@@"', start + 2) + 3
        text = text[:start] + nested(text[start + 1 : end - 1]) + text[end:]
    return text.encode("utf-8")


# -- requests -----------------------------------------------------------------------------


@st.composite
def create_requests(draw: st.DrawFn) -> dict[str, Any]:
    """A valid create body (model or agent, either revision) with fields made hostile."""
    body: dict[str, Any] = draw(
        st.sampled_from(
            [
                {"model": "gemini-2.5-flash-lite", "input": "hi"},
                {"model": "gemini-2.5-flash", "input": "hi", "stream": True},
                {"agent": "deep-research-pro-preview-12-2025", "input": "hi", "background": True},
            ]
        )
    )
    body = dict(body)
    for field in draw(st.lists(st.sampled_from(FIELDS), max_size=3, unique=True)):
        if field == "input":
            body[field] = draw(inputs)
        elif field == "response_format":
            schema = draw(schemas)
            wrapped = {"type": "text", "mime_type": "application/json", "schema": schema}
            body[field] = draw(st.sampled_from([schema, wrapped]))
        elif field == "tools":
            tool = {"type": "function", "name": "get_weather", "parameters": draw(schemas)}
            body[field] = draw(st.sampled_from([[tool], draw(values)]))
            body["input"] = "what is the weather in Paris? use get_weather"
        else:
            body[field] = draw(values)
    if draw(st.booleans()):
        body["stream"] = True
    headers = {"content-type": draw(st.sampled_from(["application/json", "text/plain", "", "x/y"]))}
    key = draw(st.sampled_from([*KEYS, None, "wrong-key"]))
    if key is not None:
        headers["x-goog-api-key"] = key
    revision = draw(st.sampled_from(REVISION_HEADERS))
    if revision is not None:
        headers["api-revision"] = revision
    params = {"alt": "sse"} if draw(st.booleans()) else {}
    content = serialise(body)
    if draw(st.integers(0, 9)) == 0:
        content = content.decode().encode(draw(st.sampled_from(["utf-16", "utf-32", "latin-1"])))
    return {
        "method": "POST",
        "path": "/v1beta/interactions",
        "headers": headers,
        "params": params,
        "content": content,
    }


@st.composite
def raw_requests(draw: st.DrawFn) -> dict[str, Any]:
    """Any method on any path with any body bytes."""
    body = draw(
        st.one_of(
            st.binary(max_size=64),
            st.sampled_from(
                [b"", b"\xff\xfe\xfd", b'{"model": "\xff"}', b"{" * 3000, b"[" * 50000]
            ),
            values.map(serialise),
        )
    )
    headers = {"x-goog-api-key": draw(st.sampled_from(KEYS))}
    if draw(st.booleans()):
        headers["api-revision"] = draw(st.sampled_from([r for r in REVISION_HEADERS if r]))
    if draw(st.booleans()):
        headers["x-goog-upload-protocol"] = "resumable"
        headers["x-goog-upload-command"] = draw(
            st.sampled_from(["start", "upload", "upload, finalize", "finalize", "bogus"])
        )
    if draw(st.booleans()):
        headers["x-goog-upload-offset"] = draw(st.sampled_from(["0", "-1", "1e9", "x"]))
    params = draw(
        st.dictionaries(
            st.sampled_from(
                ["stream", "last_event_id", "include_input", "alt", "key", "upload_id"]
            ),
            st.one_of(
                st.sampled_from(["true", "false", "1", "evt_0000", "evt_9999", "sse", ""]),
                st.text(max_size=8),
            ),
            max_size=3,
        )
    )
    return {
        "method": draw(st.sampled_from(METHODS)),
        "path": draw(st.sampled_from(PATHS)),
        "headers": headers,
        "params": params,
        "content": body,
    }


@st.composite
def control_requests(draw: st.DrawFn) -> dict[str, Any]:
    """The test-control routes with hostile values."""
    route = draw(st.sampled_from(["clock", "tier"]))
    field = "advance_seconds" if route == "clock" else "tier"
    value = draw(
        st.one_of(values, st.sampled_from([float("nan"), float("inf"), 1e308, 10**400, -5]))
    )
    body = draw(st.one_of(st.just({field: value}), values))
    return {
        "method": "POST",
        "path": f"/__emulator/{route}",
        "headers": {},
        "params": {},
        "content": serialise(body),
    }


@st.composite
def upload_requests(draw: st.DrawFn) -> dict[str, Any]:
    """A resumable upload start with a hostile body."""
    headers = {
        "x-goog-api-key": KEYS[0],
        "x-goog-upload-protocol": "resumable",
        "x-goog-upload-command": "start",
    }
    if draw(st.booleans()):
        headers["x-goog-upload-header-content-type"] = draw(
            st.sampled_from(["image/png", "\u00e9"])
        )
    body = draw(
        st.one_of(
            values,
            st.builds(lambda f: {"file": f}, values),
            st.builds(
                lambda d: {"file": d},
                st.fixed_dictionaries({"displayName": values, "mimeType": values, "name": values}),
            ),
        )
    )
    return {
        "method": "POST",
        "path": "/upload/v1beta/files",
        "headers": headers,
        "params": {},
        "content": serialise(body),
        "finalize": draw(st.booleans()),
    }


hostile_requests = st.one_of(
    create_requests(), raw_requests(), control_requests(), upload_requests()
)

# -- what must hold -----------------------------------------------------------------------


class Fuzzer:
    """One app for the whole run, so hostile state (stored rows, a moved clock) accumulates."""

    def __init__(self) -> None:
        config = EmulatorConfig(test_control=True, agent_seconds=0.0, background_seconds=0.0)
        self.app = create_app(config)
        self.client = TestClient(self.app, raise_server_exceptions=False)
        self.client.__enter__()
        self.store = self.app.state.emulator.store
        self.ids: list[str] = []  # ids answered so far (templated into paths)
        self.files: list[str] = []
        self.uploads: list[str] = []
        self.sent = 0
        self.last_status = 0
        self.status: collections.Counter[int] = collections.Counter()

    def close(self) -> None:
        self.client.__exit__(None, None, None)

    def send(self, method: str, path: str, **kwargs: Any) -> Any:
        self.sent += 1
        if "headers" in kwargs:  # non-ASCII header values go as latin-1 bytes, as on the wire
            kwargs["headers"] = {k: v.encode("latin-1") for k, v in kwargs["headers"].items()}
        response = self.client.request(method, path, **kwargs)
        self.status[response.status_code] += 1
        return response

    def problems_of(self, what: str, response: Any, method: str) -> list[str]:
        out = []
        status = response.status_code
        if status >= 500:
            out.append(f"{what}: HTTP {status} {response.text[:200]!r}")
        if status >= 400 and method != "HEAD":
            try:
                body = response.json()
            except ValueError:
                return [*out, f"{what}: HTTP {status} with a body that is not JSON"]
            for revision in ERROR_SCHEMAS:
                result = revision.validate(body, "error", strict=True)
                if not result.ok:
                    out.append(f"{what}: error body {body!r} breaks {revision.name} error.json")
        elif status == 200 and "text/event-stream" in response.headers.get("content-type", ""):
            frames = [f for f in response.text.split("\n\n") if f.strip()]
            if not frames or frames[-1].strip() != "data: [DONE]":
                out.append(f"{what}: a 200 stream ends without [DONE]: {response.text[-200:]!r}")
        return out

    def run(self, request: dict[str, Any]) -> list[str]:
        before = set(self.store.owners())
        path = request["path"]
        path = path.replace("{id}", self.ids[-1] if self.ids else "v1_missing")
        path = path.replace("{file}", self.files[-1].split("/")[-1] if self.files else "nofile")
        path = path.replace("{upload}", self.uploads[-1] if self.uploads else "noupload")
        method = request["method"]
        what = f"{method} {path} {request['headers']} {request['content'][:120]!r}"
        response = self.send(
            method,
            path,
            headers=request["headers"],
            params=request["params"],
            content=request["content"],
        )
        problems = self.problems_of(what, response, method)
        self.last_status = response.status_code
        self.remember(response)
        if request.get("finalize") and "x-goog-upload-url" in response.headers:
            url = response.headers["x-goog-upload-url"].split("testserver", 1)[-1]
            done = self.send(
                "POST", url, headers={"x-goog-upload-command": "upload, finalize"}, content=b"x"
            )
            problems += self.problems_of(f"finalize after {what}", done, "POST")
            self.remember(done)
        for interaction_id, key in set(self.store.owners()) - before:
            problems += self.read_back(interaction_id, key, what)
        for name in self.files[-1:]:
            got = self.send("GET", f"/v1beta/{name}", headers={"x-goog-api-key": KEYS[0]})
            problems += self.problems_of(f"GET {name} after {what}", got, "GET")
        return problems

    def remember(self, response: Any) -> None:
        url = response.headers.get("x-goog-upload-url")
        if url and "/upload/v1beta/files/" in url:
            self.uploads.append(url.split("/upload/v1beta/files/")[1].split("?")[0])
        if response.status_code != 200 or "json" not in response.headers.get("content-type", ""):
            return
        try:
            body = response.json()
        except ValueError:
            return
        if isinstance(body, dict) and isinstance(body.get("id"), str):
            self.ids.append(body["id"])
        file = body.get("file") if isinstance(body, dict) else None
        if isinstance(file, dict) and isinstance(file.get("name"), str):
            self.files.append(file["name"])

    def read_back(self, interaction_id: str, key: str, what: str) -> list[str]:
        """A stored interaction answers every GET (both revisions, JSON and stream) with < 500."""
        problems = []
        for revision in (None, "2026-05-20"):
            headers = {"x-goog-api-key": key}
            if revision:
                headers["api-revision"] = revision
            for params in ({}, {"stream": "true"}):
                got = self.send(
                    "GET", f"/v1beta/interactions/{interaction_id}", headers=headers, params=params
                )
                problems += self.problems_of(
                    f"GET {interaction_id} {params} after {what}", got, "GET"
                )
        return problems


@pytest.fixture(scope="module")
def fuzzer() -> Any:
    fuzz = Fuzzer()
    yield fuzz
    fuzz.close()


@settings(
    max_examples=1000,  # about 8 s alone on a 2-core machine
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(request=hostile_requests)
def test_no_hostile_request_gets_a_5xx_or_leaves_an_unreadable_row(
    fuzzer: Fuzzer, request: dict[str, Any]
) -> None:
    problems = fuzzer.run(request)
    event(f"HTTP {fuzzer.last_status}")
    assert not problems, "\n".join(problems)


def tally(examples: int) -> int:
    """Run ``examples`` examples and print the totals (no stopping at the first problem)."""
    fuzz = Fuzzer()
    failing: collections.Counter[str] = collections.Counter()

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(request=hostile_requests)
    def one(request: dict[str, Any]) -> None:
        for problem in fuzz.run(request):
            failing[
                problem.split(":", 1)[0].split(" ")[0] + " " + problem.rsplit(": ", 1)[-1][:60]
            ] += 1

    try:
        one()
    finally:
        fuzz.close()
    fives = sum(n for status, n in fuzz.status.items() if status >= 500)
    print(f"examples: {examples}; requests sent: {fuzz.sent}; answers >= 500: {fives}")
    print(f"statuses: {dict(sorted(fuzz.status.items()))}")
    for problem, n in failing.most_common(15):
        print(f"  {n:5d}  {problem}")
    return 1 if fives else 0


if __name__ == "__main__":
    sys.exit(tally(int(sys.argv[1]) if len(sys.argv) > 1 else 2000))
