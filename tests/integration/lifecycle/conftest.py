"""NotificationWebhookFunction wired to DynamoDB Local, moto (KMS, SQS) and a signing key."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import jwt
import pytest

from local.superid_keys import SigningKey, load_or_create_signing_key
from local.tables import create_tables
from superoffice_app.store import DynamoTable, Installer, SecretBox, TenantStatus, TenantStore
from tests.conftest import LambdaContext, load_function_module
from tests.integration.conftest import drain_queue, unique_table_name

ISSUER = "http://127.0.0.1:9"
SO = "http://schemes.superoffice.net/identity/"


@pytest.fixture(scope="session")
def superoffice_key(tmp_path_factory: pytest.TempPathFactory) -> SigningKey:
    return load_or_create_signing_key(tmp_path_factory.mktemp("lifecycle-keys"))


@pytest.fixture
def handler(
    monkeypatch: pytest.MonkeyPatch,
    aws_services: Any,
    dynamodb_client: Any,
    local_template: Any,
    tenants_table: DynamoTable,
    kms_key_id: str,
    superoffice_key: SigningKey,
) -> Iterator[ModuleType]:
    import boto3

    idempotency = create_tables(
        dynamodb_client, local_template, only=["IdempotencyTable"], physical_name=unique_table_name
    )["IdempotencyTable"]
    queue_url = boto3.client("sqs").create_queue(QueueName=f"sync-{uuid.uuid4().hex[:8]}")[
        "QueueUrl"
    ]
    for key, value in {
        "SUPEROFFICE_ENVIRONMENT": "local",
        "SUPEROFFICE_LOCAL_BASE_URL": ISSUER,
        "SUPEROFFICE_SIGNING_CERTIFICATE": superoffice_key.certificate_pem,
        "SUPEROFFICE_CLIENT_ID": "local-dev-client",
        "APP_BASE_URL": "http://127.0.0.1:3000",
        "TENANTS_TABLE": tenants_table.name,
        "IDEMPOTENCY_TABLE": idempotency,
        "SYNC_QUEUE_URL": queue_url,
        "APP_KEY_ID": kms_key_id,
        "POWERTOOLS_SERVICE_NAME": "notification-webhook",
    }.items():
        monkeypatch.setenv(key, value)
    yield load_function_module("notification_webhook")
    # Left behind, these tables stalled later index builds on the same DynamoDB Local
    # past their 30 s wait (tests/integration/local/test_local_table_migration.py).
    dynamodb_client.delete_table(TableName=idempotency)


@pytest.fixture
def tenants(tenants_table: DynamoTable, kms_client: Any, kms_key_id: str) -> TenantStore:
    return TenantStore(tenants_table, SecretBox(kms_client, kms_key_id))


@pytest.fixture
def active_tenant(tenants: TenantStore) -> str:
    ctx = "Cust12345"
    tenants.begin_install(
        ctx,
        environment="local",
        api_base="http://127.0.0.1:3001/sod2/Cust12345/api",
        installed_by=Installer(associate_id=1),
        secrets={"system_token": "LocalApp-abc", "webhook_secret": "hook-secret"},
        serial="1234567890",
    )
    tenants.transition(ctx, TenantStatus.ACTIVE, allowed_from={TenantStatus.INSTALLING})
    return ctx


TokenFactory = Callable[..., str]


@pytest.fixture
def state_token(superoffice_key: SigningKey) -> TokenFactory:
    def make(ctx: str = "Cust12345", *, iat: float | None = None, **overrides: Any) -> str:
        now = time.time() if iat is None else iat
        claims = {"iss": ISSUER, "iat": int(now), "exp": int(time.time()) + 300, SO + "ctx": ctx}
        claims.update(overrides)
        return jwt.encode(
            claims,
            superoffice_key.private_key,
            algorithm="RS256",
            headers={"x5t": superoffice_key.x5t},
        )

    return make


def http_event(
    path: str, body: bytes, *, headers: dict[str, str] | None = None, base64: bool = False
) -> dict[str, Any]:
    import base64 as b64

    route = "POST /webhooks/crm/{ctx}" if path.startswith("/webhooks/crm/") else f"POST {path}"
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route,
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"content-type": "application/json", **(headers or {})},
        "requestContext": {
            "http": {"method": "POST", "path": path, "sourceIp": "192.0.2.1"},
            "requestId": uuid.uuid4().hex,
            "routeKey": route,
            "stage": "$default",
        },
        "body": b64.b64encode(body).decode() if base64 else body.decode(),
        "isBase64Encoded": base64,
    }
    if route.endswith("{ctx}"):
        event["pathParameters"] = {"ctx": path.rsplit("/", 1)[1]}
    return event


def call(handler: ModuleType, event: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    result = handler.lambda_handler(event, LambdaContext())
    return result["statusCode"], json.loads(result["body"])


def queued(handler: ModuleType) -> list[dict[str, Any]]:
    import boto3

    return drain_queue(boto3.client("sqs"), handler.SYNC_QUEUE_URL)


def notification(change: int, token: str, ctx: str = "Cust12345", **extra: Any) -> bytes:
    return json.dumps(
        {
            "ChangeType": change,
            "ContextIdentifier": ctx,
            "VersionName": "R1",
            "Token": token,
            **extra,
        }
    ).encode()
