"""What the worker keeps right in a tenant besides records: provisioning and webhooks.

After a ``BackupRestored`` (a sandbox clone or refresh) the app's items may be gone or
changed and the webhooks are gone; and SuperOffice disables a webhook after nine failed
deliveries (``TooManyErrors``) or a 410. Both checks are the provisioning engine's own,
idempotent code: ``provision`` finds existing items first and creates what is missing,
``ensure_webhooks`` re-activates or re-registers.
"""

from __future__ import annotations

from superoffice_app.provisioning import ensure_webhooks, provision
from superoffice_app.provisioning.recorder import StoreRecorder, StoreWebhookSecrets
from superoffice_app.provisioning.spec import ProvisioningSpec
from superoffice_app.store import TenantStore
from superoffice_app.superoffice.rest import TenantApi

__all__ = ["ProvisioningUpkeep"]


class ProvisioningUpkeep:
    """``TenantUpkeep`` over the provisioning spec and the tenant store."""

    def __init__(self, spec: ProvisioningSpec, tenants: TenantStore) -> None:
        self._spec = spec
        self._tenants = tenants

    def check_webhooks(self, ctx: str, api: TenantApi) -> str:
        reports = ensure_webhooks(
            self._spec,
            api,
            StoreRecorder(self._tenants, ctx),
            StoreWebhookSecrets(self._tenants, ctx),
        )
        repaired = [
            f"{report.name} {report.outcome}" for report in reports if report.outcome != "ok"
        ]
        return "; ".join(repaired) if repaired else "ok"

    def verify_provisioning(self, ctx: str, api: TenantApi) -> str:
        report = provision(
            self._spec,
            api,
            StoreRecorder(self._tenants, ctx),
            webhook_secrets=StoreWebhookSecrets(self._tenants, ctx),
        )
        return f"provisioning verified ({report.requests} requests)"
