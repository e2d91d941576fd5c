"""`interactions-conformance proxy`: a validating proxy in front of any endpoint.

Point any client (the official SDK, curl, your application) at the proxy
instead of the API; the proxy forwards everything unchanged to ``--upstream``
and prints each violation as it passes, one line, the rule id first. The URL
is printed once the socket listens. Stop it with Ctrl-C (or SIGTERM): it
prints a summary and exits

* 0: every exchange clean (or not checked for a documented reason: too large);
* 1: a violation, or an upstream error (unreachable, reset, truncated body,
  timeout, a status HTTP does not define), was seen;
* 2: usage error (bad option, unknown revision, the port is taken);
* 3: no violation, but the proxy failed to check an exchange (``checker_error``
  in the log).

The limits, log and recording formats are described in `_proxy`.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from pathlib import Path
from types import FrameType

from ._spec import DEFAULT_REVISION, SpecError

__all__ = ["add_arguments", "run"]

_SWITCH_INTERVAL = 0.0005  # seconds


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--upstream",
        required=True,
        metavar="URL",
        help="where to forward (e.g. https://generativelanguage.googleapis.com)",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default %(default)s)")
    parser.add_argument(
        "--port", type=int, default=8081, help="port to bind (default %(default)s; 0 picks one)"
    )
    parser.add_argument(
        "--record", metavar="DIR", type=Path, help="write each exchange (scrubbed) as a JSON file"
    )
    parser.add_argument(
        "--revision",
        default=None,
        help="spec revision of an exchange whose client sends no Api-Revision header "
        "(default: the one its shape shows, outputs 2025-12 or steps the newest, "
        f"{DEFAULT_REVISION})",
    )
    parser.add_argument(
        "--strict-schema", action="store_true", help="unknown fields are violations, not drift"
    )
    parser.add_argument(
        "--log", metavar="PATH", type=Path, help="append findings and exchanges as JSON Lines"
    )
    parser.add_argument(
        "--read-timeout",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="longest wait for the upstream's next byte, and for the client to take one "
        "(default %(default)s)",
    )
    parser.add_argument(
        "--max-check-mib",
        type=float,
        default=16.0,
        metavar="MIB",
        help="kept for checking per exchange; a larger one is forwarded unchecked (default %(default)s)",
    )
    parser.add_argument(
        "--max-check-items",
        type=int,
        default=10_000,
        metavar="N",
        help="events in a stream, or JSON objects and arrays, checked per exchange; more are "
        "forwarded unchecked (default %(default)s)",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="also print a line for each clean exchange"
    )


class _Stop(Exception):
    """SIGTERM: stop like Ctrl-C does."""


def _on_term(_sig: int, _frame: FrameType | None) -> None:
    raise _Stop


def run(args: argparse.Namespace) -> int:
    if not 0 <= args.port <= 65535:
        print(f"error: --port {args.port}: a port is 0-65535 (0 picks a free one)", file=sys.stderr)
        return 2
    import uvicorn

    from ._proxy import MiB, Proxy, ProxyConfig, listening_socket, uvicorn_config

    try:
        config = ProxyConfig(
            args.upstream,
            revision=args.revision,
            strict=args.strict_schema,
            record_dir=args.record,
            log_path=args.log,
            live=sys.stdout,
            verbose=args.verbose,
            read_timeout=args.read_timeout,
            max_check_bytes=int(args.max_check_mib * MiB),
            max_held_bytes=int(4 * args.max_check_mib * MiB),
            max_check_items=args.max_check_items,
        )
        proxy = Proxy(config)
    except (ValueError, SpecError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        sock = listening_socket(args.host, args.port)
    except OSError as exc:
        print(f"error: cannot bind {args.host}:{args.port}: {exc}", file=sys.stderr)
        proxy.close()
        return 2
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    mode = "strict schema" if args.strict_schema else "unknown fields are drift"
    # The socket listens already: a client that connects on reading this line is served.
    proxy.print_line(
        f"proxy http://{shown}:{port} -> {config.upstream} (revision {_revision_line(args.revision)}, {mode})"
    )
    if args.log:
        proxy.print_line(f"log: {args.log}")
    if args.record:
        proxy.print_line(f"recording to: {args.record}")
    proxy.print_line("violations are printed as they pass; Ctrl-C stops")
    server = uvicorn.Server(uvicorn_config(proxy.app, host, port))
    # The checker thread holds the GIL while it checks; the event loop, woken by a byte, would
    # wait up to the switch interval (5 ms) to get it back. This process is the proxy alone.
    sys.setswitchinterval(_SWITCH_INTERVAL)
    # uvicorn turns SIGINT and SIGTERM into a graceful stop, then raises them again once it has
    # stopped: KeyboardInterrupt for SIGINT, _Stop (this handler) for SIGTERM. Both end here.
    previous = signal.signal(signal.SIGTERM, _on_term)
    try:
        with contextlib.suppress(KeyboardInterrupt, _Stop):
            server.run(sockets=[sock])
        # A second Ctrl-C while the last checks run: the summary of what is checked so far.
        with contextlib.suppress(KeyboardInterrupt, _Stop):
            proxy.wait_idle(timeout=10)
    finally:
        signal.signal(signal.SIGTERM, previous)
        sock.close()
    proxy.print_line(proxy.summary())
    proxy.print_line(proxy.rules_line())
    code = proxy.exit_code()
    proxy.close(timeout=5)
    return code


def _revision_line(chosen: str | None) -> str:
    if chosen:
        return f"{chosen} unless Api-Revision says"
    return f"by Api-Revision, else by shape, else {DEFAULT_REVISION}"
