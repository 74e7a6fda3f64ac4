"""The notification functions wired to DynamoDB Local, moto (KMS, SQS) and the simulator.

The simulator plays SuperOffice's state API (over real HTTP) and signs the tokens: its
signing key is the one the tests sign notification tokens with, and the environment's
certificate. ``NotificationWebhookFunction`` (app.py) receives; ``NotificationConfirmFunction``
(confirm.py) reads NotificationQueue as Lambda's event source would.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import jwt
import pytest

from local.simulator import RunningSimulator, start_simulator
from local.superid_keys import SigningKey, load_or_create_signing_key
from local.tables import create_tables
from superoffice_app.store import DynamoTable, Installer, SecretBox, TenantStatus, TenantStore
from tests.conftest import LambdaContext, load_function_module
from tests.integration.conftest import drain_queue, unique_table_name

SO = "http://schemes.superoffice.net/identity/"
CTX = "Cust12345"
# Nothing listens on the discard port: a state API there cannot be reached.
UNREACHABLE = "http://127.0.0.1:9"


@pytest.fixture(scope="session")
def lifecycle_dir(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return tmp_path_factory.mktemp("lifecycle")


@pytest.fixture(scope="session")
def simulator(lifecycle_dir: Any) -> Iterator[RunningSimulator]:
    with start_simulator(port=0, state_dir=lifecycle_dir, log=lambda _line: None) as running:
        yield running


@pytest.fixture(scope="session")
def superoffice_key(lifecycle_dir: Any, simulator: RunningSimulator) -> SigningKey:
    # The simulator's own key (same state directory): it signs as SuperOffice does.
    return load_or_create_signing_key(lifecycle_dir)


@pytest.fixture(scope="session")
def issuer(simulator: RunningSimulator) -> str:
    return simulator.base_url


@pytest.fixture
def superoffice(simulator: RunningSimulator) -> Iterator[RunningSimulator]:
    """The simulator with this module's tenant, Running, as each test starts."""
    state = simulator.state
    if state.find_tenant(CTX) is None:
        state.add_tenant(CTX, "Lifecycle AS")
    state.set_tenant_state(CTX, "Running")
    yield simulator
    state.set_tenant_state(CTX, "Running")


def _environment(
    issuer: str, key: SigningKey, tenants_table: DynamoTable, kms_key_id: str, **more: str
) -> dict[str, str]:
    return {
        "SUPEROFFICE_ENVIRONMENT": "local",
        "SUPEROFFICE_LOCAL_BASE_URL": issuer,
        "SUPEROFFICE_SIGNING_CERTIFICATE": key.certificate_pem,
        "SUPEROFFICE_CLIENT_ID": "local-dev-client",
        "APP_BASE_URL": "http://127.0.0.1:3000",
        "TENANTS_TABLE": tenants_table.name,
        "APP_KEY_ID": kms_key_id,
        # Every function gets the app's secret names (template Globals); these read none.
        "CLIENT_SECRET_NAME": "unused/client-secret",
        "PRIVATE_KEY_SECRET_NAME": "unused/private-key",
        "SESSION_KEY_SECRET_NAME": "unused/session-keys",
        **more,
    }


@pytest.fixture
def queues(aws_services: Any) -> dict[str, str]:
    import boto3

    sqs = boto3.client("sqs")
    suffix = uuid.uuid4().hex[:8]
    return {
        name: sqs.create_queue(QueueName=f"{name.lower()}-{suffix}")["QueueUrl"]
        for name in ("SYNC_QUEUE_URL", "NOTIFICATION_QUEUE_URL")
    }


@pytest.fixture
def handler(
    monkeypatch: pytest.MonkeyPatch,
    aws_services: Any,
    dynamodb_client: Any,
    local_template: Any,
    tenants_table: DynamoTable,
    kms_key_id: str,
    superoffice_key: SigningKey,
    issuer: str,
    queues: dict[str, str],
) -> Iterator[ModuleType]:
    idempotency = create_tables(
        dynamodb_client, local_template, only=["IdempotencyTable"], physical_name=unique_table_name
    )["IdempotencyTable"]
    environment = _environment(
        issuer,
        superoffice_key,
        tenants_table,
        kms_key_id,
        IDEMPOTENCY_TABLE=idempotency,
        POWERTOOLS_SERVICE_NAME="notification-webhook",
        **queues,
    )
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    yield load_function_module("notification_webhook")
    # Left behind, these tables stalled later index builds on the same DynamoDB Local
    # past their 30 s wait (tests/integration/local/test_local_table_migration.py).
    dynamodb_client.delete_table(TableName=idempotency)


def confirm_module(
    monkeypatch: pytest.MonkeyPatch,
    issuer: str,
    key: SigningKey,
    tenants_table: DynamoTable,
    kms_key_id: str,
    queues: dict[str, str],
) -> ModuleType:
    environment = _environment(
        issuer,
        key,
        tenants_table,
        kms_key_id,
        POWERTOOLS_SERVICE_NAME="notification-confirm",
        **queues,
    )
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return load_function_module("notification_webhook", "confirm")


@pytest.fixture
def confirm(
    monkeypatch: pytest.MonkeyPatch,
    aws_services: Any,
    superoffice: RunningSimulator,
    superoffice_key: SigningKey,
    tenants_table: DynamoTable,
    kms_key_id: str,
    queues: dict[str, str],
) -> ModuleType:
    """NotificationConfirmFunction asking the simulator's state API."""
    return confirm_module(
        monkeypatch, superoffice.base_url, superoffice_key, tenants_table, kms_key_id, queues
    )


def sqs_event(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """Received SQS messages as Lambda's SQS event source hands them to a function."""
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": message["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:notifications",
                "awsRegion": "eu-west-1",
            }
            for message in messages
        ]
    }


def confirm_queued(module: ModuleType) -> list[str]:
    """Run the confirm function over what NotificationQueue holds now, as Lambda would:
    deleting what it handled. The ids of the messages it reported as failed."""
    import boto3

    sqs = boto3.client("sqs")
    url = queue_url(module, "NOTIFICATION_QUEUE_URL")
    failed: list[str] = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=5).get("Messages", [])
        if not messages:
            return failed
        answer = module.lambda_handler(sqs_event(messages), LambdaContext())
        failures = {item["itemIdentifier"] for item in answer["batchItemFailures"]}
        failed.extend(failures)
        for message in messages:
            if message["MessageId"] not in failures:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            else:
                sqs.change_message_visibility(
                    QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=600
                )


@pytest.fixture
def tenants(tenants_table: DynamoTable, kms_client: Any, kms_key_id: str) -> TenantStore:
    return TenantStore(tenants_table, SecretBox(kms_client, kms_key_id))


@pytest.fixture
def active_tenant(tenants: TenantStore) -> str:
    ctx = CTX
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
def state_token(superoffice_key: SigningKey, issuer: str) -> TokenFactory:
    def make(ctx: str = CTX, *, iat: float | None = None, **overrides: Any) -> str:
        now = time.time() if iat is None else iat
        claims = {"iss": issuer, "iat": int(now), "exp": int(time.time()) + 300, SO + "ctx": ctx}
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


def queued(handler: ModuleType, queue: str = "SYNC_QUEUE_URL") -> list[dict[str, Any]]:
    """Drain one of the function's queues (the follow-ups by default)."""
    import boto3

    return drain_queue(boto3.client("sqs"), queue_url(handler, queue))


def queue_url(module: ModuleType, setting: str) -> str:
    """The queue URL a function module's graph was built with (``SYNC_QUEUE_URL``, ...)."""
    graph = getattr(module, "ROUTES", None) or module.GRAPH
    url: str = getattr(graph.settings, setting.lower())
    return url


def notification(change: int, token: str, ctx: str = CTX, **extra: Any) -> bytes:
    return json.dumps(
        {
            "ChangeType": change,
            "ContextIdentifier": ctx,
            "VersionName": "R1",
            "Token": token,
            **extra,
        }
    ).encode()
