"""Deliveries only a forger would send: well-formed, but signed with keys nobody trusts.

The notification's token is a real RS256 JWT shaped as SuperOffice's (its claims, `x5t`
in the header, SuperID's own `x5t` when its JWKS can be read), signed by a key made for
this run; the webhook's signature is a real HMAC-SHA256 over the body, under a secret
made for this run. Both must be refused with 401: they prove the app checks signatures,
not merely their shape. Nothing here is a secret of the app or of SuperOffice.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid
from typing import Any, Final

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from local.id_tokens import claim

NOTIFICATION_PATH: Final = "/notifications/tenant-state"
WEBHOOK_CTX: Final = "Cust10001"
WEBHOOK_PATH: Final = f"/webhooks/crm/{WEBHOOK_CTX}"
# lifecycle.webhooks.SIGNATURE_HEADER
SIGNATURE_HEADER: Final = "X-SuperOffice-Signature"
SUSPEND: Final = 2  # a ChangeType the app would act on, were the token genuine


def random_x5t() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(20)).rstrip(b"=").decode("ascii")


def forged_notification(issuer: str, x5t: str) -> bytes:
    """A Suspend notification for WEBHOOK_CTX whose token a stranger's key signed."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer,
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        claim("ctx"): WEBHOOK_CTX,
    }
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(claims, stranger, algorithm="RS256", headers={"x5t": x5t})
    body = {"ChangeType": SUSPEND, "ContextIdentifier": WEBHOOK_CTX, "Token": token}
    return json.dumps(body).encode("utf-8")


def forged_webhook() -> tuple[bytes, dict[str, str]]:
    """A contact change for WEBHOOK_CTX, its signature under a secret made up here."""
    body = json.dumps(
        {
            "EventId": str(uuid.uuid4()),
            "Event": "contact.changed",
            "ContextIdentifier": WEBHOOK_CTX,
            "Entity": "contact",
            "PrimaryKey": 1,
            "Timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
    ).encode("utf-8")
    digest = hmac.new(secrets.token_bytes(32), body, hashlib.sha256).digest()
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: base64.b64encode(digest).decode("ascii"),
    }
    return body, headers
