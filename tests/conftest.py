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
