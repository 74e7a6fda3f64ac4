"""The sync functions' settings, read and checked once at cold start.

A wrong value fails the cold start with a message naming the setting.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from superoffice_app.config import ConfigError, required_setting

from .entities import EntitySpec, parse_entities

__all__ = ["RelaySettings", "SyncSettings", "load_relay_settings", "load_sync_settings"]


@dataclass(frozen=True)
class SyncSettings:
    records_table: str
    queue_url: str
    entities: tuple[EntitySpec, ...]
    page_size: int = 500
    skip_maintenance_windows: bool = True
    jitter_seconds: int = 60
    run_seconds: float = 90.0
    reconcile_every: timedelta = timedelta(hours=24)
    webhook_check_every: timedelta = timedelta(hours=1)


def load_sync_settings(env: Mapping[str, str] | None = None) -> SyncSettings:
    source = os.environ if env is None else env

    def required(name: str) -> str:
        return required_setting(source, name)

    def number(name: str, default: int, low: int, high: int) -> int:
        text = source.get(name, "").strip()
        if not text:
            return default
        if not text.isdigit() or not low <= int(text) <= high:
            raise ConfigError(f"{name} must be a whole number from {low} to {high}, not {text!r}")
        return int(text)

    def flag(name: str, default: bool) -> bool:
        text = source.get(name, "").strip().lower()
        if not text:
            return default
        if text not in ("true", "false"):
            raise ConfigError(f"{name} must be true or false, not {text!r}")
        return text == "true"

    try:
        entities = parse_entities(source.get("SYNC_ENTITIES"))
    except ValueError as error:
        raise ConfigError(str(error)) from None
    return SyncSettings(
        records_table=required("RECORDS_TABLE"),
        queue_url=required("SYNC_QUEUE_URL"),
        entities=entities,
        page_size=number("SYNC_PAGE_SIZE", 500, 1, 5000),
        skip_maintenance_windows=flag("SYNC_SKIP_MAINTENANCE_WINDOWS", True),
        jitter_seconds=number("SYNC_JITTER_SECONDS", 60, 0, 900),
        run_seconds=float(number("SYNC_RUN_SECONDS", 90, 10, 840)),
        reconcile_every=timedelta(hours=number("SYNC_RECONCILE_HOURS", 24, 1, 24 * 14)),
        webhook_check_every=timedelta(minutes=number("SYNC_WEBHOOK_CHECK_MINUTES", 60, 1, 24 * 60)),
    )


@dataclass(frozen=True)
class RelaySettings:
    """The RecordsTable stream relay's settings: where events go, where tenants are."""

    event_bus: str
    tenants_table: str


def load_relay_settings(env: Mapping[str, str] | None = None) -> RelaySettings:
    source = os.environ if env is None else env
    return RelaySettings(
        event_bus=required_setting(source, "EVENT_BUS_NAME"),
        tenants_table=required_setting(source, "TENANTS_TABLE"),
    )
