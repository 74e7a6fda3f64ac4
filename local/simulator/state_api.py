"""`GET {login}/api/state/{ctx}`: where a tenant is served and whether it runs (protocol 4)."""

from __future__ import annotations

import datetime
from typing import Final

from local.simulator.context import SimulatorContext
from local.simulator.routing import Request, Response, Router
from local.simulator.so_errors import so_error

STATE_API_PATH: Final = "/api/state/{ctx}"
# How long an answer may be cached, as SuperOffice's ValidUntil says.
VALID_FOR_SECONDS: Final = 300


def format_valid_until(seconds: float) -> str:
    """UTC with 7 fractional digits and Z, as .NET writes it: `2026-02-23T09:52:01.9342965Z`."""
    whole = int(seconds // 1)
    ticks = min(round((seconds - whole) * 10**7), 10**7 - 1)
    moment = datetime.datetime.fromtimestamp(whole, datetime.UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{ticks:07d}Z"


def register(router: Router, context: SimulatorContext) -> None:
    def tenant_state(request: Request) -> Response:
        ctx = request.path_parameters["ctx"]
        state = context.state
        with state.lock:
            tenant = state.find_tenant(ctx)
            if tenant is None:
                return so_error(404, f"Tenant {ctx} not found", source=request.path)
            response = Response.json(
                {
                    "ContextIdentifier": tenant.ctx,
                    "Endpoint": context.tenant_endpoint(tenant.host, tenant.ctx),
                    "State": tenant.state,
                    "IsRunning": tenant.is_running,
                    "ValidUntil": format_valid_until(state.now() + VALID_FOR_SECONDS),
                    "Api": context.tenant_api(tenant.host, tenant.ctx),
                    "Version": tenant.version,
                }
            )
            state.counters.record(tenant.ctx, "stateApi", "GET", request.path, response.status)
        return response

    router.add("GET", STATE_API_PATH, tenant_state)
