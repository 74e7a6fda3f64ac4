"""The SuperOffice simulator: one HTTP server playing SuperID and the tenants' services.

Each area of SuperOffice is one module that registers its routes on the shared router
(`superid`, `state_api`, `system_user`, `tenant_api`, `control`, ...); `app.build_router`
puts them together. All in-memory state lives in one `SimulatorState`.
"""

from local.simulator.apps import RegisteredApp, app_from_credentials
from local.simulator.context import SimulatorContext
from local.simulator.outbound import OutboundSettings
from local.simulator.server import (
    RunningSimulator,
    SimulatorHTTPServer,
    create_server,
    start_simulator,
)
from local.simulator.state import SimulatorState

__all__ = [
    "OutboundSettings",
    "RegisteredApp",
    "RunningSimulator",
    "SimulatorContext",
    "SimulatorHTTPServer",
    "SimulatorState",
    "app_from_credentials",
    "create_server",
    "start_simulator",
]
