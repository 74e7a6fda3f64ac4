"""Each function's settings: one typed object per function, read once at cold start.

``load_*_settings(env)`` reads the environment (``os.environ`` when ``env`` is None) and
checks every value; the first bad one raises ``ConfigError`` naming the setting, so a
misconfigured deployment fails its cold start with one clear line. Nothing else in the
layer reads the environment for configuration. The authorizer's settings (the shared ones
only) are in ``wiring.authorizer``, so its cold start does not import what these need.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from superoffice_app.app_secrets import SecretNames
from superoffice_app.config import AppConfig, ConfigError, load_config, required_setting
from superoffice_app.sync.entities import EntitySpec, parse_entities

__all__ = [
    "ConfirmSettings",
    "NotificationSettings",
    "OnboardingSettings",
    "RelaySettings",
    "SyncSettings",
    "TenantAccessSettings",
    "load_confirm_settings",
    "load_notification_settings",
    "load_onboarding_settings",
    "load_relay_settings",
    "load_sync_settings",
    "load_tenant_access_settings",
]


class _Reader:
    """Typed reads of one environment, each failing with the setting's name."""

    def __init__(self, env: Mapping[str, str] | None) -> None:
        self.env = os.environ if env is None else env

    def required(self, name: str) -> str:
        return required_setting(self.env, name)

    def optional(self, name: str) -> str | None:
        return self.env.get(name, "").strip() or None

    def number(self, name: str, default: int, low: int, high: int) -> int:
        text = self.env.get(name, "").strip()
        if not text:
            return default
        if not text.isdigit() or not low <= int(text) <= high:
            raise ConfigError(f"{name} must be a whole number from {low} to {high}, not {text!r}")
        return int(text)

    def flag(self, name: str, default: bool) -> bool:
        text = self.env.get(name, "").strip().lower()
        if not text:
            return default
        if text not in ("true", "false"):
            raise ConfigError(f"{name} must be true or false, not {text!r}")
        return text == "true"

    def entities(self) -> tuple[EntitySpec, ...]:
        """SYNC_ENTITIES: the synced entities (the four defaults when unset)."""
        try:
            return parse_entities(self.env.get("SYNC_ENTITIES"))
        except ValueError as error:
            raise ConfigError(str(error)) from None


@dataclass(frozen=True)
class TenantAccessSettings:
    """What a function needs to reach tenants: the store, its key, the app's secrets."""

    app: AppConfig
    tenants_table: str
    app_key_id: str
    secret_names: SecretNames


def load_tenant_access_settings(env: Mapping[str, str] | None = None) -> TenantAccessSettings:
    read = _Reader(env)
    return _tenant_access(read)


def _tenant_access(read: _Reader) -> TenantAccessSettings:
    return TenantAccessSettings(
        app=load_config(read.env),
        tenants_table=read.required("TENANTS_TABLE"),
        app_key_id=read.required("APP_KEY_ID"),
        secret_names=SecretNames(
            client_secret=read.required("CLIENT_SECRET_NAME"),
            private_key=read.required("PRIVATE_KEY_SECRET_NAME"),
            session_keys=read.required("SESSION_KEY_SECRET_NAME"),
        ),
    )


@dataclass(frozen=True)
class OnboardingSettings:
    """RedirectCallbackFunction: sign-in, install, management, uninstall."""

    access: TenantAccessSettings
    # Where an install queues its first full sync and a resume a sync; None: no queueing
    # (tests only).
    sync_queue_url: str | None
    # What the management page reports on, in this order (SYNC_ENTITIES).
    sync_entities: tuple[str, ...]
    # RecordsTable: an uninstall purges the tenant's mirror there; None: no mirror here.
    records_table: str | None

    @property
    def app(self) -> AppConfig:
        return self.access.app


def load_onboarding_settings(env: Mapping[str, str] | None = None) -> OnboardingSettings:
    read = _Reader(env)
    return OnboardingSettings(
        access=_tenant_access(read),
        sync_queue_url=read.optional("SYNC_QUEUE_URL"),
        sync_entities=tuple(spec.name for spec in read.entities()),
        records_table=read.optional("RECORDS_TABLE"),
    )


@dataclass(frozen=True)
class NotificationSettings:
    """NotificationWebhookFunction: the notification and CRM webhook routes."""

    access: TenantAccessSettings
    idempotency_table: str
    sync_queue_url: str
    notification_queue_url: str

    @property
    def app(self) -> AppConfig:
        return self.access.app


def load_notification_settings(env: Mapping[str, str] | None = None) -> NotificationSettings:
    read = _Reader(env)
    return NotificationSettings(
        access=_tenant_access(read),
        idempotency_table=read.required("IDEMPOTENCY_TABLE"),
        sync_queue_url=read.required("SYNC_QUEUE_URL"),
        notification_queue_url=read.required("NOTIFICATION_QUEUE_URL"),
    )


@dataclass(frozen=True)
class ConfirmSettings:
    """NotificationConfirmFunction: applies what the state API confirms."""

    access: TenantAccessSettings
    sync_queue_url: str
    notification_queue_url: str

    @property
    def app(self) -> AppConfig:
        return self.access.app


def load_confirm_settings(env: Mapping[str, str] | None = None) -> ConfirmSettings:
    read = _Reader(env)
    return ConfirmSettings(
        access=_tenant_access(read),
        sync_queue_url=read.required("SYNC_QUEUE_URL"),
        notification_queue_url=read.required("NOTIFICATION_QUEUE_URL"),
    )


@dataclass(frozen=True)
class SyncSettings:
    """ScheduledSyncDispatcherFunction and SyncWorkerFunction."""

    access: TenantAccessSettings
    records_table: str
    queue_url: str
    entities: tuple[EntitySpec, ...]
    page_size: int = 500
    skip_maintenance_windows: bool = True
    jitter_seconds: int = 60
    run_seconds: float = 90.0
    reconcile_every: timedelta = timedelta(hours=24)
    webhook_check_every: timedelta = timedelta(hours=1)

    @property
    def app(self) -> AppConfig:
        return self.access.app


def load_sync_settings(env: Mapping[str, str] | None = None) -> SyncSettings:
    read = _Reader(env)
    return SyncSettings(
        access=_tenant_access(read),
        records_table=read.required("RECORDS_TABLE"),
        queue_url=read.required("SYNC_QUEUE_URL"),
        entities=read.entities(),
        page_size=read.number("SYNC_PAGE_SIZE", 500, 1, 5000),
        skip_maintenance_windows=read.flag("SYNC_SKIP_MAINTENANCE_WINDOWS", True),
        jitter_seconds=read.number("SYNC_JITTER_SECONDS", 60, 0, 900),
        run_seconds=float(read.number("SYNC_RUN_SECONDS", 90, 10, 840)),
        reconcile_every=timedelta(hours=read.number("SYNC_RECONCILE_HOURS", 24, 1, 24 * 14)),
        webhook_check_every=timedelta(
            minutes=read.number("SYNC_WEBHOOK_CHECK_MINUTES", 60, 1, 24 * 60)
        ),
    )


@dataclass(frozen=True)
class RelaySettings:
    """RecordEventsFunction: where events go, where tenants are."""

    app: AppConfig
    event_bus: str
    tenants_table: str


def load_relay_settings(env: Mapping[str, str] | None = None) -> RelaySettings:
    read = _Reader(env)
    return RelaySettings(
        app=load_config(read.env),
        event_bus=read.required("EVENT_BUS_NAME"),
        tenants_table=read.required("TENANTS_TABLE"),
    )
