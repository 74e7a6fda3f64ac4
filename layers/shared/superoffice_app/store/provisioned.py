"""What the app created in a tenant's SuperOffice: ``PROVISIONED#{kind}#{key}`` items.

The record an uninstall works from, so it is written whatever the tenant's status (see
``record``) and read in kind-and-key order.
"""

from __future__ import annotations

from .attributes import from_item
from .clock import Clock, format_instant
from .dynamo import DynamoTable, Expression
from .keys import PROVISIONED_PREFIX, provisioned_prefix, provisioned_sk, tenant_key, tenant_pk
from .models import ProvisionedItem, encode_json, provisioned_from_item
from .pages import query_all

__all__ = ["ProvisionedRecords"]


class ProvisionedRecords:
    """The ``PROVISIONED#`` items of TenantsTable."""

    def __init__(self, table: DynamoTable, *, clock: Clock) -> None:
        self._table = table
        self._client = table.client
        self._clock = clock

    def record(self, ctx: str, item: ProvisionedItem) -> ProvisionedItem:
        """Record (or update) an item created in SuperOffice; idempotent by kind and key.

        Unconditional on the tenant's status on purpose: whatever exists in SuperOffice
        must be on record, even if an uninstall raced the provisioning, so that it can
        still be found and removed. ``created_at`` keeps the first recording's time.
        """
        now = format_instant(self._clock())
        expression = Expression()
        values: dict[str, object] = {
            "kind": item.kind,
            "key": item.key,
            "name": item.name,
            "superoffice_id": item.superoffice_id,
            "details": encode_json(item.details, "provisioning details") if item.details else None,
            "updated_at": now,
        }
        assignments = [
            f"{expression.name(name)} = {expression.value(value)}"
            for name, value in values.items()
            if value is not None
        ]
        created = expression.name("created_at")
        assignments.append(f"{created} = if_not_exists({created}, {expression.value(now)})")
        removals = [expression.name(name) for name, value in values.items() if value is None]
        update = "SET " + ", ".join(assignments)
        if removals:
            update += " REMOVE " + ", ".join(removals)
        answer = self._client.update_item(
            TableName=self._table.name,
            Key=tenant_key(ctx, provisioned_sk(item.kind, item.key)),
            UpdateExpression=update,
            ReturnValues="ALL_NEW",
            **expression.arguments(),
        )
        return provisioned_from_item(from_item(answer["Attributes"]))

    def find(self, ctx: str, kind: str | None = None) -> list[ProvisionedItem]:
        """Everything recorded as provisioned (of one kind, if given), by kind and key."""
        prefix = provisioned_prefix(kind) if kind is not None else PROVISIONED_PREFIX
        expression = Expression()
        items = query_all(
            self._client.query,
            TableName=self._table.name,
            KeyConditionExpression=(
                f"{expression.name('PK')} = {expression.value(tenant_pk(ctx))} "
                f"AND begins_with({expression.name('SK')}, {expression.value(prefix)})"
            ),
            ConsistentRead=True,
            **expression.arguments(),
        )
        return [provisioned_from_item(from_item(item)) for item in items]

    def remove(self, ctx: str, kind: str, key: str) -> bool:
        """Forget a provisioned item (after removing it from SuperOffice); True if recorded."""
        answer = self._client.delete_item(
            TableName=self._table.name,
            Key=tenant_key(ctx, provisioned_sk(kind, key)),
            ReturnValues="ALL_OLD",
        )
        return bool(answer.get("Attributes"))
