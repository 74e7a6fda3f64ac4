"""`python -m local simulator`: serve the SuperOffice simulator until interrupted."""

from __future__ import annotations

import argparse
import errno
import signal
import sys
from types import FrameType
from typing import Any

from local import defaults
from local.commands import CommandError
from local.simulator import create_server
from local.simulator.contract_refusals import MODES


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (0-65535)")
    return port


def add_parser(subcommands: Any) -> None:
    parser = subcommands.add_parser(
        "simulator",
        help="serve the SuperOffice simulator (SuperID discovery and keys, ...)",
        description="Serve the SuperOffice simulator until Ctrl+C.",
    )
    parser.add_argument(
        "--host",
        default=defaults.LOCAL_HOST,
        help=f"interface to listen on (default {defaults.LOCAL_HOST})",
    )
    parser.add_argument(
        "--port",
        type=_port,
        default=defaults.SIMULATOR_PORT,
        help=f"port (default {defaults.SIMULATOR_PORT}; 0 picks a free one)",
    )
    parser.add_argument(
        "--contract",
        choices=MODES,
        default=None,
        help="how to hold requests to SuperOffice's published contract: enforce (refuse as "
        "SuperOffice would; the default, or $LOCAL_SIMULATOR_CONTRACT), report (serve and "
        "record refusals), off",
    )
    parser.set_defaults(run=run)


def _stop(_signal: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run(arguments: argparse.Namespace) -> int:
    try:
        server = create_server(arguments.host, arguments.port, contract_mode=arguments.contract)
    except OSError as error:
        reason = "address already in use" if error.errno == errno.EADDRINUSE else error.strerror
        raise CommandError(
            f"cannot listen on {arguments.host}:{arguments.port}: {reason or error}"
        ) from None
    # `kill` stops it as cleanly as Ctrl+C.
    signal.signal(signal.SIGTERM, _stop)
    print(f"SuperOffice simulator listening on {server.base_url}", file=sys.stderr, flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
