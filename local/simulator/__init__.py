"""The SuperOffice simulator: one HTTP server playing SuperID and the tenants' services.

Each area of SuperOffice is one module that registers its routes on the shared router
(`superid`, `health`, ...); `app.build_router` puts them together.
"""

from local.simulator.context import SimulatorContext
from local.simulator.server import (
    RunningSimulator,
    SimulatorHTTPServer,
    create_server,
    start_simulator,
)

__all__ = [
    "RunningSimulator",
    "SimulatorContext",
    "SimulatorHTTPServer",
    "create_server",
    "start_simulator",
]
