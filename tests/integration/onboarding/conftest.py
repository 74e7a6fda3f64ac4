"""The onboarding function wired to local services: DynamoDB Local, moto and the simulator.

RedirectCallbackFunction is called in-process by the test browser; the routes SuperOffice
calls back (NotificationWebhookFunction: the webhook registration test event and record
deliveries) are served over real HTTP by `AppGateway` on a free port, which is the app's
base URL: the install registers its webhook there.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from local import defaults
from local.app_credentials import AppCredentials, load_or_create_app_credentials
from local.simulator import RunningSimulator, start_simulator
from local.tables import create_tables
from local.template import Template
from superoffice_app.authorizer import TokenAuthorizer
from superoffice_app.store import DynamoTable
from superoffice_app.tokens import (
    IdTokenValidator,
    KeySet,
    RemoteKeySet,
    SessionKeyRing,
    SessionTokenValidator,
    StaticKeys,
)
from tests.conftest import load_function_module
from tests.integration.conftest import unique_table_name
from tests.integration.onboarding.app_gateway import AppGateway
from tests.integration.onboarding.http_api import HttpApi
from tests.integration.onboarding.onboarding_browser import Browser


@pytest.fixture(scope="session")
def onboarding_state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onboarding-simulator")


@pytest.fixture(scope="session")
def app_credentials(onboarding_state_dir: Path) -> AppCredentials:
    return load_or_create_app_credentials(onboarding_state_dir)


@pytest.fixture(scope="session")
def simulator(
    onboarding_state_dir: Path, app_credentials: AppCredentials
) -> Iterator[RunningSimulator]:
    log: list[str] = []
    with start_simulator(port=0, state_dir=onboarding_state_dir, log=log.append) as running:
        yield running


@pytest.fixture(autouse=True)
def _fresh_simulator(simulator: RunningSimulator) -> None:
    simulator.state.reset()


@pytest.fixture(scope="session")
def app_gateway(simulator: RunningSimulator) -> Iterator[AppGateway]:
    """The app's HTTP side for SuperOffice's webhook calls.

    The simulator sends no customer-state notifications to the app in these tests: they
    are the lifecycle tests' subject, and by default they would go to port 3000, where a
    developer's own `make up` may be listening.
    """
    import httpx

    gateway = AppGateway()
    answer = httpx.put(
        f"{simulator.base_url}/_control/notification-urls", json={"url": None}, timeout=10
    )
    assert answer.status_code == 200, answer.text
    try:
        yield gateway
    finally:
        gateway.stop()


@pytest.fixture
def app_base_url(app_gateway: AppGateway) -> str:
    return app_gateway.base_url


@pytest.fixture
def session_ring() -> SessionKeyRing:
    return SessionKeyRing.generate()


@pytest.fixture
def sync_queue_url(aws_services: Any) -> Iterator[str]:
    """SyncQueue in moto: the install queues its full sync here, a resume its sync."""
    import boto3

    sqs = boto3.client("sqs")
    url: str = sqs.create_queue(QueueName=f"sync-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    try:
        yield url
    finally:
        sqs.delete_queue(QueueUrl=url)


def store_app_secrets(credentials: AppCredentials, ring: SessionKeyRing) -> dict[str, str]:
    """The app's three secrets, stored in (moto's) Secrets Manager under fresh names:
    the settings that name them."""
    import boto3

    prefix = f"test-{uuid.uuid4().hex[:8]}"
    secrets = boto3.client("secretsmanager")
    settings: dict[str, str] = {}
    for setting, (name, value) in {
        "CLIENT_SECRET_NAME": (f"{prefix}/client-secret", credentials.client_secret),
        "PRIVATE_KEY_SECRET_NAME": (f"{prefix}/private-key", credentials.private_key_xml),
        "SESSION_KEY_SECRET_NAME": (f"{prefix}/session-keys", ring.to_json()),
    }.items():
        secrets.create_secret(Name=name, SecretString=value)
        settings[setting] = name
    return settings


@pytest.fixture
def handler(
    monkeypatch: pytest.MonkeyPatch,
    aws_services: Any,
    tenants_table: DynamoTable,
    kms_key_id: str,
    simulator: RunningSimulator,
    app_credentials: AppCredentials,
    session_ring: SessionKeyRing,
    app_base_url: str,
    sync_queue_url: str,
) -> ModuleType:
    for setting, name in store_app_secrets(app_credentials, session_ring).items():
        monkeypatch.setenv(setting, name)
    for key, value in {
        "SUPEROFFICE_ENVIRONMENT": "local",
        "SUPEROFFICE_LOCAL_BASE_URL": simulator.base_url,
        "SUPEROFFICE_CLIENT_ID": defaults.LOCAL_CLIENT_ID,
        "APP_BASE_URL": app_base_url,
        "TENANTS_TABLE": tenants_table.name,
        "APP_KEY_ID": kms_key_id,
        "SYNC_QUEUE_URL": sync_queue_url,
        "POWERTOOLS_SERVICE_NAME": "redirect-callback",
    }.items():
        monkeypatch.setenv(key, value)
    return load_function_module("redirect_callback")


@pytest.fixture
def webhook_function(
    handler: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
    dynamodb_client: Any,
    local_template: Template,
    app_gateway: AppGateway,
    sync_queue_url: str,
) -> Iterator[ModuleType]:
    """NotificationWebhookFunction on the onboarding's table, key and SyncQueue."""
    idempotency = create_tables(
        dynamodb_client, local_template, only=["IdempotencyTable"], physical_name=unique_table_name
    )["IdempotencyTable"]
    monkeypatch.setenv("IDEMPOTENCY_TABLE", idempotency)
    monkeypatch.setenv("SYNC_QUEUE_URL", sync_queue_url)
    # The notification route's queue; these tests send CRM webhooks only (NotificationQueue
    # is tests/integration/lifecycle's), so the sync queue stands in for it.
    monkeypatch.setenv("NOTIFICATION_QUEUE_URL", sync_queue_url)
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "notification-webhook")
    function = load_function_module("notification_webhook")
    app_gateway.serve(function)
    try:
        yield function
    finally:
        app_gateway.serve(None)
        dynamodb_client.delete_table(TableName=idempotency)


@pytest.fixture
def authorizer(
    simulator: RunningSimulator, session_ring: SessionKeyRing, app_base_url: str
) -> TokenAuthorizer:
    """The deployed authorizer's logic; session keys handed in as the JWKS route serves them."""
    superoffice = RemoteKeySet(f"{simulator.base_url}/login/.well-known/jwks", KeySet())
    return TokenAuthorizer(
        IdTokenValidator(simulator.base_url, defaults.LOCAL_CLIENT_ID, superoffice),
        SessionTokenValidator(
            app_base_url, StaticKeys(KeySet.from_jwks(session_ring.public_jwks()))
        ),
    )


@pytest.fixture
def browser(
    handler: ModuleType,
    webhook_function: ModuleType,
    authorizer: TokenAuthorizer,
    simulator: RunningSimulator,
) -> Iterator[Browser]:
    open_browser = Browser(handler, authorizer, simulator.base_url)
    yield open_browser
    open_browser.close()


# -- RedirectCallbackFunction and its authorizer over real HTTP (http_api.HttpApi) ----------


@pytest.fixture
def http_api() -> Iterator[HttpApi]:
    served = HttpApi()
    try:
        yield served
    finally:
        served.stop()


@pytest.fixture
def http_api_settings(
    monkeypatch: pytest.MonkeyPatch,
    aws_services: Any,
    tenants_table: DynamoTable,
    kms_key_id: str,
    simulator: RunningSimulator,
    app_credentials: AppCredentials,
    session_ring: SessionKeyRing,
    http_api: HttpApi,
) -> dict[str, str]:
    """Both functions' settings, in the environment: the app's base URL is `http_api`'s.

    The secrets are in moto; a test may point an AWS endpoint elsewhere before it loads a
    function (clients are made on first use, from the environment of that moment).
    """
    settings = {
        "SUPEROFFICE_ENVIRONMENT": "local",
        "SUPEROFFICE_LOCAL_BASE_URL": simulator.base_url,
        "SUPEROFFICE_CLIENT_ID": defaults.LOCAL_CLIENT_ID,
        "APP_BASE_URL": http_api.base_url,
        "TENANTS_TABLE": tenants_table.name,
        "APP_KEY_ID": kms_key_id,
        "POWERTOOLS_SERVICE_NAME": "redirect-callback",
    }
    settings.update(store_app_secrets(app_credentials, session_ring))
    for name in ("SYNC_QUEUE_URL", "RECORDS_TABLE"):
        monkeypatch.delenv(name, raising=False)
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    return settings
