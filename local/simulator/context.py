"""What every area of the simulator shares: its public base URL and its signing key."""

from __future__ import annotations

from dataclasses import dataclass

from local.superid_keys import SigningKey


@dataclass(frozen=True)
class SimulatorContext:
    # No trailing slash; also the `iss` of every id_token the simulator issues.
    base_url: str
    signing_key: SigningKey
