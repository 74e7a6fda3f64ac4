"""The messages on NotificationQueue: a verified notification waiting for confirmation.

``{"kind": "notification", "ctx", "change_type", "issued_at", "received_at", "token_id",
"version_name"?, "checks", "retries"}``. The token itself is not carried: it was verified
when the notification arrived, and only its issue time (for ordering) and a fingerprint
(for the audit trail) matter afterwards. ``checks`` counts state-API answers that did
not bear the notification out, ``retries`` the times the state API could not be asked.
Parsed strictly; anything else is a poison message for the dead-letter queue.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Final

from superoffice_app.context_ids import BadContextIdentifier, parse_ctx
from superoffice_app.strict_json import BadJson, parse_object

__all__ = ["KIND", "BadNotificationMessage", "NotificationMessage", "parse_notification_message"]

KIND: Final = "notification"
_MAX_COUNT: Final = 1000


class BadNotificationMessage(ValueError):
    """Not a NotificationQueue message; it ends in the dead-letter queue."""


@dataclass(frozen=True)
class NotificationMessage:
    ctx: str
    change_type: int
    issued_at: float
    received_at: float
    token_id: str
    version_name: str | None = None
    checks: int = 0
    retries: int = 0

    def to_body(self) -> dict[str, Any]:
        return {
            "kind": KIND,
            "ctx": self.ctx,
            "change_type": self.change_type,
            "issued_at": self.issued_at,
            "received_at": self.received_at,
            "token_id": self.token_id,
            "version_name": self.version_name,
            "checks": self.checks,
            "retries": self.retries,
        }

    def checked_again(self) -> NotificationMessage:
        return replace(self, checks=self.checks + 1)

    def retried(self) -> NotificationMessage:
        return replace(self, retries=self.retries + 1)


def _number(data: dict[str, Any], name: str) -> float:
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BadNotificationMessage(f"{name} must be a number")
    return float(value)


def _count(data: dict[str, Any], name: str) -> int:
    value = data.get(name, 0)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _MAX_COUNT:
        raise BadNotificationMessage(f"{name} must be a small count")
    return value


def parse_notification_message(body: str) -> NotificationMessage:
    try:
        data = parse_object(body, "the message body")
        ctx = parse_ctx(data.get("ctx"), "the message's ctx")
    except (BadJson, BadContextIdentifier) as error:
        raise BadNotificationMessage(str(error)) from None
    if data.get("kind") != KIND:
        raise BadNotificationMessage("not a notification message")
    change_type = data.get("change_type")
    if isinstance(change_type, bool) or not isinstance(change_type, int):
        raise BadNotificationMessage("change_type must be an integer")
    token_id = data.get("token_id")
    if not isinstance(token_id, str) or not 0 < len(token_id) <= 128:
        raise BadNotificationMessage("token_id is missing")
    version = data.get("version_name")
    if version is not None and (not isinstance(version, str) or len(version) > 256):
        raise BadNotificationMessage("version_name must be a short string")
    return NotificationMessage(
        ctx=ctx,
        change_type=change_type,
        issued_at=_number(data, "issued_at"),
        received_at=_number(data, "received_at"),
        token_id=token_id,
        version_name=version,
        checks=_count(data, "checks"),
        retries=_count(data, "retries"),
    )
