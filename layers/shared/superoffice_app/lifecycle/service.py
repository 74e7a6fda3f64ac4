"""Applying customer-state-change notifications and CRM webhooks, fast.

A notification is verified, recorded in the tenant's audit trail, applied with a
conditional write when it is newer than the last one applied, and its follow-up work is
queued; nothing here calls SuperOffice, so SuperOffice gets its 2xx at once. A webhook is
verified against the tenant's webhook secrets and queued as a targeted sync.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from superoffice_app.lifecycle.notifications import FollowUp, Notification, plan
from superoffice_app.lifecycle.webhooks import WebhookEvent
from superoffice_app.store import (
    AppliedNotification,
    ConflictError,
    TenantStore,
    TransitionError,
)
from superoffice_app.sync.messages import FollowUpMessage, RecordMessage
from superoffice_app.tokens import StateChangeTokenValidator

MAX_ATTEMPTS = 5
WEBHOOK_SECRETS = ("webhook_secret", "webhook_secret_previous")


class FollowUpQueue(Protocol):
    """Where follow-up work goes: ``superoffice_app.sync.queue.SyncQueue`` (SyncQueue)."""

    def send(self, message: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class Outcome:
    applied: bool
    reason: str
    follow_up: str | None = None


class NotificationService:
    def __init__(
        self,
        tenants: TenantStore,
        validator: StateChangeTokenValidator,
        queue: FollowUpQueue,
    ) -> None:
        self._tenants = tenants
        self._validator = validator
        self._queue = queue

    def handle(self, notification: Notification) -> Outcome:
        """Apply a notification; raises TokenError when its token does not verify."""
        claims = self._validator.validate(notification.token, notification.ctx)
        issued_at = claims.issued_at if claims.issued_at is not None else claims.expires_at
        ctx = notification.ctx
        for _ in range(MAX_ATTEMPTS):
            profile = self._tenants.get(ctx)
            last = profile.last_notification if profile else None
            decided = plan(
                notification,
                issued_at=issued_at,
                status=profile.status if profile else None,
                last_applied_at=last.at.timestamp() if last else None,
            )
            details = {"change_type": notification.change_type, "reason": decided.reason}
            if not decided.apply or profile is None:
                self._tenants.append_event(
                    ctx, "notification_ignored", f"SuperOffice: {notification.type_name}", details
                )
                return Outcome(False, decided.reason)
            applied = AppliedNotification(
                change_type=notification.change_type,
                at=datetime.fromtimestamp(issued_at, UTC),
            )
            try:
                if decided.new_status is not None and decided.follow_up is not FollowUp.PURGE:
                    self._tenants.transition(
                        ctx,
                        decided.new_status,
                        allowed_from={profile.status},
                        expected_revision=profile.revision,
                        last_notification=applied,
                    )
                else:
                    # Delete is purged by its follow-up once the state API confirms it;
                    # BackupRestored and Move change no status here.
                    self._tenants.update_fields(
                        ctx, expected_revision=profile.revision, last_notification=applied
                    )
            except (ConflictError, TransitionError):
                continue  # someone else wrote first: read again and decide again
            follow_up = None
            if decided.follow_up is not FollowUp.NONE:
                follow_up = decided.follow_up.name.lower()
                self._queue.send(
                    FollowUpMessage(
                        ctx, follow_up, notification.change_type, notification.public_endpoint
                    ).to_body()
                )
            self._tenants.append_event(
                ctx,
                "notification_applied",
                f"SuperOffice: {notification.type_name}",
                {**details, "follow_up": follow_up},
            )
            return Outcome(True, decided.reason, follow_up)
        return Outcome(False, "the tenant kept changing; SuperOffice may send it again")


class WebhookService:
    def __init__(self, tenants: TenantStore, queue: FollowUpQueue) -> None:
        self._tenants = tenants
        self._queue = queue

    def secrets(self, ctx: str) -> list[Any]:
        """The tenant's current and (during rotation) previous webhook secret."""
        found = [self._tenants.get_secret(ctx, name) for name in WEBHOOK_SECRETS]
        return [secret for secret in found if secret is not None]

    def handle(self, event: WebhookEvent) -> Outcome:
        if event.is_test:
            return Outcome(False, "registration test event")
        if not event.entity or event.primary_key is None:
            return Outcome(False, "no record in the event")
        self._queue.send(
            RecordMessage(
                event.ctx, event.entity, event.primary_key, event.event, event.event_id
            ).to_body()
        )
        return Outcome(True, "targeted sync queued", "record")
