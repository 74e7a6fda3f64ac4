"""What a notification may do, once SuperOffice's state API has been asked afresh.

Pure: the notification's change type and token time, the tenant as the app holds it and
what the state API answered just now go in; a decision comes out. The state API decides
(issue 11): a Suspend applies only while the tenant is not running, a Resume only while
it runs, a Delete only when the tenant is gone, an Upgrade only while the API is down;
BackupRestored and Move act on the state API's own answer (its address, never the
body's). A notification the state API does not (yet) bear out is ``UNCONFIRMED``: the
confirmer asks again a little later, then records it and changes nothing.

A tenant also never moves backwards: a notification whose token is not newer than the
last one applied is ignored, and uninstalled, deleted or revoked tenants are left alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from superoffice_app.queues.messages import FollowUp
from superoffice_app.store import TenantStatus

from .notifications import ChangeType

__all__ = [
    "FOLLOW_UPS",
    "GONE_STATES",
    "Decision",
    "Observed",
    "Verdict",
    "decide",
    "follow_up_of",
    "precheck",
]

# State API answers that mean the tenant is gone for good (or going).
GONE_STATES: Final = frozenset({"Deleted", "Deleting"})

# What an applied notification queues for the sync worker; Suspend and Move queue nothing.
FOLLOW_UPS: Final[Mapping[ChangeType, FollowUp]] = {
    ChangeType.UPGRADE: FollowUp.WAIT_FOR_RUNNING,  # active again once SuperOffice runs
    ChangeType.BACKUP_RESTORED: FollowUp.FULL_RESYNC,  # resync all, re-verify provisioning
    ChangeType.RESUME: FollowUp.SYNC_SOON,
    ChangeType.DELETE: FollowUp.PURGE,
}


def follow_up_of(change_type: int) -> FollowUp | None:
    """The follow-up an applied notification of ``change_type`` queues, if any."""
    try:
        return FOLLOW_UPS.get(ChangeType(change_type))
    except ValueError:
        return None


class Verdict(StrEnum):
    APPLY = "apply"
    IGNORE = "ignore"  # nothing to do, now or later
    UNCONFIRMED = "unconfirmed"  # the state API does not bear it out (yet)


@dataclass(frozen=True)
class Observed:
    """The state API's answer of a moment ago; None stands for "does not know the tenant"."""

    state: str
    is_running: bool
    api: str | None = None
    endpoint: str | None = None

    @property
    def gone(self) -> bool:
        return self.state in GONE_STATES


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    reason: str
    new_status: TenantStatus | None = None
    follow_up: FollowUp | None = None  # queued on SyncQueue once applied
    refresh_endpoint: bool = False

    @property
    def apply(self) -> bool:
        return self.verdict is Verdict.APPLY


def _ignore(reason: str) -> Decision:
    return Decision(Verdict.IGNORE, reason)


def _unconfirmed(reason: str) -> Decision:
    return Decision(Verdict.UNCONFIRMED, reason)


def _apply(
    change: ChangeType,
    reason: str,
    new_status: TenantStatus | None = None,
    *,
    refresh_endpoint: bool = False,
) -> Decision:
    return Decision(Verdict.APPLY, reason, new_status, FOLLOW_UPS.get(change), refresh_endpoint)


# Statuses in which SuperOffice's lifecycle applies at all: a tenant being installed or
# removed, uninstalled, deleted or revoked is not moved by notifications (a Delete
# excepted: a cancelled subscription purges whatever is left).
_LIVE: Final = frozenset({TenantStatus.ACTIVE, TenantStatus.SUSPENDED, TenantStatus.UPGRADING})
_PURGED: Final = frozenset({TenantStatus.DELETED, TenantStatus.UNINSTALLED})


def precheck(
    change_type: int,
    *,
    issued_at: float,
    status: TenantStatus | None,
    last_applied_at: float | None,
) -> Decision | None:
    """What is decided without asking the state API: None when the state API must say."""
    try:
        change = ChangeType(change_type)
    except ValueError:
        return _ignore("unknown change type: recorded, nothing changed")
    if status is None:
        return _ignore("the app does not know this tenant")
    if last_applied_at is not None and issued_at <= last_applied_at:
        return _ignore("not newer than the last notification applied")
    if change is ChangeType.DELETE:
        return _ignore("already purged") if status in _PURGED else None
    if status not in _LIVE:
        return _ignore(f"does not apply to a tenant that is {status.value}")
    return None


def decide(
    change_type: int,
    *,
    issued_at: float,
    status: TenantStatus | None,
    last_applied_at: float | None,
    observed: Observed | None,
) -> Decision:
    """What a notification of ``change_type`` (its token issued at ``issued_at``) does."""
    early = precheck(
        change_type, issued_at=issued_at, status=status, last_applied_at=last_applied_at
    )
    if early is not None:
        return early
    assert status is not None  # precheck decided otherwise; for the type checker
    change = ChangeType(change_type)
    if change is ChangeType.DELETE:
        if observed is None or observed.gone:
            said = "does not know the tenant" if observed is None else f"says {observed.state}"
            return _apply(change, f"the state API {said}")
        return _unconfirmed(f"the state API says {observed.state}: the tenant still exists")
    if observed is None:
        return _unconfirmed("the state API does not know the tenant")
    if observed.gone:
        return _ignore(f"the state API says {observed.state}; a Delete will follow")
    return _LIVE_CHANGES[change](status, observed)


def _suspend(status: TenantStatus, observed: Observed) -> Decision:
    if observed.is_running:
        return _unconfirmed(f"the state API says {observed.state}: the tenant is running")
    if status is TenantStatus.SUSPENDED:
        return _ignore("already suspended")
    return _apply(
        ChangeType.SUSPEND, f"the state API says {observed.state}", TenantStatus.SUSPENDED
    )


def _resume(status: TenantStatus, observed: Observed) -> Decision:
    if not observed.is_running:
        return _unconfirmed(f"the state API says {observed.state}: the tenant is not running")
    new_status = None if status is TenantStatus.ACTIVE else TenantStatus.ACTIVE
    return _apply(ChangeType.RESUME, f"the state API says {observed.state}", new_status)


def _upgrade(status: TenantStatus, observed: Observed) -> Decision:
    if observed.is_running:
        return _unconfirmed(f"the state API says {observed.state}: no upgrade under way")
    if status is TenantStatus.UPGRADING:
        return _ignore("already upgrading")
    if status is not TenantStatus.ACTIVE:
        return _ignore(f"does not apply to a tenant that is {status.value}")
    return _apply(
        ChangeType.UPGRADE, f"the state API says {observed.state}", TenantStatus.UPGRADING
    )


def _backup_restored(status: TenantStatus, observed: Observed) -> Decision:
    # The state API cannot tell a restore; that SuperOffice signed the notification and
    # the tenant exists is all there is, and a full resync changes nothing for the worse.
    return _apply(ChangeType.BACKUP_RESTORED, f"the state API says {observed.state}")


def _move(status: TenantStatus, observed: Observed) -> Decision:
    if observed.api is None:
        return _unconfirmed("the state API gives no API address for the tenant")
    return _apply(
        ChangeType.MOVE, f"the state API says the API is at {observed.api}", refresh_endpoint=True
    )


_LIVE_CHANGES: Final = {
    ChangeType.SUSPEND: _suspend,
    ChangeType.RESUME: _resume,
    ChangeType.UPGRADE: _upgrade,
    ChangeType.BACKUP_RESTORED: _backup_restored,
    ChangeType.MOVE: _move,
}
