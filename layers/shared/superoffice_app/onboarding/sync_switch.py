"""The administrator's sync switch, and queueing syncs from the onboarding side.

Pausing sets the profile's ``sync_paused`` (the dispatcher and the worker skip the
tenant from then on); resuming clears it and queues a sync at once rather than leaving
the tenant to the next schedule. Both are recorded in the audit trail with who did it.

Sending to SyncQueue from here never fails what the administrator asked for: the flag
is the truth and the scheduled sync picks an unpaused tenant up anyway, so a queue that
refuses is logged (its type only) and reported, not raised.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Final

from superoffice_app.onboarding import errors
from superoffice_app.queues.messages import SyncMessage
from superoffice_app.queues.sqs import SyncSender, send_sync
from superoffice_app.store import PURGED_STATUSES, StoreError, TenantStatus, TenantStore

__all__ = ["SwitchOutcome", "SyncSwitch"]

_log = logging.getLogger(__name__)
# Names in audit summaries are the signed-in user's; a hostile one must stay short.
MAX_NAME: Final = 120


@dataclass(frozen=True)
class SwitchOutcome:
    ctx: str
    paused: bool
    changed: bool  # False: it already was so (a second click, a stale page)
    sync_queued: bool | None = None  # None: no sync was to be queued


def short_name(name: str) -> str:
    name = " ".join(name.split())
    return name if len(name) <= MAX_NAME else name[: MAX_NAME - 1] + "…"


class SyncSwitch:
    def __init__(self, tenants: TenantStore, queue: SyncSender | None) -> None:
        self._tenants = tenants
        self._queue = queue

    def set_paused(self, ctx: str, paused: bool, *, by: str, actor: str) -> SwitchOutcome:
        """Pause (``paused=True``) or resume syncing; ``by`` names the person for the trail."""
        profile = self._tenants.get(ctx)
        if profile is None or profile.status in PURGED_STATUSES:
            raise errors.UnknownTenant(ctx)
        if profile.sync_paused == paused:
            return SwitchOutcome(ctx, paused, changed=False)
        try:
            updated = self._tenants.update_fields(ctx, sync_paused=paused)
        except StoreError as error:  # uninstalled or purged meanwhile
            raise errors.UnknownTenant(ctx) from error
        queued: bool | None = None
        if not paused and self._queue is not None and updated.status is TenantStatus.ACTIVE:
            queued = send_sync(self._queue, SyncMessage(ctx, "manual"))
        name = short_name(by)
        if paused:
            summary = f"Syncing paused by {name}"
        elif queued is False:
            summary = (
                f"Syncing resumed by {name}; the sync could not be started at once, the "
                "scheduled sync picks the tenant up"
            )
        else:
            summary = f"Syncing resumed by {name}"
        details = {"sync_queued": queued} if queued is not None else None
        self._tenants.append_event(
            ctx, "sync_paused" if paused else "sync_resumed", summary, details, actor=actor
        )
        return SwitchOutcome(ctx, paused, changed=True, sync_queued=queued)
