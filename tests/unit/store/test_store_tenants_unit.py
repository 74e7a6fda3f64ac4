"""TenantStore paths a local engine does not exercise: paging, back-off, argument checks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from superoffice_app.store import (
    DynamoTable,
    Installer,
    SecretBox,
    StoreError,
    TenantStatus,
    TenantStore,
)
from superoffice_app.store.purge import remove_tenant_items

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


class ScriptedDynamo:
    """Answers each operation from a queue of prepared answers, recording the calls."""

    def __init__(self, **answers: list[dict[str, Any]]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, operation: str) -> Any:
        def call(**kwargs: Any) -> dict[str, Any]:
            self.calls.append((operation, kwargs))
            return self.answers[operation].pop(0)

        return call


def store_over(client: Any) -> TenantStore:
    # No KMS: these paths never seal or open a secret.
    no_kms: Any = object()
    return TenantStore(DynamoTable(client, "tenants"), SecretBox(no_kms, "key"), clock=lambda: NOW)


def key(sk: str) -> dict[str, Any]:
    return {"PK": {"S": "TENANT#Cust1"}, "SK": {"S": sk}}


def test_provisioned_items_are_read_page_by_page() -> None:
    item = {
        **key("PROVISIONED#list#a"),
        "kind": {"S": "list"},
        "key": {"S": "a"},
    }
    client = ScriptedDynamo(
        query=[
            {"Items": [item], "LastEvaluatedKey": key("PROVISIONED#list#a")},
            {"Items": [{**item, "key": {"S": "b"}}]},
        ]
    )
    listed = store_over(client).list_provisioned("Cust1", kind="list")
    assert [entry.key for entry in listed] == ["a", "b"]
    assert client.calls[1][1]["ExclusiveStartKey"] == key("PROVISIONED#list#a")


def test_unprocessed_deletes_are_retried_then_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("superoffice_app.store.purge.time.sleep", lambda _seconds: None)
    keys = [key(f"SYNC#{number}") for number in range(30)]
    unprocessed = {"UnprocessedItems": {"tenants": [{"DeleteRequest": {"Key": keys[0]}}]}}
    client = ScriptedDynamo(
        query=[{"Items": [key("PROFILE"), *keys]}],
        batch_write_item=[unprocessed, {}, {}],
    )
    removed = remove_tenant_items(DynamoTable(client, "tenants"), "Cust1", keep_events=True)
    assert removed == {"sync_state": 30}
    batches = [call for call in client.calls if call[0] == "batch_write_item"]
    assert [len(call[1]["RequestItems"]["tenants"]) for call in batches] == [25, 1, 5]

    stuck = ScriptedDynamo(query=[{"Items": keys[:1]}], batch_write_item=[unprocessed] * 8)
    with pytest.raises(StoreError, match="unprocessed"):
        remove_tenant_items(DynamoTable(stuck, "tenants"), "Cust1", keep_events=True)


def test_arguments_are_checked_before_any_request() -> None:
    client = ScriptedDynamo()
    store = store_over(client)
    with pytest.raises(TypeError, match="collection"):
        store.transition("Cust1", "active", allowed_from="installing")
    with pytest.raises(ValueError, match="at least one"):
        store.transition("Cust1", "active", allowed_from=[])
    with pytest.raises(ValueError, match="'paused' is not a valid TenantStatus"):
        store.transition("Cust1", "paused", allowed_from=["active"])
    with pytest.raises(ValueError, match="uninstall"):
        store.begin_install(
            "Cust1",
            environment="sod",
            api_base="https://x",
            installed_by=Installer(associate_id=1),
            secrets={},
            allowed_from={TenantStatus.UNINSTALLING},
        )
    with pytest.raises(ValueError, match="unknown secret name"):
        store.begin_install(
            "Cust1",
            environment="sod",
            api_base="https://x",
            installed_by=Installer(associate_id=1),
            secrets={"password": "x"},
        )
    with pytest.raises(ValueError, match="page_size"):
        store.list_by_status("active", page_size=0)
    with pytest.raises(ValueError, match="limit"):
        store.recent_events("Cust1", limit=0)
    with pytest.raises(ValueError, match="uninstalled or deleted"):
        store.purge("Cust1", status="active")
    with pytest.raises(ValueError, match="at least one field"):
        store.update_fields("Cust1")
    assert client.calls == []
    assert repr(store) == "TenantStore(table='tenants')"
