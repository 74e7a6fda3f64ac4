"""RedirectCallbackFunction's graph: sign-in, install, management and uninstall.

Built on the shared ``TenantAccess``; adds the ID-token validator, SyncQueue (the first
full sync, a resumed sync, the mirror's second sweep) and the sync's own parts that the
onboarding side uses without knowing them: the management page's sync section and the
uninstall's mirror purge.

The function serves routes that need very different parts (a sign-in start, the JWKS,
the management page, an install that provisions, an uninstall that purges the mirror),
so each part is imported when the property or method that builds it is first used, the
first time a route needs it; at cold start only the settings, the shared
``TenantAccess``, the session and sign-in shells and the spec (the pages name the app)
are loaded. The imports under ``TYPE_CHECKING`` are the same names, for type checkers.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any

from superoffice_app import aws_clients
from superoffice_app.onboarding.login_cookie import KEY_INFO as LOGIN_KEY_INFO
from superoffice_app.onboarding.management import webhooks_skipped_summary
from superoffice_app.onboarding.session import Sessions
from superoffice_app.onboarding.signin import SignIn
from superoffice_app.web.html import set_app_name

from .settings import OnboardingSettings, load_onboarding_settings
from .tenant_access import TenantAccess

if TYPE_CHECKING:
    from superoffice_app.app_secrets import AppSecrets
    from superoffice_app.onboarding.install import Installation
    from superoffice_app.onboarding.sync_switch import SyncSwitch
    from superoffice_app.onboarding.uninstall import Uninstaller
    from superoffice_app.provisioning.spec import ProvisioningSpec
    from superoffice_app.provisioning.webhooks import WebhookReport
    from superoffice_app.queues.sqs import SyncQueue
    from superoffice_app.store import TenantStore
    from superoffice_app.superoffice.oidc import TokenResponse
    from superoffice_app.sync.status import SyncSection
    from superoffice_app.tokens import IdTokenValidator

__all__ = ["OnboardingGraph", "cold_start"]


class OnboardingGraph:
    """The onboarding objects; tests build it with local clients in ``access``."""

    def __init__(
        self,
        settings: OnboardingSettings,
        access: TenantAccess | None = None,
        *,
        sqs: Any = None,
    ) -> None:
        self.settings = settings
        self.config = settings.app
        self.access = access or TenantAccess(settings.access)
        self._sqs = sqs

    # -- shared with every function that reaches a tenant --------------------------------

    @property
    def tenants(self) -> TenantStore:
        return self.access.tenants

    @property
    def secrets(self) -> AppSecrets:
        return self.access.secrets

    @cached_property
    def id_tokens(self) -> IdTokenValidator:
        from superoffice_app.tokens import IdTokenValidator  # noqa: PLC0415

        return IdTokenValidator(
            self.config.environment.issuer, self.config.client_id, self.access.superoffice_keys
        )

    @cached_property
    def sessions(self) -> Sessions:
        """The browser session: issued after a sign-in, read back for CSRF and the trail."""
        return Sessions(self.config.session_issuer, self.secrets.session_keys)

    # -- what the app provisions ---------------------------------------------------------

    @property
    def declared_spec(self) -> ProvisioningSpec:
        return self.access.declared_spec

    @property
    def spec(self) -> ProvisioningSpec:
        return self.access.spec

    @property
    def webhooks_skipped(self) -> str | None:
        """The audit entry saying why the install leaves the webhooks out; None if it does not."""
        if self.config.superoffice_can_call_back or not self.declared_spec.webhooks:
            return None
        return webhooks_skipped_summary(self.config.app_base_url)

    def ensure_webhooks(self, ctx: str) -> tuple[WebhookReport, ...]:
        """Re-register or re-activate ``ctx``'s CRM webhooks where SuperOffice lost them.

        ``provisioning.ensure_webhooks`` with this graph's clients and the tenant store;
        ``SuperOfficeError`` propagates.
        """
        from superoffice_app.provisioning.recorder import (  # noqa: PLC0415
            StoreRecorder,
            StoreWebhookSecrets,
        )
        from superoffice_app.provisioning.webhooks import ensure_webhooks  # noqa: PLC0415

        tenants = self.access.tenants
        return ensure_webhooks(
            self.spec,
            self.access.tenant_api(ctx),
            StoreRecorder(tenants, ctx),
            StoreWebhookSecrets(tenants, ctx),
        )

    # -- the sync, as far as onboarding needs it -----------------------------------------

    @cached_property
    def sync_queue(self) -> SyncQueue | None:
        """SyncQueue from `SYNC_QUEUE_URL`; None when it is not set (tests only)."""
        from superoffice_app.queues.sqs import SyncQueue  # noqa: PLC0415

        url = self.settings.sync_queue_url
        if url is None:
            return None
        return SyncQueue(self._sqs if self._sqs is not None else aws_clients.client("sqs"), url)

    @property
    def sync_entities(self) -> tuple[str, ...]:
        return self.settings.sync_entities

    @cached_property
    def sync_section(self) -> SyncSection:
        """The management page's sync section (``sync.status``), on this tenants table."""
        from superoffice_app.sync.state import SyncStateStore  # noqa: PLC0415
        from superoffice_app.sync.status import SyncSection  # noqa: PLC0415

        return SyncSection(SyncStateStore(self.access.table), self.settings.sync_entities)

    @cached_property
    def sync_switch(self) -> SyncSwitch:
        from superoffice_app.onboarding.sync_switch import SyncSwitch  # noqa: PLC0415

        return SyncSwitch(self.access.tenants, self.sync_queue)

    # -- sign-in, install, uninstall -----------------------------------------------------

    def installation(self) -> Installation:
        from superoffice_app.onboarding.install import Installation  # noqa: PLC0415

        access = self.access
        return Installation(
            environment=self.config.environment.name,
            tenants=access.tenants,
            state_api=access.state_api,
            system_users=access.system_users,
            tenant_api=access.tenant_api,
            spec=self.spec,
            sync_queue=self.sync_queue,
            webhooks_skipped=self.webhooks_skipped,
        )

    def _exchange_code(self, code: str, code_verifier: str) -> TokenResponse:
        from superoffice_app.superoffice.oidc import exchange_code  # noqa: PLC0415

        return exchange_code(
            self.access.http,
            self.config.environment,
            client_id=self.config.client_id,
            client_secret=self.secrets.client_secret(),
            code=code,
            redirect_uri=self.config.app_base_url + "/callback",
            code_verifier=code_verifier,
        )

    def _login_keys(self) -> tuple[bytes, ...]:
        """The sign-in cookie's keys, from the session key ring as it is now (rotation)."""
        keys: tuple[bytes, ...] = self.secrets.session_keys().derived_keys(LOGIN_KEY_INFO)
        return keys

    @cached_property
    def sign_in(self) -> SignIn:
        return SignIn(
            self.config,
            self._login_keys,
            self.access.tenants,
            self.id_tokens,
            self._exchange_code,
            self.installation,
        )

    @cached_property
    def uninstaller(self) -> Uninstaller:
        from superoffice_app.onboarding.uninstall import Uninstaller  # noqa: PLC0415

        return Uninstaller(
            self.access.tenants, self.access.tenant_api, self._purge_mirror(), self._sweep_later()
        )

    def _sweep_later(self) -> Callable[[str], bool] | None:
        """Queues the mirror's second pass after an uninstall (``Uninstaller``)."""
        from superoffice_app.onboarding.uninstall import SWEEP_DELAY_SECONDS  # noqa: PLC0415
        from superoffice_app.queues.messages import FollowUp, FollowUpMessage  # noqa: PLC0415
        from superoffice_app.queues.sqs import send_sync  # noqa: PLC0415

        queue = self.sync_queue
        if queue is None or self.settings.records_table is None:
            return None
        return lambda ctx: send_sync(
            queue, FollowUpMessage(ctx, FollowUp.SWEEP_MIRROR), SWEEP_DELAY_SECONDS
        )

    def _purge_mirror(self) -> Callable[[str], int] | None:
        """Removes a tenant's mirrored records, when this function knows RecordsTable."""
        from superoffice_app.sync.mirror import RecordsMirror  # noqa: PLC0415

        table = self.settings.records_table
        if table is None:
            return None
        mirror = RecordsMirror(self.access.table.client, table)
        entities = self.settings.sync_entities
        return lambda ctx: sum(mirror.purge(ctx, entity) for entity in entities)


def cold_start() -> OnboardingGraph:
    """This Lambda instance's graph, from its environment (a bad setting fails here).

    The pages name the app as provisioning.json does, so a bad spec fails here too.
    """
    graph = OnboardingGraph(load_onboarding_settings())
    set_app_name(graph.spec.app_name)
    return graph
