"""The one-pass checks (issue 17) give exactly the verdicts the checks gave before them.

`tests/one_pass_verdicts.json` was written by the checks as they were before the rewrite
(each check walking the outputs or events again); `_one_pass_verdicts.verdicts` runs the same
calls with today's checks: every recording in ../shared/real-traffic and 30 seeded variants
of each (values replaced, removed, repeated), under every revision, through `check_exchange`,
`check_stream_grammar` (whole and resumed), `reassemble_outputs` and the interaction checks.
Same rules, same places, same messages, same drift, in the same order (a digest of them all,
and the rule and place of each violation of the unchanged recording). The few variants the
checks before crashed on (a dict call_id) are left out of the comparison; today none may
crash. Skipped, with the reason, when ../shared is absent.
"""

from __future__ import annotations

import json
import types
from pathlib import Path

import pytest

from _one_pass_verdicts import verdicts
from _support import REAL_TRAFFIC, real_traffic_files
from interactions_conformance import _sources, available_revisions, checks

GOLDEN = json.loads((Path(__file__).parent / "one_pass_verdicts.json").read_text("utf-8"))
FILES = real_traffic_files("")
TODAY = types.SimpleNamespace(checks=checks, sources=_sources)

pytestmark = pytest.mark.skipif(
    not FILES, reason=f"no recorded traffic at {REAL_TRAFFIC} (../shared/real-traffic is absent)"
)


def test_every_recording_and_revision_has_its_verdict() -> None:
    wanted = {f"{p.name} {r}" for p in FILES for r in available_revisions()}
    assert wanted == set(GOLDEN), "a recording or a revision is new: record its verdicts"


@pytest.mark.parametrize("revision", available_revisions())
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_the_verdicts_are_those_of_the_checks_before(path: Path, revision: str) -> None:
    before = GOLDEN[f"{path.name} {revision}"]
    now = verdicts(path, revision, TODAY, skip=before["raised"])
    assert now["raised"] == [], f"{path.name} under {revision}: a check raised on a variant"
    assert now["violations"] == before["violations"], (
        f"{path.name} under {revision}: the violations (rule, where) changed"
    )
    assert now["digest"] == before["digest"], (
        f"{path.name} under {revision}: a finding on the recording or one of its variants "
        "changed (reproduce: _one_pass_verdicts.verdicts with both packages, compare the lines)"
    )
