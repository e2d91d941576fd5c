"""`interactions-conformance audit`: the revision against google-genai's Interactions types.

The comparison is tested on crafted SDK dumps (no SDK needed); one test pins google-genai 3.6.1
in a second venv (tests/_sdk_env.py) and asserts that revision 2026-11 has 0 unexplained items.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from _sdk_env import SdkEnvUnavailable, sdk_python
from interactions_conformance._audit import ALLOW_FILE, audit, read_allow
from interactions_conformance._cli import main
from interactions_conformance._spec import load_revision

SDK_VERSION = "3.6.1"


def _literal(*values: str, open_: bool = True) -> dict[str, Any]:
    return {"kind": "literal", "values": list(values), "open": open_}


def _field(t: dict[str, Any], *, required: bool = False) -> dict[str, Any]:
    return {"type": t, "required": required, "deprecated": False, "sdk_only": False}


def _tiny_sdk() -> dict[str, Any]:
    """An SDK whose Interaction has a status, a usage and a field the revision lacks."""
    return {
        "version": "9.9.9",
        "python": "test",
        "roots": {"Interaction": {"kind": "model", "name": "Interaction"}},
        "models": {
            "Interaction": {
                "module": "interaction.py",
                "fields": {
                    "status": _field(_literal("completed", "in_progress", "teleported")),
                    "brand_new": _field({"kind": "scalar", "name": "str"}),
                    "usage": _field({"kind": "model", "name": "Usage"}),
                },
            },
            "Usage": {
                "module": "usage.py",
                "fields": {"total_tokens": _field({"kind": "scalar", "name": "int"})},
            },
        },
    }


def test_each_kind_of_difference_is_listed_with_sdk_type_and_hint() -> None:
    result = audit(_tiny_sdk(), load_revision("2026-11"))
    keys = {i.key for i in result.items}
    assert "missing-field Interaction.brand_new" in keys
    assert "missing-value Interaction.status=teleported" in keys
    assert "extra-field Interaction.steps" in keys  # the revision has it, this SDK not
    assert "extra-value Interaction.status=queued" in keys
    item = next(i for i in result.items if i.key == "missing-field Interaction.brand_new")
    assert item.sdk.startswith("interaction.py Interaction.brand_new")
    assert "interaction.json" in item.spec
    assert "add 'brand_new'" in item.hint


def test_an_allow_entry_explains_a_difference_and_an_unused_one_is_reported(
    tmp_path: Path,
) -> None:
    allow = tmp_path / ALLOW_FILE
    allow.write_text(
        "missing-field Interaction.brand_new  # a reason\n"
        "missing-field Interaction.never_there  # explains nothing\n"
        "missing-value Interaction.status=teleported\n"  # no reason: malformed
    )
    entries, bad = read_allow(allow)
    assert [e.pattern for e in entries] == ["Interaction.brand_new", "Interaction.never_there"]
    assert [b.kind for b in bad] == ["allow-malformed"]
    result = audit(_tiny_sdk(), load_revision("2026-11"), entries)
    allowed = [i for i in result.items if i.allowed_by]
    assert [i.key for i in allowed] == ["missing-field Interaction.brand_new"]
    assert [p.kind for p in result.problems] == ["unused-allow"]
    assert "line 2" in result.problems[0].spec


def test_sdk_side_fields_are_skipped_not_reported() -> None:
    sdk = _tiny_sdk()
    sdk["models"]["Interaction"]["fields"]["output_text"] = dict(
        _field({"kind": "scalar", "name": "str"}), sdk_only=True
    )
    result = audit(sdk, load_revision("2026-11"))
    assert result.sdk_only == ["Interaction.output_text"]
    assert not any("output_text" in i.key for i in result.items)


def test_a_missing_variant_is_reported_once_per_sdk_type() -> None:
    sdk = _tiny_sdk()
    sdk["models"]["Interaction"]["fields"]["steps"] = _field(
        {
            "kind": "list",
            "of": {
                "kind": "union",
                "of": [{"kind": "model", "name": "WarpStep"}],
                "discriminator": "type",
                "variants": {"warp": "WarpStep"},
            },
        }
    )
    sdk["models"]["WarpStep"] = {
        "module": "warpstep.py",
        "fields": {"type": _field(_literal("warp"))},
    }
    result = audit(sdk, load_revision("2026-11"))
    missing = [i for i in result.items if i.kind == "missing-variant"]
    assert [i.name for i in missing] == ["WarpStep"]
    # the revision's 23 step types are branches this SDK lacks
    assert sum(1 for i in result.items if i.kind == "extra-variant") == 23


def test_without_the_interactions_types_the_error_is_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The project's own venv pins google-genai 1.55.0, which predates _gaos/types/interactions.
    code = main(["audit", "--revision", "2026-11"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1, err
    assert "google-genai" in err, err


def test_an_unknown_revision_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--revision", "1999-01"]) == 2
    assert "unknown revision" in capsys.readouterr().err


def test_an_interpreter_that_does_not_run_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["audit", "--python", str(tmp_path / "no-python")]) == 2
    assert "cannot run" in capsys.readouterr().err


def test_the_walker_imports_nothing_of_the_project() -> None:
    # It runs in the SDK's interpreter, where this project is not installed.
    import ast

    walker = Path(__file__).parents[1] / "src/interactions_conformance/_audit_walk.py"
    for node in ast.walk(ast.parse(walker.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0, ast.dump(node)
            assert not (node.module or "").startswith("interactions_conformance"), ast.dump(node)
        elif isinstance(node, ast.Import):
            assert not any(a.name.startswith("interactions_conformance") for a in node.names)


def test_the_allow_file_is_short_and_every_line_has_a_reason() -> None:
    path = load_revision("2026-11").folder / ALLOW_FILE
    entries, bad = read_allow(path)
    assert not bad, [b.hint for b in bad]
    assert 0 < len(entries) <= 12, f"{len(entries)} entries: keep the allow file short"
    for entry in entries:
        assert len(entry.reason) >= 20, f"line {entry.line}: give the reason, not a word"


@pytest.fixture(scope="module")
def sdk361() -> Path:
    try:
        return sdk_python(SDK_VERSION)
    except SdkEnvUnavailable as exc:
        pytest.skip(f"google-genai {SDK_VERSION} cannot be installed (PyPI unreachable?): {exc}")


def test_google_genai_3_6_1_leaves_nothing_unexplained_in_2026_11(sdk361: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "interactions_conformance._cli",
            "audit",
            "--revision",
            "2026-11",
            "--python",
            str(sdk361),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    report = json.loads(done.stdout)
    assert report["sdk_version"] == SDK_VERSION
    unexplained = [i["key"] for i in report["items"] if not i["allowed_by"]]
    assert done.returncode == 0, unexplained
    assert report["unexplained"] == 0, (
        "google-genai 3.6.1 differs from spec/2026-11 where audit-allow.txt says nothing: "
        f"{unexplained}; reproduce: interactions-conformance audit --python {sdk361}"
    )
    assert report["fields"]["walked"] > 500  # the walk reached the whole surface
    excluded = (load_revision("2026-11").folder / "EXCLUDED.md").read_text("utf-8")
    unsaid = [name for name in report["not_compared"] if f"`{name}`" not in excluded]
    assert not unsaid, f"SDK types the audit cannot compare, not explained in EXCLUDED.md: {unsaid}"


def test_the_same_sdk_finds_the_gaps_of_2026_05(sdk361: Path) -> None:
    # The audit can fail: 2026-05 (written from SDK 2.5.0) lacks what 3.6.1 added.
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "interactions_conformance._cli",
            "audit",
            "--revision",
            "2026-05",
            "--python",
            str(sdk361),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    keys = {i["key"] for i in json.loads(done.stdout)["items"]}
    assert "missing-value Interaction.service_tier=deferred" in keys
    assert "missing-field Interaction.errors" in keys
    assert "extra-field Interaction|InteractionSseEventInteraction.role" in keys


def test_the_walker_dump_is_stable_json(sdk361: Path) -> None:
    walker = Path(__file__).parents[1] / "src/interactions_conformance/_audit_walk.py"
    done = subprocess.run(
        [str(sdk361), str(walker)], capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    status = data["models"]["Interaction"]["fields"]["status"]["type"]
    assert status["open"]
    assert "requires_continuation" in status["values"]
    assert data["models"]["Interaction"]["fields"]["output_text"]["sdk_only"]
    assert data["version"] == SDK_VERSION
