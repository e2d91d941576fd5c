"""Helpers the conformance suites share: reading an Interaction the way the guide does."""

from __future__ import annotations

from typing import Any

from ._assertions import require

__all__ = ["final_text", "interaction_id", "outputs_of", "texts"]


def outputs_of(body: Any) -> list[dict[str, Any]]:
    outputs = body.get("outputs") if isinstance(body, dict) else None
    return [o for o in outputs if isinstance(o, dict)] if isinstance(outputs, list) else []


def final_text(body: Any) -> str:
    """The text of the last output (the guide's ``outputs[-1].text``), or ``""``."""
    outputs = outputs_of(body)
    if outputs and outputs[-1].get("type") == "text":
        text = outputs[-1].get("text")
        return text if isinstance(text, str) else ""
    return ""


def texts(body: Any) -> str:
    """All text outputs joined: for tools, where the guide filters on type == "text" (G11)."""
    return "".join(str(o.get("text", "")) for o in outputs_of(body) if o.get("type") == "text")


def interaction_id(rule: str, body: Any, exchange: Any = None) -> str:
    """The id of a stored interaction, failing ``rule`` when there is none."""
    value = body.get("id") if isinstance(body, dict) else None
    require(
        rule,
        isinstance(value, str) and value != "",
        "a stored interaction has no id to refer to",
        expected="a non-empty string id",
        actual=value if value is not None else "<absent>",
        where="/id",
        exchange=exchange,
    )
    return str(value)
