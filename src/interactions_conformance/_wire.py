"""How each revision spells the same conversation on the wire.

The checks, the suites and the emulator's engine think in one shape: the 2025-12 one
(``outputs`` of content blocks, turns, ``content.*`` events). Revision 2026-05 says the same
things as ``steps``. This module is the one place that knows both spellings; everything
revision-specific about *order* (event grammar, statuses) is in ``checks/_grammar.py``.

A view never loses where a block came from: ``output_blocks`` yields the JSON pointer of each
block in the body as it was sent, so a violation found on the view points at the wire.
"""

from __future__ import annotations

from typing import Any

__all__ = ["INPUT_STEP_TYPES", "output_blocks", "outputs_of"]

# Steps that carry the request's input, not generated output (POST-STEPS-NO-INPUT, G7 era 2026-05).
INPUT_STEP_TYPES = frozenset({"user_input"})


def output_blocks(body: Any) -> list[tuple[str, dict[str, Any]]]:
    """``(pointer, block)`` for each generated output of an Interaction of either revision.

    2025-12: each item of ``outputs``. 2026-05: each item of a ``model_output`` step's
    ``content``, and every other step (thought, tool calls and results) as one block; input
    steps are skipped. Items that are not objects are left out: the schema reports them.
    """
    if not isinstance(body, dict):
        return []
    steps = body.get("steps")
    if isinstance(steps, list):
        blocks: list[tuple[str, dict[str, Any]]] = []
        for i, step in enumerate(steps):
            if not isinstance(step, dict) or step.get("type") in INPUT_STEP_TYPES:
                continue
            if step.get("type") == "model_output":
                content = step.get("content")
                if isinstance(content, list):
                    blocks.extend(
                        (f"/steps/{i}/content/{j}", item)
                        for j, item in enumerate(content)
                        if isinstance(item, dict)
                    )
            else:
                blocks.append((f"/steps/{i}", step))
        return blocks
    outputs = body.get("outputs")
    if isinstance(outputs, list):
        return [(f"/outputs/{i}", o) for i, o in enumerate(outputs) if isinstance(o, dict)]
    return []


def outputs_of(body: Any) -> list[dict[str, Any]]:
    """The output blocks alone, in order (the guide's ``interaction.outputs``)."""
    return [block for _, block in output_blocks(body)]
