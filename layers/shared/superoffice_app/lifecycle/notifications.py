"""Customer-state-change notifications: parsing, and which transition each one asks for.

SuperOffice documents neither retries nor ordering (protocol section 5), so a notification
is a hint: it is applied only if it is newer than the last one applied to the tenant (by
its token's `iat`), it never moves a tenant backwards, and every follow-up confirms with
the state API before acting. Unknown change types are accepted and recorded, and change
nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Final

from superoffice_app.store import TenantStatus
from superoffice_app.tokens import CTX_PATTERN

MAX_BODY_BYTES: Final = 16 * 1024


class ChangeType(IntEnum):
    UPGRADE = 0
    BACKUP_RESTORED = 1
    SUSPEND = 2
    RESUME = 3
    DELETE = 4
    MOVE = 5


class BadNotification(ValueError):
    """The body is not a customer-state-change notification; the message says why."""


@dataclass(frozen=True)
class Notification:
    change_type: int
    ctx: str
    version_name: str | None
    file_version: str | None
    public_endpoint: str | None
    token: str = field(repr=False)

    @property
    def known_type(self) -> ChangeType | None:
        try:
            return ChangeType(self.change_type)
        except ValueError:
            return None

    @property
    def type_name(self) -> str:
        known = self.known_type
        return known.name.lower() if known is not None else f"unknown ({self.change_type})"


def _optional_text(body: dict[str, object], name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 256:
        raise BadNotification(f"{name} must be a short string")
    return value


def parse_notification(raw: bytes) -> Notification:
    """The notification in `raw` (the request body), or BadNotification."""
    if len(raw) > MAX_BODY_BYTES:
        raise BadNotification("the body is too large")
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError) as error:
        raise BadNotification("the body is not JSON") from error
    if not isinstance(body, dict):
        raise BadNotification("the body is not a JSON object")
    change_type = body.get("ChangeType")
    if not isinstance(change_type, int) or isinstance(change_type, bool):
        raise BadNotification("ChangeType must be an integer")
    if not -(2**31) <= change_type < 2**31:
        raise BadNotification("ChangeType is out of range")
    ctx = body.get("ContextIdentifier")
    if not isinstance(ctx, str) or not CTX_PATTERN.fullmatch(ctx):
        raise BadNotification("ContextIdentifier must be a tenant context identifier")
    token = body.get("Token")
    if not isinstance(token, str) or not token:
        raise BadNotification("Token is missing")
    return Notification(
        change_type=change_type,
        ctx=ctx,
        version_name=_optional_text(body, "VersionName"),
        file_version=_optional_text(body, "FileVersion"),
        public_endpoint=_optional_text(body, "PublicEndpoint"),
        token=token,
    )


class FollowUp(IntEnum):
    """Work queued after a notification; each confirms with the state API first."""

    NONE = 0
    WAIT_FOR_RUNNING = 1  # Upgrade: resume API work once the state API says Running
    FULL_RESYNC = 2  # BackupRestored: resync everything, re-verify provisioning, webhooks
    SYNC_SOON = 3  # Resume
    PURGE = 4  # Delete
    REFRESH_ENDPOINT = 5  # Move


@dataclass(frozen=True)
class Plan:
    apply: bool
    reason: str
    new_status: TenantStatus | None = None
    follow_up: FollowUp = FollowUp.NONE


# Statuses in which SuperOffice's lifecycle applies at all: an uninstalled, deleted or
# revoked tenant, or one being installed or removed, is not moved by notifications
# (Delete excepted: a cancelled subscription purges whatever is left).
_LIVE: Final = frozenset({TenantStatus.ACTIVE, TenantStatus.SUSPENDED, TenantStatus.UPGRADING})

_TARGETS: Final[dict[ChangeType, tuple[TenantStatus | None, frozenset[TenantStatus], FollowUp]]] = {
    ChangeType.UPGRADE: (
        TenantStatus.UPGRADING,
        frozenset({TenantStatus.ACTIVE}),
        FollowUp.WAIT_FOR_RUNNING,
    ),
    ChangeType.BACKUP_RESTORED: (None, _LIVE, FollowUp.FULL_RESYNC),
    ChangeType.SUSPEND: (
        TenantStatus.SUSPENDED,
        frozenset({TenantStatus.ACTIVE, TenantStatus.UPGRADING}),
        FollowUp.NONE,
    ),
    ChangeType.RESUME: (
        TenantStatus.ACTIVE,
        frozenset({TenantStatus.SUSPENDED, TenantStatus.UPGRADING}),
        FollowUp.SYNC_SOON,
    ),
    ChangeType.MOVE: (None, _LIVE, FollowUp.REFRESH_ENDPOINT),
}


def plan(
    notification: Notification,
    *,
    issued_at: float,
    status: TenantStatus | None,
    last_applied_at: float | None,
) -> Plan:
    """What `notification` (its token issued at `issued_at`) does to a tenant in `status`."""
    change = notification.known_type
    if status is None:
        return Plan(False, "the app does not know this tenant")
    if change is None:
        return Plan(False, "unknown change type: recorded, nothing changed")
    if last_applied_at is not None and issued_at <= last_applied_at:
        return Plan(False, "not newer than the last notification applied")
    if change is ChangeType.DELETE:
        if status in (TenantStatus.DELETED, TenantStatus.UNINSTALLED):
            return Plan(False, "already purged")
        return Plan(True, "subscription cancelled", TenantStatus.DELETED, FollowUp.PURGE)
    target, allowed_from, follow_up = _TARGETS[change]
    if status not in allowed_from:
        if target is not None and status is target:
            return Plan(True, f"already {status.value}", None, follow_up)
        return Plan(False, f"does not apply to a tenant that is {status.value}")
    return Plan(True, notification.type_name, target, follow_up)
