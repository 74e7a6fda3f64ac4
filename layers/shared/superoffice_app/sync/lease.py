"""The tenant lease: at most one worker syncs (or purges) a tenant at a time.

A conditional write on ``TENANT#{ctx}`` / ``LEASE``: taken when absent, expired or
already ours; renewed before every page is written, so a worker whose lease ran out
(a paused or slow Lambda) learns it before writing anything more; released at the end.
A purge deletes the item with the rest of the tenant, so a worker still running for a
deleted tenant loses its lease and stops.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Final

from superoffice_app.store.dynamo import DynamoTable, error_code
from superoffice_app.store.keys import LEASE_SK, tenant_key

__all__ = ["LeaseLost", "TenantLease"]

_CONDITION_FAILED: Final = "ConditionalCheckFailedException"
# The item outlives its lease by a day (TTL), so stale leases clean themselves up.
_TTL_AFTER: Final = timedelta(days=1)


class LeaseLost(Exception):
    """Another worker holds the tenant (or it was purged): stop without writing."""


class TenantLease:
    def __init__(
        self,
        table: DynamoTable,
        *,
        owner: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._table = table
        self._client = table.client
        self.owner = owner
        self._clock = clock

    def acquire(self, ctx: str, seconds: float) -> bool:
        """Take the lease for ``seconds``; False when another worker holds it."""
        now = self._clock()
        until = now + timedelta(seconds=seconds)
        try:
            self._client.put_item(
                TableName=self._table.name,
                Item={
                    **tenant_key(ctx, LEASE_SK),
                    "ctx": {"S": ctx},
                    "owner": {"S": self.owner},
                    "lease_until": {"N": str(math.ceil(until.timestamp()))},
                    "expires_at": {"N": str(int((until + _TTL_AFTER).timestamp()))},
                },
                ConditionExpression=(
                    "attribute_not_exists(PK) OR lease_until < :now OR #owner = :me"
                ),
                ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues={
                    ":now": {"N": str(int(now.timestamp()))},
                    ":me": {"S": self.owner},
                },
            )
        except Exception as error:
            if error_code(error) == _CONDITION_FAILED:
                return False
            raise
        return True

    def renew(self, ctx: str, seconds: float) -> None:
        """Extend our lease; ``LeaseLost`` if it is no longer ours (or the tenant is gone)."""
        until = self._clock() + timedelta(seconds=seconds)
        try:
            self._client.update_item(
                TableName=self._table.name,
                Key=tenant_key(ctx, LEASE_SK),
                UpdateExpression="SET lease_until = :until, expires_at = :ttl",
                ConditionExpression="#owner = :me",
                ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues={
                    ":until": {"N": str(math.ceil(until.timestamp()))},
                    ":ttl": {"N": str(int((until + _TTL_AFTER).timestamp()))},
                    ":me": {"S": self.owner},
                },
            )
        except Exception as error:
            if error_code(error) == _CONDITION_FAILED:
                raise LeaseLost(f"the lease on {ctx} is no longer ours") from None
            raise

    def release(self, ctx: str) -> None:
        """Give the lease back (only if it is still ours)."""
        try:
            self._client.delete_item(
                TableName=self._table.name,
                Key=tenant_key(ctx, LEASE_SK),
                ConditionExpression="#owner = :me",
                ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues={":me": {"S": self.owner}},
            )
        except Exception as error:
            if error_code(error) != _CONDITION_FAILED:
                raise
