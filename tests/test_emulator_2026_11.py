"""The emulator's behaviour new in 2026-11 (emulator/_behaviour.py), and each 2026-11 fault
mode: the check below passes with the fault on and fails on the correct emulator, as
tests/test_emulator_faults.py does for the older faults."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from emulator_helpers import LITE, Api, emulator, events_of
from interactions_conformance.emulator import FAULTS
from interactions_conformance.emulator._faults import FAULTS_2026_11

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")

R = "2026-11"
COUNT = 700
PROMPT = f"Count from 1 to {COUNT}, separated by single spaces."
ANSWER = " ".join(str(i) for i in range(1, COUNT + 1))


def _api(*faults: str) -> Any:
    return emulator(*faults, validate=False, revision=R)


def _wait(api: Api, ident: str, timeout: float = 10) -> list[dict[str, Any]]:
    """Poll until the job ends; every body seen, in order."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while True:
        body: dict[str, Any] = api.get(ident).json()
        seen.append(body)
        if body.get("status") not in ("queued", "in_progress"):
            return seen
        assert time.monotonic() < deadline, body
        time.sleep(0.05)


def _text(body: dict[str, Any]) -> str:
    return "".join(
        c.get("text", "")
        for step in body.get("steps", [])
        if step.get("type") == "model_output"
        for c in step.get("content", [])
        if c.get("type") == "text"
    )


def _hops(api: Api, *, store: bool = True, limit: int = 12) -> list[dict[str, Any]]:
    first = api.create({"model": LITE, "input": PROMPT, **({} if store else {"store": False})})
    assert first.status_code == 200, first.text
    hops = [first.json()]
    while hops[-1].get("status") == "requires_continuation" and len(hops) < limit:
        body: dict[str, Any] = {
            "model": LITE,
            "continuation_token": hops[-1].get("continuation_token"),
        }
        body |= (
            {"previous_interaction_id": hops[-1]["id"]}
            if store
            else {"input": PROMPT, "store": False}
        )
        response = api.create(body)
        assert response.status_code == 200, response.text
        hops.append(response.json())
    return hops


def _deferred(api: Api, **extra: Any) -> Any:
    return api.create(
        {
            "model": LITE,
            "input": "What is 17*23?",
            "service_tier": "deferred",
            "background": True,
            **extra,
        }
    )


# -- behaviour ------------------------------------------------------------------------------


def test_a_deferred_job_is_queued_then_in_progress_then_completed() -> None:
    with _api() as api:
        started = _deferred(api).json()
        assert (started["status"], started["service_tier"]) == ("queued", "deferred")
        statuses = [b["status"] for b in _wait(api, started["id"])]
        assert statuses[0] == "queued"
        assert statuses[-1] == "completed"
        assert "in_progress" in statuses
        assert statuses.index("in_progress") > max(
            i for i, s in enumerate(statuses) if s == "queued"
        )
        assert "391" in _text(api.get(started["id"]).json())


def test_deferred_implies_background_and_refuses_background_false() -> None:
    with _api() as api:
        implied = api.create({"model": LITE, "input": "hi", "service_tier": "deferred"}).json()
        assert implied["status"] == "queued"
        refused = _deferred(api, background=False)
        assert refused.status_code == 400
        assert "'background'" in refused.json()["error"]["message"]


def test_a_queued_job_can_be_cancelled() -> None:
    with _api() as api:
        started = _deferred(api).json()
        cancelled = api.cancel(started["id"])
        assert cancelled.status_code == 200
        assert cancelled.json()["status"] == "cancelled"
        time.sleep(0.5)
        assert api.get(started["id"]).json()["status"] == "cancelled"


def test_a_streamed_deferred_job_shows_queued_then_in_progress() -> None:
    with _api() as api:
        events = events_of(_deferred(api, stream=True).text)
        statuses = [e["status"] for e in events if e["event_type"] == "interaction.status_update"]
        assert statuses == ["queued", "in_progress"]
        assert events[0]["interaction"]["status"] == "queued"


@pytest.mark.parametrize("store", [True, False], ids=["stored", "input-resent"])
def test_continuation_hops_join_into_the_answer(store: bool) -> None:
    with _api() as api:
        hops = _hops(api, store=store)
        assert len(hops) == 4
        assert [h["status"] for h in hops] == ["requires_continuation"] * 3 + ["completed"]
        assert "".join(_text(h) for h in hops) == ANSWER
        tokens = [h.get("continuation_token") for h in hops]
        assert len(set(tokens[:-1])) == 3
        assert tokens[-1] is None
        # Each hop re-prefills what was generated before it (SDK billing note).
        inputs = [h["usage"]["total_input_tokens"] for h in hops]
        assert inputs == sorted(inputs)
        assert inputs[0] < inputs[-1]
        assert {h["usage"]["initial_input_tokens"] for h in hops} == {inputs[0]}


def test_a_stored_hop_has_no_input_step_and_chains_to_the_previous_hop() -> None:
    with _api() as api:
        hops = _hops(api)
        got = api.get(hops[1]["id"]).json()
        assert [s["type"] for s in got["steps"]] == ["model_output"]
        assert api.get(hops[0]["id"]).json()["steps"][0]["type"] == "user_input"


def test_a_token_is_checked_against_its_interaction_and_its_input() -> None:
    with _api() as api:
        first = api.create({"model": LITE, "input": PROMPT}).json()
        other = api.create({"model": LITE, "input": "hi"}).json()
        token = first["continuation_token"]
        wrong = api.create(
            {"model": LITE, "continuation_token": token, "previous_interaction_id": other["id"]}
        )
        assert wrong.status_code == 400
        assert first["id"] in wrong.json()["error"]["message"]
        forged = api.create(
            {
                "model": LITE,
                "continuation_token": "ct1.nope",
                "previous_interaction_id": first["id"],
            }
        )
        assert forged.status_code == 400
        assert "continuation_token" in forged.json()["error"]["message"]
        stateless = api.create({"model": LITE, "input": PROMPT, "store": False}).json()
        other_input = api.create(
            {
                "model": LITE,
                "input": "Count from 1 to 900.",
                "store": False,
                "continuation_token": stateless["continuation_token"],
            }
        )
        assert other_input.status_code == 400


def test_a_streamed_hop_ends_requires_continuation_with_its_token() -> None:
    with _api() as api:
        events = events_of(api.create({"model": LITE, "input": PROMPT, "stream": True}).text)
        last = events[-1]
        assert last["event_type"] == "interaction.completed"
        assert last["interaction"]["status"] == "requires_continuation"
        assert last["interaction"]["continuation_token"]


def test_short_answers_background_and_structured_output_are_not_cut() -> None:
    with _api() as api:
        assert (
            api.create({"model": LITE, "input": "What is 17*23?"}).json()["status"] == "completed"
        )
        background = api.create({"model": LITE, "input": PROMPT, "background": True}).json()
        assert _wait(api, background["id"])[-1]["status"] == "completed"


def test_older_revisions_see_none_of_it() -> None:
    with emulator(validate=True, revision="2025-12") as api:
        body = api.create({"model": LITE, "input": PROMPT}).json()  # strict 2025-12 validation
        assert body["status"] == "completed"
        assert "continuation_token" not in body
        assert "initial_input_tokens" not in body["usage"]
        stops = [
            e
            for e in events_of(api.create({"model": LITE, "input": "hi", "stream": True}).text)
            if e["event_type"] == "content.stop"
        ]
        assert stops
        assert all("usage" not in e and "step_usage" not in e for e in stops)


def test_a_2026_11_interaction_read_in_2026_05_loses_the_new_fields() -> None:
    with _api() as api:
        first = api.create({"model": LITE, "input": PROMPT}).json()
        assert first["status"] == "requires_continuation"
        old = api.client.get(
            f"/v1beta/interactions/{first['id']}",
            headers={"x-goog-api-key": "emulator-key", "Api-Revision": "2026-05-20"},
        ).json()
        assert old["status"] == "incomplete"  # 2026-05 has no requires_continuation
        assert "continuation_token" not in old
        assert "initial_input_tokens" not in old["usage"]


def test_a_failed_job_lists_its_errors() -> None:
    with _api() as api:
        started = api.create(
            {
                "model": LITE,
                "input": "Emulator probe: fail this background job.",
                "background": True,
            }
        ).json()
        done = _wait(api, started["id"])[-1]
        assert done["status"] == "failed"
        assert done["errors"] == [
            {"code": "api_error", "message": "The background job failed before it produced output."}
        ]


def test_step_stops_carry_step_usage_adding_up_to_the_total() -> None:
    with _api() as api:
        events = events_of(
            api.create(
                {"model": "gemini-3-pro-preview", "input": "What is 17*23?", "stream": True}
            ).text
        )
        stops = [e for e in events if e["event_type"] == "step.stop"]
        total = events[-1]["interaction"]["usage"]["total_tokens"]
        assert len(stops) == 2
        assert sum(s["step_usage"]["total_tokens"] for s in stops) == total
        assert [s["usage"]["total_tokens"] for s in stops][-1] == total


def test_safety_settings_are_validated() -> None:
    with _api() as api:
        ok = api.create(
            {
                "model": LITE,
                "input": "hi",
                "safety_settings": [
                    {"type": "jailbreak", "threshold": "off", "method": "severity"}
                ],
            }
        )
        assert ok.status_code == 200, ok.text
        for setting, field in [
            ({"type": "harassment", "threshold": "block_most"}, "safety_settings[0].threshold"),
            ({"type": "spam", "threshold": "off"}, "safety_settings[0].type"),
            ({"threshold": "off"}, "safety_settings[0].type"),
            (
                {"type": "harassment", "threshold": "off", "category": "x"},
                "safety_settings[0].category",
            ),
        ]:
            bad = api.create({"model": LITE, "input": "hi", "safety_settings": [setting]})
            assert bad.status_code == 400, bad.text
            assert field in bad.json()["error"]["message"], bad.text


# -- fault modes ------------------------------------------------------------------------------

Check = Callable[[Api], None]
CHECKS: dict[str, Check] = {}


def check(name: str) -> Callable[[Check], Check]:
    def register(fn: Check) -> Check:
        assert name in FAULTS_2026_11, name
        CHECKS[name] = fn
        return fn

    return register


@check("deferred-not-queued")
def _(api: Api) -> None:
    assert _deferred(api).json()["status"] == "in_progress"


@check("queued-regresses")
def _(api: Api) -> None:
    statuses = [
        e["status"]
        for e in events_of(_deferred(api, stream=True).text)
        if e["event_type"] == "interaction.status_update"
    ]
    assert statuses[-1] == "queued", statuses


@check("continuation-no-token")
def _(api: Api) -> None:
    body = api.create({"model": LITE, "input": PROMPT}).json()
    assert body["status"] == "requires_continuation"
    assert "continuation_token" not in body


@check("continuation-same-token")
def _(api: Api) -> None:
    hops = _hops(api, limit=2)  # a third hop would name hop 1, which did not issue the token
    assert hops[1]["continuation_token"] == hops[0]["continuation_token"]


@check("continuation-restarts")
def _(api: Api) -> None:
    hops = _hops(api, limit=2)
    assert _text(hops[1]) == _text(hops[0])


@check("continuation-ids-sent")
def _(api: Api) -> None:
    assert "continuation_ids" in api.create({"model": LITE, "input": PROMPT}).json()


@check("continuation-owner-unchecked")
def _(api: Api) -> None:
    first = api.create({"model": LITE, "input": PROMPT}).json()
    other = api.create({"model": LITE, "input": "hi"}).json()
    hop = api.create(
        {
            "model": LITE,
            "continuation_token": first["continuation_token"],
            "previous_interaction_id": other["id"],
        }
    )
    assert hop.status_code == 200, hop.text


@check("errors-item-shape")
def _(api: Api) -> None:
    started = api.create(
        {"model": LITE, "input": "Emulator probe: fail this background job.", "background": True}
    ).json()
    assert not isinstance(_wait(api, started["id"])[-1]["errors"][0].get("code"), str)


@check("step-usage-cumulative-wrong")
def _(api: Api) -> None:
    events = events_of(api.create({"model": LITE, "input": "hi", "stream": True}).text)
    stop = next(e for e in events if e["event_type"] == "step.stop")
    assert stop["usage"]["total_tokens"] > events[-1]["interaction"]["usage"]["total_tokens"]


@check("step-usage-exceeds")
def _(api: Api) -> None:
    events = events_of(api.create({"model": LITE, "input": "hi", "stream": True}).text)
    stop = next(e for e in events if e["event_type"] == "step.stop")
    assert stop["step_usage"]["total_tokens"] > stop["usage"]["total_tokens"]


@check("initial-input-too-large")
def _(api: Api) -> None:
    usage = api.create({"model": LITE, "input": "hi"}).json()["usage"]
    assert usage["initial_input_tokens"] > usage["total_input_tokens"]


@check("safety-unchecked")
def _(api: Api) -> None:
    bad = api.create(
        {"model": LITE, "input": "hi", "safety_settings": [{"type": "spam", "threshold": "off"}]}
    )
    assert bad.status_code == 200


@check("deprecated-rejected")
def _(api: Api) -> None:
    body = {"model": LITE, "input": "hi", "generation_config": {"temperature": 0.5}}
    assert api.create(body).status_code == 400


def test_every_2026_11_fault_has_a_check_and_says_its_revision() -> None:
    assert sorted(CHECKS) == sorted(FAULTS_2026_11)
    assert all(FAULTS[n].revisions == (R,) for n in FAULTS_2026_11)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_fault_breaks_its_rule(name: str) -> None:
    with _api(name) as api:
        CHECKS[name](api)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_correct_emulator_passes_what_the_fault_breaks(name: str) -> None:
    with _api() as api, pytest.raises((AssertionError, StopIteration, KeyError)):
        CHECKS[name](api)


# -- the official SDK's automatic continuation ---------------------------------------------------

SDK_SCRIPT = """
import sys
from google import genai
client = genai.Client(api_key="emulator-key", http_options={"base_url": sys.argv[1], "api_version": "v1beta"})
prompt = "Count from 1 to 700, separated by single spaces."
want = " ".join(str(i) for i in range(1, 701))
unary = client.interactions.create(model="gemini-2.5-flash-lite", input=prompt)
assert unary.status == "completed" and unary.output_text == want, unary.status
assert len(unary.continuation_ids) == 4, unary.continuation_ids
stateless = client.interactions.create(model="gemini-2.5-flash-lite", input=prompt, store=False)
assert stateless.output_text == want
text, ends = "", []
for event in client.interactions.create(model="gemini-2.5-flash-lite", input=prompt, stream=True):
    if event.event_type == "step.delta" and getattr(event.delta, "type", None) == "text":
        text += event.delta.text
    if event.event_type == "interaction.completed":
        ends.append(event.interaction.status)
assert text == want and ends[-1] == "completed" and len(ends) == 4, ends
print("ok")
"""


SDK_VERSION = "3.6.1"
SDK_VENV = Path.home() / ".cache" / "interactions-conformance" / f"google-genai-{SDK_VERSION}"


def _sdk_python() -> str:
    """A Python with google-genai 3.6.1: $INTERACTIONS_SDK361_PYTHON, else a venv of its own
    (the project's environment pins 1.55.0), made once under ~/.cache; skip when it cannot be
    made (no registry)."""
    named = os.environ.get("INTERACTIONS_SDK361_PYTHON")
    if named:
        return named
    python = SDK_VENV / "bin" / "python"
    if not python.exists():
        try:
            subprocess.run(
                [sys.executable, "-m", "venv", str(SDK_VENV)], check=True, capture_output=True
            )
            subprocess.run(
                [str(python), "-m", "pip", "install", "-q", f"google-genai=={SDK_VERSION}"],
                check=True,
                capture_output=True,
                timeout=600,
            )
        except (subprocess.SubprocessError, OSError) as exc:
            shutil.rmtree(SDK_VENV, ignore_errors=True)
            pytest.skip(f"no google-genai {SDK_VERSION} environment could be made: {exc}")
    return str(python)


def test_google_genai_3_6_1_continues_automatically_against_the_emulator(tmp_path: Path) -> None:
    """google-genai 3.6.1's automatic_continuation (unary stored, unary store=False, stream)
    against `serve --revision 2026-11`, through the SDK's own continuation code."""
    python = _sdk_python()
    from interactions_conformance.emulator import running_emulator

    script = tmp_path / "sdk.py"
    script.write_text(SDK_SCRIPT, "utf-8")
    with running_emulator(revision=R) as base:
        run = subprocess.run(
            [python, str(script), base], capture_output=True, text=True, timeout=120
        )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "ok", run.stdout[-2000:]
