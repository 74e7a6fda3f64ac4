"""Per-tenant sync state in TenantsTable: one ``SYNC#{entity}`` item per entity.

Each holds the cursor, whether a run is part-way through the entity, a pending full
resync, counts, the last success and the last error in plain words, and the requests the
app made to the tenant (the "accounting" the management page shows). ``SYNC#_tenant``
holds what concerns the tenant as a whole (when the webhooks were last checked, totals).
Only the lease holder writes them, so each write replaces the item; the tenant store's
purge removes them with the rest of the tenant.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from superoffice_app.store.attributes import from_item, to_item
from superoffice_app.store.clock import format_instant, parse_instant
from superoffice_app.store.dynamo import DynamoTable
from superoffice_app.store.keys import SYNC_PREFIX, tenant_key, tenant_pk
from superoffice_app.store.pages import query_all

from .cursor import Cursor

__all__ = ["EntitySyncState", "SyncStateStore", "TenantSyncState"]

TENANT_SK = SYNC_PREFIX + "_tenant"


@dataclass(frozen=True)
class EntitySyncState:
    entity: str
    cursor: Cursor | None = None
    # A run stopped part-way (time budget, throttling): resume exactly at the cursor.
    in_progress: bool = False
    full_resync: bool = False
    last_success_at: datetime | None = None
    last_attempt_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    records_mirrored: int = 0
    last_run_changes: int = 0
    requests_last_run: int = 0
    requests_total: int = 0
    throttles_total: int = 0
    reconciled_at: datetime | None = None

    def with_(self, **changes: Any) -> EntitySyncState:
        return replace(self, **changes)


@dataclass(frozen=True)
class TenantSyncState:
    webhooks_checked_at: datetime | None = None
    last_run_at: datetime | None = None
    last_run_reason: str | None = None
    requests_total: int = 0
    runs: int = 0

    def with_(self, **changes: Any) -> TenantSyncState:
        return replace(self, **changes)


_INSTANTS = ("last_success_at", "last_attempt_at", "last_error_at", "reconciled_at")
_TENANT_INSTANTS = ("webhooks_checked_at", "last_run_at")


class SyncStateStore:
    def __init__(self, table: DynamoTable) -> None:
        self._table = table
        self._client = table.client

    def entity(self, ctx: str, entity: str) -> EntitySyncState:
        item = self._get(ctx, SYNC_PREFIX + entity)
        return _entity_from(entity, item) if item else EntitySyncState(entity)

    def entities(self, ctx: str, names: Iterable[str]) -> list[EntitySyncState]:
        found: dict[str, EntitySyncState] = {}
        items = query_all(
            self._client.query,
            TableName=self._table.name,
            KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
            ExpressionAttributeValues={
                ":pk": {"S": tenant_pk(ctx)},
                ":prefix": {"S": SYNC_PREFIX},
            },
            ConsistentRead=True,
        )
        for raw in items:
            item = from_item(raw)
            name = str(item["SK"])[len(SYNC_PREFIX) :]
            if name != TENANT_SK[len(SYNC_PREFIX) :]:
                found[name] = _entity_from(name, item)
        return [found.get(name, EntitySyncState(name)) for name in names]

    def save(self, ctx: str, state: EntitySyncState) -> None:
        values = asdict(state)
        values["cursor"] = state.cursor.to_dict() if state.cursor else None
        for name in _INSTANTS:
            moment = getattr(state, name)
            values[name] = format_instant(moment) if moment else None
        self._put(ctx, SYNC_PREFIX + state.entity, values)

    def tenant(self, ctx: str) -> TenantSyncState:
        item = self._get(ctx, TENANT_SK)
        if not item:
            return TenantSyncState()
        return TenantSyncState(
            webhooks_checked_at=_instant(item.get("webhooks_checked_at")),
            last_run_at=_instant(item.get("last_run_at")),
            last_run_reason=item.get("last_run_reason"),
            requests_total=int(item.get("requests_total", 0)),
            runs=int(item.get("runs", 0)),
        )

    def save_tenant(self, ctx: str, state: TenantSyncState) -> None:
        values = asdict(state)
        for name in _TENANT_INSTANTS:
            moment = getattr(state, name)
            values[name] = format_instant(moment) if moment else None
        self._put(ctx, TENANT_SK, values)

    def _get(self, ctx: str, sk: str) -> dict[str, Any] | None:
        answer = self._client.get_item(
            TableName=self._table.name, Key=tenant_key(ctx, sk), ConsistentRead=True
        )
        raw = answer.get("Item")
        return from_item(raw) if raw else None

    def _put(self, ctx: str, sk: str, values: dict[str, Any]) -> None:
        item = {"PK": tenant_pk(ctx), "SK": sk, "ctx": ctx}
        item.update({name: value for name, value in values.items() if value is not None})
        self._client.put_item(TableName=self._table.name, Item=to_item(item))


def _instant(value: object) -> datetime | None:
    return parse_instant(value) if isinstance(value, str) and value else None


def _entity_from(entity: str, item: dict[str, Any]) -> EntitySyncState:
    return EntitySyncState(
        entity=entity,
        cursor=Cursor.from_dict(item.get("cursor")),
        in_progress=bool(item.get("in_progress", False)),
        full_resync=bool(item.get("full_resync", False)),
        last_success_at=_instant(item.get("last_success_at")),
        last_attempt_at=_instant(item.get("last_attempt_at")),
        last_error=item.get("last_error"),
        last_error_at=_instant(item.get("last_error_at")),
        records_mirrored=int(item.get("records_mirrored", 0)),
        last_run_changes=int(item.get("last_run_changes", 0)),
        requests_last_run=int(item.get("requests_last_run", 0)),
        requests_total=int(item.get("requests_total", 0)),
        throttles_total=int(item.get("throttles_total", 0)),
        reconciled_at=_instant(item.get("reconciled_at")),
    )
