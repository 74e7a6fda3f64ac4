"""SuperOffice CRM record webhooks: the raw body, its signature, and the event it carries.

The signature is base64(HMAC-SHA256(UTF-8 secret, raw body bytes)) with no timestamp
(protocol section 6): it must be checked over the exact bytes SuperOffice sent (API
Gateway may hand them over base64-encoded), compared in constant time, and replays are
caught by deduplicating on `EventId`. During a secret rotation two secrets are valid.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from superoffice_app.context_ids import is_ctx
from superoffice_app.strict_json import BadJson, parse_object
from superoffice_app.tokens import Secret

SIGNATURE_HEADER: Final = "x-superoffice-signature"
TEST_EVENT: Final = "test"
REGISTRATION_CONTEXT: Final = "Default"  # the registration test event's ContextIdentifier
MAX_BODY_BYTES: Final = 256 * 1024


class BadWebhook(ValueError):
    """The request is not a usable webhook delivery; the message says why."""


class BadSignature(Exception):
    """The delivery's signature matches none of the tenant's webhook secrets (or the
    tenant has none), so nothing shows that SuperOffice, which holds them, sent it. The
    body is not read then: a forger learns nothing about how it would be parsed."""


def raw_body(body: str | None, *, is_base64: bool) -> bytes:
    """The bytes SuperOffice sent, undoing API Gateway's base64 when it applied it."""
    if body is None:
        return b""
    if is_base64:
        try:
            return base64.b64decode(body, validate=True)
        except (ValueError, binascii.Error) as error:
            raise BadWebhook("the body is not valid base64") from error
    try:
        return body.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: no bytes were ever sent like that
        raise BadWebhook("the body is not UTF-8 text") from None


def header(headers: Mapping[str, str] | None, name: str) -> str | None:
    """A header by name, case-insensitively (SuperOffice's casing is not documented)."""
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return value
    return None


def signature_of(raw: bytes, secret: Secret) -> str:
    digest = hmac.new(secret.reveal().encode("utf-8"), raw, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signature_matches(raw: bytes, signature: str | None, secrets: Sequence[Secret]) -> bool:
    """True when `signature` is the body's HMAC under any of `secrets` (constant time)."""
    if not signature or not secrets:
        return False
    presented = signature.strip().encode("ascii", "replace")
    matched = False
    for secret in secrets:
        # Every secret is tried (no early exit), so timing does not tell which matched.
        matched |= hmac.compare_digest(presented, signature_of(raw, secret).encode("ascii"))
    return matched


@dataclass(frozen=True)
class WebhookEvent:
    event_id: str
    event: str
    ctx: str
    entity: str | None
    primary_key: int | None
    changed_by: int | None
    timestamp: str | None
    field_values: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def is_test(self) -> bool:
        return self.event == TEST_EVENT


def parse_event(raw: bytes, *, path_ctx: str) -> WebhookEvent:
    """The event in a verified body, bound to the tenant of the URL it was sent to."""
    if len(raw) > MAX_BODY_BYTES:
        raise BadWebhook("the body is too large")
    try:
        body = parse_object(raw)
    except BadJson as error:
        raise BadWebhook(str(error)) from None
    event_id, event, ctx = body.get("EventId"), body.get("Event"), body.get("ContextIdentifier")
    if not isinstance(event_id, str) or not 0 < len(event_id) <= 128:
        raise BadWebhook("EventId is missing")
    if not isinstance(event, str) or not 0 < len(event) <= 128:
        raise BadWebhook("Event is missing")
    if ctx not in (path_ctx, REGISTRATION_CONTEXT):
        raise BadWebhook("ContextIdentifier is not this URL's tenant")
    if not is_ctx(path_ctx):
        raise BadWebhook("the URL's tenant is not a context identifier")
    entity, primary_key = body.get("Entity"), body.get("PrimaryKey")
    changed_by, values = body.get("ChangedByAssociateId"), body.get("FieldValues") or {}
    if primary_key is not None and (
        isinstance(primary_key, bool) or not isinstance(primary_key, int)
    ):
        raise BadWebhook("PrimaryKey must be an integer")
    if changed_by is not None and (isinstance(changed_by, bool) or not isinstance(changed_by, int)):
        raise BadWebhook("ChangedByAssociateId must be an integer")
    if not isinstance(values, dict):
        raise BadWebhook("FieldValues must be an object")
    timestamp = body.get("Timestamp")
    return WebhookEvent(
        event_id=event_id,
        event=event,
        ctx=path_ctx,
        entity=entity.lower() if isinstance(entity, str) and entity else None,
        primary_key=primary_key,
        changed_by=changed_by,
        timestamp=timestamp if isinstance(timestamp, str) else None,
        field_values=values,
    )
