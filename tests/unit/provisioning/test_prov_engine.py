"""provision(): from scratch, reruns, sandboxes, crashes, and the udef publish wait."""

from __future__ import annotations

import json

import httpx
import pytest
from prov_fake_tenant import APP_BASE_URL, FakeTenant
from prov_helpers import (
    ITEM_COUNT,
    Crash,
    CrashingRecorder,
    FakeTime,
    assert_matches_tenant,
    assert_no_duplicates,
    identities,
    spec,
)

from superoffice_app.provisioning.engine import MemoryRecorder, provision, unprovision
from superoffice_app.provisioning.spec import load_spec
from superoffice_app.provisioning.udefs import PublishStillBusy
from superoffice_app.provisioning.webhooks import MemoryWebhookSecrets
from superoffice_app.superoffice.http import AccessRevoked, SuperOfficeUnavailable


def test_from_scratch_creates_and_records_everything() -> None:
    tenant, recorder, time = FakeTenant(), MemoryRecorder(), FakeTime()
    report = provision(spec(), tenant.tenant_api(), recorder, publish_wait=time.wait())
    assert len(report.created) == ITEM_COUNT
    assert report.found == ()
    assert report.published_entities == ("Contact", "Person")
    assert report.ctx == "Cust12345"
    assert report.requests == len(tenant.log)
    assert identities(recorder.recorded()) == identities(list(report.created))
    assert_matches_tenant(tenant, recorder.recorded())
    # The fields are published and carry what the spec says.
    code = tenant.field("Contact", "TestApp:Code", published=True)
    assert code is not None
    assert (code["FieldLabel"], code["FieldType"], code["Tooltip"], code["TextLength"]) == (
        "Code",
        "ShortText",
        "A code",
        20,
    )
    (panel,) = tenant.panels
    assert panel["Url"] == f"{APP_BASE_URL}/panel?ctx=<uctx>&usid=<usid>"
    # The app's name in Tooltip: a web panel has no Description (the fake refuses one).
    assert (panel["VisibleIn"], panel["Tooltip"]) == ("ContactCard", "Installed by Test App")
    assert "Description" not in panel
    assert tenant.preferences == {("TestApp", "On", "Database"): "1"}
    assert [i["Name"] for i in tenant.items[tenant.lists[0]["Id"]]] == ["New", "Active", "Paused"]
    json.dumps(report.as_json())  # renders as JSON


def test_rerun_creates_nothing_and_records_the_same() -> None:
    tenant, recorder, time = FakeTenant(), MemoryRecorder(), FakeTime()
    provision(spec(), tenant.tenant_api(), recorder, publish_wait=time.wait())
    first = recorder.recorded()
    writes = len(tenant.writes())
    report = provision(spec(), tenant.tenant_api(), recorder, publish_wait=time.wait())
    assert report.created == ()
    assert len(report.found) == ITEM_COUNT
    assert report.published_entities == ()
    assert len(tenant.writes()) == writes  # only reads the second time
    assert recorder.recorded() == first
    assert_no_duplicates(tenant)


def test_sandbox_with_everything_present_creates_nothing_and_records_all() -> None:
    # A sandbox cloned from production: the app's items are there, under other ids.
    tenant = FakeTenant(first_id=5000)
    tenant.add_field("Contact", "Customer:Own", "Customer's own field")
    tenant.add_field("Contact", "TestApp:Score", "Score")
    tenant.add_field("Contact", "TestApp:Code", "Code")
    tenant.add_field("Person", "TestApp:Vip", "VIP")
    tenant.add_list("Test App status", ["New", "Active", "Paused"])
    tenant.add_panel("TestApp:Panel")
    tenant.preferences[("TestApp", "On", "Database")] = "0"  # changed by the administrator
    recorder = MemoryRecorder()
    report = provision(spec(), tenant.tenant_api(), recorder, publish_wait=FakeTime().wait())
    assert tenant.writes() == []
    assert report.created == ()
    assert len(report.found) == ITEM_COUNT
    assert len(recorder.recorded()) == ITEM_COUNT
    assert_matches_tenant(tenant, recorder.recorded())
    assert tenant.preferences[("TestApp", "On", "Database")] == "0"  # left as it was
    (preference,) = [i for i in recorder.recorded() if i.kind == "preference"]
    assert preference.details["value"] == "0"


def test_partly_present_completes_the_rest_and_keeps_existing_fields() -> None:
    tenant = FakeTenant()
    tenant.add_field("Contact", "Customer:Own", "Customer's own field")
    tenant.add_field("Contact", "TestApp:Score", "Score")
    list_id = tenant.add_list("Test App status", ["Active"])
    own = dict(tenant.layouts["Contact"][0])
    recorder = MemoryRecorder()
    report = provision(spec(), tenant.tenant_api(), recorder, publish_wait=FakeTime().wait())
    found = {item.key for item in report.found}
    assert found == {"TestApp:Score", "Test App status", "Test App status/Active"}
    assert len(report.created) == ITEM_COUNT - 3
    assert [i["Name"] for i in tenant.items[list_id]] == ["Active", "New", "Paused"]
    # The customer's field survived the PUT of the whole layout, unchanged but renumbered.
    kept = tenant.field("Contact", "Customer:Own", published=True)
    assert kept is not None
    assert {k: v for k, v in kept.items() if k != "UDefFieldId"} == {
        k: v for k, v in own.items() if k != "UDefFieldId"
    }
    # The found field's record carries its id after publishing (ids change on publish).
    assert_matches_tenant(tenant, recorder.recorded())
    assert_no_duplicates(tenant)


def test_a_built_in_list_of_the_same_name_is_not_adopted() -> None:
    tenant = FakeTenant()
    built_in = tenant.add_list("Test App status", ["New"])
    tenant.lists[0]["IsCustomList"] = False
    recorder = MemoryRecorder()
    provision(spec(), tenant.tenant_api(), recorder, publish_wait=FakeTime().wait())
    (recorded,) = [i for i in recorder.recorded() if i.kind == "list"]
    assert recorded.superoffice_id != str(built_in)
    # And uninstall removes the app's list, not the built-in one.
    unprovision(recorder.recorded(), tenant.tenant_api(), publish_wait=FakeTime().wait())
    assert [entry["Id"] for entry in tenant.lists] == [built_in]


def test_soft_deleted_items_do_not_count_as_present() -> None:
    tenant = FakeTenant()
    tenant.add_panel("TestApp:Panel")
    tenant.panels[0]["Deleted"] = True
    recorder = MemoryRecorder()
    provision(spec(), tenant.tenant_api(), recorder, publish_wait=FakeTime().wait())
    live = [p for p in tenant.panels if not p["Deleted"]]
    assert len(live) == 1
    (panel,) = [i for i in recorder.recorded() if i.kind == "web_panel"]
    assert panel.superoffice_id == str(live[0]["WebPanelId"])


# Record calls in a run from scratch: 3 udef write-ahead records, 3 found-or-created
# udef records after publishing (2 entities), list, 3 items, panel, preference.
RECORD_CALLS = 3 + 3 + 1 + 3 + 1 + 1


@pytest.mark.parametrize("before_storing", [True, False], ids=["before-record", "after-record"])
@pytest.mark.parametrize("crash_at", range(1, RECORD_CALLS + 1))
def test_crash_then_rerun_loses_and_duplicates_nothing(crash_at: int, before_storing: bool) -> None:
    tenant = FakeTenant()
    crashing = CrashingRecorder(crash_at, before_storing=before_storing)
    with pytest.raises(Crash):
        provision(spec(), tenant.tenant_api(), crashing, publish_wait=FakeTime().wait())
    # The next invocation starts from whatever the store kept.
    recorder = MemoryRecorder(crashing.recorded())
    provision(spec(), tenant.tenant_api(), recorder, publish_wait=FakeTime().wait())
    assert len(recorder.recorded()) == ITEM_COUNT
    assert_matches_tenant(tenant, recorder.recorded())
    assert_no_duplicates(tenant)
    # And a third run changes nothing.
    writes = len(tenant.writes())
    provision(spec(), tenant.tenant_api(), recorder, publish_wait=FakeTime().wait())
    assert len(tenant.writes()) == writes


def test_crash_after_the_second_item_then_rerun() -> None:
    """The scenario of the issue, spelled out: two items recorded, then the Lambda dies."""
    tenant = FakeTenant()
    crashing = CrashingRecorder(2, before_storing=False)
    with pytest.raises(Crash):
        provision(spec(), tenant.tenant_api(), crashing, publish_wait=FakeTime().wait())
    assert len(crashing.recorded()) == 2
    recorder = MemoryRecorder(crashing.recorded())
    report = provision(spec(), tenant.tenant_api(), recorder, publish_wait=FakeTime().wait())
    assert len(report.items) == ITEM_COUNT
    assert_matches_tenant(tenant, recorder.recorded())
    assert_no_duplicates(tenant)


def test_failure_between_layout_write_and_publish_is_published_on_rerun() -> None:
    tenant = FakeTenant()
    tenant.faults.append(
        lambda method, path: (
            httpx.Response(503) if method == "POST" and path.endswith("/Publish") else None
        )
    )
    recorder = MemoryRecorder()
    with pytest.raises(SuperOfficeUnavailable):
        provision(spec(), tenant.tenant_api(), recorder, publish_wait=FakeTime().wait())
    # Written, not published; the record knows it.
    assert tenant.field("Contact", "TestApp:Score") is not None
    assert tenant.field("Contact", "TestApp:Score", published=True) is None
    assert {i.details["published"] for i in recorder.recorded()} == {False}
    tenant.faults.clear()
    report = provision(spec(), tenant.tenant_api(), recorder, publish_wait=FakeTime().wait())
    assert "Contact" in report.published_entities
    assert tenant.field("Contact", "TestApp:Score", published=True) is not None
    assert_matches_tenant(tenant, recorder.recorded())
    assert_no_duplicates(tenant)


def test_publish_waits_until_no_other_publish_runs() -> None:
    tenant, time = FakeTenant(), FakeTime()
    tenant.busy_polls = 3
    provision(spec(), tenant.tenant_api(), MemoryRecorder(), publish_wait=time.wait(interval=2))
    assert time.sleeps == [2, 2, 2]
    contact_publish = [c for c in tenant.log if c[1] == "/v1/Contact/UdefLayout/Publish"]
    # Three busy answers, one idle answer, the publish, then the check that it finished.
    assert contact_publish == [("GET", "/v1/Contact/UdefLayout/Publish")] * 4 + [
        ("POST", "/v1/Contact/UdefLayout/Publish"),
        ("GET", "/v1/Contact/UdefLayout/Publish"),
    ]


def test_publish_wait_is_bounded() -> None:
    tenant, time = FakeTenant(), FakeTime()
    tenant.busy_polls = 10_000
    with pytest.raises(PublishStillBusy) as caught:
        provision(
            spec(),
            tenant.tenant_api(),
            MemoryRecorder(),
            publish_wait=time.wait(timeout=10, interval=2),
        )
    assert isinstance(caught.value, SuperOfficeUnavailable)
    assert len(time.sleeps) <= 5
    assert ("POST", "/v1/Contact/UdefLayout/Publish") not in tenant.log


def test_revoked_access_propagates_with_what_was_done_recorded() -> None:
    tenant, recorder = FakeTenant(), MemoryRecorder()

    def revoke_at_web_panels(method: str, path: str) -> httpx.Response | None:
        if path.startswith("/v1/List/WebPanel"):
            tenant.revoked = True  # this call still succeeds; the next gets 401
        return None

    tenant.faults.append(revoke_at_web_panels)
    with pytest.raises(AccessRevoked):
        provision(spec(), tenant.tenant_api(), recorder, publish_wait=FakeTime().wait())
    assert {item.kind for item in recorder.recorded()} == {"udef", "list", "list_item"}
    assert_matches_tenant(tenant, recorder.recorded())


def test_the_shipped_spec_provisions_end_to_end() -> None:
    tenant, recorder, secrets = FakeTenant(), MemoryRecorder(), MemoryWebhookSecrets()
    shipped = load_spec(app_base_url=APP_BASE_URL)
    report = provision(
        shipped,
        tenant.tenant_api(),
        recorder,
        publish_wait=FakeTime().wait(),
        webhook_secrets=secrets,
    )
    assert report.found == ()
    assert {item.kind for item in report.created} == {
        "udef",
        "list",
        "list_item",
        "web_panel",
        "preference",
        "webhook",
    }
    assert_matches_tenant(tenant, recorder.recorded())
    (hook,) = tenant.webhooks.values()
    assert hook["TargetUrl"] == f"{APP_BASE_URL}/webhooks/crm/Cust12345"
    assert secrets.secret is not None
    assert hook["Secret"] == secrets.secret.reveal()
    assert {event.partition(".")[0] for event in hook["Events"]} == {
        "contact",
        "person",
        "sale",
        "project",
    }
