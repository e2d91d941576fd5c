"""Helpers the conformance suites share: reading an Interaction the way the guide does.

They read either revision: ``outputs_of`` gives the output blocks of a 2025-12 ``outputs``
list or of 2026-05 ``steps`` alike (``_wire.output_blocks``), so a scenario is written once.
"""

from __future__ import annotations

from typing import Any

from ._assertions import require
from ._wire import output_blocks, outputs_of

__all__ = [
    "final_text",
    "interaction_id",
    "output_blocks",
    "output_pointers",
    "outputs_of",
    "texts",
    "where_output",
]


def output_pointers(body: Any) -> list[str]:
    """Where each output block is in the body as sent (``/outputs/2``, ``/steps/1/content/0``)."""
    return [pointer for pointer, _ in output_blocks(body)]


def where_output(body: Any, index: int | None = None) -> str:
    """The pointer of output ``index`` (``None``: the whole list) in either revision's body."""
    pointers = output_pointers(body)
    if index is not None and pointers and -len(pointers) <= index < len(pointers):
        return pointers[index]
    return "/steps" if isinstance(body, dict) and "steps" in body else "/outputs"


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


# Terminal in either revision (2026-05 adds incomplete and budget_exceeded; queued is not).
TERMINAL = frozenset(
    {"completed", "failed", "cancelled", "requires_action", "incomplete", "budget_exceeded"}
)


def wait_until_done(
    api: Any, ident: str, *, timeout: float = 600.0, interval: float = 0.2
) -> dict[str, Any]:
    """Poll GET until the interaction leaves in_progress (G8); fail AGENT-POLL-TERMINAL on timeout."""
    import time

    deadline = time.monotonic() + timeout
    delay = interval
    while True:
        exchange = api.get(ident)
        body = exchange.response.json()
        status = body.get("status") if isinstance(body, dict) else None
        if exchange.response.status != 200 or status in TERMINAL:
            require(
                "AGENT-POLL-TERMINAL",
                exchange.response.status == 200,
                "polling a background interaction failed",
                expected="HTTP 200",
                actual=f"HTTP {exchange.response.status}",
                exchange=exchange,
            )
            return body  # type: ignore[no-any-return]
        require(
            "AGENT-POLL-TERMINAL",
            time.monotonic() < deadline,
            f"the interaction is still {status} after {timeout:.0f} s of polling",
            expected="completed, failed or cancelled",
            actual=status,
            where="/status",
            exchange=exchange,
        )
        time.sleep(delay)
        delay = min(delay * 1.5, 10.0)
