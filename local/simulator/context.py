"""What every area of the simulator shares: its public base URL, signing key and state."""

from __future__ import annotations

from dataclasses import dataclass, field

from local.simulator.state import SimulatorState
from local.superid_keys import SigningKey


@dataclass(frozen=True)
class SimulatorContext:
    # No trailing slash; also the `iss` of every id_token the simulator issues.
    base_url: str
    signing_key: SigningKey
    state: SimulatorState = field(default_factory=SimulatorState)

    def tenant_endpoint(self, host: str, ctx: str) -> str:
        """`Endpoint` of the state API: the host is the first path segment locally."""
        return f"{self.base_url}/{host}/{ctx}"

    def tenant_api(self, host: str, ctx: str) -> str:
        return f"{self.tenant_endpoint(host, ctx)}/api"
