"""A pytest plugin for benchmarks/live_cost.py: which test spent which tokens.

Loaded into a suite run with ``PYTEST_PLUGINS=_usage_plugin`` (benchmarks/ on PYTHONPATH). It
wraps `ApiClient.request`, the one door every suite request goes through, and writes one JSON
line per exchange to ``$USAGE_LOG``: the test, method, path, status, the interaction id and the
usage the target reported (the last ``usage`` of a stream). Nothing else about the run changes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest

from interactions_conformance._client import ApiClient

_current = {"test": "", "module": ""}
_original = ApiClient.request


def _usage_of(exchange: Any) -> tuple[str | None, dict[str, Any] | None, str | None]:
    """(interaction id, usage, model) as the response tells them."""
    response = exchange.response
    found: tuple[str | None, dict[str, Any] | None, str | None] = (None, None, None)
    if response.is_stream:
        for line in response.body.splitlines():
            if not line.startswith(b"data:"):
                continue
            try:
                data = json.loads(line[5:])
            except ValueError:
                continue
            interaction = data.get("interaction") if isinstance(data, dict) else None
            if isinstance(interaction, dict):
                found = (
                    interaction.get("id") or found[0],
                    interaction.get("usage") or found[1],
                    interaction.get("model") or interaction.get("agent") or found[2],
                )
        return found
    body = response.json()
    if isinstance(body, dict):
        return body.get("id"), body.get("usage"), body.get("model") or body.get("agent")
    return found


def _request(self: ApiClient, *args: Any, **kwargs: Any) -> Any:
    exchange = _original(self, *args, **kwargs)
    ident, usage, model = _usage_of(exchange)
    line = {
        "test": _current["test"],
        "module": _current["module"],
        "method": exchange.request.method,
        "path": exchange.request.url.split("?")[0].split("/v1beta/")[-1],
        "status": exchange.response.status,
        "id": ident,
        "model": model,
        "total_tokens": (usage or {}).get("total_tokens") if isinstance(usage, dict) else None,
    }
    with open(os.environ["USAGE_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps(line) + "\n")
    return exchange


ApiClient.request = _request  # type: ignore[method-assign]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    _current["test"] = item.nodeid
    _current["module"] = item.path.stem
    try:
        return (yield)
    finally:
        _current["test"] = _current["module"] = ""
