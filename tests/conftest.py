"""Fixtures shared by the project's own tests (plain helpers live in `_support`)."""

from __future__ import annotations

from pathlib import Path

# httpx imports httpcore lazily, on the first request, and keeps httpcore's exception classes
# in a module-level map. pytester (tests/test_cassette_replay.py, test_plugin.py) removes every
# module first imported during its test: were that the first request, every later test would
# get a second httpcore whose errors httpx no longer maps (a raw httpcore.ConnectError escapes
# `except httpx.HTTPError`). Importing it here, before any test, keeps one httpcore.
import httpcore  # noqa: F401
import pytest

from _support import GUIDE, SHARED
from interactions_conformance import Revision, load_revision


@pytest.fixture(scope="session")
def revision() -> Revision:
    return load_revision("2025-12")


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(
            f"../shared is absent (looked for {SHARED}): recorded traffic and guide tests need it"
        )
    return SHARED


@pytest.fixture(scope="session")
def guide_text(shared_dir: Path) -> str:
    if not GUIDE.is_file():
        pytest.skip(f"the guide is absent from ../shared (looked for {GUIDE})")
    return GUIDE.read_text("utf-8")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test parametrized over recorded traffic gets no parameters when ../shared is absent;
    its skip then says what is missing instead of pytest's "got empty parameter set"."""
    if SHARED.is_dir():
        return
    for item in items:
        reasons = [str(m.kwargs.get("reason", "")) for m in item.iter_markers("skip")]
        if any(r.startswith("got empty parameter set") for r in reasons):
            item.add_marker(
                pytest.mark.skip(
                    reason=f"needs ../shared (looked for {SHARED}): its recorded traffic "
                    "parametrizes this test"
                ),
                append=False,
            )
