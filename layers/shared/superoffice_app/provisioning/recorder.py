"""The provisioning engine's `Recorder` and `WebhookSecrets`, backed by the tenant store.

Each item is written the moment the engine reports it, so a crash between two
provisioning steps leaves every item that exists in SuperOffice recorded here. The
webhook secret is sealed under `webhook_secret`, the name NotificationWebhookFunction
verifies deliveries with.
"""

from __future__ import annotations

from typing import Final

from superoffice_app.provisioning.items import ProvisionedItem
from superoffice_app.store import ProvisionedItem as StoredItem
from superoffice_app.store import TenantStore
from superoffice_app.tokens import Secret

WEBHOOK_SECRET: Final = "webhook_secret"  # noqa: S105 - the name of a stored secret
# Valid alongside the current one during a rotation (lifecycle.service reads both).
WEBHOOK_SECRET_PREVIOUS: Final = "webhook_secret_previous"  # noqa: S105 - a name
WEBHOOK_SECRET_NAMES: Final = (WEBHOOK_SECRET, WEBHOOK_SECRET_PREVIOUS)


def to_stored(item: ProvisionedItem) -> StoredItem:
    return StoredItem(
        kind=item.kind,
        key=item.key,
        superoffice_id=item.superoffice_id,
        name=item.name,
        details=dict(item.details),
    )


def from_stored(item: StoredItem) -> ProvisionedItem:
    return ProvisionedItem.from_json(
        {
            "kind": item.kind,
            "key": item.key,
            "superoffice_id": None if item.superoffice_id is None else str(item.superoffice_id),
            "name": item.name or item.key,
            "details": dict(item.details),
        }
    )


class StoreRecorder:
    def __init__(self, tenants: TenantStore, ctx: str) -> None:
        self._tenants = tenants
        self._ctx = ctx

    def record(self, item: ProvisionedItem) -> None:
        self._tenants.record_provisioned(self._ctx, to_stored(item))

    def recorded(self) -> list[ProvisionedItem]:
        return [from_stored(item) for item in self._tenants.list_provisioned(self._ctx)]


class StoreWebhookSecrets:
    """The tenant's webhook secret, sealed in the tenant store (`webhook_secret`)."""

    def __init__(self, tenants: TenantStore, ctx: str) -> None:
        self._tenants = tenants
        self._ctx = ctx

    def get(self) -> Secret | None:
        return self._tenants.get_secret(self._ctx, WEBHOOK_SECRET)

    def put(self, secret: Secret) -> None:
        self._tenants.put_secret(self._ctx, WEBHOOK_SECRET, secret)
