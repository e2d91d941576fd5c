"""Keys out of console output: what pytest and Hypothesis print passes through `scrub_text`.

The plugin registers the run's secrets (`_secrets.register_secret`: its keys, secret-looking
``--header`` values); this module scrubs every test report (the traceback, Hypothesis's
falsifying-example block, captured output: what the terminal, ``-rA`` and JUnit XML show) and
every line the terminal writer prints, so a repr that holds a key cannot leak it.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from ._secrets import register_secret, scrub_text

__all__ = ["SECRET_HEADER_NAME", "register_run_secrets", "scrub_report", "scrub_terminal"]

# Header names whose values are credentials (a gateway's own auth), never printed.
SECRET_HEADER_NAME = re.compile(r"auth|token|key|secret|cookie|session|password|signature", re.I)


def register_run_secrets(keys: tuple[str | None, ...], headers: dict[str, str]) -> None:
    for key in keys:
        if key:
            register_secret(key)
    for name, value in headers.items():
        if SECRET_HEADER_NAME.search(name):
            register_secret(value, f"${name.upper().replace('-', '_')}")


def scrub_report(report: pytest.TestReport) -> None:
    """Replace the report's traceback and sections by their scrubbed text (only when needed)."""
    if report.longrepr is not None:
        text = str(report.longreprtext) if not isinstance(report.longrepr, tuple) else ""
        if text and scrub_text(text) != text:
            report.longrepr = scrub_text(text)
        elif isinstance(report.longrepr, tuple):
            path, line, message = report.longrepr
            report.longrepr = (path, line, scrub_text(str(message)))
    report.sections = [(title, scrub_text(body)) for title, body in report.sections]
    report.user_properties = [
        (name, scrub_text(value) if isinstance(value, str) else value)
        for name, value in report.user_properties
    ]


def scrub_terminal(config: pytest.Config) -> None:
    """Every write of the terminal writer goes through `scrub_text`."""
    reporter: Any = config.pluginmanager.get_plugin("terminalreporter")
    writer = getattr(reporter, "_tw", None)
    if writer is None or getattr(writer, "_conformance_scrubbed", False):
        return
    write = writer.write

    def scrubbed(msg: str, **kwargs: Any) -> None:
        write(scrub_text(msg), **kwargs)

    writer.write = scrubbed
    writer._conformance_scrubbed = True
