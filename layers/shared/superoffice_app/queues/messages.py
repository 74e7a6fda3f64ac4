"""The messages on SyncQueue, parsed strictly: anything else is a poison message.

- ``{"kind": "sync", "ctx", "reason", "entities"?, "full"?}``: the dispatcher's scheduled
  syncs (``reason`` ``schedule``), continuations of a run that ran out of time or was
  throttled (``continuation``), the first full sync after an install (``install``);
- ``{"kind": "record", "ctx", "entity", "primary_key", "event", "event_id"}``: a CRM
  webhook said one record changed (queued by the notification webhook);
- ``{"kind": "lifecycle", "ctx", "follow_up", ...}``: a ``FollowUp``: work queued after
  a customer-state notification the state API confirmed (``wait_for_running``,
  ``full_resync``, ``sync_soon``, ``purge``; each asks the state API again before
  acting), or ``sweep_mirror``, queued by an uninstall a few minutes ahead: remove
  mirrored records a sync still under way wrote after the purge, if the tenant is still
  uninstalled.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from superoffice_app.context_ids import BadContextIdentifier, parse_ctx
from superoffice_app.strict_json import BadJson, parse_object

__all__ = [
    "BadMessage",
    "FollowUp",
    "FollowUpMessage",
    "RecordMessage",
    "SyncMessage",
    "parse_message",
]

_REASONS: Final = frozenset(
    {"schedule", "continuation", "install", "resume", "full_resync", "manual"}
)


class FollowUp(StrEnum):
    """Lifecycle work the sync worker does for the producers that queue it.

    A StrEnum: the value is what the message carries (and what logs and the audit trail
    show), so producers, the worker and the wire share one spelling.
    """

    WAIT_FOR_RUNNING = "wait_for_running"  # Upgrade: back to active once SuperOffice runs
    FULL_RESYNC = "full_resync"  # BackupRestored: resync all, re-verify provisioning
    SYNC_SOON = "sync_soon"  # Resume
    PURGE = "purge"  # Delete
    SWEEP_MIRROR = "sweep_mirror"  # after an uninstall: records a late sync wrote


class BadMessage(ValueError):
    """Not a message this worker understands; it ends in the dead-letter queue."""


@dataclass(frozen=True)
class SyncMessage:
    ctx: str
    reason: str
    entities: tuple[str, ...] | None = None
    full: bool = False

    def to_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"kind": "sync", "ctx": self.ctx, "reason": self.reason}
        if self.entities is not None:
            body["entities"] = list(self.entities)
        if self.full:
            body["full"] = True
        return body


@dataclass(frozen=True)
class RecordMessage:
    ctx: str
    entity: str
    primary_key: int
    event: str | None = None
    event_id: str | None = None

    def to_body(self) -> dict[str, Any]:
        return {
            "kind": "record",
            "ctx": self.ctx,
            "entity": self.entity,
            "primary_key": self.primary_key,
            "event": self.event,
            "event_id": self.event_id,
        }


@dataclass(frozen=True)
class FollowUpMessage:
    ctx: str
    follow_up: FollowUp
    change_type: int | None = None

    def to_body(self) -> dict[str, Any]:
        return {
            "kind": "lifecycle",
            "ctx": self.ctx,
            "follow_up": self.follow_up,
            "change_type": self.change_type,
        }


Message = SyncMessage | RecordMessage | FollowUpMessage


def parse_message(body: str) -> Message:
    try:
        data = parse_object(body, "the message body")
        ctx = parse_ctx(data.get("ctx"), "the message's ctx")
    except (BadJson, BadContextIdentifier) as error:
        raise BadMessage(str(error)) from None
    kind = data.get("kind")
    if kind == "sync":
        reason = data.get("reason", "schedule")
        if reason not in _REASONS:
            raise BadMessage(f"unknown sync reason {reason!r}")
        entities = data.get("entities")
        if entities is not None and (
            not isinstance(entities, list) or not all(isinstance(e, str) for e in entities)
        ):
            raise BadMessage("entities must be a list of names")
        return SyncMessage(
            ctx,
            str(reason),
            tuple(entities) if entities is not None else None,
            data.get("full") is True,
        )
    if kind == "record":
        entity, key = data.get("entity"), data.get("primary_key")
        if not isinstance(entity, str) or not entity:
            raise BadMessage("a record message needs an entity")
        if isinstance(key, bool) or not isinstance(key, int) or key < 1:
            raise BadMessage("a record message needs a positive primary_key")
        return RecordMessage(
            ctx,
            entity.lower(),
            key,
            _optional_text(data, "event"),
            _optional_text(data, "event_id"),
        )
    if kind == "lifecycle":
        change_type = data.get("change_type")
        if isinstance(change_type, bool) or not isinstance(change_type, int):
            change_type = None
        return FollowUpMessage(ctx, _follow_up(data.get("follow_up")), change_type)
    raise BadMessage(f"unknown message kind {kind!r}")


def _optional_text(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    return value if isinstance(value, str) else None


def _follow_up(value: object) -> FollowUp:
    """A member by its exact value: its name, another casing or a non-string is unknown."""
    for follow_up in FollowUp:
        if value == follow_up.value:
            return follow_up
    raise BadMessage(f"unknown follow-up {value!r}")
