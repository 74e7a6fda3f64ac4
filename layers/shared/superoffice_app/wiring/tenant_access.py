"""What every function that works in a tenant shares: one way to reach a tenant.

The tenant store (DynamoDB + KMS), the app's secrets, SuperOffice's keys, the state API
(its answers cached on the tenant's profile), system-user tickets, the tenant's REST
API, and what the app keeps in a tenant (the provisioning spec for this base URL).
Onboarding, the notification routes and confirmer, and the sync worker all use this one
object, so none builds another's graph to reach a tenant.

Everything is made on first use and kept for the life of the Lambda instance. Clients
handed in (tests, benchmarks) are used as they are; otherwise ``aws_clients.client``
makes them, with the app's short timeouts. The SuperOffice client and the provisioning
spec are imported on first use too (the imports inside the properties below): the
dispatcher and the notification routes reach tenants through the store only, and should
not import httpx and SuperOffice's client at cold start for it.
"""

from __future__ import annotations

import dataclasses
from functools import cached_property
from typing import TYPE_CHECKING, Any

from superoffice_app import aws_clients
from superoffice_app.app_secrets import AppSecrets

from .settings import TenantAccessSettings

if TYPE_CHECKING:
    import httpx

    from superoffice_app.provisioning.spec import ProvisioningSpec
    from superoffice_app.store import DynamoTable, TenantStore
    from superoffice_app.superoffice.rest import TenantApi
    from superoffice_app.superoffice.state_api import StateApiClient
    from superoffice_app.superoffice.system_user import SystemUserClient
    from superoffice_app.superoffice.tickets import StoredTickets
    from superoffice_app.tokens import RemoteKeySet

__all__ = ["TenantAccess"]


class TenantAccess:
    def __init__(
        self,
        settings: TenantAccessSettings,
        *,
        dynamodb: Any = None,
        kms: Any = None,
        http: httpx.Client | None = None,
        secrets: AppSecrets | None = None,
        spec: ProvisioningSpec | None = None,
    ) -> None:
        self.settings = settings
        self.config = settings.app
        self._dynamodb = dynamodb
        self._kms = kms
        self._http = http
        self._secrets = secrets
        self._spec = spec

    @cached_property
    def http(self) -> httpx.Client:
        from superoffice_app.superoffice.http import new_http_client  # noqa: PLC0415

        return self._http or new_http_client()

    @cached_property
    def secrets(self) -> AppSecrets:
        return self._secrets or AppSecrets(self.settings.secret_names)

    @cached_property
    def table(self) -> DynamoTable:
        # The store is imported with the first table a route reads: the JWKS and the
        # sign-in starts never read one.
        from superoffice_app.store import DynamoTable  # noqa: PLC0415

        client = self._dynamodb if self._dynamodb is not None else aws_clients.client("dynamodb")
        return DynamoTable(client=client, name=self.settings.tenants_table)

    @cached_property
    def tenants(self) -> TenantStore:
        from superoffice_app.store import SecretBox, TenantStore  # noqa: PLC0415

        kms = self._kms if self._kms is not None else aws_clients.client("kms")
        return TenantStore(self.table, SecretBox(kms, self.settings.app_key_id))

    @cached_property
    def superoffice_keys(self) -> RemoteKeySet:
        """The environment's published signing keys, and its JWKS for keys it adds."""
        # Imported here: only the routes that verify SuperOffice's tokens read the keys
        # (the sync worker never does), and the key modules cost a tenth of a cold start.
        from superoffice_app.tokens import KeySet, RemoteKeySet  # noqa: PLC0415

        environment = self.config.environment
        return RemoteKeySet(environment.jwks_url, KeySet.from_jwks(environment.published_jwks()))

    @cached_property
    def state_api(self) -> StateApiClient:
        from superoffice_app.superoffice.http import utc_now  # noqa: PLC0415
        from superoffice_app.superoffice.state_api import StateApiClient  # noqa: PLC0415
        from superoffice_app.superoffice.state_cache import TenantStateStore  # noqa: PLC0415

        return StateApiClient(
            self.http, self.config.environment, utc_now, store=TenantStateStore(self.tenants)
        )

    @cached_property
    def system_users(self) -> SystemUserClient:
        from superoffice_app.superoffice.http import utc_now  # noqa: PLC0415
        from superoffice_app.superoffice.system_user import SystemUserClient  # noqa: PLC0415
        from superoffice_app.tokens import SystemUserTokenValidator  # noqa: PLC0415

        return SystemUserClient(
            self.http,
            self.config.environment,
            SystemUserTokenValidator(self.superoffice_keys),
            client_secret=self.secrets.client_secret(),
            private_key=self.secrets.private_key(),
            clock=utc_now,
        )

    @cached_property
    def tickets(self) -> StoredTickets:
        from superoffice_app.superoffice.tickets import StoredTickets  # noqa: PLC0415

        return StoredTickets(self.tenants, self.system_users)

    def tenant_api(self, ctx: str) -> TenantApi:
        """The REST API of tenant ``ctx``, with this instance's tickets and state API."""
        from superoffice_app.superoffice.rest import TenantApi  # noqa: PLC0415

        return TenantApi(
            self.http,
            ctx=ctx,
            state_api=self.state_api,
            tickets=self.tickets,
            app_token=self.secrets.client_secret(),
        )

    @cached_property
    def declared_spec(self) -> ProvisioningSpec:
        """What the app declares (provisioning.json), for this base URL."""
        from superoffice_app.provisioning.spec import load_spec  # noqa: PLC0415

        return self._spec or load_spec(app_base_url=self.config.app_base_url)

    @cached_property
    def spec(self) -> ProvisioningSpec:
        """What the app provisions here: the declared spec, without CRM webhooks while
        SuperOffice cannot reach the app (a local stack on 127.0.0.1 against a real
        SuperOffice): their registration test would fail, and nothing would arrive."""
        if self.config.superoffice_can_call_back:
            return self.declared_spec
        return dataclasses.replace(self.declared_spec, webhooks=())
