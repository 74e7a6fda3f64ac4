"""Removing the app from a tenant completely, or saying exactly what is left by hand.

The tenant goes to `uninstalling` first (a conditional write: two clicks cannot run two
uninstalls), every recorded item is removed from SuperOffice (already gone counts as
removed), then the tenant's secrets, provisioning records and sync state are purged and a
tombstone with the audit trail stays. If SuperOffice already revoked the app, nothing can
be removed remotely: the tenant is still purged here and the page lists what the
administrator must remove by hand. Nothing loops: one pass, then a report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from superoffice_app.onboarding import errors
from superoffice_app.provisioning.engine import unprovision
from superoffice_app.provisioning.items import ProvisionedItem
from superoffice_app.provisioning.recorder import from_stored
from superoffice_app.provisioning.reports import ItemOutcome, UninstallReport
from superoffice_app.provisioning.steps import step_of
from superoffice_app.store import TenantStatus, TenantStore
from superoffice_app.superoffice.rest import TenantApi

UNINSTALLABLE = frozenset(
    {
        TenantStatus.ACTIVE,
        TenantStatus.INSTALL_FAILED,
        TenantStatus.INSTALLING,
        TenantStatus.SUSPENDED,
        TenantStatus.UPGRADING,
        TenantStatus.REVOKED,
        TenantStatus.UNINSTALLING,  # an interrupted uninstall is finished by the next one
    }
)


@dataclass(frozen=True)
class UninstallOutcome:
    ctx: str
    removed: tuple[ProvisionedItem, ...]
    left_for_administrator: tuple[ProvisionedItem, ...]
    access_revoked: bool


# When the mirror's second pass runs after an uninstall: past the end of any sync write
# that was under way at the purge (the worker's Lambda timeout is 120 s).
SWEEP_DELAY_SECONDS: Final = 300


class Uninstaller:
    """``purge_mirror`` removes the tenant's mirrored records (RecordsTable) and says how
    many went; it runs after the tenant's purge, which deletes the tenant lease, so a
    sync still running for the tenant stops at its next lease renewal. One page it was
    already writing can land after the purge: ``sweep_later`` queues a second pass
    (``sweep_mirror``) for once any such write is over. Uninstall itself never waits
    for a sync."""

    def __init__(
        self,
        tenants: TenantStore,
        tenant_api: Callable[[str], TenantApi],
        purge_mirror: Callable[[str], int] | None = None,
        sweep_later: Callable[[str], bool] | None = None,
    ) -> None:
        self._tenants = tenants
        self._tenant_api = tenant_api
        self._purge_mirror = purge_mirror
        self._sweep_later = sweep_later

    def uninstall(self, ctx: str, *, actor: str) -> UninstallOutcome:
        profile = self._tenants.get(ctx)
        if profile is None or profile.status not in UNINSTALLABLE:
            raise errors.UnknownTenant(ctx)
        if profile.status is not TenantStatus.UNINSTALLING:
            self._tenants.transition(ctx, TenantStatus.UNINSTALLING, allowed_from=UNINSTALLABLE)
        self._tenants.append_event(ctx, "uninstall_started", "Uninstall started", actor=actor)
        items = [from_stored(item) for item in self._tenants.list_provisioned(ctx)]
        if profile.status is TenantStatus.REVOKED:
            report = _revoked_report(ctx, items)
        else:
            report = unprovision(items, self._tenant_api(ctx))
        for item in report.gone:
            self._tenants.remove_provisioned(ctx, item.kind, item.key)
        left = report.left_for_administrator
        if left and not report.access_revoked:
            # SuperOffice is reachable in principle but did not finish (an outage, a
            # refused call, an answer the app could not read): keep `uninstalling` and
            # the records, so the next attempt continues from here instead of
            # forgetting what is still in the tenant.
            if report.unexpected:
                first = report.unexpected[0]
                step = step_of(first.operation, default="removing the app's items")
                self._tenants.append_event(
                    ctx,
                    "uninstall_incomplete",
                    f"SuperOffice answered something the app did not expect while {step}",
                    details={"operation": first.operation, "status": first.status},
                )
                # The function logs the operation, status and excerpt (the cause).
                raise errors.UninstallAnswerUnexpected(step, len(left)) from first
            self._tenants.append_event(
                ctx, "uninstall_incomplete", report.stopped or "Some items were not removed"
            )
            raise errors.UninstallIncomplete(len(left))
        self._tenants.purge(ctx, status=TenantStatus.UNINSTALLED)
        records = self._purge_mirror(ctx) if self._purge_mirror is not None else 0
        if self._sweep_later is not None:
            self._sweep_later(ctx)
        self._tenants.append_event(
            ctx,
            "uninstalled",
            "Uninstalled" if not left else "Uninstalled; some items must be removed by hand",
            details={
                "removed": [item.key for item in report.gone],
                "mirrored_records_removed": records,
                "left_for_administrator": [item.key for item in left],
                "access_revoked": report.access_revoked,
            },
            actor=actor,
        )
        return UninstallOutcome(ctx, report.gone, left, report.access_revoked)


def _revoked_report(ctx: str, items: list[ProvisionedItem]) -> UninstallReport:
    """What to tell when the app's access is already gone: every item is left by hand."""
    return UninstallReport(
        ctx=ctx,
        outcomes=tuple(ItemOutcome(item, "not_attempted", "access revoked") for item in items),
        access_revoked=True,
        stopped="the tenant revoked the app's access; remove what is left by hand",
        requests=0,
    )
