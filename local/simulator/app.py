"""The simulator's routes: every area registers its own."""

from __future__ import annotations

from local.simulator import health, superid
from local.simulator.context import SimulatorContext
from local.simulator.routing import Router

AREAS = (health, superid)


def build_router(context: SimulatorContext) -> Router:
    router = Router()
    for area in AREAS:
        area.register(router, context)
    return router
