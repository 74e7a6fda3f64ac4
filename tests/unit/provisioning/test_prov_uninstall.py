"""unprovision(): exactly the recorded items, already-gone is fine, lost access stops."""

from __future__ import annotations

import json

import httpx
from prov_fake_tenant import FakeTenant, FakeTickets
from prov_helpers import ITEM_COUNT, FakeTime, spec

from superoffice_app.provisioning.engine import (
    MemoryRecorder,
    ProvisionedItem,
    provision,
    unprovision,
)


def installed() -> tuple[FakeTenant, list[ProvisionedItem]]:
    """A tenant with the customer's own items and the app's, and the app's record."""
    tenant = FakeTenant()
    tenant.add_field("Contact", "Customer:Own", "Customer's own field")
    tenant.add_list("Customer list", ["a"])
    tenant.add_panel("Customer:Panel")
    tenant.preferences[("Customer", "Pref", "Database")] = "x"
    recorder = MemoryRecorder()
    provision(spec(), tenant.tenant_api(), recorder, publish_wait=FakeTime().wait())
    tenant.log.clear()
    return tenant, recorder.recorded()


def items_by_kind(items: list[ProvisionedItem], kind: str) -> ProvisionedItem:
    (item,) = [item for item in items if item.kind == kind]
    return item


def assert_only_customer_items_left(tenant: FakeTenant) -> None:
    assert [f["ProgId"] for f in tenant.published["Contact"]] == ["Customer:Own"]
    assert tenant.published["Person"] == []
    assert [entry["Name"] for entry in tenant.lists] == ["Customer list"]
    assert [p["ProgId"] for p in tenant.panels] == ["Customer:Panel"]
    assert list(tenant.preferences) == [("Customer", "Pref", "Database")]


def test_removes_exactly_the_recorded_items() -> None:
    tenant, items = installed()
    report = unprovision(items, tenant.tenant_api(), publish_wait=FakeTime().wait())
    assert report.complete
    assert [o.result for o in report.outcomes] == ["removed"] * ITEM_COUNT
    assert [o.item for o in report.outcomes] == items  # in the order given
    assert report.left_for_administrator == ()
    assert report.gone == tuple(items)
    assert not report.access_revoked
    assert report.stopped is None
    assert report.requests == len(tenant.log)
    assert_only_customer_items_left(tenant)
    # Deletions were published once per entity.
    publishes = [p for m, p in tenant.log if m == "POST" and p.endswith("/Publish")]
    assert publishes == ["/v1/Contact/UdefLayout/Publish", "/v1/Person/UdefLayout/Publish"]
    json.dumps(report.as_json())


def test_items_already_gone_count_as_removed() -> None:
    tenant, items = installed()
    tenant.panels = [p for p in tenant.panels if p["ProgId"] != "TestApp:Panel"]
    tenant.preferences.pop(("TestApp", "On", "Database"))
    tenant.layouts["Person"] = []  # deleted by hand, not published yet
    report = unprovision(items, tenant.tenant_api(), publish_wait=FakeTime().wait())
    assert report.complete
    results = {o.item.key: o.result for o in report.outcomes}
    assert results["TestApp:Panel"] == "already_gone"
    assert results["TestApp/On/Database"] == "already_gone"
    assert results["TestApp:Vip"] == "already_gone"
    assert results["TestApp:Score"] == "removed"
    assert results["Test App status"] == "removed"
    assert results["Test App status/New"] == "removed"
    assert_only_customer_items_left(tenant)  # the hand deletion got published too


def test_a_second_uninstall_finds_everything_gone() -> None:
    tenant, items = installed()
    unprovision(items, tenant.tenant_api(), publish_wait=FakeTime().wait())
    report = unprovision(items, tenant.tenant_api(), publish_wait=FakeTime().wait())
    assert report.complete
    assert {o.result for o in report.outcomes} == {"already_gone"}
    assert_only_customer_items_left(tenant)


def test_list_deleted_and_recreated_under_a_new_id_is_found_by_name() -> None:
    tenant, items = installed()
    old = next(entry for entry in tenant.lists if entry["Name"] == "Test App status")
    tenant.lists.remove(old)
    del tenant.items[old["Id"]]
    tenant.add_list("Test App status", ["New"])
    report = unprovision(items, tenant.tenant_api(), publish_wait=FakeTime().wait())
    assert report.complete
    assert [entry["Name"] for entry in tenant.lists] == ["Customer list"]


def test_revoked_mid_uninstall_stops_and_lists_what_is_left() -> None:
    tenant, items = installed()
    deletions = 0

    def revoke_after_first_deletion(method: str, path: str) -> httpx.Response | None:
        nonlocal deletions
        if method == "DELETE" or path.endswith("/DeletePreference"):
            deletions += 1
            if deletions == 2:
                tenant.revoked = True
                return httpx.Response(401)
        return None

    tenant.faults.append(revoke_after_first_deletion)
    tickets = FakeTickets(tenant)
    report = unprovision(items, tenant.tenant_api(tickets), publish_wait=FakeTime().wait())
    assert report.access_revoked
    assert report.stopped is not None
    assert "revoked" in report.stopped
    assert not report.complete
    results = {o.item.key: o.result for o in report.outcomes}
    assert results["TestApp/On/Database"] == "removed"  # preferences go first
    assert results["TestApp:Panel"] == "failed"
    assert {results[k] for k in results if k not in ("TestApp/On/Database", "TestApp:Panel")} == {
        "not_attempted"
    }
    left = {item.key for item in report.left_for_administrator}
    assert left == {item.key for item in items} - {"TestApp/On/Database"}
    assert report.as_json()["left_for_administrator"][0].keys() == {"kind", "key", "name"}
    # No loop: one renewal attempt (refused as revoked), then nothing else was sent.
    assert tenant.log == [
        ("POST", "/v1/Agents/Preference/GetPreferenceByName"),
        ("POST", "/v1/Agents/Preference/DeletePreference"),
        ("GET", "/v1/List/WebPanel/Items"),
        ("DELETE", f"/v1/List/WebPanel/Items/{items_by_kind(items, 'web_panel').superoffice_id}"),
    ]
    assert tickets.renewals == 1


def test_unavailable_mid_uninstall_stops_without_hammering() -> None:
    tenant, items = installed()
    tenant.faults.append(lambda method, path: httpx.Response(503) if path == "/v1/List" else None)
    report = unprovision(items, tenant.tenant_api(), publish_wait=FakeTime().wait())
    assert not report.access_revoked
    assert report.stopped is not None
    assert "unavailable" in report.stopped
    results = {o.item.kind: o.result for o in report.outcomes}
    assert results["list"] == "failed"
    assert results["list_item"] == "failed"  # they go with their list
    assert results["udef"] == "not_attempted"
    assert sum(1 for m, p in tenant.log if p == "/v1/List") == 1


def test_one_refused_item_fails_and_the_rest_continue() -> None:
    tenant, items = installed()
    tenant.faults.append(
        lambda method, path: (
            httpx.Response(
                400, json={"Error": True, "ErrorType": "SoException", "ErrorMessage": "in use"}
            )
            if method == "DELETE" and path.startswith("/v1/List/WebPanel/Items/")
            else None
        )
    )
    report = unprovision(items, tenant.tenant_api(), publish_wait=FakeTime().wait())
    (failed,) = [o for o in report.outcomes if o.result == "failed"]
    assert failed.item.kind == "web_panel"
    assert failed.message == "SuperOffice answered 400 SoException: in use"
    assert report.stopped is None
    assert [item.kind for item in report.left_for_administrator] == ["web_panel"]
    assert sum(1 for o in report.outcomes if o.result == "removed") == ITEM_COUNT - 1


def test_failed_publish_keeps_deleted_fields_on_the_list() -> None:
    tenant, items = installed()
    tenant.faults.append(
        lambda method, path: (
            httpx.Response(
                400, json={"Error": True, "ErrorType": "SoException", "ErrorMessage": "locked"}
            )
            if method == "POST" and path == "/v1/Person/UdefLayout/Publish"
            else None
        )
    )
    report = unprovision(items, tenant.tenant_api(), publish_wait=FakeTime().wait())
    (vip,) = [o for o in report.outcomes if o.item.key == "TestApp:Vip"]
    assert vip.result == "failed"
    assert vip.message is not None
    assert "not published" in vip.message
    # A rerun finds the field gone from the layout and publishes.
    tenant.faults.clear()
    again = unprovision(
        report.left_for_administrator, tenant.tenant_api(), publish_wait=FakeTime().wait()
    )
    assert again.complete
    assert tenant.published["Person"] == []


def test_a_list_item_whose_list_is_not_removed_fails_with_advice() -> None:
    tenant, items = installed()
    only_items = [item for item in items if item.kind == "list_item"]
    report = unprovision(only_items, tenant.tenant_api(), publish_wait=FakeTime().wait())
    assert {o.result for o in report.outcomes} == {"failed"}
    assert all("remove the item in SuperOffice" in (o.message or "") for o in report.outcomes)
    assert tenant.writes() == []


def test_nothing_to_remove() -> None:
    tenant = FakeTenant()
    report = unprovision([], tenant.tenant_api())
    assert report.complete
    assert report.outcomes == ()
    assert tenant.log == []


def test_a_field_record_without_entity_fails_alone() -> None:
    tenant, items = installed()
    broken = ProvisionedItem(kind="udef", key="TestApp:Lost", superoffice_id=None, name="Lost")
    report = unprovision([broken, *items], tenant.tenant_api(), publish_wait=FakeTime().wait())
    first, *rest = report.outcomes
    assert (first.result, first.message) == (
        "failed",
        "the record does not say which entity the field is on",
    )
    assert {o.result for o in rest} == {"removed"}
