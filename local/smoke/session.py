"""What one smoke run's checks share: the client, the stack, and what earlier checks saw."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from local.smoke.target import Target


@dataclass
class SmokeSession:
    client: httpx.Client
    target: Target
    environment: str | None  # --environment, or None to infer it from the install redirect
    # SuperID's base URL as the install redirect named it (the forged token's issuer).
    login_base: str | None = None
