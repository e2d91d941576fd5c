"""Paths, loaders and spec helpers shared by the project's own tests (imported as `_support`).

Plain functions only: the fixtures live in ``conftest.py``.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import json
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

from interactions_conformance import Revision
from interactions_conformance._findings import Drift, Violation

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO / "spec"
SHARED = REPO.parent / "shared"
REAL_TRAFFIC = SHARED / "real-traffic"
GUIDE = SHARED / "guide" / "000_09c92481357c7f06.txt"

SCHEMA_BASE = "https://interactions-conformance.example/spec/"

# Which schema validates each recorded kind (streams: each event against sse-event).
SCHEMA_OF_KIND = {"interaction": "interaction", "request": "create-request", "error": "error"}


@contextlib.contextmanager
def serving_app(
    app: Any, *, lifespan: str = "off", what: str = "the app", **options: Any
) -> Iterator[str]:
    """An ASGI app served by uvicorn on a free loopback port, in a thread; yields its URL.

    ``options`` are uvicorn's (``ssl_certfile=``, ``ssl_keyfile=``: then the URL is https)."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        app, log_level="warning", lifespan=lifespan, timeout_graceful_shutdown=1, **options
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError(f"{what} did not start within 10 s")
        time.sleep(0.01)
    host, port = sock.getsockname()[:2]
    try:
        yield f"{'https' if options.get('ssl_certfile') else 'http'}://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()


def real_traffic_files(prefix: str) -> list[Path]:
    """The recorded payloads whose name starts with ``prefix`` (empty when ../shared is absent)."""
    if not REAL_TRAFFIC.is_dir():
        return []
    return sorted(REAL_TRAFFIC.glob(f"{prefix}*.json"))


def load_recording(path: Path) -> tuple[dict[str, Any], Any]:
    """(_meta, payload) of one recorded file."""
    data = json.loads(path.read_text("utf-8"))
    return data["_meta"], data["payload"]


# -- one revision's files, read from spec/<revision>/ -----------------------------------------


def revision_meta(revision: str) -> dict[str, Any]:
    """spec/<revision>/revision.json."""
    return json.loads((SPEC / revision / "revision.json").read_text("utf-8"))


def schema_names(revision: str) -> list[str]:
    """The schema names revision.json lists, sorted."""
    return sorted(revision_meta(revision)["schemas"])


def load_schema(revision: str, name: str) -> dict[str, Any]:
    """spec/<revision>/schemas/<name>.json, as read from disk."""
    return json.loads((SPEC / revision / "schemas" / f"{name}.json").read_text("utf-8"))


@functools.cache
def catalogue(revision: str) -> dict[str, Any]:
    """spec/<revision>/rules.yaml as raw data (cached: do not mutate it)."""
    data = yaml.safe_load((SPEC / revision / "rules.yaml").read_text("utf-8"))
    assert isinstance(data, dict), f"{revision}/rules.yaml is not a mapping"
    return data


def rule_ids(revision: str) -> set[str]:
    """The rule ids of spec/<revision>/rules.yaml."""
    return {rule["id"] for rule in catalogue(revision)["rules"]}


def walk_schema(node: Any, at: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every subschema (dict) with its JSON pointer, skipping value keywords."""
    if isinstance(node, dict):
        yield at, node
        for key, value in node.items():
            if key in ("const", "enum", "examples", "default"):
                continue
            yield from walk_schema(value, f"{at}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk_schema(value, f"{at}/{i}")


# -- validating recorded traffic --------------------------------------------------------------


def validate_recording(revision: Revision, path: Path) -> tuple[list[Violation], list[Drift]]:
    """Validate one recorded payload by its kind; a stream event by event (``event N``)."""
    meta, payload = load_recording(path)
    kind = meta["kind"]
    if kind == "stream":
        violations: list[Violation] = []
        drift: list[Drift] = []
        for n, event in enumerate(payload):
            found = revision.validate(event, "sse-event", at=f"event {n}")
            violations += found.violations
            drift += found.drift
        return violations, drift
    found = revision.validate(payload, SCHEMA_OF_KIND[kind])
    return found.violations, found.drift


def pairs(violations: Iterable[Violation]) -> set[tuple[str, str]]:
    """(rule, where) of each violation."""
    return {(v.rule, v.where) for v in violations}


def rebuild_steps(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The steps a client rebuilds from 2026-05 step.start / step.delta events, written apart from
    the checker's reassembly so that tests have an oracle of their own (the SDK's accumulation)."""
    steps: dict[int, dict[str, Any]] = {}
    arguments: dict[int, str] = {}
    for event in events:
        index = event.get("index")
        if event["event_type"] == "step.start":
            steps[index] = copy.deepcopy(event["step"])
        elif event["event_type"] == "step.delta":
            step, delta = steps[index], dict(event["delta"])
            kind = delta.pop("type")
            if kind == "arguments_delta":
                arguments[index] = arguments.get(index, "") + delta["arguments"]
            elif kind == "thought_signature":
                step["signature"] = step.get("signature", "") + delta["signature"]
            elif kind == "thought_summary":
                step.setdefault("summary", []).append(delta["content"])
            elif step["type"] == "model_output":
                content = step.setdefault("content", [])
                if kind == "text" and content and content[-1]["type"] == "text":
                    content[-1]["text"] += delta["text"]
                else:
                    content.append({"type": kind, **delta})
            else:
                step.update(delta)
    for index, text in arguments.items():
        steps[index]["arguments"] = json.loads(text)
    return [steps[i] for i in sorted(steps)]


def pinned(revision: str, *functions: Any) -> tuple[Any, ...]:
    """The functions with ``revision=`` fixed (a call may still pass its own): for a module whose
    hand-made payloads are in one revision's shape, now that the checks default to the newest."""
    return tuple(functools.partial(f, revision=revision) for f in functions)
