"""NotificationWebhookFunction's graph: the routes SuperOffice calls.

``NotificationRoutes``: the services of the notification route (token check, queue to
NotificationQueue) and the CRM webhook route (signature check, queue a targeted sync),
and each route's idempotency store on IdempotencyTable. It reaches tenants through the
shared ``TenantAccess`` and reads no secret of the app's. Nothing that holds an AWS
client is built before it is first used (a client made at init would resolve
credentials there). NotificationConfirmFunction's graph is ``wiring.confirm``.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from superoffice_app import aws_clients
from superoffice_app.idempotency import IdempotencyStore
from superoffice_app.lifecycle.service import NotificationService, WebhookService
from superoffice_app.queues.sqs import SyncQueue

from .settings import (
    NotificationSettings,
    load_notification_settings,
)
from .tenant_access import TenantAccess

__all__ = ["NotificationRoutes", "routes_cold_start"]

# Deliveries are deduplicated for a week: longer than SuperOffice retries one.
IDEMPOTENCY_SECONDS = 7 * 24 * 3600
# Part of every stored key (the ones Powertools' idempotency wrote too): changing one
# forgets every delivery of its kind seen in the last week.
NOTIFICATION_KEY_PREFIX = "superoffice-app.tenant-state"
WEBHOOK_KEY_PREFIX = "superoffice-app.crm-webhook"


class NotificationRoutes:
    def __init__(
        self,
        settings: NotificationSettings,
        access: TenantAccess | None = None,
        *,
        sqs: Any = None,
    ) -> None:
        self.settings = settings
        self.config = settings.app
        self.access = access or TenantAccess(settings.access)
        self._sqs = sqs

    @cached_property
    def _sqs_client(self) -> Any:
        return self._sqs if self._sqs is not None else aws_clients.client("sqs")

    @cached_property
    def notifications(self) -> NotificationService:
        # Imported by the first notification: the CRM webhook route never checks a token.
        from superoffice_app.tokens import StateChangeTokenValidator  # noqa: PLC0415

        return NotificationService(
            self.access.tenants,
            StateChangeTokenValidator(
                self.config.environment.issuer,
                self.access.superoffice_keys,
                client_id=self.config.client_id,
            ),
            SyncQueue(self._sqs_client, self.settings.notification_queue_url),
        )

    @cached_property
    def webhooks(self) -> WebhookService:
        return WebhookService(
            self.access.tenants, SyncQueue(self._sqs_client, self.settings.sync_queue_url)
        )

    @cached_property
    def notification_deliveries(self) -> IdempotencyStore:
        """One token, one notification: the token alone is the key, so a token captured
        and replayed with another ChangeType or tenant is the same notification, and the
        payload check refuses it (PayloadMismatch: the handler answers a conflict)
        instead of answering with the first one's result. The stored key is a hash, so
        no token is kept in the table."""
        return IdempotencyStore(
            self.access.table.client,
            self.settings.idempotency_table,
            key_prefix=NOTIFICATION_KEY_PREFIX,
            expires_after_seconds=IDEMPOTENCY_SECONDS,
            validate_payload=True,
        )

    @cached_property
    def webhook_deliveries(self) -> IdempotencyStore:
        """A CRM webhook delivery is one (tenant, EventId)."""
        return IdempotencyStore(
            self.access.table.client,
            self.settings.idempotency_table,
            key_prefix=WEBHOOK_KEY_PREFIX,
            expires_after_seconds=IDEMPOTENCY_SECONDS,
        )


def routes_cold_start() -> NotificationRoutes:
    """NotificationWebhookFunction's graph, from its environment."""
    return NotificationRoutes(load_notification_settings())
