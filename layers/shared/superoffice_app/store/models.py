"""What the tenant store returns, and how each of those is stored as an item.

Everything here is frozen and holds no secret: secrets come back from
``TenantStore.get_secret`` only, wrapped in ``Secret``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, Final

from superoffice_app.tokens.secret import Secret

from .clock import format_instant, parse_instant
from .statuses import TenantStatus

__all__ = [
    "UPDATABLE_FIELDS",
    "AppliedNotification",
    "AuditEvent",
    "Installer",
    "ProvisionedItem",
    "PurgeResult",
    "TenantProfile",
    "encode_fields",
    "encode_installer",
    "encode_json",
    "event_from_item",
    "profile_from_item",
    "provisioned_from_item",
    "required_text",
]

_EMPTY: Final[Mapping[str, Any]] = MappingProxyType({})
# Audit details and provisioning details are stored as JSON text; this bounds an item.
MAX_JSON_BYTES: Final = 16 * 1024
# Keys that name credentials: refused in audit and provisioning details, whatever the value.
_SECRET_KEYS: Final = frozenset(
    {
        "access_token",
        "client_secret",
        "code_verifier",
        "id_token",
        "password",
        "refresh_token",
        "secret",
        "system_token",
        "ticket",
        "token",
        "webhook_secret",
    }
)


@dataclass(frozen=True, slots=True)
class Installer:
    """The administrator who installed the app (from the install-time id_token)."""

    associate_id: int | None
    name: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class AppliedNotification:
    """The last customer-state notification applied: later ones may not be older."""

    change_type: int
    at: datetime


@dataclass(frozen=True, slots=True)
class TenantProfile:
    """A tenant's ``PROFILE`` item. ``revision`` is what optimistic writes expect."""

    ctx: str
    status: TenantStatus
    revision: int
    created_at: datetime
    updated_at: datetime
    # When the status was last written (by begin_install, transition or purge).
    transitioned_at: datetime
    environment: str | None = None
    serial: str | None = None
    company_name: str | None = None
    api_base: str | None = None
    endpoint: str | None = None
    # The state API's last answer as received, and the time until which it may be reused.
    state_answer: Mapping[str, Any] | None = None
    state_valid_until: datetime | None = None
    # SuperOffice's version name (`Release_11.10_2026.02.24-02`).
    version: str | None = None
    installed_at: datetime | None = None
    installed_by: Installer | None = None
    last_notification: AppliedNotification | None = None
    # Set once a purge has run: when, and how many items of each kind it removed.
    purged_at: datetime | None = None
    removed: Mapping[str, int] = field(default_factory=lambda: _EMPTY)
    # True while a purge is under way (or was interrupted and must be run again).
    purge_pending: bool = False
    # The administrator's switch: scheduled syncs skip the tenant while it is set.
    sync_paused: bool = False


@dataclass(frozen=True, slots=True)
class ProvisionedItem:
    """Something the app created in the tenant's SuperOffice, to remove on uninstall.

    ``key`` is the stable identity (ProgId or name), ``superoffice_id`` the id SuperOffice
    gave it (it may change, e.g. user-defined fields on publish). ``created_at`` is
    filled in by the store: when the item was first recorded.
    """

    kind: str
    key: str
    superoffice_id: str | int | None = None
    name: str | None = None
    details: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One entry of a tenant's audit trail. Details never hold secrets."""

    at: datetime
    event_id: str
    kind: str
    summary: str
    details: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    actor: str | None = None


@dataclass(frozen=True, slots=True)
class PurgeResult:
    """What a purge removed (counts by kind of item) and the tombstone it left, if any."""

    ctx: str
    status: TenantStatus
    removed: Mapping[str, int]
    tombstone: TenantProfile | None


# -- profile items ---------------------------------------------------------------------------


def _text(value: object, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise TypeError(f"{name} must be a non-empty string")
    return value


def _instant(value: object, name: str) -> str:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime")
    return format_instant(value)


def _state_answer(value: object, name: str) -> str:
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be the state API's JSON object")
    return encode_json(value, name, refuse_secret_keys=False)


def _flag(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool")
    return value


def _installer(value: object, name: str) -> dict[str, object]:
    if not isinstance(value, Installer):
        raise TypeError(f"{name} must be an Installer")
    return {"associate_id": value.associate_id, "name": value.name, "email": value.email}


def _notification(value: object, name: str) -> dict[str, object]:
    if not isinstance(value, AppliedNotification):
        raise TypeError(f"{name} must be an AppliedNotification")
    if isinstance(value.change_type, bool) or not isinstance(value.change_type, int):
        raise TypeError(f"{name}.change_type must be an int")
    return {"change_type": value.change_type, "at": format_instant(value.at)}


# Profile fields that update_fields() and transition() may set; None removes a field.
# status, revision, timestamps and the install record are the store's own business.
UPDATABLE_FIELDS: Final[Mapping[str, Callable[[object, str], object]]] = MappingProxyType(
    {
        "serial": _text,
        "company_name": _text,
        "api_base": _text,
        "endpoint": _text,
        "state_answer": _state_answer,
        "state_valid_until": _instant,
        "version": _text,
        "last_notification": _notification,
        "sync_paused": _flag,
    }
)


def encode_fields(fields: Mapping[str, object]) -> dict[str, object]:
    """Attribute values for profile ``fields``; a None value stays None (remove it)."""
    unknown = sorted(set(fields) - set(UPDATABLE_FIELDS))
    if unknown:
        raise TypeError(
            f"not a profile field that can be set: {', '.join(unknown)}; "
            f"fields: {', '.join(sorted(UPDATABLE_FIELDS))}"
        )
    return {
        name: None if value is None else UPDATABLE_FIELDS[name](value, name)
        for name, value in fields.items()
    }


def required_text(value: object, name: str) -> str:
    """``value`` if it is a string with more than whitespace, else ValueError."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string")
    return value


def encode_installer(installer: Installer) -> dict[str, object]:
    return _installer(installer, "installed_by")


def profile_from_item(item: Mapping[str, Any]) -> TenantProfile:
    """A TenantProfile from a decoded PROFILE item."""
    installer = item.get("installed_by")
    notification = item.get("last_notification")
    state = item.get("state_answer")
    return TenantProfile(
        ctx=item["ctx"],
        status=TenantStatus(item["status"]),
        revision=int(item["revision"]),
        created_at=parse_instant(item["created_at"]),
        updated_at=parse_instant(item["updated_at"]),
        transitioned_at=parse_instant(item["transitioned_at"]),
        environment=item.get("environment"),
        serial=item.get("serial"),
        company_name=item.get("company_name"),
        api_base=item.get("api_base"),
        endpoint=item.get("endpoint"),
        state_answer=MappingProxyType(json.loads(state)) if state is not None else None,
        state_valid_until=_optional_instant(item.get("state_valid_until")),
        version=item.get("version"),
        installed_at=_optional_instant(item.get("installed_at")),
        installed_by=Installer(
            associate_id=installer.get("associate_id"),
            name=installer.get("name"),
            email=installer.get("email"),
        )
        if installer is not None
        else None,
        last_notification=AppliedNotification(
            change_type=int(notification["change_type"]), at=parse_instant(notification["at"])
        )
        if notification is not None
        else None,
        purged_at=_optional_instant(item.get("purged_at")),
        removed=MappingProxyType({str(k): int(v) for k, v in (item.get("removed") or {}).items()}),
        purge_pending=bool(item.get("purge_pending", False)),
        sync_paused=bool(item.get("sync_paused", False)),
    )


# -- other items --------------------------------------------------------------------------------


def provisioned_from_item(item: Mapping[str, Any]) -> ProvisionedItem:
    details = item.get("details")
    return ProvisionedItem(
        kind=item["kind"],
        key=item["key"],
        superoffice_id=item.get("superoffice_id"),
        name=item.get("name"),
        details=MappingProxyType(json.loads(details)) if details else _EMPTY,
        created_at=_optional_instant(item.get("created_at")),
        updated_at=_optional_instant(item.get("updated_at")),
    )


def event_from_item(item: Mapping[str, Any]) -> AuditEvent:
    details = item.get("details")
    return AuditEvent(
        at=parse_instant(item["at"]),
        event_id=item["event_id"],
        kind=item["kind"],
        summary=item["summary"],
        details=MappingProxyType(json.loads(details)) if details else _EMPTY,
        actor=item.get("actor"),
    )


def encode_json(value: Mapping[str, Any], what: str, *, refuse_secret_keys: bool = True) -> str:
    """Compact JSON text of ``value``; refuses Secrets, credential-named keys, huge values.

    Datetimes become ISO 8601 text. The checks are a guard against accidents, not a
    proof: a credential under an innocent key name still gets through.
    """

    def convert(item: object) -> object:
        if isinstance(item, datetime):
            return format_instant(item)
        if isinstance(item, Secret):
            raise TypeError(f"{what} may not hold a Secret")
        raise TypeError(f"{what}: cannot store a {type(item).__name__} as JSON")

    if refuse_secret_keys:
        _refuse_secret_keys(value, what)
    text = json.dumps(value, default=convert, separators=(",", ":"), sort_keys=True)
    if len(text.encode("utf-8")) > MAX_JSON_BYTES:
        raise ValueError(f"{what} is larger than {MAX_JSON_BYTES} bytes as JSON")
    return text


def _refuse_secret_keys(value: object, what: str) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str) and key.lower() in _SECRET_KEYS:
                raise ValueError(f"{what} may not hold credentials (key {key!r})")
            _refuse_secret_keys(item, what)
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_secret_keys(item, what)


def _optional_instant(value: object) -> datetime | None:
    return parse_instant(value) if isinstance(value, str) else None
