"""Customer-state-change notifications: the body SuperOffice posts, read strictly.

A notification is a hint (protocol section 5): its token proves SuperOffice sent it, not
that the tenant is in the state it announces, nor that it arrives in order or once. So
this module only reads the body; ``decisions`` says what a notification may do once
SuperOffice's state API has been asked, and ``confirmer`` does it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Final

from superoffice_app.context_ids import BadContextIdentifier, parse_ctx
from superoffice_app.strict_json import BadJson, parse_object

MAX_BODY_BYTES: Final = 16 * 1024
MAX_TOKEN_CHARS: Final = 8 * 1024


class ChangeType(IntEnum):
    UPGRADE = 0
    BACKUP_RESTORED = 1
    SUSPEND = 2
    RESUME = 3
    DELETE = 4
    MOVE = 5


def change_dimension(change_type: int) -> str:
    """``suspend``, ``backup_restored``, ... or ``unknown``: a metric's ChangeType, whose
    values stay the six SuperOffice documents and one more, whatever number is sent."""
    try:
        return ChangeType(change_type).name.lower()
    except ValueError:
        return "unknown"


def change_name(change_type: int) -> str:
    """``suspend``, ``backup_restored``, ... or ``unknown (42)``."""
    name = change_dimension(change_type)
    return f"unknown ({change_type})" if name == "unknown" else name


class BadNotification(ValueError):
    """The body is not a customer-state-change notification; the message says why."""


@dataclass(frozen=True)
class Notification:
    change_type: int
    ctx: str
    version_name: str | None
    file_version: str | None
    public_endpoint: str | None  # informational only: the state API says where a tenant is
    token: str = field(repr=False)

    @property
    def known_type(self) -> ChangeType | None:
        try:
            return ChangeType(self.change_type)
        except ValueError:
            return None

    @property
    def type_name(self) -> str:
        return change_name(self.change_type)


def _optional_text(body: dict[str, object], name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 256:
        raise BadNotification(f"{name} must be a short string")
    return value


def parse_notification(raw: bytes) -> Notification:
    """The notification in ``raw`` (the request body), or BadNotification.

    Strict JSON: a body that repeats a member is refused, so no two readers (the
    deduplication, the code that applies it) can see different change types.
    """
    if len(raw) > MAX_BODY_BYTES:
        raise BadNotification("the body is too large")
    try:
        body = parse_object(raw)
    except BadJson as error:
        raise BadNotification(str(error)) from None
    change_type = body.get("ChangeType")
    if not isinstance(change_type, int) or isinstance(change_type, bool):
        raise BadNotification("ChangeType must be an integer")
    if not -(2**31) <= change_type < 2**31:
        raise BadNotification("ChangeType is out of range")
    try:
        ctx = parse_ctx(body.get("ContextIdentifier"), "ContextIdentifier")
    except BadContextIdentifier as error:
        raise BadNotification(str(error)) from None
    token = body.get("Token")
    if not isinstance(token, str) or not token:
        raise BadNotification("Token is missing")
    if len(token) > MAX_TOKEN_CHARS:
        raise BadNotification("Token is too long")
    return Notification(
        change_type=change_type,
        ctx=ctx,
        version_name=_optional_text(body, "VersionName"),
        file_version=_optional_text(body, "FileVersion"),
        public_endpoint=_optional_text(body, "PublicEndpoint"),
        token=token,
    )
