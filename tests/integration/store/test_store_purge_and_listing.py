"""Purge leaves a tombstone and the audit trail; the ByStatus index is sparse and pages."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from store_testkit import START, FakeClock

from superoffice_app.store import (
    BY_STATUS_INDEX,
    ConflictError,
    DynamoTable,
    ProvisionedItem,
    SecretBox,
    TenantProfile,
    TenantStatus,
    TenantStatusError,
    TenantStore,
    TransitionError,
)

pytestmark = pytest.mark.integration

Install = Callable[..., TenantProfile]
Items = Callable[[str], Mapping[str, dict[str, Any]]]


def populated_tenant(
    install: Install, store: TenantStore, tenants_table: DynamoTable, ctx: str = "Cust10001"
) -> None:
    """An active tenant with everything a tenant can hold."""
    install(ctx)
    store.transition(ctx, TenantStatus.ACTIVE, allowed_from={TenantStatus.INSTALLING})
    store.put_secret(ctx, "refresh_token", "refresh")
    for key in ("panel_a", "panel_b"):
        store.record_provisioned(ctx, ProvisionedItem(kind="webpanel", key=key, superoffice_id=1))
    store.append_event(ctx, "install", "installed", actor="associate:5")
    # Items of other writers: the sync worker's state and the lease.
    for sk in ("SYNC#contact", "SYNC#sale", "LEASE"):
        tenants_table.client.put_item(
            TableName=tenants_table.name,
            Item={"PK": {"S": f"TENANT#{ctx}"}, "SK": {"S": sk}, "owner": {"S": "worker"}},
        )


def test_uninstall_purge_keeps_only_the_tombstone_and_the_events(
    install: Install,
    store: TenantStore,
    tenants_table: DynamoTable,
    items_of: Items,
    clock: FakeClock,
) -> None:
    populated_tenant(install, store, tenants_table)
    store.transition("Cust10001", TenantStatus.UNINSTALLING, allowed_from={TenantStatus.ACTIVE})
    clock.advance(minutes=5)
    result = store.purge("Cust10001")
    assert result.status is TenantStatus.UNINSTALLED
    assert result.removed == {"secrets": 3, "provisioned": 2, "sync_state": 2, "lease": 1}
    items = items_of("Cust10001")
    assert set(items) == {"PROFILE"} | {sk for sk in items if sk.startswith("EVENT#")}
    assert len(items) == 2
    tombstone = store.get("Cust10001")
    assert tombstone == result.tombstone
    assert tombstone is not None
    assert tombstone.status is TenantStatus.UNINSTALLED
    assert tombstone.purged_at == tombstone.transitioned_at == clock.now
    assert tombstone.created_at == START
    assert tombstone.removed == result.removed
    assert tombstone.purge_pending is False
    # What identified the customer's administrator and API is gone; the facts remain.
    assert tombstone.installed_by is None
    assert tombstone.api_base is None
    assert tombstone.company_name == "Acme AS"
    assert tombstone.environment == "local"
    assert [event.kind for event in store.recent_events("Cust10001")] == ["install"]


def test_purging_to_uninstalled_needs_an_uninstall_first(
    install: Install, store: TenantStore, tenants_table: DynamoTable
) -> None:
    populated_tenant(install, store, tenants_table)
    with pytest.raises(TransitionError) as refused:
        store.purge("Cust10001")
    assert refused.value.to == TenantStatus.UNINSTALLED
    assert store.get_secret("Cust10001", "system_token") is not None


def test_a_deleted_subscription_purges_from_any_status_and_again(
    install: Install, store: TenantStore, tenants_table: DynamoTable
) -> None:
    populated_tenant(install, store, tenants_table)
    first = store.purge("Cust10001", status="deleted")
    assert first.status is TenantStatus.DELETED
    assert sum(first.removed.values()) == 8
    # A duplicate Delete notification: nothing left to remove, the counts stay.
    again = store.purge("Cust10001", status=TenantStatus.DELETED)
    assert again.removed == {}
    assert again.tombstone is not None
    assert again.tombstone.removed == first.removed
    # An uninstall purge after deletion is refused: deleted is final.
    with pytest.raises(TransitionError):
        store.purge("Cust10001", status=TenantStatus.UNINSTALLED)


def test_without_a_tombstone_nothing_of_the_tenant_remains(
    install: Install, store: TenantStore, tenants_table: DynamoTable, items_of: Items
) -> None:
    populated_tenant(install, store, tenants_table)
    result = store.purge("Cust10001", status="deleted", keep_tombstone=False)
    assert result.tombstone is None
    assert result.removed["events"] == 1
    assert items_of("Cust10001") == {}
    assert store.get("Cust10001") is None


def test_an_interrupted_purge_blocks_writers_and_is_completed_by_running_it_again(
    install: Install,
    store: TenantStore,
    tenants_table: DynamoTable,
    items_of: Items,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    populated_tenant(install, store, tenants_table)
    store.transition("Cust10001", TenantStatus.UNINSTALLING, allowed_from={TenantStatus.ACTIVE})

    def crash(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("the function timed out")

    with monkeypatch.context() as patch:
        patch.setattr("superoffice_app.store.purge.remove_tenant_items", crash)
        with pytest.raises(RuntimeError):
            store.purge("Cust10001")
    marked = store.get("Cust10001")
    assert marked is not None
    assert marked.purge_pending is True
    assert marked.status is TenantStatus.UNINSTALLED
    with pytest.raises(TenantStatusError, match="purge"):
        store.put_secret("Cust10001", "ticket", "7T:late")
    with pytest.raises(TenantStatusError, match="purge"):
        install("Cust10001")
    with pytest.raises(TenantStatusError, match="purge"):
        store.update_fields("Cust10001", company_name="x")

    result = store.purge("Cust10001")
    assert result.removed["secrets"] == 3
    assert set(items_of("Cust10001")) - {"PROFILE"} == {
        sk for sk in items_of("Cust10001") if sk.startswith("EVENT#")
    }
    # After the purge the tenant may install again.
    assert install("Cust10001").status is TenantStatus.INSTALLING


def test_concurrent_purges_remove_everything_once(
    install: Install, store: TenantStore, tenants_table: DynamoTable
) -> None:
    populated_tenant(install, store, tenants_table)

    def purge(_: int) -> str:
        try:
            store.purge("Cust10001", status=TenantStatus.DELETED)
        except ConflictError:
            return "conflict"
        return "done"

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(purge, range(4)))
    assert "done" in outcomes
    tombstone = store.get("Cust10001")
    assert tombstone is not None
    assert tombstone.status is TenantStatus.DELETED
    assert tombstone.purge_pending is False


# -- listing by status --------------------------------------------------------------------------


def test_the_status_index_is_sparse(
    install: Install, store: TenantStore, tenants_table: DynamoTable
) -> None:
    populated_tenant(install, store, tenants_table, "Cust10001")
    install("Cust10002")
    client = tenants_table.client
    indexed = client.scan(TableName=tenants_table.name, IndexName=BY_STATUS_INDEX)["Items"]
    assert sorted((item["SK"]["S"], item["ctx"]["S"]) for item in indexed) == [
        ("PROFILE", "Cust10001"),
        ("PROFILE", "Cust10002"),
    ]
    assert client.scan(TableName=tenants_table.name, Select="COUNT")["Count"] > 10


class CountingClient:
    """Forwards to a boto3 client, remembering how many items each query returned."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.pages: list[int] = []

    def query(self, **kwargs: Any) -> Any:
        answer = self._client.query(**kwargs)
        self.pages.append(len(answer["Items"]))
        return answer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def test_listing_by_status_pages_through_250_tenants(
    install: Install, tenants_table: DynamoTable, secret_box: SecretBox
) -> None:
    install("Cust10001")
    client = tenants_table.client
    key = {"PK": {"S": "TENANT#Cust10001"}, "SK": {"S": "PROFILE"}}
    profile = client.get_item(TableName=tenants_table.name, Key=key)["Item"]
    client.delete_item(TableName=tenants_table.name, Key=key)
    suspended: set[str] = set()
    # Copies of a real profile, written directly: 250 installs would mostly time moto's KMS.
    for number in range(250):
        ctx = f"Cust{20000 + number}"
        status = "suspended" if number % 5 == 0 else "active"
        if status == "suspended":
            suspended.add(ctx)
        client.put_item(
            TableName=tenants_table.name,
            Item={
                **profile,
                "PK": {"S": f"TENANT#{ctx}"},
                "ctx": {"S": ctx},
                "status": {"S": status},
            },
        )
    counting = CountingClient(client)
    store = TenantStore(DynamoTable(counting, tenants_table.name), secret_box)

    active = store.list_by_status(TenantStatus.ACTIVE, page_size=30)
    assert counting.pages == []  # a generator: nothing read before it is iterated
    listed = list(active)
    assert len(listed) == 200
    assert listed == sorted(listed)
    assert set(listed).isdisjoint(suspended)
    assert len(counting.pages) >= 7
    assert max(counting.pages) == 30
    assert set(store.list_by_status("suspended", page_size=100)) == suspended
    assert list(store.list_by_status(TenantStatus.REVOKED)) == []
