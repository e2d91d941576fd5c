"""Generated traffic (DESIGN.md "Generated traffic"): Hypothesis drives the target.

(a) valid generated create requests must succeed, and every response passes
    the automatic checks of the ``api`` fixture;
(b) near-valid requests (one mutation away) must get a 4xx in the documented
    error body: never a 5xx, never a 2xx;
(c) a state machine drives create / continue / get / delete / cancel (and the
    clock, where the target has one) against a model of what the server holds.

A failing example shrinks to a minimal request; the failure shows its ``curl``
line and how to rerun it (see `_rerun_note`). How many examples run is the
Hypothesis profile's choice (``HYPOTHESIS_PROFILE``): ``conformance`` by default,
``live`` for ``--target live`` (few examples, no shrinking: suites/conftest.py),
and in a checkout ``ci``, ``dev``, ``deep`` (conftest.py). Which emulator faults
this module catches, and why the others are out of its reach, is proved by
tests/test_generated_faults.py.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, event, given, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from interactions_conformance import _probes as probes
from interactions_conformance._assertions import expect_ok, require
from interactions_conformance._sse import parse_sse
from interactions_conformance._suite import outputs_of, where_output
from interactions_conformance._traffic import Exchange
from interactions_conformance._wire import CANONICAL_REVISION, request_to_wire
from interactions_conformance.checks import check_client_error, check_event_ids, grammar_for
from interactions_conformance.strategies import (
    MUTATIONS,
    NearValid,
    create_requests,
    near_valid_requests,
)

# Generated requests differ on every run: they can be neither recorded nor replayed.
pytestmark = pytest.mark.no_cassette("generated requests differ every run: nothing to replay")

# A function-scoped `api` fixture is shared by the examples of one test on purpose: the client
# holds no state between requests but the token count, which must add up over the whole test.
GENERATED = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    deadline=None,
    print_blob=True,  # the @reproduce_failure line: an exact replay of the minimal example
    report_multiple_bugs=False,  # one failure, one rule id: the results JSON names it
)

# G21: stored interactions are kept 1 day on the free tier and 55 days on the paid tier.
RETENTION_SECONDS = {"free": 86400.0, "paid": 55 * 86400.0}
_EXPIRY_MARGIN = 120.0  # near the boundary either answer is accepted


def _rerun_note(nodeid: str) -> None:
    note(
        "how to rerun: add the @reproduce_failure(...) line printed below to the test for an "
        f"exact replay, or run `pytest '{nodeid}'` again on this machine (the failure is kept "
        "in .hypothesis/ and replayed first); a whole run repeats with --hypothesis-seed=N "
        "and the same HYPOTHESIS_PROFILE"
    )


def _sent(exchange: Exchange) -> Exchange:
    note(f"request: {exchange.reproduce}")
    note(f"answer:  HTTP {exchange.response.status} {exchange.response.body[:300]!r}")
    return exchange


def _features(conformance: Any) -> set[str]:
    return {name for name, on in conformance.profile.features.items() if on}


def _spellable(body: Any, revision: str) -> bool:
    """Whether a canonical request has a spelling in ``revision`` (_wire.request_to_wire).

    Two have none: a 2025-12 file_search_result carries no call_id, which a 2026-05
    file_search_result step requires (step.json), so such history cannot be sent there; and a
    ``response_mime_type`` that is not a text mime type (a wrong-typed one, null included) has
    no place in a 2026-05 ``response_format``: sent as it is, it is a legacy field, answered
    with the legacy-schema message that names no field (a false ERR-MESSAGE-FIELD); a null one
    is dropped by the translation, so the wrong value never reaches the target (a false
    SCHEMA-REQUEST: the valid request is accepted).
    """
    if revision == CANONICAL_REVISION:
        return True
    if isinstance(body, dict) and "response_mime_type" in body:
        mime = body["response_mime_type"]
        if mime not in ("application/json", "text/plain"):
            return False
        if "response_mime_type" in request_to_wire(body, revision):
            return False
    turns = body.get("input") if isinstance(body, dict) else None
    return not any(
        isinstance(item, dict) and item.get("type") == "file_search_result"
        for turn in (turns if isinstance(turns, list) else [])
        for item in (
            [turn]
            + (
                turn.get("content")
                if isinstance(turn, dict) and isinstance(turn.get("content"), list)
                else []
            )
        )
    )


# -- (a) valid requests ---------------------------------------------------------


@pytest.mark.basic
@pytest.mark.rule("BASIC-CREATE", "BASIC-STATUS-COMPLETED")
@GENERATED
@given(data=st.data())
def test_valid_generated_requests_succeed(
    api: Any, conformance: Any, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    _rerun_note(request.node.nodeid)
    features = _features(conformance)
    strategy = create_requests(
        CANONICAL_REVISION,  # the client spells it in the target's revision (_wire)
        model=conformance.profile.model(),
        agent=conformance.profile.model("agent"),
        features=features,
        max_output_tokens=16,  # small: cheap on a live target, and a cap answers can exceed
    )
    body = data.draw(strategy, label="request")
    assume(_spellable(body, conformance.revision.name))
    event("input form: " + _form(body["input"]))
    event("tools: " + ",".join(sorted({t["type"] for t in body.get("tools", [])}) or ["none"]))
    event(
        "store/background/stream: "
        + "/".join(str(body.get(k, "-")) for k in ("store", "background", "stream"))
    )
    exchange = _sent(api.create(body))  # the api fixture checks every exchange as it comes
    if exchange.response.is_stream:
        require(
            "BASIC-CREATE",
            exchange.response.status == 200,
            "a valid generated streaming request was not accepted",
            expected="HTTP 200",
            actual=f"HTTP {exchange.response.status}",
            exchange=exchange,
        )
        if "resume" in features:  # a target with resume promises event ids (STREAM-EVENT-ID)
            violations = check_event_ids(
                parse_sse(exchange.response.chunks or (exchange.response.body,)).payloads
            )
            if violations:
                raise violations[0].with_context(reproduce=exchange.reproduce)
        return
    body_out = expect_ok("BASIC-CREATE", exchange, what="a valid generated request")
    status = body_out.get("status")
    if body.get("background"):
        require(
            "AGENT-RETURNS-AT-ONCE",
            status == "in_progress" and bool(body_out.get("id")),
            "a background create did not return at once",
            expected="status in_progress and an id",
            actual={"status": status, "id": body_out.get("id")},
            where="/status",
            exchange=exchange,
        )
        return
    calls_possible = any(t.get("type") == "function" for t in body.get("tools", []))
    require(
        "BASIC-STATUS-COMPLETED",
        status == "completed" or (calls_possible and status == "requires_action"),
        "a foreground model interaction did not complete",
        expected="status completed" + (" or requires_action" if calls_possible else ""),
        actual=status,
        where="/status",
        exchange=exchange,
    )


def _form(value: Any) -> str:
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "single content"
    return "turns" if any("role" in v for v in value) else "content list"


# -- (b) near-valid requests ----------------------------------------------------


def _mutation_params() -> list[Any]:
    params = []
    for name, mutation in MUTATIONS.items():
        rules = ["ERR-NOT-5XX", "ERR-BODY"]
        if mutation.rule != "schema":
            rules.append(mutation.rule)
        if mutation.names_field:
            rules.append("ERR-MESSAGE-FIELD")
        marks = [pytest.mark.rule(*rules)]
        if mutation.feature:
            marks.append(pytest.mark.feature(mutation.feature))
        params.append(pytest.param(name, marks=marks, id=name))
    return params


@pytest.mark.errors
@pytest.mark.parametrize("mutation", _mutation_params())
@GENERATED
@given(data=st.data())
def test_near_valid_requests_are_rejected(
    api: Any,
    conformance: Any,
    request: pytest.FixtureRequest,
    mutation: str,
    data: st.DataObject,
) -> None:
    _rerun_note(request.node.nodeid)
    case: NearValid = data.draw(
        near_valid_requests(
            CANONICAL_REVISION,  # the client spells it in the target's revision (_wire)
            model=conformance.profile.model(),
            agent=conformance.profile.model("agent"),
            features=_features(conformance),
            max_output_tokens=16,
            mutations=[mutation],
        ),
        label="near-valid request",
    )
    assume(case.body is None or _spellable(case.body, conformance.revision.name))
    note(f"mutation: {case.mutation} ({MUTATIONS[case.mutation].description}) breaks {case.rule}")
    if case.raw is not None:
        exchange = api.request("POST", "interactions", content=case.raw, **case.key_argument())
    else:
        assert case.body is not None
        exchange = api.create(case.body, **case.key_argument())
    _sent(exchange)
    status = exchange.response.status
    # ERR-NOT-5XX for a server error (the automatic checks do not know the request is wrong);
    # an acceptance breaks the mutation's own rule, below.
    errors = check_client_error(exchange) if status >= 500 else []
    if errors:
        raise errors[0]
    require(
        case.rule,
        status in case.statuses,
        f"a request with {MUTATIONS[case.mutation].description} was not rejected as documented",
        expected="HTTP "
        + ("4xx" if len(case.statuses) > 2 else " or ".join(map(str, case.statuses))),
        actual=f"HTTP {status}",
        exchange=exchange,
    )
    body = exchange.response.json()
    error = body.get("error") if isinstance(body, dict) else None
    message = str(error.get("message", "")) if isinstance(error, dict) else ""
    require(
        "ERR-MESSAGE-FIELD",
        status != 400 or not case.field or case.field in message,
        "the message of a 400 does not name the offending field",
        expected=f"a message naming {case.field!r}",
        actual=message,
        where="/error/message",
        exchange=exchange,
    )


# -- (c) the lifecycle state machine --------------------------------------------

TERMINAL = frozenset({"completed", "failed", "cancelled", "requires_action"})
LEGAL_STATUSES = TERMINAL | {"in_progress"}
CODE_WORDS = ("K7Q2", "ZB44", "MX19")


@dataclasses.dataclass
class Held:
    """What the server must hold for one interaction, by the rules."""

    ident: str
    stored: bool
    background: bool
    status: str | None  # last known; None for a stream that did not say
    created_at: float  # model seconds on the target's clock (moved only by advance_clock)
    words: tuple[str, ...]  # code words taught along its chain, oldest first
    plain_chain: bool  # every interaction of the chain is a completed foreground one
    taught: str | None = None  # the code word this interaction's own input taught
    ancestors: tuple[str, ...] = ()  # the ids it continues, oldest first
    deleted: bool = False

    def expired(self, now: float, retention: float) -> bool | None:
        """True / False, or None close to the boundary (either answer is then accepted)."""
        age = now - self.created_at
        if abs(age - retention) < _EXPIRY_MARGIN:
            return None
        return age > retention


class Lifecycle(RuleBasedStateMachine):
    """create (stored or not, background, stream), continue, get, delete, cancel, clock."""

    ids = Bundle("ids")

    def __init__(
        self,
        api: Any,
        model: str,
        features: set[str],
        max_output_tokens: int,
        advance: Callable[[float], None] | None = None,
        retention: float = RETENTION_SECONDS["free"],
        retention_rule: str = "RETENTION-FREE",
        nodeid: str = "",
        prefer_background: bool = False,
    ) -> None:
        super().__init__()
        self.prefer_background = prefer_background  # every create in the background (cancel)
        self.nodeid = nodeid
        self.api = api
        self.model = model
        self.features = features
        self.max_output_tokens = max_output_tokens
        self.advance = advance
        self.retention = retention
        self.retention_rule = retention_rule
        self.now = 0.0
        self.held: dict[str, Held] = {}
        self.grammar = grammar_for(api.revision)  # event names differ between revisions

    # -- helpers --

    def _create(self, body: dict[str, Any]) -> tuple[Exchange, dict[str, Any], str | None]:
        body = {**body, "generation_config": {"max_output_tokens": self.max_output_tokens}}
        exchange = _sent(self.api.create(body))
        if exchange.response.is_stream and exchange.response.status == 200:
            payloads = parse_sse(exchange.response.chunks or (exchange.response.body,)).payloads
            start = next(
                (
                    p
                    for p in payloads
                    if isinstance(p, dict) and p.get("event_type") == self.grammar.start_event
                ),
                {},
            )
            interaction = start.get("interaction") if isinstance(start, dict) else None
            ident = interaction.get("id") if isinstance(interaction, dict) else None
            terminal = [
                p
                for p in payloads
                if isinstance(p, dict) and p.get("event_type") == self.grammar.complete_event
            ]
            final = terminal[-1].get("interaction", {}) if terminal else {}
            return (
                exchange,
                {"id": ident, "status": final.get("status") if isinstance(final, dict) else None},
                ident or None,
            )
        out = exchange.response.json()
        out = out if isinstance(out, dict) else {}
        ident = out.get("id")
        return exchange, out, ident if isinstance(ident, str) and ident else None

    def _gone_rule(self, held: Held) -> str:
        if held.deleted:
            return "DELETE-REMOVES"
        if not held.stored:
            return "STORE-FALSE-GET"
        return self.retention_rule

    def _should_exist(self, held: Held) -> bool | None:
        if held.deleted or not held.stored:
            return False
        expired = held.expired(self.now, self.retention)
        return None if expired is None else not expired

    def _prompt(self, teach: str | None, ask: bool) -> str:
        if ask:
            return probes.ask_code_word()
        return probes.remember_code_word(teach) if teach else probes.SHORT_PROMPT

    # -- rules --

    @initialize(target=ids, chain=st.booleans(), teach=st.sampled_from(CODE_WORDS))
    def start(self, chain: bool, teach: str) -> Any:
        """Half the runs begin with a chain of two turns, a code word taught by the first: a
        later question continuing the second is the transitive case (CONV-CHAIN-TRANSITIVE),
        which random steps alone rarely build within a small example budget."""
        _rerun_note(self.nodeid)
        if not chain or self.prefer_background:
            return multiple()
        root = self.create(store=None, background=False, stream=False, teach=teach)
        if not isinstance(root, str):
            return multiple()
        plain = self.continue_(root, ask=False, teach=None, store=None)
        return multiple(root, *([plain] if isinstance(plain, str) else []))

    @rule(
        target=ids,
        store=st.sampled_from([None, True, False]),
        background=st.booleans(),
        stream=st.booleans(),
        teach=st.sampled_from(CODE_WORDS),
    )
    def create(self, store: bool | None, background: bool, stream: bool, teach: str) -> Any:
        background = (
            (background or self.prefer_background)
            and "background" in self.features
            and store is not False
        )
        # A streamed background create returns when the job is done: half of them stream.
        stream = stream and "streaming" in self.features and not (background and teach != "K7Q2")
        body: dict[str, Any] = {"model": self.model, "input": self._prompt(teach, False)}
        if store is not None:
            body["store"] = store
        if background:
            body["background"] = True
        if stream:
            body["stream"] = True
        exchange, out, ident = self._create(body)
        require(
            "STORE-FALSE-ACCEPTED" if store is False else "BASIC-CREATE",
            exchange.response.status == 200,
            "a create of the lifecycle was not accepted",
            expected="HTTP 200",
            actual=f"HTTP {exchange.response.status}",
            exchange=exchange,
        )
        if background and not stream:
            require(
                "BG-MODEL",
                out.get("status") == "in_progress",
                "a background model create did not return in_progress",
                expected="status in_progress",
                actual=out.get("status"),
                where="/status",
                exchange=exchange,
            )
        if ident is None:
            # A stream carries its id in its first event: without one it broke the grammar
            # (STREAM-START-FIRST), which says nothing yet about storing.
            require(
                "STREAM-START-FIRST"
                if stream
                else "STORE-DEFAULT"
                if store is None
                else "BASIC-ID",
                store is False,
                "the stream names no interaction id"
                if stream
                else "a stored interaction came back without an id",
                expected=f"a {self.grammar.start_event} event with an id"
                if stream
                else "a non-empty id",
                actual="<absent>",
                where="event 0 /interaction/id" if stream else "/id",
                exchange=exchange,
            )
            return multiple()
        status = out.get("status") if isinstance(out.get("status"), str) else None
        self.held[ident] = Held(
            ident,
            stored=store is not False,
            background=background,
            status=status,
            created_at=self.now,
            words=(teach,),
            plain_chain=not background and status == "completed",
            taught=teach,
        )
        return ident

    @rule(
        target=ids,
        previous=ids,
        ask=st.booleans(),
        teach=st.sampled_from((None, *CODE_WORDS)),
        store=st.sampled_from([None, False]),
    )
    def continue_(self, previous: str, ask: bool, teach: str | None, store: bool | None) -> Any:
        held = self.held[previous]
        if held.status == "in_progress":
            self._refresh(held)
        body: dict[str, Any] = {
            "model": self.model,
            "input": self._prompt(None if ask else teach, ask),
            "previous_interaction_id": previous,
        }
        if store is not None:
            body["store"] = store
        exchange, _, ident = self._create(body)
        status = exchange.response.status
        exists = self._should_exist(held)
        if exists is False:
            rule_id = (
                "DELETE-BREAKS-CHAIN"
                if held.deleted
                else ("STORE-FALSE-PREVIOUS" if not held.stored else self.retention_rule)
            )
            require(
                rule_id,
                400 <= status < 500,
                "a continuation of an interaction the server must not hold was accepted",
                expected="a 4xx error",
                actual=f"HTTP {status}",
                exchange=exchange,
            )
            return multiple()
        if held.status == "in_progress" and 400 <= status < 500:
            event("continue: previous still running")
            return multiple()  # a running interaction cannot be continued yet
        if exists is None and 400 <= status < 500:
            return multiple()  # at the retention boundary
        body_out = expect_ok("CONV-PREVIOUS-CONTEXT", exchange, what="a continuation")
        expected = held.words[-1]
        direct = held.taught == expected
        # What a deleted or expired interaction further up leaves of the context is undocumented:
        # the word is checked only while the whole chain is still held.
        intact = all(self._should_exist(self.held[a]) is True for a in held.ancestors)
        if ask and held.plain_chain and (direct or intact):
            # Taught by the interaction continued from: CONV-PREVIOUS-CONTEXT; further up the
            # chain: CONV-CHAIN-TRANSITIVE.
            rule_id = "CONV-PREVIOUS-CONTEXT" if direct else "CONV-CHAIN-TRANSITIVE"
            answer = "".join(
                str(o.get("text", ""))
                for o in outputs_of(body_out)
                if isinstance(o, dict) and o.get("type") == "text"
            )
            require(
                rule_id,
                probes.contains_answer(answer, expected),
                "the continuation does not see the code word taught earlier in its chain",
                expected=f"an answer containing {expected}",
                actual=answer,
                where=where_output(body_out),
                exchange=exchange,
            )
        if ident is None:
            return multiple()
        new_status = body_out.get("status") if isinstance(body_out.get("status"), str) else None
        self.held[ident] = Held(
            ident,
            stored=store is not False,
            background=False,
            status=new_status,
            created_at=self.now,
            words=held.words if ask or teach is None else (*held.words, teach),
            plain_chain=held.plain_chain and new_status == "completed",
            taught=None if ask else teach,
            ancestors=(*held.ancestors, held.ident),
        )
        return ident

    def _taught_further_up(self) -> list[str]:
        """Held interactions whose code word was taught further up a chain still held whole."""
        return [
            h.ident
            for h in self.held.values()
            if h.plain_chain
            and h.taught != h.words[-1]
            and all(self._should_exist(self.held[i]) is True for i in (*h.ancestors, h.ident))
        ]

    @precondition(lambda self: bool(self._taught_further_up()))
    @rule(target=ids, data=st.data())
    def ask_up_the_chain(self, data: st.DataObject) -> Any:
        """The question CONV-CHAIN-TRANSITIVE needs; `continue_` asks it only by chance."""
        previous = data.draw(st.sampled_from(self._taught_further_up()), label="previous")
        return self.continue_(previous, ask=True, teach=None, store=None)

    @rule(ident=ids)
    def get(self, ident: str) -> None:
        self._check_one(self.held[ident])

    @rule(ident=consumes(ids))
    def delete(self, ident: str) -> None:
        held = self.held[ident]
        exists = self._should_exist(held)
        exchange = _sent(self.api.delete(ident))
        status = exchange.response.status
        if exists is True:
            require(
                "DELETE-RESPONSE",
                status == 200,
                "DELETE of a stored interaction failed",
                expected="HTTP 200",
                actual=f"HTTP {status}",
                exchange=exchange,
            )
            held.deleted = True
        elif exists is False:
            require(
                "DELETE-UNKNOWN" if not held.deleted else "DELETE-REMOVES",
                status == 404,
                "DELETE of an interaction the server must not hold did not answer 404",
                expected="HTTP 404",
                actual=f"HTTP {status}",
                exchange=exchange,
            )
        elif status == 200:
            held.deleted = True

    @rule(ident=ids)
    def cancel(self, ident: str) -> None:
        if "cancel" not in self.features:
            return
        held = self.held[ident]
        exists = self._should_exist(held)
        exchange = _sent(self.api.cancel(ident))
        status = exchange.response.status
        if exists is False:
            require(
                "CANCEL-UNKNOWN",
                status == 404,
                "cancel of an interaction the server must not hold did not answer 404",
                expected="HTTP 404",
                actual=f"HTTP {status}",
                exchange=exchange,
            )
            return
        if exists is None:
            return
        if held.background and held.status == "in_progress" and status == 200:
            out = exchange.response.json() or {}
            require(
                "CANCEL-RUNNING",
                out.get("status") == "cancelled",
                "cancelling a running background interaction did not cancel it",
                expected="status cancelled",
                actual=out.get("status"),
                where="/status",
                exchange=exchange,
            )
            held.status = "cancelled"
            return
        if held.background and held.status == "in_progress":
            # It may have finished between our last look and the cancel: then 400, and terminal.
            require(
                "CANCEL-NOT-RUNNING",
                status == 400,
                "cancel of a background interaction neither cancelled nor was refused",
                expected="HTTP 200 (cancelled) or 400 (already finished)",
                actual=f"HTTP {status}",
                exchange=exchange,
            )
            self._refresh(held)
            return
        require(
            "CANCEL-NOT-RUNNING",
            status == 400,
            "cancel of an interaction that is not a running background one was not refused",
            expected="HTTP 400",
            actual=f"HTTP {status}",
            exchange=exchange,
        )

    @rule(seconds=st.sampled_from([2 * 3600.0, 20 * 3600.0, 26 * 3600.0]))
    def advance_clock(self, seconds: float) -> None:
        if self.advance is None:
            return
        self.advance(seconds)
        self.now += seconds
        event(f"clock +{seconds / 3600:.0f} h")

    # -- the invariant --

    @invariant()
    def server_holds_what_the_model_says(self) -> None:
        for held in list(self.held.values())[-6:]:
            self._check_one(held)

    def _refresh(self, held: Held) -> None:
        self._check_one(held)

    def _check_one(self, held: Held) -> None:
        exists = self._should_exist(held)
        if exists is None:
            return
        exchange = _sent(self.api.get(held.ident))
        status = exchange.response.status
        if not exists:
            require(
                self._gone_rule(held),
                status == 404,
                "the server still holds an interaction it must not",
                expected="HTTP 404",
                actual=f"HTTP {status}",
                exchange=exchange,
            )
            return
        if status == 404:
            expired_rule = (
                self.retention_rule
                if self.now > 0
                else ("STORE-DEFAULT" if held.stored else "CONV-GET")
            )
            require(
                expired_rule,
                False,
                "a stored interaction is gone before its retention ended",
                expected=f"HTTP 200 (age {self.now - held.created_at:.0f} s of {self.retention:.0f} s)",
                actual="HTTP 404",
                exchange=exchange,
            )
        out = expect_ok("CONV-GET", exchange, what="a GET of a stored interaction")
        new = out.get("status")
        require(
            "CONV-GET",
            out.get("id") == held.ident and new in LEGAL_STATUSES,
            "GET returned another interaction or an unknown status",
            expected=f"id {held.ident} with a documented status",
            actual={"id": out.get("id"), "status": new},
            exchange=exchange,
        )
        if held.status in TERMINAL:
            require(
                "CANCEL-STICKY" if held.status == "cancelled" else "CONV-GET",
                new == held.status,
                "a terminal status changed",
                expected=held.status,
                actual=new,
                where="/status",
                exchange=exchange,
            )
        if held.status == "cancelled":
            require(
                "CANCEL-STICKY",
                not outputs_of(out),
                "a cancelled interaction gained outputs",
                expected="no outputs",
                actual=outputs_of(out),
                where=where_output(out),
                exchange=exchange,
            )
        held.status = new if isinstance(new, str) else held.status


def _run_lifecycle(api: Any, conformance: Any, nodeid: str, **extra: Any) -> None:
    def factory() -> Lifecycle:
        return Lifecycle(
            api,
            conformance.profile.model(),
            _features(conformance),
            max(16, min(conformance.profile.max_output_tokens, 64)),
            nodeid=nodeid,
            **extra,
        )

    # A factory is documented ("state_machine_factory"); the stubs say a class.
    # At most 10 steps a run (the profile may ask for fewer: live spends little).
    current = settings.default
    steps = min(10, current.stateful_step_count if current is not None else 10)
    run_state_machine_as_test(factory, settings=settings(GENERATED, stateful_step_count=steps))  # type: ignore[arg-type]


LIFECYCLE_RULES = (
    "STORE-DEFAULT",
    "STORE-FALSE-ACCEPTED",
    "STORE-FALSE-GET",
    "CONV-GET",
    "CONV-PREVIOUS-CONTEXT",
    "CONV-CHAIN-TRANSITIVE",
    "DELETE-REMOVES",
    "DELETE-RESPONSE",
    "DELETE-UNKNOWN",
    "DELETE-BREAKS-CHAIN",
)


@pytest.mark.storage
@pytest.mark.rule(*LIFECYCLE_RULES)
def test_lifecycle_state_machine(
    api: Any, conformance: Any, request: pytest.FixtureRequest
) -> None:
    _run_lifecycle(api, conformance, request.node.nodeid)


@pytest.mark.storage
@pytest.mark.rule("BG-MODEL", "CANCEL-RUNNING", "CANCEL-STICKY", "CANCEL-NOT-RUNNING")
@pytest.mark.feature("background", "cancel")
def test_lifecycle_with_background_and_cancel(
    api: Any, conformance: Any, request: pytest.FixtureRequest
) -> None:
    _run_lifecycle(api, conformance, request.node.nodeid, prefer_background=True)


@pytest.mark.storage
@pytest.mark.rule("RETENTION-FREE")
@pytest.mark.feature("test_control")
def test_lifecycle_with_retention(
    api: Any,
    conformance: Any,
    clock: Callable[[float], None],
    tier: Callable[[str], None],
    request: pytest.FixtureRequest,
) -> None:
    tier("free")
    _run_lifecycle(
        api,
        conformance,
        request.node.nodeid,
        advance=clock,
        retention=RETENTION_SECONDS["free"],
        retention_rule="RETENTION-FREE",
    )
