"""What the store's integration tests share besides fixtures: a hand-moved clock, values."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from superoffice_app.store import DynamoTable

START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
SYSTEM_TOKEN = "MyApp-8k8Q7DmBgo-system-token"
TICKET = "7T:c2VjcmV0LXRpY2tldC12YWx1ZQ=="


class FakeClock:
    """A clock that stands still until a test moves it; thread-safe enough for reads."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def raw_items(table: DynamoTable, ctx: str) -> Mapping[str, dict[str, Any]]:
    """Every item of a tenant as DynamoDB holds it, by sort key."""
    answer = table.client.query(
        TableName=table.name,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"TENANT#{ctx}"}},
        ConsistentRead=True,
    )
    return {item["SK"]["S"]: item for item in answer["Items"]}
