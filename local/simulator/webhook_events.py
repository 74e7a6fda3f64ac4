"""What a webhook delivery looks like on the wire: bodies, headers and the signature."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import uuid
from typing import Any

from local.simulator.webhooks import Delivery


def signature(secret: str, body: bytes) -> str:
    """X-SuperOffice-Signature: base64(HMAC-SHA256(UTF-8 secret, raw body bytes))."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def _timestamp() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body).encode("utf-8")


def registration_test_event(webhook_name: str) -> Delivery:
    """The event SuperOffice sends before saving a webhook (it answers nothing but 200)."""
    event_id = str(uuid.uuid4())
    body = {
        "EventId": event_id,
        "Timestamp": _timestamp(),
        "Event": "test",
        "ContextIdentifier": "Default",
        "Changes": [],
        "PrimaryKey": 0,
        "Entity": "",
        "WebhookName": webhook_name,
    }
    return Delivery(event_id=event_id, event="test", body=_encode(body))


def record_event(
    *,
    ctx: str,
    webhook_name: str,
    event: str,
    entity: str,
    primary_key: int,
    changes: list[str],
    field_values: dict[str, Any],
    associate_id: int,
) -> Delivery:
    event_id = str(uuid.uuid4())
    body = {
        "EventId": event_id,
        "Timestamp": _timestamp(),
        "Changes": list(changes),
        "Event": event,
        "PrimaryKey": primary_key,
        "Entity": entity,
        "ContextIdentifier": ctx,
        "ChangedByAssociateId": associate_id,
        "WebhookName": webhook_name,
        "FieldValues": field_values,
    }
    return Delivery(event_id=event_id, event=event, body=_encode(body))


def delivery_headers(delivery: Delivery, secret: str, *, test: bool = False) -> dict[str, str]:
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-SuperOffice-Event": delivery.event,
        "X-SuperOffice-EventId": delivery.event_id,
        "X-SuperOffice-Retry": str(delivery.attempts),
        "X-SuperOffice-Signature": signature(secret, delivery.body),
    }
    if test:
        headers["X-Hook-Test"] = "true"
    return headers
