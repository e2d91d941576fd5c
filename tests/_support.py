"""Paths and loaders shared by the project's own tests (imported as `_support`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
REAL_TRAFFIC = SHARED / "real-traffic"
GUIDE = SHARED / "guide" / "000_09c92481357c7f06.txt"


def real_traffic_files(prefix: str) -> list[Path]:
    """The recorded payloads whose name starts with ``prefix`` (empty when ../shared is absent)."""
    if not REAL_TRAFFIC.is_dir():
        return []
    return sorted(REAL_TRAFFIC.glob(f"{prefix}*.json"))


def load_recording(path: Path) -> tuple[dict[str, Any], Any]:
    """(_meta, payload) of one recorded file."""
    data = json.loads(path.read_text("utf-8"))
    return data["_meta"], data["payload"]
