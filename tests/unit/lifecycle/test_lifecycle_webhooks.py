"""CRM webhooks: signature over the raw bytes, rotation, tenant binding, strict parsing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any, cast

import pytest
from hypothesis import given
from hypothesis import strategies as st

from superoffice_app.lifecycle.service import WebhookService
from superoffice_app.lifecycle.webhooks import (
    BadSignature,
    BadWebhook,
    header,
    parse_event,
    raw_body,
    signature_matches,
)
from superoffice_app.store import TenantStore
from superoffice_app.tokens import Secret

OLD, NEW = Secret("old-secret"), Secret("new-secret")


def sign(raw: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()


def event(**overrides: object) -> bytes:
    data = {
        "EventId": "e-1",
        "Timestamp": "2026-11-22T10:00:00",
        "Event": "contact.changed",
        "PrimaryKey": 18,
        "Entity": "contact",
        "ContextIdentifier": "Cust12345",
        "ChangedByAssociateId": 5,
        "FieldValues": {"name": "Acme"},
        **overrides,
    }
    return json.dumps(data).encode()


def test_signature_over_the_raw_bytes_with_either_secret_during_rotation() -> None:
    raw = event()
    assert signature_matches(raw, sign(raw, "old-secret"), [NEW, OLD])
    assert signature_matches(raw, sign(raw, "new-secret"), [NEW, OLD])
    assert not signature_matches(raw, sign(raw, "other"), [NEW, OLD])
    assert not signature_matches(raw + b" ", sign(raw, "new-secret"), [NEW])
    assert not signature_matches(raw, None, [NEW])
    assert not signature_matches(raw, sign(raw, "new-secret"), [])


def test_api_gateway_base64_bodies_are_decoded_before_verifying() -> None:
    raw = event(FieldValues={"name": "Ærø"})
    delivered = base64.b64encode(raw).decode()
    assert raw_body(delivered, is_base64=True) == raw
    assert signature_matches(raw_body(delivered, is_base64=True), sign(raw, "new-secret"), [NEW])
    with pytest.raises(BadWebhook):
        raw_body("!!not base64!!", is_base64=True)


def test_headers_are_read_case_insensitively() -> None:
    assert header({"X-SuperOffice-Signature": "s"}, "x-superoffice-signature") == "s"
    assert header(None, "x") is None


def test_event_is_bound_to_the_urls_tenant_or_the_registration_test() -> None:
    assert parse_event(event(), path_ctx="Cust12345").primary_key == 18
    test = parse_event(event(Event="test", ContextIdentifier="Default"), path_ctx="Cust12345")
    assert test.is_test
    with pytest.raises(BadWebhook, match="not this URL's tenant"):
        parse_event(event(ContextIdentifier="Cust99999"), path_ctx="Cust12345")


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"[]",
        event(EventId=""),
        event(Event=None),
        event(PrimaryKey="18"),
        event(FieldValues=[1]),
    ],
)
def test_malformed_events_are_refused(raw: bytes) -> None:
    with pytest.raises(BadWebhook):
        parse_event(raw, path_ctx="Cust12345")


@given(st.binary(max_size=300), st.text(max_size=60))
def test_verification_never_raises(raw: bytes, signature: str) -> None:
    assert signature_matches(raw, signature, [OLD]) in (True, False)


class SecretsOnly:
    """The one thing ``WebhookService.verify`` asks the tenant store: its secrets."""

    def __init__(self, secrets: Mapping[str, str]) -> None:
        self._secrets = secrets

    def get_secret(self, ctx: str, name: str) -> Secret | None:
        value = self._secrets.get(name) if ctx == "Cust12345" else None
        return Secret(value) if value is not None else None


class NoQueue:
    def send(self, message: Mapping[str, Any], delay_seconds: float = 0) -> None:
        raise AssertionError("verifying queues nothing")


def service(**secrets: str) -> WebhookService:
    return WebhookService(cast(TenantStore, SecretsOnly(secrets)), NoQueue())


def test_the_service_reads_a_delivery_signed_with_either_secret() -> None:
    rotating = service(webhook_secret="new-secret", webhook_secret_previous="old-secret")
    raw = event()
    for secret in ("new-secret", "old-secret"):
        assert rotating.verify("Cust12345", raw, sign(raw, secret)).primary_key == 18


@pytest.mark.parametrize(
    ("ctx", "signature"),
    [
        ("Cust12345", sign(event(), "other")),
        ("Cust12345", None),
        ("Cust99999", sign(event(), "new-secret")),  # a tenant without secrets
    ],
)
def test_a_bad_signature_is_refused_before_the_body_is_read(
    ctx: str, signature: str | None
) -> None:
    with pytest.raises(BadSignature):
        service(webhook_secret="new-secret").verify(ctx, event(), signature)
    # Even a body that is no event at all: the signature is checked first.
    with pytest.raises(BadSignature):
        service(webhook_secret="new-secret").verify(ctx, b"[", signature)


def test_a_signed_body_that_is_no_event_is_a_bad_webhook_not_a_bad_signature() -> None:
    raw = event(ContextIdentifier="Cust99999")
    with pytest.raises(BadWebhook, match="not this URL's tenant"):
        service(webhook_secret="new-secret").verify("Cust12345", raw, sign(raw, "new-secret"))


@pytest.mark.parametrize(
    "raw",
    [
        # A repeated member would let a signed delivery be read two ways: refused.
        event().replace(b'"EventId"', b'"EventId": "other", "EventId"', 1),
        b"\xff\xfe" + event(),  # not UTF-8
        event().replace(b"18", b"1e999", 1),  # a number no JSON reader agrees on
    ],
)
def test_a_validly_signed_body_read_two_ways_or_not_text_is_a_bad_webhook(raw: bytes) -> None:
    with pytest.raises(BadWebhook):
        service(webhook_secret="new-secret").verify("Cust12345", raw, sign(raw, "new-secret"))
