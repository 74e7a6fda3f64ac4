"""Receiving customer-state-change notifications and CRM webhooks, fast.

A notification is verified (its token: TokenError), recorded in the tenant's audit trail
and queued on NotificationQueue, where the confirmer asks SuperOffice's state API before
anything changes; nothing here calls SuperOffice, so SuperOffice gets its 2xx at once. A
webhook is verified against the tenant's webhook secrets (BadSignature), read, and queued
as a targeted sync. The handler says what each refusal means in HTTP.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from superoffice_app.lifecycle.messages import NotificationMessage
from superoffice_app.lifecycle.notifications import Notification
from superoffice_app.lifecycle.webhooks import (
    BadSignature,
    WebhookEvent,
    parse_event,
    signature_matches,
)
from superoffice_app.queues.messages import RecordMessage

if TYPE_CHECKING:  # types only: the wiring hands in the objects, with their modules
    from superoffice_app.store import TenantStore
    from superoffice_app.tokens import Secret, StateChangeTokenValidator

WEBHOOK_SECRETS = ("webhook_secret", "webhook_secret_previous")


class MessageQueue(Protocol):
    """An SQS queue (``superoffice_app.queues.sqs.SyncQueue`` serves any queue)."""

    def send(self, message: Mapping[str, Any], delay_seconds: float = 0) -> None: ...


@dataclass(frozen=True)
class Outcome:
    accepted: bool
    reason: str


def token_fingerprint(token: str) -> str:
    """A short digest naming a token in the audit trail without holding the token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()[:16]


class NotificationService:
    def __init__(
        self,
        tenants: TenantStore,
        validator: StateChangeTokenValidator,
        queue: MessageQueue,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._tenants = tenants
        self._validator = validator
        self._queue = queue
        self._clock = clock

    def receive(self, notification: Notification) -> Outcome:
        """Verify and queue a notification; raises TokenError when its token does not verify.

        Nothing about the tenant changes here: the confirmer applies what the state API
        bears out. Unknown tenants leave no trace (anyone with a SuperOffice-signed token
        could otherwise write audit items for made-up tenants).
        """
        claims = self._validator.validate(notification.token, notification.ctx)
        issued_at = claims.issued_at if claims.issued_at is not None else claims.expires_at
        ctx = notification.ctx
        if self._tenants.get(ctx) is None:
            return Outcome(False, "the app does not know this tenant")
        token_id = token_fingerprint(notification.token)
        details = {"change_type": notification.change_type, "token_id": token_id}
        summary = f"SuperOffice: {notification.type_name}"
        if notification.known_type is None:
            reason = "unknown change type: recorded, nothing changed"
            self._tenants.append_event(
                ctx, "notification_ignored", summary, {**details, "reason": reason}
            )
            return Outcome(False, reason)
        message = NotificationMessage(
            ctx=ctx,
            change_type=notification.change_type,
            issued_at=issued_at,
            received_at=self._clock(),
            token_id=token_id,
            version_name=notification.version_name,
        )
        self._queue.send(message.to_body())
        self._tenants.append_event(
            ctx,
            "notification_received",
            f"{summary} (applied once SuperOffice's state API confirms it)",
            details,
        )
        return Outcome(True, "queued until SuperOffice's state API confirms it")


class WebhookService:
    def __init__(self, tenants: TenantStore, queue: MessageQueue) -> None:
        self._tenants = tenants
        self._queue = queue

    def verify(self, ctx: str, raw: bytes, signature: str | None) -> WebhookEvent:
        """The event in a delivery to ``ctx``'s URL, once ``signature`` proves it came
        from SuperOffice: BadSignature before the body is read, BadWebhook when the
        signed body is not a usable event (``webhooks.parse_event``)."""
        if not signature_matches(raw, signature, self._secrets(ctx)):
            raise BadSignature(f"the signature matches no webhook secret of {ctx}")
        return parse_event(raw, path_ctx=ctx)

    def _secrets(self, ctx: str) -> list[Secret]:
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
        return Outcome(True, "targeted sync queued")
