"""What SuperOffice does to a tenant in each customer state change (protocol 5, 9).

The state API answers accordingly afterwards. `FinishUpgrade` ends an upgrade quietly:
SuperOffice sends nothing then, apps see Running again on the state API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from local.simulator.notifications import CHANGE_TYPES
from local.simulator.routing import BadRequest
from local.simulator.state import SimulatorState
from local.simulator.tenants import Tenant, canonical_host

FINISH_UPGRADE: Final = "FinishUpgrade"
CHANGES: Final = (*CHANGE_TYPES, FINISH_UPGRADE)
# The state each change leaves the tenant in.
RESULTING_STATE: Final = {
    "Upgrade": "OfflineMaintenance",
    FINISH_UPGRADE: "Running",
    "BackupRestored": "Running",
    "Suspend": "Suspended",
    "Resume": "Running",
    "Delete": "Deleted",
}


@dataclass(frozen=True)
class TenantChange:
    change: str
    # Move: the new host segment.
    host: str | None = None
    # Upgrade: the version the tenant is upgraded to (VersionName of the notification).
    version: str | None = None
    # BackupRestored: a sandbox clone/replace, which deletes every webhook.
    sandbox_clone: bool = False
    # BackupRestored: replace the tenant's items with another tenant's (a sandbox refresh).
    copy_items_from: str | None = None

    @property
    def change_type(self) -> int | None:
        return CHANGE_TYPES.get(self.change)

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> TenantChange:
        change = next((c for c in CHANGES if c.lower() == str(body.get("change")).lower()), None)
        if change is None:
            raise BadRequest(f"change must be one of {', '.join(CHANGES)}")
        host = canonical_host(body.get("host")) if change == "Move" else None
        version = body.get("version")
        if version is not None and (change != "Upgrade" or not isinstance(version, str)):
            raise BadRequest("version is a string, and only for Upgrade")
        sandbox_clone = body.get("sandboxClone", False)
        source = body.get("copyItemsFrom")
        if not isinstance(sandbox_clone, bool) or (
            source is not None and not isinstance(source, str)
        ):
            raise BadRequest("sandboxClone is true or false, copyItemsFrom a tenant")
        if (sandbox_clone or source) and change != "BackupRestored":
            raise BadRequest("sandboxClone and copyItemsFrom are only for BackupRestored")
        return cls(change, host, version, sandbox_clone, source)


def apply_change(state: SimulatorState, ctx: str, change: TenantChange) -> Tenant:
    with state.lock:
        tenant = state.tenant(ctx)
        if change.copy_items_from is not None:
            state.copy_items(tenant.ctx, change.copy_items_from)
        if change.sandbox_clone:
            tenant.webhooks.clear()
        if change.version is not None:
            tenant.version = change.version
        if change.host is not None:
            tenant.host = change.host
        if change.change in RESULTING_STATE:
            tenant.state = RESULTING_STATE[change.change]
        return tenant
