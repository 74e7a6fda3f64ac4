"""Secrets, provisioning records and the audit trail of a tenant."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

import pytest
from store_testkit import START, FakeClock

from superoffice_app.store import (
    DynamoTable,
    ProvisionedItem,
    SecretBoxError,
    TenantNotFoundError,
    TenantProfile,
    TenantStatus,
    TenantStatusError,
    TenantStore,
)
from superoffice_app.tokens.secret import Secret

pytestmark = pytest.mark.integration

Install = Callable[..., TenantProfile]
Items = Callable[[str], Mapping[str, dict[str, Any]]]


# -- secrets ------------------------------------------------------------------------------------


def test_put_get_and_delete_a_secret(install: Install, store: TenantStore, items_of: Items) -> None:
    install("Cust10001")
    store.put_secret("Cust10001", "refresh_token", Secret("refresh-me"))
    assert store.get_secret("Cust10001", "refresh_token") == Secret("refresh-me")
    item = items_of("Cust10001")["SECRET#refresh_token"]
    assert set(item) == {"PK", "SK", "name", "ciphertext", "updated_at"}
    assert store.delete_secret("Cust10001", "refresh_token") is True
    assert store.delete_secret("Cust10001", "refresh_token") is False
    assert store.get_secret("Cust10001", "refresh_token") is None


def test_an_expired_secret_reads_as_absent_before_ttl_removes_it(
    install: Install, store: TenantStore, clock: FakeClock, items_of: Items
) -> None:
    install("Cust10001")
    store.put_secret("Cust10001", "ticket", "7T:fresh", expires_at=START + timedelta(hours=6))
    assert items_of("Cust10001")["SECRET#ticket"]["expires_at"] == {
        "N": str(int((START + timedelta(hours=6)).timestamp()))
    }
    clock.advance(hours=5, minutes=59)
    assert store.get_secret("Cust10001", "ticket") == Secret("7T:fresh")
    clock.advance(minutes=1)
    assert store.get_secret("Cust10001", "ticket") is None
    assert "SECRET#ticket" in items_of("Cust10001")  # still there: TTL deletes lazily


def test_secrets_of_unknown_tenants_and_names_are_refused(
    install: Install, store: TenantStore
) -> None:
    with pytest.raises(TenantNotFoundError):
        store.put_secret("Cust404", "ticket", "7T:x")
    install("Cust10001")
    with pytest.raises(ValueError, match="unknown secret name"):
        store.put_secret("Cust10001", "password", "x")
    with pytest.raises(ValueError, match="context identifier"):
        store.get_secret("Cust1#SECRET", "ticket")


def test_no_secret_can_be_put_back_after_a_purge(install: Install, store: TenantStore) -> None:
    install("Cust10001")
    store.purge("Cust10001", status=TenantStatus.DELETED)
    with pytest.raises(TenantStatusError) as refused:
        store.put_secret("Cust10001", "ticket", "7T:late")
    assert refused.value.status == TenantStatus.DELETED
    assert store.get_secret("Cust10001", "ticket") is None


def test_a_ciphertext_copied_to_another_tenant_does_not_open(
    install: Install, store: TenantStore, tenants_table: DynamoTable
) -> None:
    install("Cust10001", secrets={"system_token": "tenant-one-token"})
    install("Cust10002", secrets={"system_token": "tenant-two-token"})
    client = tenants_table.client
    key = {"PK": {"S": "TENANT#Cust10001"}, "SK": {"S": "SECRET#system_token"}}
    stolen = client.get_item(TableName=tenants_table.name, Key=key)["Item"]
    client.put_item(
        TableName=tenants_table.name,
        Item={**stolen, "PK": {"S": "TENANT#Cust10002"}},
    )
    with pytest.raises(SecretBoxError) as refused:
        store.get_secret("Cust10002", "system_token")
    assert "tenant-one-token" not in str(refused.value)
    # Moved to another name of the same tenant: refused as well.
    client.put_item(
        TableName=tenants_table.name,
        Item={**stolen, "SK": {"S": "SECRET#ticket"}},
    )
    with pytest.raises(SecretBoxError):
        store.get_secret("Cust10001", "ticket")


# -- provisioning records ---------------------------------------------------------------------


def test_provisioned_items_are_recorded_idempotently(
    install: Install, store: TenantStore, clock: FakeClock
) -> None:
    install("Cust10001")
    panel = ProvisionedItem(
        kind="webpanel",
        key="acme_contact_panel",
        superoffice_id=17,
        name="Acme panel",
        details={"VisibleIn": "ContactCard"},
    )
    first = store.record_provisioned("Cust10001", panel)
    assert first.created_at == first.updated_at == START
    clock.advance(hours=1)
    again = store.record_provisioned(
        "Cust10001", ProvisionedItem(kind="webpanel", key="acme_contact_panel", superoffice_id=18)
    )
    assert again.created_at == START  # first recorded then
    assert again.updated_at == clock.now
    assert again.superoffice_id == 18
    assert again.name is None  # a record says what is true now
    store.record_provisioned(
        "Cust10001",
        ProvisionedItem(kind="udef", key="contact:acme#score", superoffice_id="SuperOffice:8"),
    )
    listed = store.list_provisioned("Cust10001")
    assert [(item.kind, item.key) for item in listed] == [
        ("udef", "contact:acme#score"),
        ("webpanel", "acme_contact_panel"),
    ]
    assert [item.key for item in store.list_provisioned("Cust10001", kind="udef")] == [
        "contact:acme#score"
    ]
    assert store.remove_provisioned("Cust10001", "webpanel", "acme_contact_panel") is True
    assert store.remove_provisioned("Cust10001", "webpanel", "acme_contact_panel") is False
    assert [item.kind for item in store.list_provisioned("Cust10001")] == ["udef"]


def test_provisioning_details_refuse_credentials(install: Install, store: TenantStore) -> None:
    install("Cust10001")
    with pytest.raises(ValueError, match="credentials"):
        store.record_provisioned(
            "Cust10001",
            ProvisionedItem(kind="webhook", key="crm", details={"Secret": "hmac-key"}),
        )
    with pytest.raises(ValueError, match="'#'"):
        store.record_provisioned("Cust10001", ProvisionedItem(kind="web#panel", key="x"))


# -- audit trail ----------------------------------------------------------------------------------


def test_events_come_back_newest_first(
    store: TenantStore, clock: FakeClock, items_of: Items
) -> None:
    for number in range(5):
        store.append_event(
            "Cust10001",
            "notification",
            f"change {number}",
            details={"ChangeType": number, "at": clock.now},
            actor="superoffice",
        )
        clock.advance(seconds=1)
    events = store.recent_events("Cust10001", limit=3)
    assert [event.summary for event in events] == ["change 4", "change 3", "change 2"]
    newest = events[0]
    assert newest.details == {"ChangeType": 4, "at": "2026-03-02T09:30:04.000000Z"}
    assert newest.actor == "superoffice"
    assert newest.at == START + timedelta(seconds=4)
    # Audit entries expire through TTL, 400 days on.
    item = items_of("Cust10001")[f"EVENT#2026-03-02T09:30:04.000000Z#{newest.event_id}"]
    assert int(item["expires_at"]["N"]) == int((newest.at + timedelta(days=400)).timestamp())
    assert "status" not in item


def test_events_in_the_same_instant_are_all_kept(store: TenantStore) -> None:
    for number in range(3):
        store.append_event("Cust10001", "sync", f"page {number}")
    assert len(store.recent_events("Cust10001")) == 3


def test_event_details_refuse_secrets(store: TenantStore) -> None:
    with pytest.raises(TypeError, match="Secret"):
        store.append_event("Cust10001", "install", "x", details={"token_for": Secret("s")})
    with pytest.raises(ValueError, match="credentials"):
        store.append_event("Cust10001", "install", "x", details={"nested": {"ticket": "7T:x"}})
    assert store.recent_events("Cust10001") == []
