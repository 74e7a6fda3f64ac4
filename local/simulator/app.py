"""The simulator's routes: every area registers its own.

Order matters where templates overlap: the tenant API's catch-all paths
(`/{host}/{ctx}/api/...`) come last, after every fixed path.
"""

from __future__ import annotations

from local.simulator import (
    control,
    control_contract,
    control_faults,
    control_notifications,
    control_records,
    health,
    state_api,
    superid,
    superid_authorize,
    superid_tokens,
    system_user,
    tenant_api,
)
from local.simulator.context import SimulatorContext
from local.simulator.routing import Router

AREAS = (
    health,
    superid,
    superid_authorize,
    superid_tokens,
    state_api,
    system_user,
    control,
    control_contract,
    control_faults,
    control_notifications,
    control_records,
    tenant_api,
)


def build_router(context: SimulatorContext) -> Router:
    router = Router()
    for area in AREAS:
        area.register(router, context)
    return router
