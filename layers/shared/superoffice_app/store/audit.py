"""A tenant's audit trail: ``EVENT#{time}#{id}`` items, newest read first, expiring by TTL.

Events are written whatever the tenant's status, with or without a profile (a
notification about an unknown tenant is worth recording), and a purge may keep them.
"""

from __future__ import annotations

import secrets as token_source
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Final

from .attributes import from_item, to_item
from .clock import Clock, epoch_seconds, format_instant
from .dynamo import DynamoTable, Expression
from .keys import EVENT_PREFIX, event_sk, tenant_pk
from .models import AuditEvent, encode_json, event_from_item, required_text

__all__ = ["DEFAULT_EVENT_RETENTION", "AuditTrail"]

# Audit events expire (DynamoDB TTL) after this long.
DEFAULT_EVENT_RETENTION: Final = timedelta(days=400)
_MAX_SUMMARY_CHARS: Final = 1000


class AuditTrail:
    """The ``EVENT#`` items of TenantsTable."""

    def __init__(
        self,
        table: DynamoTable,
        *,
        clock: Clock,
        retention: timedelta = DEFAULT_EVENT_RETENTION,
    ) -> None:
        self._table = table
        self._client = table.client
        self._clock = clock
        self._retention = retention

    def append(
        self,
        ctx: str,
        kind: str,
        summary: str,
        details: Mapping[str, Any] | None = None,
        actor: str | None = None,
    ) -> AuditEvent:
        """Add an entry to the tenant's audit trail (kept for the retention).

        ``details`` must not hold secrets: Secret values and credential-named keys are
        refused with ValueError/TypeError.
        """
        required_text(kind, "kind")
        required_text(summary, "summary")
        if len(summary) > _MAX_SUMMARY_CHARS:
            raise ValueError(f"summary is longer than {_MAX_SUMMARY_CHARS} characters")
        now = self._clock()
        event_id = token_source.token_hex(8)
        values: dict[str, object] = {
            "PK": tenant_pk(ctx),
            "SK": event_sk(now, event_id),
            "event_id": event_id,
            "at": format_instant(now),
            "kind": kind,
            "summary": summary,
            "details": encode_json(details, "event details") if details else None,
            "actor": actor,
            "expires_at": epoch_seconds(now + self._retention),
        }
        self._client.put_item(TableName=self._table.name, Item=to_item(values))
        return event_from_item(values)

    def recent(self, ctx: str, limit: int = 20) -> list[AuditEvent]:
        """The newest ``limit`` events, newest first (one query: no paging)."""
        if not 1 <= limit <= 1000:
            raise ValueError("limit must be between 1 and 1000")
        expression = Expression()
        answer = self._client.query(
            TableName=self._table.name,
            KeyConditionExpression=(
                f"{expression.name('PK')} = {expression.value(tenant_pk(ctx))} "
                f"AND begins_with({expression.name('SK')}, {expression.value(EVENT_PREFIX)})"
            ),
            ScanIndexForward=False,
            Limit=limit,
            ConsistentRead=True,
            **expression.arguments(),
        )
        return [event_from_item(from_item(item)) for item in answer.get("Items", [])]
