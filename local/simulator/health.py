"""`GET /health`: lets scripts and tests wait until the simulator answers."""

from __future__ import annotations

from local.simulator.context import SimulatorContext
from local.simulator.routing import Request, Response, Router


def register(router: Router, context: SimulatorContext) -> None:
    def health(_request: Request) -> Response:
        return Response.json({"status": "ok", "baseUrl": context.base_url})

    router.add("GET", "/health", health)
