"""``interactions-conformance serve``: run the reference emulator from the shell."""

from __future__ import annotations

import argparse
import socket
import sys

from .._spec import DEFAULT_REVISION
from ._app import API_VERSIONS, DEFAULT_API_KEYS, REVISIONS, EmulatorConfig, create_app
from ._faults import FAULTS, UnknownFaultError
from ._limits import server_protocol

__all__ = ["add_arguments", "list_faults", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port",
        type=int,
        default=0,
        help="port to bind; 0 (default) picks a free one and prints it",
    )
    parser.add_argument(
        "--db",
        metavar="PATH",
        help="SQLite file to keep interactions across restarts (default: memory)",
    )
    parser.add_argument(
        "--tier",
        choices=["free", "paid"],
        default="free",
        help="retention tier: free 1 day, paid 55 days",
    )
    parser.add_argument(
        "--revision",
        choices=list(REVISIONS),
        default=DEFAULT_REVISION,
        help="revision answered when a request sends no Api-Revision header, as today's SDKs "
        f"do (default: the newest, {DEFAULT_REVISION}); the header picks one per request",
    )
    parser.add_argument(
        "--api-key",
        action="append",
        default=[],
        metavar="KEY",
        help=f"accepted API key (repeatable; default: {', '.join(DEFAULT_API_KEYS)})",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME",
        help="break one rule on purpose (repeatable; see --list-faults)",
    )
    parser.add_argument(
        "--list-faults",
        action="store_true",
        help="print the fault modes with the rule ids each breaks, and exit",
    )
    parser.add_argument(
        "--test-control",
        action="store_true",
        help='serve POST /__emulator/clock {"advance_seconds": N} (emulator only, not part of the API)',
    )
    parser.add_argument(
        "--agent-seconds",
        type=float,
        default=1.5,
        help="how long a deep research job runs (default 1.5)",
    )


def list_faults() -> str:
    width = max(len(name) for name in FAULTS)
    lines = [f"{'fault':<{width}}  rules broken  |  what it does"]
    for fault in FAULTS.values():
        lines.append(f"{fault.name:<{width}}  {' '.join(fault.rules)}  |  {fault.description}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    if args.list_faults:
        print(list_faults())
        return 0
    keys = tuple(args.api_key) or DEFAULT_API_KEYS
    try:
        config = EmulatorConfig(
            api_keys=keys,
            tier=args.tier,
            faults=tuple(args.fault),
            test_control=args.test_control,
            db_path=args.db,
            agent_seconds=args.agent_seconds,
            revision=args.revision,
        )
    except (UnknownFaultError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    import uvicorn

    app = create_app(config)
    sock = socket.socket(
        socket.AF_INET6 if ":" in args.host else socket.AF_INET, socket.SOCK_STREAM
    )
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # accepted sockets inherit it
    try:
        sock.bind((args.host, args.port))
    except OSError as exc:
        print(f"error: cannot bind {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    sock.listen(2048)  # before the URL is printed: a client that reads it may connect at once
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    print(f"interactions-conformance emulator on http://{shown}:{port}", flush=True)
    print(f"API keys: {', '.join(keys)}", flush=True)
    print(f"tier: {config.tier}; storage: {config.db_path or 'memory'}", flush=True)
    print(f"revision (no Api-Revision header): {config.revision}", flush=True)
    print(f"paths: {', '.join(f'/{v}/interactions' for v in API_VERSIONS)}", flush=True)
    if config.faults:
        print(f"faults: {', '.join(config.faults)}", flush=True)
    if config.test_control:
        print("test control: POST /__emulator/clock (not part of the API)", flush=True)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            log_level="warning",
            lifespan="on",
            http=server_protocol(config.limits),  # a late request head closes (_limits)
        )
    )
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
        app.state.emulator.store.close()
    return 0
