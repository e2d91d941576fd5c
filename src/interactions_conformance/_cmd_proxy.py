"""`interactions-conformance proxy`: a validating proxy in front of any endpoint.

Point any client (the official SDK, curl, your application) at the proxy
instead of the API; the proxy forwards everything unchanged to ``--upstream``
and prints each violation as it passes, one line, the rule id first. Stop it
with Ctrl-C: it prints a summary and exits 1 when it saw a violation. The log
and recording formats are described in `_proxy`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ._spec import DEFAULT_REVISION, SpecError

__all__ = ["add_arguments", "run"]


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
        "-v", "--verbose", action="store_true", help="also print a line for each clean exchange"
    )


def run(args: argparse.Namespace) -> int:
    import socket

    import uvicorn

    from ._proxy import Proxy, ProxyConfig, uvicorn_config

    try:
        config = ProxyConfig(
            args.upstream,
            revision=args.revision,
            strict=args.strict_schema,
            record_dir=args.record,
            log_path=args.log,
            live=sys.stdout,
            verbose=args.verbose,
        )
        proxy = Proxy(config)
    except (ValueError, SpecError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted sockets inherit it: headers and body go out as separate writes, and Nagle's
    # algorithm would hold the second for the client's delayed ACK (40 ms a response).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((args.host, args.port))
    except OSError as exc:
        print(f"error: cannot bind {args.host}:{args.port}: {exc}", file=sys.stderr)
        proxy.close()
        return 2
    sock.listen(2048)  # before the URL is printed: a client that reads it may connect at once
    host, port = sock.getsockname()[:2]
    mode = "strict schema" if args.strict_schema else "unknown fields are drift"
    print(
        f"proxy http://{host}:{port} -> {config.upstream} (revision {_revision_line(args.revision)}, {mode})"
    )
    if args.log:
        print(f"log: {args.log}")
    if args.record:
        print(f"recording to: {args.record}")
    print("violations are printed as they pass; Ctrl-C stops", flush=True)
    server = uvicorn.Server(uvicorn_config(proxy.app, host, port))
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # Ctrl-C is how it stops (uvicorn re-raises it after shutting down)
    finally:
        proxy.wait_idle()
        proxy.close()
        sock.close()
    print(proxy.summary())
    return 1 if proxy.violations else 0


def _revision_line(chosen: str | None) -> str:
    if chosen:
        return f"{chosen} unless Api-Revision says"
    return f"by Api-Revision, else by shape, else {DEFAULT_REVISION}"
