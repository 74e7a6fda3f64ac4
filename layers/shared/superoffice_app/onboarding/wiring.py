"""Builds the onboarding services from settings and AWS clients, once per Lambda instance.

Everything is constructed lazily on first use and then reused across invocations; AWS
endpoints come from the standard `AWS_ENDPOINT_URL_<SERVICE>` variables, so the same
code runs against AWS and against the local emulators.

The sync settings the onboarding side needs are read lazily from the environment:
`SYNC_QUEUE_URL` (where an install queues the initial full sync and a resume queues a
sync; unset means no queueing, which only tests do) and `SYNC_ENTITIES` (the entities
the management page reports on; the four defaults when unset).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import httpx

from superoffice_app.app_secrets import AppSecrets, SecretNames
from superoffice_app.config import AppConfig, ConfigError, required_setting
from superoffice_app.lifecycle.tenant_state import TenantStateStore
from superoffice_app.onboarding.install import Installation
from superoffice_app.onboarding.login_cookie import KEY_INFO as LOGIN_KEY_INFO
from superoffice_app.onboarding.management import webhooks_skipped_summary
from superoffice_app.onboarding.recorder import StoreRecorder, StoreWebhookSecrets
from superoffice_app.onboarding.signin import SignIn
from superoffice_app.onboarding.sync_switch import SyncSwitch, send_sync
from superoffice_app.onboarding.tickets import StoredTickets
from superoffice_app.onboarding.uninstall import SWEEP_DELAY_SECONDS, Uninstaller
from superoffice_app.provisioning.spec import ProvisioningSpec, load_spec
from superoffice_app.provisioning.webhooks import WebhookReport, ensure_webhooks
from superoffice_app.store import DynamoTable, SecretBox, TenantStore
from superoffice_app.superoffice.http import new_http_client, utc_now
from superoffice_app.superoffice.oidc import TokenResponse, exchange_code
from superoffice_app.superoffice.rest import TenantApi
from superoffice_app.superoffice.state_api import StateApiClient
from superoffice_app.superoffice.system_user import SystemUserClient
from superoffice_app.sync.entities import parse_entities
from superoffice_app.sync.messages import FollowUpMessage
from superoffice_app.sync.queue import SyncQueue
from superoffice_app.sync.state import SyncStateStore
from superoffice_app.tokens import (
    IdTokenValidator,
    KeySet,
    RemoteKeySet,
    SessionTokenValidator,
    StaticKeys,
    SystemUserTokenValidator,
)


@dataclass(frozen=True)
class OnboardingSettings:
    tenants_table: str
    app_key_id: str
    secret_names: SecretNames


def load_onboarding_settings(env: Mapping[str, str] | None = None) -> OnboardingSettings:
    source = os.environ if env is None else env

    def required(name: str) -> str:
        return required_setting(source, name)

    return OnboardingSettings(
        tenants_table=required("TENANTS_TABLE"),
        app_key_id=required("APP_KEY_ID"),
        secret_names=SecretNames(
            client_secret=required("CLIENT_SECRET_NAME"),
            private_key=required("PRIVATE_KEY_SECRET_NAME"),
            session_keys=required("SESSION_KEY_SECRET_NAME"),
        ),
    )


def _aws_client(service: str) -> Any:
    # Imported here: only functions that use the store pay for boto3's import. Short
    # timeouts and bounded retries, so an outage is a 503 in seconds (aws_clients).
    from superoffice_app import aws_clients  # noqa: PLC0415

    return aws_clients.client(service)


class Onboarding:
    """The onboarding object graph; tests build it with local clients."""

    def __init__(
        self,
        config: AppConfig,
        settings: OnboardingSettings,
        *,
        dynamodb: Any = None,
        kms: Any = None,
        http: httpx.Client | None = None,
        secrets: AppSecrets | None = None,
        spec: ProvisioningSpec | None = None,
        sqs: Any = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.config = config
        self.settings = settings
        self._dynamodb = dynamodb
        self._kms = kms
        self._http = http
        self._secrets = secrets
        self._spec = spec
        self._sqs = sqs
        self._env = env  # None: os.environ, read when first needed

    @cached_property
    def http(self) -> httpx.Client:
        return self._http or new_http_client()

    @cached_property
    def secrets(self) -> AppSecrets:
        return self._secrets or AppSecrets(self.settings.secret_names)

    @cached_property
    def table(self) -> DynamoTable:
        client = self._dynamodb if self._dynamodb is not None else _aws_client("dynamodb")
        return DynamoTable(client=client, name=self.settings.tenants_table)

    @cached_property
    def tenants(self) -> TenantStore:
        kms = self._kms if self._kms is not None else _aws_client("kms")
        return TenantStore(self.table, SecretBox(kms, self.settings.app_key_id))

    @cached_property
    def superoffice_keys(self) -> RemoteKeySet:
        environment = self.config.environment
        return RemoteKeySet(environment.jwks_url, KeySet.from_jwks(environment.published_jwks()))

    @cached_property
    def id_tokens(self) -> IdTokenValidator:
        return IdTokenValidator(
            self.config.environment.issuer, self.config.client_id, self.superoffice_keys
        )

    @cached_property
    def state_api(self) -> StateApiClient:
        return StateApiClient(
            self.http, self.config.environment, utc_now, store=TenantStateStore(self.tenants)
        )

    @cached_property
    def system_users(self) -> SystemUserClient:
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
        return StoredTickets(self.tenants, self.system_users)

    def tenant_api(self, ctx: str) -> TenantApi:
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
        return self._spec or load_spec(app_base_url=self.config.app_base_url)

    @cached_property
    def spec(self) -> ProvisioningSpec:
        """What the app provisions here: the declared spec, without CRM webhooks while
        SuperOffice cannot reach the app (a local stack on 127.0.0.1 against a real
        SuperOffice): their registration test would fail, and nothing would arrive."""
        if self.config.superoffice_can_call_back:
            return self.declared_spec
        return dataclasses.replace(self.declared_spec, webhooks=())

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
        return ensure_webhooks(
            self.spec,
            self.tenant_api(ctx),
            StoreRecorder(self.tenants, ctx),
            StoreWebhookSecrets(self.tenants, ctx),
        )

    def _setting(self, name: str) -> str:
        source = os.environ if self._env is None else self._env
        return source.get(name, "").strip()

    @cached_property
    def sync_queue(self) -> SyncQueue | None:
        """SyncQueue from `SYNC_QUEUE_URL`; None when it is not set (tests only)."""
        url = self._setting("SYNC_QUEUE_URL")
        if not url:
            return None
        return SyncQueue(self._sqs if self._sqs is not None else _aws_client("sqs"), url)

    @cached_property
    def sync_entities(self) -> tuple[str, ...]:
        """The synced entities (`SYNC_ENTITIES`), as the sync functions read them."""
        try:
            specs = parse_entities(self._setting("SYNC_ENTITIES") or None)
        except ValueError as error:
            raise ConfigError(str(error)) from None
        return tuple(spec.name for spec in specs)

    @cached_property
    def sync_states(self) -> SyncStateStore:
        return SyncStateStore(self.table)

    @cached_property
    def sync_switch(self) -> SyncSwitch:
        return SyncSwitch(self.tenants, self.sync_queue)

    def session_tokens(self) -> SessionTokenValidator:
        """A validator of the app's session tokens, on the key ring as it is now (rotation)."""
        return SessionTokenValidator(
            self.config.session_issuer, StaticKeys(self.secrets.session_keys().keyset())
        )

    def installation(self) -> Installation:
        return Installation(
            environment=self.config.environment.name,
            tenants=self.tenants,
            state_api=self.state_api,
            system_users=self.system_users,
            tenant_api=self.tenant_api,
            spec=self.spec,
            sync_queue=self.sync_queue,
            webhooks_skipped=self.webhooks_skipped,
        )

    def _exchange_code(self, code: str, code_verifier: str) -> TokenResponse:
        return exchange_code(
            self.http,
            self.config.environment,
            client_id=self.config.client_id,
            client_secret=self.secrets.client_secret(),
            code=code,
            redirect_uri=self.config.app_base_url + "/callback",
            code_verifier=code_verifier,
        )

    def _login_keys(self) -> tuple[bytes, ...]:
        """The sign-in cookie's keys, from the session key ring as it is now (rotation)."""
        return self.secrets.session_keys().derived_keys(LOGIN_KEY_INFO)

    @cached_property
    def sign_in(self) -> SignIn:
        return SignIn(
            self.config,
            self._login_keys,
            self.tenants,
            self.id_tokens,
            self._exchange_code,
            self.installation,
        )

    @cached_property
    def uninstaller(self) -> Uninstaller:
        return Uninstaller(self.tenants, self.tenant_api, self._purge_mirror(), self._sweep_later())

    def _sweep_later(self) -> Callable[[str], bool] | None:
        """Queues the mirror's second pass after an uninstall (``Uninstaller``)."""
        queue = self.sync_queue
        if queue is None or not os.environ.get("RECORDS_TABLE", "").strip():
            return None
        return lambda ctx: send_sync(
            queue, FollowUpMessage(ctx, "sweep_mirror"), SWEEP_DELAY_SECONDS
        )

    def _purge_mirror(self) -> Callable[[str], int] | None:
        """Removes a tenant's mirrored records, when this function knows RecordsTable."""
        table = os.environ.get("RECORDS_TABLE", "").strip()
        if not table:
            return None
        # Imported here: the mirror is the sync's; onboarding only removes it.
        from superoffice_app.sync.entities import parse_entities  # noqa: PLC0415
        from superoffice_app.sync.mirror import RecordsMirror  # noqa: PLC0415

        mirror = RecordsMirror(self.table.client, table)
        entities = parse_entities(os.environ.get("SYNC_ENTITIES"))
        return lambda ctx: sum(mirror.purge(ctx, spec.name) for spec in entities)
