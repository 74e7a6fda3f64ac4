"""Purging a tenant: mark the profile, delete the tenant's items, leave a tombstone.

Crash-safe and repeatable: the profile is marked first (``purge_pending``, the new
status; secrets can no longer be written, installs wait), the items are deleted, then
the tombstone replaces the mark (or the profile goes too). An interrupted purge is
completed by running it again; purging a purged tenant again is allowed and adds
nothing.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping
from typing import Any, Final

from .attributes import Item, from_item, to_item
from .clock import Clock, format_instant
from .dynamo import DynamoTable, Expression, error_code
from .errors import ConflictError, StoreError, TenantNotFoundError, TransitionError
from .keys import (
    EVENT_PREFIX,
    LEASE_SK,
    PROFILE_SK,
    PROVISIONED_PREFIX,
    SECRET_PREFIX,
    SYNC_PREFIX,
    tenant_key,
    tenant_pk,
)
from .models import PurgeResult, TenantProfile, profile_from_item
from .pages import query_all
from .profiles import TenantProfiles
from .statuses import PURGED_STATUSES, StatusLike, TenantStatus, status_set

__all__ = ["TenantPurge", "remove_tenant_items"]

_BATCH_WRITE_LIMIT: Final = 25
_BATCH_RETRIES: Final = 8
# The kinds of item a purge counts, by sort-key prefix.
_REMOVED_KINDS: Final = (
    (SECRET_PREFIX, "secrets"),
    (PROVISIONED_PREFIX, "provisioned"),
    (SYNC_PREFIX, "sync_state"),
    (LEASE_SK, "lease"),
    (EVENT_PREFIX, "events"),
)


class TenantPurge:
    """``TenantStore.purge``: what the app holds for a tenant, removed in a safe order."""

    def __init__(self, table: DynamoTable, profiles: TenantProfiles, *, clock: Clock) -> None:
        self._table = table
        self._profiles = profiles
        self._clock = clock

    def run(
        self,
        ctx: str,
        *,
        status: StatusLike,
        keep_tombstone: bool,
        allowed_from: Collection[StatusLike] | None,
        expected_revision: int | None,
    ) -> PurgeResult:
        """As ``TenantStore.purge``."""
        target = TenantStatus(status)
        if target not in PURGED_STATUSES:
            raise ValueError(f"purge leaves a tenant uninstalled or deleted, not {target}")
        if allowed_from is not None:
            allowed = status_set(allowed_from)
        elif target is TenantStatus.UNINSTALLED:
            allowed = frozenset({TenantStatus.UNINSTALLING})
        else:
            allowed = frozenset(TenantStatus)
        allowed |= {target}  # finishing an interrupted purge, or repeating a finished one

        current = self._profiles.get(ctx)
        if current is None:
            raise TenantNotFoundError(ctx)
        if expected_revision is not None and current.revision != expected_revision:
            raise ConflictError(
                ctx, expected_revision=expected_revision, actual_revision=current.revision
            )
        if current.status not in allowed:
            raise TransitionError(ctx, status=current.status, to=target, allowed=allowed)

        stamp = format_instant(self._clock())
        mark: dict[str, object] = {
            "status": target.value,
            "updated_at": stamp,
            "purge_pending": True,
        }
        if current.status is not target:
            mark["transitioned_at"] = stamp
        marked = self._profiles.update(
            ctx,
            mark,
            allowed=allowed,
            expected_revision=current.revision,
            operation=f"purge to {target}",
            to=target,
            allow_during_purge=True,
        )

        removed = remove_tenant_items(self._table, ctx, keep_events=keep_tombstone)

        if not keep_tombstone:
            self._delete_profile(marked)
            return PurgeResult(ctx=ctx, status=target, removed=removed, tombstone=None)

        totals = dict(current.removed)
        for kind, count in removed.items():
            totals[kind] = totals.get(kind, 0) + count
        tombstone = self._replace_with_tombstone(marked, totals)
        return PurgeResult(ctx=ctx, status=target, removed=removed, tombstone=tombstone)

    # The last step's writes are conditional on the mark's revision: a writer that got in
    # after the mark (another purge finishing first) makes this one a ConflictError.

    def _delete_profile(self, marked: TenantProfile) -> None:
        try:
            self._table.client.delete_item(
                TableName=self._table.name,
                Key=tenant_key(marked.ctx, PROFILE_SK),
                **_at_revision(marked.revision),
            )
        except Exception as error:
            raise self._refusal(error, marked) from None

    def _replace_with_tombstone(
        self, marked: TenantProfile, removed: Mapping[str, int]
    ) -> TenantProfile:
        """The tombstone keeps the status, timestamps, environment, company and ``removed``
        (what every purge of the tenant removed, by kind)."""
        finished = format_instant(self._clock())
        tombstone: dict[str, object] = {
            "PK": tenant_pk(marked.ctx),
            "SK": PROFILE_SK,
            "ctx": marked.ctx,
            "status": marked.status.value,
            "revision": marked.revision + 1,
            "created_at": format_instant(marked.created_at),
            "updated_at": finished,
            "transitioned_at": format_instant(marked.transitioned_at),
            "environment": marked.environment,
            "company_name": marked.company_name,
            "installed_at": format_instant(marked.installed_at) if marked.installed_at else None,
            "purged_at": finished,
            "removed": dict(removed),
        }
        item = to_item(tombstone)
        try:
            self._table.client.put_item(
                TableName=self._table.name, Item=item, **_at_revision(marked.revision)
            )
        except Exception as error:
            raise self._refusal(error, marked) from None
        return profile_from_item(from_item(item))

    def _refusal(self, error: Exception, marked: TenantProfile) -> Exception:
        if error_code(error) != "ConditionalCheckFailedException":
            return error
        current = self._profiles.get(marked.ctx)
        return ConflictError(
            marked.ctx,
            expected_revision=marked.revision,
            actual_revision=current.revision if current is not None else None,
        )


def remove_tenant_items(table: DynamoTable, ctx: str, *, keep_events: bool) -> dict[str, int]:
    """Delete every item of the tenant but its profile (and events, if kept); counts by kind."""
    expression = Expression()
    found = query_all(
        table.client.query,
        TableName=table.name,
        KeyConditionExpression=f"{expression.name('PK')} = {expression.value(tenant_pk(ctx))}",
        ProjectionExpression=f"{expression.name('PK')}, {expression.name('SK')}",
        ConsistentRead=True,
        **expression.arguments(),
    )
    removed: dict[str, int] = {}
    keys: list[Item] = []
    # Every key is read before the first delete, so deleting cannot disturb the paging.
    for key in found:
        sk = str(key["SK"]["S"])
        if sk == PROFILE_SK or (keep_events and sk.startswith(EVENT_PREFIX)):
            continue
        keys.append(key)
        kind = _removed_kind(sk)
        removed[kind] = removed.get(kind, 0) + 1
    for offset in range(0, len(keys), _BATCH_WRITE_LIMIT):
        _batch_delete(table, keys[offset : offset + _BATCH_WRITE_LIMIT])
    return removed


def _at_revision(revision: int) -> dict[str, Any]:
    condition = Expression()
    return {
        "ConditionExpression": f"{condition.name('revision')} = {condition.value(revision)}",
        **condition.arguments(),
    }


def _batch_delete(table: DynamoTable, keys: list[Item]) -> None:
    requests: list[dict[str, Any]] = [{"DeleteRequest": {"Key": key}} for key in keys]
    for attempt in range(_BATCH_RETRIES):
        answer = table.client.batch_write_item(RequestItems={table.name: requests})
        requests = answer.get("UnprocessedItems", {}).get(table.name, [])
        if not requests:
            return
        time.sleep(min(0.05 * 2**attempt, 2.0))  # DynamoDB asks us to back off
    raise StoreError(f"DynamoDB left {len(requests)} deletes unprocessed; run the purge again")


def _removed_kind(sk: str) -> str:
    for prefix, kind in _REMOVED_KINDS:
        if sk.startswith(prefix):
            return kind
    return "other"
