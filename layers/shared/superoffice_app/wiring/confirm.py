"""NotificationConfirmFunction's graph: the confirmer.

It asks SuperOffice's state API afresh about each queued notification and applies what
the answer bears out. Apart from ``wiring.notifications`` because that graph brings the
routes' services (token validation, signature checks, idempotency stores), which this
function never uses. The confirmer itself, with SuperOffice's client and httpx, is
imported and built by the first message; only the settings are read at cold start.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from superoffice_app import aws_clients
from superoffice_app.queues.sqs import SyncQueue

from .settings import ConfirmSettings, load_confirm_settings
from .tenant_access import TenantAccess

if TYPE_CHECKING:
    from superoffice_app.lifecycle.confirmer import NotificationConfirmer

__all__ = ["ConfirmGraph", "confirm_cold_start"]


class ConfirmGraph:
    def __init__(
        self,
        settings: ConfirmSettings,
        access: TenantAccess | None = None,
        *,
        sqs: Any = None,
    ) -> None:
        self.settings = settings
        self.access = access or TenantAccess(settings.access)
        self._sqs = sqs

    @cached_property
    def confirmer(self) -> NotificationConfirmer:
        # Imported here: the confirmer asks the state API, so it brings SuperOffice's
        # client and httpx, which the notification routes never need.
        from superoffice_app.lifecycle.confirmer import NotificationConfirmer  # noqa: PLC0415

        sqs = self._sqs if self._sqs is not None else aws_clients.client("sqs")
        return NotificationConfirmer(
            self.access.tenants,
            self.access.state_api,
            follow_ups=SyncQueue(sqs, self.settings.sync_queue_url),
            waiting=SyncQueue(sqs, self.settings.notification_queue_url),
        )


def confirm_cold_start() -> ConfirmGraph:
    """NotificationConfirmFunction's graph, from its environment."""
    return ConfirmGraph(load_confirm_settings())
