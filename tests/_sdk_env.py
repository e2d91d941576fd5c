"""The official SDKs of another version than the project's venv holds, each in its own cached env.

The project's venv pins google-genai 1.55.0 (the Dec 2025 guide's SDK, ``tests/test_emulator_sdk.py``);
today's SDK cannot live beside it, so ``sdk_python(version)`` makes a second venv once, under
``~/.cache/interactions-conformance/sdk-<version>`` (``$INTERACTIONS_CONFORMANCE_CACHE`` moves the
cache; else ``$XDG_CACHE_HOME``), and returns its python. ``js_genai(version)`` does the same for
@google/genai with npm. A file lock keeps parallel test workers (pytest-xdist) from building the
same env twice; an env is used only once its ``.ready`` marker exists (written last), so an
interrupted install is redone, never reused. Either raises ``SdkEnvUnavailable`` with the reason
(no network, no npm): tests skip with it. Same names, paths and marker as the spec-2026-11
branch's version of this file, so the two share one cached venv.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import venv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["SdkEnvError", "SdkEnvUnavailable", "cache_root", "js_genai", "sdk_python"]

_INSTALL_TIMEOUT = 900  # seconds: a cold pip or npm install on a loaded 2-core machine


class SdkEnvUnavailable(Exception):
    """The SDK environment cannot be made here (the message says why); tests skip."""


SdkEnvError = SdkEnvUnavailable  # the name this branch used first


def cache_root() -> Path:
    configured = os.environ.get("INTERACTIONS_CONFORMANCE_CACHE")
    if configured:
        return Path(configured)
    return (
        Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "interactions-conformance"
    )


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run(command: list[str], what: str, cwd: Path | None = None) -> None:
    try:
        done = subprocess.run(
            command, cwd=cwd, capture_output=True, text=True, timeout=_INSTALL_TIMEOUT
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SdkEnvUnavailable(f"{what} failed: {exc}") from exc
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise SdkEnvUnavailable(f"{what} failed (exit {done.returncode}): {' | '.join(tail)}")


def sdk_python(version: str) -> Path:
    """The python of a cached venv holding ``google-genai==version`` (made on first use)."""
    home = cache_root() / f"sdk-{version}"
    python = home / "bin" / "python"
    marker = home / ".ready"
    with _locked(cache_root() / f"sdk-{version}.lock"):
        if marker.is_file() and python.exists():
            return python
        shutil.rmtree(home, ignore_errors=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(home)
        _run(
            [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
             f"google-genai=={version}"],
            f"pip install google-genai=={version} into {home}",
        )  # fmt: skip
        marker.write_text(f"google-genai=={version}\n{sys.version}\n")
    return python


def js_genai(version: str) -> Path:
    """A cached folder with ``node_modules/@google/genai`` at ``version`` (made on first use);
    scripts run with ``node`` and ``NODE_PATH=<folder>/node_modules``."""
    npm = shutil.which("npm")
    if shutil.which("node") is None or npm is None:
        raise SdkEnvUnavailable("node and npm are needed for the JS SDK tests; neither is on PATH")
    home = cache_root() / f"js-genai-{version}"
    marker = home / ".ready"
    with _locked(cache_root() / f"js-genai-{version}.lock"):
        if marker.is_file() and (home / "node_modules" / "@google" / "genai").is_dir():
            return home
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
        (home / "package.json").write_text('{"name": "ic-js-genai", "private": true}\n')
        _run(
            [npm, "install", "--no-audit", "--no-fund", "--silent", f"@google/genai@{version}"],
            f"npm install @google/genai@{version} into {home}",
            cwd=home,
        )
        marker.write_text(f"@google/genai@{version}\n")
    return home
