"""Continuation of a long answer (revision 2026-11: CONT-*): the hops google-genai 3.6.1's
``automatic_continuation`` sends (``_interactions_continuation._continuation_body``): a new
create with the ``continuation_token`` and, with store true, the hop that issued it as
``previous_interaction_id`` and no input; with store false, the original input resent.

The probe asks for an answer longer than one request decodes on the emulator (its decode
limit is 200 output tokens); a target that answers in one go has nothing to continue and the
test is skipped with that reason."""

from __future__ import annotations

from typing import Any

import pytest

from interactions_conformance import ConformanceFailure
from interactions_conformance._assertions import expect_error, expect_ok, require
from interactions_conformance.checks import check_continued_answer

COUNT = 700
PROMPT = f"Count from 1 to {COUNT}, separated by single spaces. Write only the numbers."
ANSWER = " ".join(str(i) for i in range(1, COUNT + 1))
MAX_HOPS = 12


def _first(api: Any, model: str, **extra: Any) -> tuple[Any, dict[str, Any]]:
    exchange = api.create({"model": model, "input": PROMPT, **extra})
    body = expect_ok("CONT-RESUME", exchange, what="the continuation probe")
    if body.get("status") != "requires_continuation":
        pytest.skip(
            f"the target answered the continuation probe in one request (status "
            f"{body.get('status')!r}): nothing to continue"
        )
    return exchange, body


def _hops(api: Any, model: str, first: dict[str, Any], *, store: bool) -> list[dict[str, Any]]:
    hops = [first]
    while hops[-1].get("status") == "requires_continuation" and len(hops) < MAX_HOPS:
        token = hops[-1].get("continuation_token")
        body: dict[str, Any] = {"model": model, "continuation_token": token}
        if store:
            body["previous_interaction_id"] = hops[-1].get("id")
        else:
            body |= {"input": PROMPT, "store": False}
        hop = api.create(body)
        hops.append(expect_ok("CONT-RESUME", hop, what=f"continuation hop {len(hops)}"))
    return hops


@pytest.mark.rule("CONT-RESUME", "CONT-TOKEN-WITH-STATUS", "CONT-TOKEN-ADVANCES")
def test_continuation_hops_with_the_stored_interaction(api: Any, model: str) -> None:
    exchange, first = _first(api, model)
    hops = _hops(api, model, first, store=True)
    found = check_continued_answer(hops, ANSWER)
    if found:
        raise ConformanceFailure(
            [v.with_context(reproduce=exchange.reproduce) for v in found],
            context=f"{len(hops)} continuation hops (store true)",
        )


@pytest.mark.rule("CONT-RESUME")
def test_continuation_hops_resending_the_input(api: Any, model: str) -> None:
    exchange, first = _first(api, model, store=False)
    hops = _hops(api, model, first, store=False)
    found = check_continued_answer(hops, ANSWER)
    if found:
        raise ConformanceFailure(
            [v.with_context(reproduce=exchange.reproduce) for v in found],
            context=f"{len(hops)} continuation hops (store false)",
        )


@pytest.mark.rule("CONT-TOKEN-WITH-STATUS")
@pytest.mark.feature("streaming")
def test_a_streamed_hop_ends_with_its_token(api: Any, model: str) -> None:
    # The automatic checks read the interaction.completed event (CONT-TOKEN-WITH-STATUS).
    exchange = api.create({"model": model, "input": PROMPT, "stream": True})
    require(
        "CONT-TOKEN-WITH-STATUS",
        exchange.response.status == 200,
        "the streamed continuation probe was not accepted",
        expected="HTTP 200",
        actual=f"HTTP {exchange.response.status}",
        exchange=exchange,
    )


@pytest.mark.rule("CONT-TOKEN-OWNER")
def test_a_token_with_another_interaction_is_rejected(api: Any, model: str) -> None:
    _, first = _first(api, model)
    other = expect_ok(
        "CONT-TOKEN-OWNER", api.create({"model": model, "input": "Hello."}), what="a plain create"
    )
    require(
        "CONT-TOKEN-OWNER",
        other.get("id") and other.get("status") != "requires_continuation",
        "the second interaction has no id to send",
        expected="a stored interaction with an id",
        actual=other,
    )
    hop = api.create(
        {
            "model": model,
            "continuation_token": first.get("continuation_token"),
            "previous_interaction_id": other["id"],
        }
    )
    expect_error("CONT-TOKEN-OWNER", hop, 400, what="a continuation_token with another interaction")
