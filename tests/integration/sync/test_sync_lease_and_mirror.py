"""The tenant lease and the records mirror against DynamoDB Local."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from superoffice_app.store import DynamoTable
from superoffice_app.sync.lease import LeaseLost, TenantLease
from superoffice_app.sync.mirror import MirrorRecord, RecordsMirror

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 1, 10, 0, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def test_one_holder_at_a_time_until_it_expires(tenants_table: DynamoTable) -> None:
    clock = Clock()
    first = TenantLease(tenants_table, owner="first", clock=clock)
    second = TenantLease(tenants_table, owner="second", clock=clock)
    assert first.acquire("Cust1", 60)
    assert first.acquire("Cust1", 60)  # ours already: taken again
    assert not second.acquire("Cust1", 60)
    with pytest.raises(LeaseLost):
        second.renew("Cust1", 60)
    clock.now += timedelta(seconds=61)  # the first worker died without releasing
    assert second.acquire("Cust1", 60)
    with pytest.raises(LeaseLost):
        first.renew("Cust1", 60)
    first.release("Cust1")  # not ours any more: leaves it alone
    assert not first.acquire("Cust1", 60)
    second.release("Cust1")
    assert first.acquire("Cust1", 60)


def test_renewing_a_lease_whose_item_was_purged_fails(tenants_table: DynamoTable) -> None:
    lease = TenantLease(tenants_table, owner="worker")
    assert lease.acquire("Cust1", 60)
    tenants_table.client.delete_item(
        TableName=tenants_table.name,
        Key={"PK": {"S": "TENANT#Cust1"}, "SK": {"S": "LEASE"}},
    )
    with pytest.raises(LeaseLost):
        lease.renew("Cust1", 60)


@pytest.fixture
def mirror(dynamodb_client: Any, records_table: str) -> RecordsMirror:
    return RecordsMirror(dynamodb_client, records_table)


def record(key: int, seconds: int, **fields: Any) -> MirrorRecord:
    return MirrorRecord(key, T0 + timedelta(seconds=seconds), fields)


def test_new_newer_and_different_records_are_written_older_ones_not(
    mirror: RecordsMirror,
) -> None:
    created = mirror.upsert("Cust1", "contact", [record(1, 5, name="A"), record(2, 5, name="B")])
    assert [c.change for c in created] == ["created", "created"]
    assert mirror.upsert("Cust1", "contact", [record(1, 5, name="A")]) == []  # unchanged
    older = mirror.upsert("Cust1", "contact", [record(1, 4, name="old")])
    assert older == []
    assert mirror.get("Cust1", "contact", 1) == record(1, 5, name="A")
    same_second = mirror.upsert("Cust1", "contact", [record(1, 5, name="A2")])
    assert [c.change for c in same_second] == ["changed"]
    restored = mirror.changes("Cust1", "contact", [record(2, 1, name="restored")], restored=True)
    assert [c.change for c in restored] == ["changed"]


def test_keys_deletions_and_purge_across_many_pages(mirror: RecordsMirror) -> None:
    mirror.upsert("Cust1", "person", [record(key, key % 7) for key in range(1, 1201)])
    mirror.upsert("Cust2", "person", [record(1, 0)])
    assert list(mirror.keys("Cust1", "person")) == list(range(1, 1201))
    gone = mirror.deletions("Cust1", "person", [5, 6, 5000])
    assert [c.record.key for c in gone] == [5, 6]
    mirror.write("Cust1", gone)
    assert 5 not in set(mirror.keys("Cust1", "person"))
    assert mirror.purge("Cust1", "person") == 1198
    assert list(mirror.keys("Cust1", "person")) == []
    assert list(mirror.keys("Cust2", "person")) == [1]  # another tenant is untouched
