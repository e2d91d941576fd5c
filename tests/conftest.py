"""Fixtures shared by the project's own tests (plain helpers live in `_support`)."""

from __future__ import annotations

from pathlib import Path

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
