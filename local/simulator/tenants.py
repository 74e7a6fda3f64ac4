"""A simulated tenant: identity, where it is served, its state, its users, approvals, items.

Mutable, and guarded by the simulator state's lock: handlers change tenants only through
`SimulatorState` or while holding `state.lock`.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Final

from local.id_tokens import LocalUser
from local.simulator.faults import FaultQueue
from local.simulator.items import TenantItems
from local.simulator.records import Records
from local.simulator.routing import BadRequest
from local.simulator.webhooks import Webhooks

# The State values of the state API (protocol section 4).
TENANT_STATES: Final = (
    "Unknown",
    "Provisioning",
    "Running",
    "Deleted",
    "Suspended",
    "OnlineMaintenance",
    "OfflineMaintenance",
    "ProvisioningFailed",
    "Deleting",
    "DeleteFailed",
    "MigrationPending",
)
RUNNING_STATES: Final = frozenset({"Running", "OnlineMaintenance"})
# Tenants in these states no longer exist for sign-in and the system user.
GONE_STATES: Final = frozenset({"Deleted", "Deleting"})
# A numbered host segment such as `sod2` or `online10`; the un-numbered ones only log in.
HOST_PATTERN: Final = re.compile(r"[a-z]+[0-9]+")


def canonical_state(name: object) -> str:
    if isinstance(name, str):
        for state in TENANT_STATES:
            if state.lower() == name.strip().lower():
                return state
    raise BadRequest(f"unknown tenant state {name!r} (one of {', '.join(TENANT_STATES)})")


def canonical_host(name: object) -> str:
    if isinstance(name, str) and HOST_PATTERN.fullmatch(name.strip().lower()):
        return name.strip().lower()
    raise BadRequest(f"host must be a numbered host segment such as sod2, not {name!r}")


@dataclass(frozen=True)
class TenantUser:
    associate_id: int
    name: str
    is_administrator: bool

    def local_user(self, ctx: str) -> LocalUser:
        return LocalUser(
            ctx=ctx, associate_id=self.associate_id, is_administrator=self.is_administrator
        )

    def to_json(self, ctx: str) -> dict[str, Any]:
        return {
            "associateId": self.associate_id,
            "name": self.name,
            "isAdministrator": self.is_administrator,
            "email": self.local_user(ctx).email,
        }


@dataclass
class Approval:
    """An app's approval in a tenant; its system token survives a revoke unless rotated."""

    system_token: str
    revoked: bool = False


@dataclass
class Tenant:
    ctx: str
    serial: str
    company_name: str
    host: str
    state: str
    version: str
    users: tuple[TenantUser, ...]
    items: TenantItems
    sandbox_of: str | None = None
    approvals: dict[str, Approval] = field(default_factory=dict)
    faults: FaultQueue = field(default_factory=FaultQueue)
    # Error codes the next system-user calls answer with, oldest first.
    system_user_errors: deque[int] = field(default_factory=deque)
    # After a publish, `GET .../UdefLayout/Publish` answers true this long.
    publish_busy_seconds: float = 0.0
    publish_busy_until: float = 0.0
    # Not part of `items`: a sandbox clone copies items but has no webhooks, its own data.
    webhooks: Webhooks = field(default_factory=Webhooks)
    records: Records = field(default_factory=Records)

    @property
    def is_running(self) -> bool:
        return self.state in RUNNING_STATES

    @property
    def is_gone(self) -> bool:
        return self.state in GONE_STATES

    def user(self, associate_id: int) -> TenantUser | None:
        return next((u for u in self.users if u.associate_id == associate_id), None)

    def active_system_token(self, client_id: str) -> str | None:
        """The app's system token here, if the app is approved and not revoked."""
        approval = self.approvals.get(client_id)
        if approval is None or approval.revoked:
            return None
        return approval.system_token
