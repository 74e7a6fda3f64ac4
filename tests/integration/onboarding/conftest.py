"""The onboarding function wired to local services: DynamoDB Local, moto and the simulator."""

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
from tests.integration.onboarding.onboarding_browser import Browser

APP_BASE_URL = "http://127.0.0.1:3000"


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


@pytest.fixture
def session_ring() -> SessionKeyRing:
    return SessionKeyRing.generate()


@pytest.fixture
def handler(
    monkeypatch: pytest.MonkeyPatch,
    aws_services: Any,
    tenants_table: DynamoTable,
    kms_key_id: str,
    simulator: RunningSimulator,
    app_credentials: AppCredentials,
    session_ring: SessionKeyRing,
) -> ModuleType:
    import boto3

    prefix = f"test-{uuid.uuid4().hex[:8]}"
    secrets = boto3.client("secretsmanager")
    names = {
        "CLIENT_SECRET_NAME": (f"{prefix}/client-secret", app_credentials.client_secret),
        "PRIVATE_KEY_SECRET_NAME": (f"{prefix}/private-key", app_credentials.private_key_xml),
        "SESSION_KEY_SECRET_NAME": (f"{prefix}/session-keys", session_ring.to_json()),
    }
    for setting, (name, value) in names.items():
        secrets.create_secret(Name=name, SecretString=value)
        monkeypatch.setenv(setting, name)
    for key, value in {
        "SUPEROFFICE_ENVIRONMENT": "local",
        "SUPEROFFICE_LOCAL_BASE_URL": simulator.base_url,
        "SUPEROFFICE_CLIENT_ID": defaults.LOCAL_CLIENT_ID,
        "APP_BASE_URL": APP_BASE_URL,
        "TENANTS_TABLE": tenants_table.name,
        "APP_KEY_ID": kms_key_id,
        "POWERTOOLS_SERVICE_NAME": "redirect-callback",
    }.items():
        monkeypatch.setenv(key, value)
    return load_function_module("redirect_callback")


@pytest.fixture
def authorizer(simulator: RunningSimulator, session_ring: SessionKeyRing) -> TokenAuthorizer:
    """The deployed authorizer's logic; session keys handed in as the JWKS route serves them."""
    superoffice = RemoteKeySet(f"{simulator.base_url}/login/.well-known/jwks", KeySet())
    return TokenAuthorizer(
        IdTokenValidator(simulator.base_url, defaults.LOCAL_CLIENT_ID, superoffice),
        SessionTokenValidator(
            APP_BASE_URL, StaticKeys(KeySet.from_jwks(session_ring.public_jwks()))
        ),
    )


@pytest.fixture
def browser(
    handler: ModuleType, authorizer: TokenAuthorizer, simulator: RunningSimulator
) -> Iterator[Browser]:
    open_browser = Browser(handler, authorizer, simulator.base_url)
    yield open_browser
    open_browser.close()
