"""Ports for local services: free ones on demand, a clear refusal when one is taken."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from local.services.errors import PortInUseError, ServiceStartError

if TYPE_CHECKING:
    from local.services.process import RunningService


def free_port(host: str) -> int:
    """A port nobody listens on right now (the system picks; it may be taken again later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def ensure_port_free(service: str, host: str, port: int) -> None:
    """Raise PortInUseError unless `port` can be bound on `host` now.

    SO_REUSEADDR as the servers themselves set it: connections of a stopped run waiting
    in TIME_WAIT do not count as taken, a listening socket does.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            raise PortInUseError(service, host, port) from None


# What a server prints when it loses the race for a port chosen by free_port().
_BIND_FAILURES: Final = ("Address already in use", "BindException", "EADDRINUSE")
_ATTEMPTS_ON_FREE_PORTS: Final = 3


def start_on_port(
    service: str,
    host: str,
    port: int,
    start: Callable[[int], RunningService],
    *,
    bind_host: str | None = None,
) -> RunningService:
    """Call `start(port)` after checking the port is free; port 0 picks a free one.

    A free port can be taken between the check and the server's bind; with port 0 the
    start is then retried on another port. `bind_host` is where the server really binds
    when that differs from where clients reach it (DynamoDB Local binds every interface).
    """
    probe_host = bind_host or host
    if port != 0:
        ensure_port_free(service, probe_host, port)
        return start(port)
    attempt = 1
    while True:
        try:
            return start(free_port(probe_host))
        except ServiceStartError as error:
            lost_race = any(marker in str(error) for marker in _BIND_FAILURES)
            if not lost_race or attempt >= _ATTEMPTS_ON_FREE_PORTS:
                raise
            attempt += 1
