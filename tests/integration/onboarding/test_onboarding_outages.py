"""Outages of DynamoDB, KMS and Secrets Manager, over real HTTP: 503, temporary, in seconds.

Issue 11: with DynamoDB unreachable a page answered 500; with Secrets Manager slow a valid
session was refused with 403 after a 10 s wait. Here RedirectCallbackFunction and its
authorizer run behind the local gateway (`HttpApi`), on DynamoDB Local, moto and the
simulator; one service at a time is made unreachable (its endpoint a closed port) or
slow (a server that accepts and never answers) for a freshly loaded function, while the
authorizer stays warm.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import httpx
import pytest

from superoffice_app.authorizer import TokenAuthorizer
from superoffice_app.aws_clients import limits_for
from superoffice_app.config import load_config
from superoffice_app.store import DynamoTable, TenantStatus
from superoffice_app.tokens import IdTokenValidator, KeySet, SessionKeyRing, SessionTokenValidator
from superoffice_app.tokens.fetch import FETCH_TIMEOUT_SECONDS
from superoffice_app.wiring.authorizer import SESSION_KEYS_REFRESH_SECONDS, session_key_source
from tests.conftest import load_function_module
from tests.integration.onboarding.http_api import (
    AUTHORIZER,
    REDIRECT,
    HttpApi,
    seed_active_tenant,
    session_cookie,
)
from tests.integration.onboarding.onboarding_browser import forms_of
from tests.unit.layer.test_aws_clients import SilentServer

pytestmark = pytest.mark.integration

CTX = "Cust10001"


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


@pytest.fixture
def warm_authorizer(http_api: HttpApi, http_api_settings: dict[str, str]) -> ModuleType:
    module = load_function_module("token_validation")
    http_api.functions[AUTHORIZER] = module
    return module


def assert_temporary_page(answer: httpx.Response) -> None:
    assert answer.status_code == 503, answer.text[:300]
    assert answer.headers["retry-after"] == "30"
    assert answer.headers["content-type"].startswith("text/html")
    assert "The app is briefly unavailable" in answer.text
    assert "This is temporary" in answer.text
    assert "Correlation id" in answer.text
    assert "Traceback" not in answer.text


def assert_temporary_json(answer: httpx.Response) -> None:
    assert answer.status_code == 503, answer.text[:300]
    assert answer.headers["retry-after"] == "30"
    body: dict[str, Any] = answer.json()
    assert body["error"] == "The app is briefly unavailable"
    assert "temporary" in body["message"]
    assert body["correlation_id"]


def test_pages_answer_503_in_seconds_while_dynamodb_is_unreachable(
    http_api: HttpApi,
    http_api_settings: dict[str, str],
    warm_authorizer: ModuleType,
    session_ring: SessionKeyRing,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", closed_port_url())
    http_api.functions[REDIRECT] = load_function_module("redirect_callback")
    token, cookie = session_cookie(session_ring, http_api.base_url)
    with httpx.Client(base_url=http_api.base_url, timeout=40) as client:
        page = client.get(f"/tenants/{CTX}", headers={"Cookie": cookie, "Accept": "text/html"})
        # The function's own page (the authorizer reads no table), not the gateway's 500
        # or its 503 for an integration that timed out.
        assert_temporary_page(page)
        as_json = client.get(f"/tenants/{CTX}?format=json", headers={"Cookie": cookie})
        assert_temporary_json(as_json)
        api = client.get(f"/api/tenants/{CTX}", headers={"Authorization": f"Bearer {token}"})
        assert_temporary_json(api)


def test_uninstall_answers_503_while_kms_is_unreachable_and_forgets_nothing(
    http_api: HttpApi,
    http_api_settings: dict[str, str],
    warm_authorizer: ModuleType,
    session_ring: SessionKeyRing,
    tenants_table: DynamoTable,
    kms_key_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = seed_active_tenant(tenants_table, kms_key_id)  # sealed with the working KMS
    monkeypatch.setenv("AWS_ENDPOINT_URL_KMS", closed_port_url())
    http_api.functions[REDIRECT] = load_function_module("redirect_callback")
    _, cookie = session_cookie(session_ring, http_api.base_url)
    with httpx.Client(base_url=http_api.base_url, timeout=40) as client:
        confirm = client.get(f"/tenants/{CTX}/uninstall", headers={"Cookie": cookie})
        assert confirm.status_code == 200, confirm.text[:300]
        (form,) = [f for f in forms_of(confirm.text) if f.method == "POST"]
        # Removing the item needs the tenant's ticket, which only KMS can open.
        answer = client.post(form.action, data=form.fields, headers={"Cookie": cookie})
    assert_temporary_page(answer)
    profile = store.get(CTX)
    assert profile is not None
    assert profile.status is TenantStatus.UNINSTALLING  # the next attempt continues
    assert [item.key for item in store.list_provisioned(CTX)] == ["MyPartnerApp:Scores"]


def test_a_slow_secrets_manager_gets_a_fast_503_and_a_warm_authorizer_keeps_its_keys(
    http_api: HttpApi,
    http_api_settings: dict[str, str],
    warm_authorizer: ModuleType,
    session_ring: SessionKeyRing,
    tenants_table: DynamoTable,
    kms_key_id: str,
    silent_server: SilentServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed_active_tenant(tenants_table, kms_key_id)
    # The deployed wiring of the session keys (real downloads from this API's JWKS
    # route), on a clock the test moves: a warm instance a few minutes later.
    config = load_config()
    now = [1000.0]
    session_keys = session_key_source(config, clock=lambda: now[0])
    monkeypatch.setattr(
        warm_authorizer,
        "AUTHORIZER",
        TokenAuthorizer(
            id_tokens=IdTokenValidator(config.environment.issuer, config.client_id, KeySet()),
            sessions=SessionTokenValidator(config.session_issuer, session_keys),
        ),
    )
    http_api.functions[REDIRECT] = load_function_module("redirect_callback")
    with httpx.Client(base_url=http_api.base_url, timeout=40) as client:
        _, cookie = session_cookie(session_ring, http_api.base_url)
        assert client.get(f"/tenants/{CTX}", headers={"Cookie": cookie}).status_code == 200
        assert session_keys.fetch_count == 1

        # A new instance of the function meets a Secrets Manager that never answers.
        monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", silent_server.url)
        http_api.functions[REDIRECT] = load_function_module("redirect_callback")
        started = time.monotonic()
        jwks = client.get("/.well-known/jwks.json")
        elapsed = time.monotonic() - started
        assert_temporary_json(jwks)
        assert jwks.headers["cache-control"] == "no-store"
        # In time for the authorizer, whose download gives up after FETCH_TIMEOUT_SECONDS.
        assert elapsed < FETCH_TIMEOUT_SECONDS
        assert silent_server.connections == limits_for("secretsmanager").max_attempts

        # Minutes later the authorizer reads the keys again, fails, and keeps its own.
        now[0] += SESSION_KEYS_REFRESH_SECONDS
        _, another = session_cookie(session_ring, http_api.base_url, associate_id=6)
        page = client.get(f"/tenants/{CTX}", headers={"Cookie": another})
        assert page.status_code == 200, page.text[:300]
        assert session_keys.fetch_count == 2
        assert any(line.startswith("GET /.well-known/jwks.json 503 ") for line in http_api.log), (
            http_api.log
        )
