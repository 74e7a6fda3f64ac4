"""What the tenant REST API's resource modules share: the call they handle and its helpers.

The gate (`tenant_api`) has already checked host, tenant state, faults and credentials when
a handler runs, and holds the state lock for the handler's whole run (except for handlers
marked `unlocked`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from local.simulator.bodies import json_body, json_object
from local.simulator.routing import NotFound, Request, Response
from local.simulator.state import SimulatorState
from local.simulator.tenants import Tenant


@dataclass(frozen=True)
class Principal:
    """Who calls: the app's system user (ticket) or a signed-in user (access token)."""

    client_id: str
    # None for the system user.
    associate_id: int | None

    @property
    def is_system_user(self) -> bool:
        return self.associate_id is None


@dataclass(frozen=True)
class RestCall:
    request: Request
    tenant: Tenant
    principal: Principal
    state: SimulatorState

    def param(self, name: str) -> str:
        return self.request.path_parameters[name]

    def id_param(self, name: str) -> int:
        """A numeric id from the path; an id that is not a number names nothing: 404."""
        value = self.param(name)
        if not (value.isascii() and value.isdigit()):
            raise NotFound(f"{value!r} is not an id")
        return int(value)

    def json(self) -> Any:
        return json_body(self.request)

    def json_object(self) -> dict[str, Any]:
        return json_object(self.request)


RestHandler = Callable[[RestCall], Response]

# Handlers that call out to the app mid-request (the webhook test event): the gate runs
# them without the state lock, and they take it themselves around their bookkeeping.
_UNLOCKED: set[RestHandler] = set()


def unlocked(handler: RestHandler) -> RestHandler:
    _UNLOCKED.add(handler)
    return handler


def runs_unlocked(handler: RestHandler) -> bool:
    return handler in _UNLOCKED
