"""NotificationWebhookFunction end to end: verified, deduplicated, queued, fast, no 5xx."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from concurrent.futures import ThreadPoolExecutor
from types import ModuleType

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from superoffice_app.store import TenantStore
from tests.conftest import LambdaContext, load_function_module
from tests.integration.lifecycle.conftest import (
    SO,
    TokenFactory,
    call,
    http_event,
    notification,
    queued,
)

pytestmark = pytest.mark.integration
TENANT_STATE = "/notifications/tenant-state"


def send(handler: ModuleType, body: bytes, *, base64_body: bool = False) -> tuple[int, dict]:
    return call(handler, http_event(TENANT_STATE, body, base64=base64_body))


def call_headers(handler: ModuleType, body: bytes) -> dict[str, str]:
    result = handler.lambda_handler(http_event(TENANT_STATE, body), LambdaContext())
    return dict(result.get("headers") or {})


def waiting(handler: ModuleType) -> list[dict]:
    """The notifications queued for confirmation (NotificationQueue), drained."""
    return queued(handler, "NOTIFICATION_QUEUE_URL")


@pytest.mark.parametrize("change", [0, 1, 2, 3, 4, 5])
def test_a_notification_is_queued_for_confirmation_and_changes_nothing_yet(
    handler: ModuleType,
    tenants: TenantStore,
    active_tenant: str,
    state_token: TokenFactory,
    change: int,
) -> None:
    before = tenants.get(active_tenant)
    issued = int(time.time()) - 3
    code, answer = send(handler, notification(change, state_token(iat=issued)))
    assert (code, answer["accepted"]) == (202, True)
    after = tenants.get(active_tenant)
    assert (after.status, after.revision) == (before.status, before.revision)
    (message,) = waiting(handler)
    assert message["kind"] == "notification"
    assert (message["ctx"], message["change_type"]) == (active_tenant, change)
    assert message["issued_at"] == issued
    assert "Token" not in json.dumps(message)
    assert queued(handler) == []  # no follow-up before SuperOffice's state API confirms
    event = tenants.recent_events(active_tenant)[0]
    assert event.kind == "notification_received"
    assert event.details["token_id"] == message["token_id"]


def test_one_token_is_one_notification(
    handler: ModuleType, active_tenant: str, state_token: TokenFactory
) -> None:
    """Finding of issue 11: a captured token replayed with another ChangeType."""
    token = state_token()
    first = send(handler, notification(3, token))
    assert first[0] == 202
    assert send(handler, notification(3, token)) == first  # SuperOffice delivering again
    for replay in (notification(2, token), notification(0, token, PublicEndpoint="x")):
        code, answer = send(handler, replay)
        assert code == 409
        assert "already used" in answer["message"]
    other_tenant = notification(2, token, ctx="Cust99999")
    assert send(handler, other_tenant)[0] in (401, 409)
    assert [m["change_type"] for m in waiting(handler)] == [3]


def test_a_body_that_repeats_a_member_is_refused(
    handler: ModuleType, active_tenant: str, state_token: TokenFactory
) -> None:
    body = notification(3, state_token())
    doubled = body[:-1] + b', "ChangeType": 2}'
    code, answer = send(handler, doubled)
    assert code == 400
    assert "ChangeType" in answer["message"]
    assert waiting(handler) == []


def test_concurrent_deliveries_of_one_notification_queue_it_once(
    handler: ModuleType, active_tenant: str, state_token: TokenFactory
) -> None:
    body = notification(1, state_token())
    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = [code for code, _ in pool.map(lambda _: send(handler, body), range(6))]
    assert set(codes) <= {200, 202}
    assert [m["change_type"] for m in waiting(handler)] == [1]


@pytest.mark.parametrize(
    "forge",
    [
        "other key",
        "other issuer",
        "expired",
        "ctx mismatch",
        "none",
        "garbage",
        "another app's id_token",
        "a sign-in id_token",
    ],
)
def test_forged_tokens_get_401_and_change_nothing(
    handler: ModuleType,
    tenants: TenantStore,
    active_tenant: str,
    state_token: TokenFactory,
    issuer: str,
    forge: str,
) -> None:
    if forge == "other key":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        token = jwt.encode({"iss": issuer, "exp": int(time.time()) + 300}, key, algorithm="RS256")
    elif forge == "other issuer":
        token = state_token(iss="https://sod.superoffice.com")
    elif forge == "expired":
        token = state_token(exp=int(time.time()) - 3600)
    elif forge == "ctx mismatch":
        token = state_token(ctx="Cust99999")
    elif forge == "none":
        token = jwt.encode({"iss": issuer}, "", algorithm="none")
    elif forge == "another app's id_token":
        # Finding of issue 11: SuperID signed it, for another partner's app, no tenant.
        token = state_token(aud="another-partners-app", **{SO + "ctx": None})
    elif forge == "a sign-in id_token":
        token = state_token(aud="local-dev-client", nonce="n-1")
    else:
        token = "not.a.jwt"
    before = tenants.get(active_tenant)
    code, answer = send(handler, notification(2, token))
    assert code == 401
    assert "token" in answer["message"]
    after = tenants.get(active_tenant)
    assert (after.status, after.revision) == (before.status, before.revision)
    assert waiting(handler) == []
    assert queued(handler) == []


@pytest.mark.parametrize(
    ("body", "base64_body"),
    [
        (b"", False),
        (b"nope", False),
        (b"[]", False),
        (b'{"ChangeType": "2"}', False),
        (b'{"ChangeType": 2, "ContextIdentifier": "x", "Token": "t"}', False),
        (b'{"ChangeType": 2, "ContextIdentifier": "Cust1", "Token": "\xff\xfe"}', True),
        (b"\xff\xfe{}", True),
        (b"not base64 at all", False),
    ],
)
def test_malformed_bodies_get_400_with_a_message(
    handler: ModuleType, body: bytes, base64_body: bool
) -> None:
    if base64_body:
        code, answer = send(handler, body, base64_body=True)
    else:
        code, answer = send(handler, body)
    assert code == 400
    assert answer["message"]


def test_base64_bodies_from_api_gateway_are_accepted(
    handler: ModuleType, active_tenant: str, state_token: TokenFactory
) -> None:
    assert send(handler, notification(2, state_token()), base64_body=True)[0] == 202
    assert [m["change_type"] for m in waiting(handler)] == [2]


def test_unknown_types_are_recorded_and_unknown_tenants_leave_no_trace(
    handler: ModuleType, tenants: TenantStore, active_tenant: str, state_token: TokenFactory
) -> None:
    code, answer = send(handler, notification(42, state_token()))
    assert (code, answer["accepted"]) == (200, False)
    assert tenants.recent_events(active_tenant)[0].kind == "notification_ignored"
    code, answer = send(handler, notification(2, state_token("Cust55555"), ctx="Cust55555"))
    assert (code, answer["accepted"]) == (200, False)
    assert tenants.recent_events("Cust55555") == []
    assert waiting(handler) == []


def signed(body: bytes, secret: str = "hook-secret") -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return {
        "X-SuperOffice-Signature": base64.b64encode(digest).decode(),
        "X-SuperOffice-EventId": "e",
    }


def webhook(event_id: str = "e-1", ctx: str = "Cust12345", **extra: object) -> bytes:
    return json.dumps(
        {
            "EventId": event_id,
            "Event": "contact.changed",
            "PrimaryKey": 18,
            "Entity": "contact",
            "ContextIdentifier": ctx,
            "Timestamp": "2026-11-22T10:00:00",
            **extra,
        }
    ).encode()


def test_signed_webhooks_queue_one_targeted_sync_and_replays_none(
    handler: ModuleType, active_tenant: str
) -> None:
    body = webhook()
    path = f"/webhooks/crm/{active_tenant}"
    assert call(handler, http_event(path, body, headers=signed(body)))[0] == 200
    assert call(handler, http_event(path, body, headers=signed(body), base64=True))[0] == 200
    messages = queued(handler)
    assert messages == [
        {
            "kind": "record",
            "ctx": active_tenant,
            "entity": "contact",
            "primary_key": 18,
            "event": "contact.changed",
            "event_id": "e-1",
        }
    ]


def test_forged_or_foreign_webhooks_are_refused(handler: ModuleType, active_tenant: str) -> None:
    body = webhook()
    path = f"/webhooks/crm/{active_tenant}"
    assert call(handler, http_event(path, body, headers=signed(body, "wrong")))[0] == 401
    assert call(handler, http_event(path, body))[0] == 401
    foreign = webhook(ctx="Cust99999")
    assert call(handler, http_event(path, foreign, headers=signed(foreign)))[0] == 400
    unknown = "/webhooks/crm/Cust77777"
    assert call(handler, http_event(unknown, body, headers=signed(body)))[0] == 401
    assert queued(handler) == []


@pytest.mark.parametrize("tenant", ["cust10001", "%00", "..%2F..%2Fetc", "Cust1 ", "x" * 300])
def test_a_webhook_path_that_names_no_tenant_is_refused_with_400(
    handler: ModuleType, tenant: str
) -> None:
    """Finding of issue 11: these answered 500."""
    body = webhook()
    code, answer = call(handler, http_event(f"/webhooks/crm/{tenant}", body, headers=signed(body)))
    assert code == 400
    assert "context identifier" in answer["message"]


def test_the_registration_test_event_gets_200(handler: ModuleType, active_tenant: str) -> None:
    body = json.dumps({"EventId": "t-1", "Event": "test", "ContextIdentifier": "Default"}).encode()
    code, _ = call(
        handler, http_event(f"/webhooks/crm/{active_tenant}", body, headers=signed(body))
    )
    assert code == 200
    assert queued(handler) == []


@pytest.mark.parametrize("notification_first", [True, False])
def test_one_warm_instance_serves_notifications_and_webhooks(
    handler: ModuleType, active_tenant: str, state_token: TokenFactory, notification_first: bool
) -> None:
    """Each route keeps its own idempotency keys, whichever one a warm instance saw first."""
    body = webhook(event_id="warm-1")
    path = f"/webhooks/crm/{active_tenant}"

    def deliver() -> int:
        return call(handler, http_event(path, body, headers=signed(body)))[0]

    def notify() -> int:
        return send(handler, notification(5, state_token(), PublicEndpoint="sod3"))[0]

    first, second = (notify, deliver) if notification_first else (deliver, notify)
    assert {first(), second()} == {200, 202}
    assert [m["kind"] for m in queued(handler)] == ["record"]
    assert [m["kind"] for m in waiting(handler)] == ["notification"]


@pytest.mark.parametrize("service", ["DYNAMODB", "SQS"])
def test_an_outage_is_503_with_retry_after_and_the_next_delivery_works(
    monkeypatch: pytest.MonkeyPatch,
    handler: ModuleType,
    active_tenant: str,
    state_token: TokenFactory,
    service: str,
) -> None:
    """SuperOffice delivers again on a 5xx: an outage must not be a 500, nor lose it."""
    body = notification(3, state_token())
    monkeypatch.setenv(f"AWS_ENDPOINT_URL_{service}", "http://127.0.0.1:9")
    cut_off = load_function_module("notification_webhook")
    code, answer = send(cut_off, body)
    assert code == 503
    assert "temporarily unavailable" in answer["message"]
    assert "Retry-After" in call_headers(cut_off, body)
    monkeypatch.undo()
    assert send(handler, body)[0] == 202
    assert [m["change_type"] for m in waiting(handler)] == [3]
