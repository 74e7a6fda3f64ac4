"""NotificationWebhookFunction end to end: verified, deduplicated, ordered, fast, no 500."""

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

from superoffice_app.store import TenantStatus, TenantStore
from tests.integration.lifecycle.conftest import (
    ISSUER,
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


@pytest.mark.parametrize(
    ("change", "status", "follow_up"),
    [
        (0, TenantStatus.UPGRADING, "wait_for_running"),
        (1, TenantStatus.ACTIVE, "full_resync"),
        (2, TenantStatus.SUSPENDED, None),
        (4, TenantStatus.ACTIVE, "purge"),  # purged by the follow-up once confirmed
        (5, TenantStatus.ACTIVE, "refresh_endpoint"),
    ],
)
def test_each_change_type_from_active(
    handler: ModuleType,
    tenants: TenantStore,
    active_tenant: str,
    state_token: TokenFactory,
    change: int,
    status: TenantStatus,
    follow_up: str | None,
) -> None:
    code, answer = send(handler, notification(change, state_token(), PublicEndpoint="sod3"))
    assert code == 200
    assert answer["applied"] is True
    assert tenants.get(active_tenant).status is status
    messages = queued(handler)
    assert [m["follow_up"] for m in messages] == ([follow_up] if follow_up else [])
    assert tenants.recent_events(active_tenant)[0].kind == "notification_applied"


def test_resume_after_suspend_and_duplicates_are_applied_once(
    handler: ModuleType, tenants: TenantStore, active_tenant: str, state_token: TokenFactory
) -> None:
    suspend = notification(2, state_token(iat=time.time() - 20))
    assert send(handler, suspend)[0] == 200
    assert send(handler, suspend)[0] == 200  # duplicate
    resume = notification(3, state_token(iat=time.time() - 10))
    assert send(handler, resume)[1]["applied"] is True
    assert tenants.get(active_tenant).status is TenantStatus.ACTIVE
    assert [m["follow_up"] for m in queued(handler)] == ["sync_soon"]


def test_late_older_notifications_never_move_a_tenant_backwards(
    handler: ModuleType, tenants: TenantStore, active_tenant: str, state_token: TokenFactory
) -> None:
    now = time.time()
    assert send(handler, notification(3, state_token(iat=now - 5)))[0] == 200  # Resume (no-op)
    late_suspend = send(handler, notification(2, state_token(iat=now - 30)))
    old_upgrade = send(handler, notification(0, state_token(iat=now - 60)))
    assert late_suspend == (
        200,
        {
            "applied": False,
            "reason": "not newer than the last notification applied",
            "follow_up": None,
        },
    )
    assert old_upgrade[1]["applied"] is False
    assert tenants.get(active_tenant).status is TenantStatus.ACTIVE


def test_concurrent_deliveries_of_one_notification_apply_once(
    handler: ModuleType, tenants: TenantStore, active_tenant: str, state_token: TokenFactory
) -> None:
    body = notification(1, state_token())
    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = [code for code, _ in pool.map(lambda _: send(handler, body), range(6))]
    assert set(codes) <= {200, 202}
    assert [m["follow_up"] for m in queued(handler)] == ["full_resync"]


@pytest.mark.parametrize(
    "forge",
    ["other key", "other issuer", "expired", "ctx mismatch", "none", "garbage"],
)
def test_forged_tokens_get_401_and_change_nothing(
    handler: ModuleType,
    tenants: TenantStore,
    active_tenant: str,
    state_token: TokenFactory,
    forge: str,
) -> None:
    if forge == "other key":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        token = jwt.encode({"iss": ISSUER, "exp": int(time.time()) + 300}, key, algorithm="RS256")
    elif forge == "other issuer":
        token = state_token(iss="https://sod.superoffice.com")
    elif forge == "expired":
        token = state_token(exp=int(time.time()) - 3600)
    elif forge == "ctx mismatch":
        token = state_token(ctx="Cust99999")
    elif forge == "none":
        token = jwt.encode({"iss": ISSUER}, "", algorithm="none")
    else:
        token = "not.a.jwt"
    before = tenants.get(active_tenant)
    code, answer = send(handler, notification(2, token))
    assert code == 401
    assert "token" in answer["message"]
    after = tenants.get(active_tenant)
    assert (after.status, after.revision) == (before.status, before.revision)
    assert queued(handler) == []


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"nope",
        b"[]",
        b'{"ChangeType": "2"}',
        b'{"ChangeType": 2, "ContextIdentifier": "x", "Token": "t"}',
    ],
)
def test_malformed_bodies_get_400_with_a_message(handler: ModuleType, body: bytes) -> None:
    code, answer = send(handler, body)
    assert code == 400
    assert answer["message"]


def test_base64_bodies_from_api_gateway_are_accepted(
    handler: ModuleType, tenants: TenantStore, active_tenant: str, state_token: TokenFactory
) -> None:
    assert send(handler, notification(2, state_token()), base64_body=True)[0] == 200
    assert tenants.get(active_tenant).status is TenantStatus.SUSPENDED


def test_unknown_types_and_unknown_tenants_are_recorded_and_acknowledged(
    handler: ModuleType, tenants: TenantStore, active_tenant: str, state_token: TokenFactory
) -> None:
    code, answer = send(handler, notification(42, state_token()))
    assert (code, answer["applied"]) == (200, False)
    assert tenants.get(active_tenant).status is TenantStatus.ACTIVE
    code, answer = send(handler, notification(2, state_token("Cust55555"), ctx="Cust55555"))
    assert (code, answer["applied"]) == (200, False)
    assert tenants.recent_events("Cust55555")[0].kind == "notification_ignored"


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
    assert first() == 200
    assert second() == 200
    assert sorted(m["kind"] for m in queued(handler)) == ["lifecycle", "record"]
