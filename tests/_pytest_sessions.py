"""Run several pytest sessions one after the other in this one process.

``python tests/_pytest_sessions.py PLAN.json``: the plan is a list of
``{"dir": folder, "args": [pytest arguments]}``; each session runs with its
folder as working directory, its terminal output goes to ``folder/output.txt``
and its exit code to ``folder/exit``. Start-up (Python, pytest, the package,
the spec) is paid once instead of once a session: tests/test_generated_faults.py
runs some forty short sessions this way, each against its own emulator.

Nothing from the project is imported here before the first session, so pytest
rewrites the plugin's asserts as in a plain ``pytest`` run.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path

import pytest


def main(plan_path: str) -> int:
    plan = json.loads(Path(plan_path).read_text("utf-8"))
    for run in plan:
        folder = Path(run["dir"])
        folder.mkdir(parents=True, exist_ok=True)
        os.chdir(folder)
        with (
            (folder / "output.txt").open("w", encoding="utf-8") as out,
            contextlib.redirect_stdout(out),
        ):
            code = pytest.main(list(run["args"]))
        (folder / "exit").write_text(str(int(code)), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
