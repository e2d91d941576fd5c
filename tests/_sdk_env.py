"""A second virtual environment with another google-genai, shared by the tests that need it.

The project's dev install pins google-genai 1.55.0 (the Dec 2025 guide's SDK); tests of today's
SDK need 3.x beside it. ``sdk_python("3.6.1")`` returns the python of a venv under
``~/.cache/interactions-conformance/sdk-<version>`` holding ``google-genai==<version>``, making it
on first use. An ``fcntl`` lock beside it lets concurrent test processes (xdist workers, other
engineers' tests) share one venv: the first builds it, the others wait, and a half-built venv is
never used (a marker file is written last).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

__all__ = ["SdkEnvUnavailable", "sdk_python"]

CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "interactions-conformance"


class SdkEnvUnavailable(Exception):
    """The venv cannot be made (PyPI unreachable, the version does not exist); tests skip."""


def sdk_python(version: str) -> Path:
    """The python of a cached venv with ``google-genai==version``, created if missing."""
    home = CACHE / f"sdk-{version}"
    python = home / "bin" / "python"
    ready = home / ".ready"
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"sdk-{version}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if ready.is_file() and python.is_file():
            return python
        shutil.rmtree(home, ignore_errors=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(home)
        done = subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                f"google-genai=={version}",
            ],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if done.returncode != 0:
            shutil.rmtree(home, ignore_errors=True)
            tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise SdkEnvUnavailable(f"pip install google-genai=={version} failed: {tail}")
        ready.write_text(f"google-genai=={version} for {sys.version.split()[0]}\n")
        return python
