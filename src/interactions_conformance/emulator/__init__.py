"""The reference emulator: the documented behaviour of the Interactions API as a real server.

A Starlette app (``create_app``) over SQLite storage, a deterministic probe
model, an injectable clock and named fault modes (``FAULTS``). The suites
start it with ``running_emulator(...)``, which serves it with uvicorn on a
free loopback port in a background thread::

    with running_emulator(faults=("stream-no-start",)) as base_url:
        httpx.post(f"{base_url}/v1/interactions", ...)  # or /v1beta: the same API

From the shell: ``interactions-conformance serve [--port 0] [--fault NAME] [--revision R]``.
A request without an ``Api-Revision`` header (today's SDKs send none) is answered in the
newest revision, or ``revision=`` / ``--revision``; ``Api-Revision: 2026-05-20`` (or a later
date) asks for 2026-05, ``2026-05-07`` for 2025-12 (``_wire.revision_for_header``).
The default API keys are ``emulator-key`` and ``emulator-key-2``. Hostile input gets a 400
in the documented error body (``Limits``: body size and read time, nesting; ``_limits.py``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

from ._app import DEFAULT_API_KEYS, RETENTION_SECONDS, EmulatorConfig, create_app
from ._clock import Clock
from ._faults import FAULTS, Fault, UnknownFaultError
from ._limits import Limits, server_protocol

__all__ = [
    "DEFAULT_API_KEYS",
    "FAULTS",
    "RETENTION_SECONDS",
    "Clock",
    "EmulatorConfig",
    "Fault",
    "Limits",
    "UnknownFaultError",
    "create_app",
    "running_emulator",
]


@contextlib.contextmanager
def running_emulator(
    config: EmulatorConfig | None = None,
    *,
    clock: Clock | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    startup_timeout: float = 10.0,
    **fields: Any,
) -> Iterator[str]:
    """Serve an emulator in a thread; yield its base URL (``http://127.0.0.1:PORT``).

    ``fields`` override ``config`` field by field (``faults=...``,
    ``api_keys=...``, ``tier=...``, ``test_control=...``, ``db_path=...``,
    ``revision=...``);
    ``faults`` and ``api_keys`` may be any iterable of strings.
    """
    import uvicorn  # the server only when one is started

    for name in ("faults", "api_keys"):
        if name in fields:
            fields[name] = tuple(fields[name])
    config = dataclasses.replace(config or EmulatorConfig(), **fields)
    app = create_app(config, clock=clock)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # accepted sockets inherit it
    sock.bind((host, port))
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            log_level="warning",
            lifespan="on",
            timeout_graceful_shutdown=1,
            http=server_protocol(config.limits),  # a late request head closes (_limits)
        )
    )
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="interactions-emulator", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError(f"the emulator did not start within {startup_timeout} s")
        time.sleep(0.01)
    bound = sock.getsockname()
    try:
        yield f"http://{bound[0]}:{bound[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()
        app.state.emulator.store.close()
