"""CRM webhooks: registered with a stored secret, found again, repaired, removed."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import httpx
import pytest
from prov_fake_tenant import FakeTenant, not_found
from prov_helpers import (
    ITEM_COUNT,
    TARGET_URL,
    WEBHOOK_EVENTS,
    WEBHOOK_NAME,
    Crash,
    CrashingRecorder,
    FakeTime,
    assert_matches_tenant,
    assert_no_duplicates,
    spec,
    webhook_spec,
)

from superoffice_app.provisioning import (
    MemoryRecorder,
    MemoryWebhookSecrets,
    ProvisionedItem,
    WebhookReport,
    ensure_webhooks,
)
from superoffice_app.provisioning.engine import provision, unprovision
from superoffice_app.superoffice.http import SuperOfficeApiError, SuperOfficeUnavailable
from superoffice_app.tokens import Secret


def ours(tenant: FakeTenant) -> list[dict[str, Any]]:
    return [h for h in tenant.webhooks.values() if h["TargetUrl"] == TARGET_URL]


def install(
    tenant: FakeTenant | None = None,
    secrets: MemoryWebhookSecrets | None = None,
    recorder: MemoryRecorder | None = None,
) -> tuple[FakeTenant, MemoryRecorder, MemoryWebhookSecrets]:
    tenant = tenant if tenant is not None else FakeTenant()
    recorder = recorder if recorder is not None else MemoryRecorder()
    secrets = secrets if secrets is not None else MemoryWebhookSecrets()
    provision(webhook_spec(), tenant.tenant_api(), recorder, webhook_secrets=secrets)
    return tenant, recorder, secrets


def recorded_webhook(recorder: MemoryRecorder) -> ProvisionedItem:
    (item,) = [item for item in recorder.recorded() if item.kind == "webhook"]
    return item


def revealed(secrets: MemoryWebhookSecrets) -> str:
    assert secrets.secret is not None
    return secrets.secret.reveal()


# -- registering at install ---------------------------------------------------------------


def test_registers_with_a_new_secret_stored_before_the_post() -> None:
    tenant, secrets, recorder = FakeTenant(), MemoryWebhookSecrets(), MemoryRecorder()
    seen_at_test_event: list[str | None] = []

    def the_app(fields: dict[str, Any]) -> int:
        # The app verifies the test event's signature with the secret it has stored.
        stored = secrets.get()
        seen_at_test_event.append(stored.reveal() if stored else None)
        return 200 if stored is not None and stored.reveal() == fields["Secret"] else 401

    tenant.test_event_target = the_app
    report = provision(webhook_spec(), tenant.tenant_api(), recorder, webhook_secrets=secrets)
    assert tenant.log == [("GET", "/v1/Webhook"), ("POST", "/v1/Webhook")]
    assert tenant.queries[0][2] == {"nameFilter": WEBHOOK_NAME}
    (hook,) = tenant.webhooks.values()
    assert {key: hook[key] for key in ("Name", "Events", "TargetUrl", "State", "Type")} == {
        "Name": WEBHOOK_NAME,
        "Events": WEBHOOK_EVENTS,
        "TargetUrl": TARGET_URL,
        "State": "Active",
        "Type": "webhook",
    }
    assert hook["Secret"] == revealed(secrets)
    assert len(hook["Secret"]) == 43  # secrets.token_urlsafe(32)
    assert seen_at_test_event == [hook["Secret"]]
    assert secrets.puts == 1
    (item,) = report.created
    assert (item.kind, item.key, item.superoffice_id) == (
        "webhook",
        WEBHOOK_NAME,
        str(hook["WebhookId"]),
    )
    assert dict(item.details) == {"target_url": TARGET_URL, "events": WEBHOOK_EVENTS}
    assert recorder.recorded() == [item]
    assert hook["Secret"] not in json.dumps(report.as_json())


def test_secret_is_kept_when_the_registration_is_refused_and_reused_by_the_rerun() -> None:
    tenant, secrets, recorder = FakeTenant(), MemoryWebhookSecrets(), MemoryRecorder()
    tenant.test_event_target = lambda fields: 503  # the app is down
    with pytest.raises(SuperOfficeApiError) as refused:
        provision(webhook_spec(), tenant.tenant_api(), recorder, webhook_secrets=secrets)
    assert refused.value.status == 400
    assert tenant.webhooks == {}
    assert recorder.recorded() == []
    first = revealed(secrets)
    assert first not in str(refused.value)

    tenant.test_event_target = lambda fields: 200
    provision(webhook_spec(), tenant.tenant_api(), recorder, webhook_secrets=secrets)
    (hook,) = tenant.webhooks.values()
    assert hook["Secret"] == first
    assert secrets.puts == 1


def test_a_stored_secret_is_reused() -> None:
    secrets = MemoryWebhookSecrets(Secret("kept-secret"))
    tenant, _, _ = install(secrets=secrets)
    (hook,) = tenant.webhooks.values()
    assert hook["Secret"] == "kept-secret"
    assert secrets.puts == 0


def test_our_webhook_found_by_name_is_refreshed_not_duplicated() -> None:
    # A rerun of a half-done install: the webhook exists (here even disabled), unrecorded.
    tenant = FakeTenant()
    mine = tenant.add_webhook(
        Name=WEBHOOK_NAME,
        TargetUrl=TARGET_URL,
        State="TooManyErrors",
        Secret="lost",
        Events=["contact.created"],
        Headers={"X-Kept": "1"},
    )
    elsewhere = tenant.add_webhook(Name=WEBHOOK_NAME)  # the same name, another target
    longer = tenant.add_webhook(Name=WEBHOOK_NAME + " 2", TargetUrl=TARGET_URL)
    untouched = {i: dict(tenant.webhooks[i]) for i in (elsewhere, longer)}
    recorder, secrets = MemoryRecorder(), MemoryWebhookSecrets()
    report = provision(webhook_spec(), tenant.tenant_api(), recorder, webhook_secrets=secrets)
    assert tenant.log == [("GET", "/v1/Webhook"), ("PUT", f"/v1/Webhook/{mine}")]
    assert report.created == ()
    (item,) = report.found
    assert item.superoffice_id == str(mine)
    hook = tenant.webhooks[mine]
    assert (hook["State"], hook["Secret"], hook["Events"]) == (
        "Active",
        revealed(secrets),
        WEBHOOK_EVENTS,
    )
    assert hook["Headers"] == {"X-Kept": "1"}
    assert {i: tenant.webhooks[i] for i in untouched} == untouched


def test_a_webhook_of_our_name_with_another_target_is_not_adopted() -> None:
    tenant = FakeTenant()
    theirs = tenant.add_webhook(Name=WEBHOOK_NAME)
    before = dict(tenant.webhooks[theirs])
    tenant, recorder, _ = install(tenant)
    assert tenant.webhooks[theirs] == before
    (mine,) = ours(tenant)
    assert recorded_webhook(recorder).superoffice_id == str(mine["WebhookId"])


def test_rerun_refreshes_the_same_webhook_with_the_same_secret() -> None:
    tenant, recorder, secrets = install()
    first = recorder.recorded()
    tenant.log.clear()
    report = provision(webhook_spec(), tenant.tenant_api(), recorder, webhook_secrets=secrets)
    (hook,) = tenant.webhooks.values()
    assert tenant.log == [("GET", "/v1/Webhook"), ("PUT", f"/v1/Webhook/{hook['WebhookId']}")]
    assert report.created == ()
    assert recorder.recorded() == first
    assert secrets.puts == 1
    assert hook["Secret"] == revealed(secrets)


@pytest.mark.parametrize("before_storing", [True, False], ids=["before-record", "after-record"])
def test_crash_after_registering_then_rerun_adopts_it(before_storing: bool) -> None:
    tenant, secrets = FakeTenant(), MemoryWebhookSecrets()
    crashing = CrashingRecorder(1, before_storing=before_storing)
    with pytest.raises(Crash):
        provision(webhook_spec(), tenant.tenant_api(), crashing, webhook_secrets=secrets)
    recorder = MemoryRecorder(crashing.recorded())
    provision(webhook_spec(), tenant.tenant_api(), recorder, webhook_secrets=secrets)
    assert len(tenant.webhooks) == 1
    assert_matches_tenant(tenant, recorder.recorded())
    assert secrets.puts == 1


def test_webhooks_come_after_every_other_item() -> None:
    tenant, recorder, secrets = FakeTenant(), MemoryRecorder(), MemoryWebhookSecrets()
    report = provision(
        webhook_spec(everything=True),
        tenant.tenant_api(),
        recorder,
        publish_wait=FakeTime().wait(),
        webhook_secrets=secrets,
    )
    assert len(report.created) == ITEM_COUNT + 1
    assert tenant.log[-2:] == [("GET", "/v1/Webhook"), ("POST", "/v1/Webhook")]
    assert_matches_tenant(tenant, recorder.recorded())
    assert_no_duplicates(tenant)


def test_a_spec_with_webhooks_needs_secret_storage() -> None:
    tenant = FakeTenant()
    with pytest.raises(ValueError, match="webhook_secrets"):
        provision(webhook_spec(), tenant.tenant_api(), MemoryRecorder())
    assert tenant.log == []
    # Without webhooks in the spec, none is needed (and none is touched).
    provision(spec(), tenant.tenant_api(), MemoryRecorder(), publish_wait=FakeTime().wait())
    assert ("GET", "/v1/Webhook") not in tenant.log


# -- uninstall ----------------------------------------------------------------------------


def test_uninstall_deletes_our_webhook_first_and_nothing_else() -> None:
    tenant, recorder, secrets = FakeTenant(), MemoryRecorder(), MemoryWebhookSecrets()
    theirs = tenant.add_webhook(Name=WEBHOOK_NAME)
    customers = tenant.add_webhook(Name="Customer hook", TargetUrl=TARGET_URL)
    provision(
        webhook_spec(everything=True),
        tenant.tenant_api(),
        recorder,
        publish_wait=FakeTime().wait(),
        webhook_secrets=secrets,
    )
    mine = recorded_webhook(recorder).superoffice_id
    tenant.log.clear()
    report = unprovision(recorder.recorded(), tenant.tenant_api(), publish_wait=FakeTime().wait())
    assert report.complete
    assert tenant.log[:2] == [("GET", "/v1/Webhook"), ("DELETE", f"/v1/Webhook/{mine}")]
    assert sorted(tenant.webhooks) == [theirs, customers]
    (outcome,) = [o for o in report.outcomes if o.item.kind == "webhook"]
    assert outcome.result == "removed"


def test_uninstall_a_404_on_delete_counts_as_already_gone() -> None:
    tenant, recorder, _ = install()
    tenant.faults.append(
        lambda method, path: (
            not_found("gone") if method == "DELETE" and path.startswith("/v1/Webhook/") else None
        )
    )
    report = unprovision(recorder.recorded(), tenant.tenant_api())
    assert report.complete
    assert [o.result for o in report.outcomes] == ["already_gone"]


def test_uninstall_of_a_webhook_already_deleted() -> None:
    tenant, recorder, _ = install()
    tenant.webhooks.clear()  # a sandbox clone, or deleted by hand
    tenant.log.clear()
    report = unprovision(recorder.recorded(), tenant.tenant_api())
    assert [o.result for o in report.outcomes] == ["already_gone"]
    assert tenant.writes() == []


def test_uninstall_finds_ours_by_name_when_the_recorded_id_belongs_to_another() -> None:
    tenant, recorder, _ = install()
    (old,) = tenant.webhooks
    moved = tenant.webhooks.pop(old)
    # After a restore: our id is someone else's webhook, ours exists under another id.
    tenant.webhooks[old] = {**moved, "Name": "Customer hook", "TargetUrl": "https://c.example"}
    now = tenant.add_webhook(**{k: v for k, v in moved.items() if k != "WebhookId"})
    report = unprovision(recorder.recorded(), tenant.tenant_api())
    assert report.complete
    assert ("DELETE", f"/v1/Webhook/{now}") in tenant.log
    assert list(tenant.webhooks) == [old]


def test_uninstall_refused_delete_fails_and_keeps_the_item_listed() -> None:
    tenant, recorder, _ = install()
    tenant.faults.append(
        lambda method, path: (
            httpx.Response(
                400, json={"Error": True, "ErrorType": "SoException", "ErrorMessage": "no"}
            )
            if method == "DELETE"
            else None
        )
    )
    report = unprovision(recorder.recorded(), tenant.tenant_api())
    assert [o.result for o in report.outcomes] == ["failed"]
    assert [i.kind for i in report.left_for_administrator] == ["webhook"]


# -- ensure_webhooks ----------------------------------------------------------------------


def ensure(
    tenant: FakeTenant, recorder: MemoryRecorder, secrets: MemoryWebhookSecrets
) -> WebhookReport:
    tenant.log.clear()
    (report,) = ensure_webhooks(webhook_spec(), tenant.tenant_api(), recorder, secrets)
    return report


def test_ensure_an_active_webhook_is_ok_with_one_read() -> None:
    tenant, recorder, secrets = install()
    before = recorder.recorded()
    report = ensure(tenant, recorder, secrets)
    (hook,) = tenant.webhooks.values()
    assert report == WebhookReport(WEBHOOK_NAME, "ok", str(hook["WebhookId"]), 1, "Active")
    assert tenant.log == [("GET", f"/v1/Webhook/{hook['WebhookId']}")]
    assert recorder.recorded() == before


@pytest.mark.parametrize("state", ["TooManyErrors", "Stopped"])
def test_ensure_reactivates_a_disabled_webhook(state: str) -> None:
    tenant, recorder, secrets = install()
    (hook,) = tenant.webhooks.values()
    hook["State"] = state
    report = ensure(tenant, recorder, secrets)
    assert (report.outcome, report.found_state, report.requests) == ("reactivated", state, 2)
    webhook_id = hook["WebhookId"]
    assert tenant.log == [
        ("GET", f"/v1/Webhook/{webhook_id}"),
        ("PUT", f"/v1/Webhook/{webhook_id}"),
    ]
    now = tenant.webhooks[webhook_id]
    assert (now["State"], now["Secret"], now["TargetUrl"]) == (
        "Active",
        revealed(secrets),
        TARGET_URL,
    )
    assert tenant.test_events[-1]["Secret"] == revealed(secrets)
    assert secrets.puts == 1  # the stored secret, not a new one


def test_ensure_registers_again_after_a_sandbox_clone_deleted_it() -> None:
    tenant, recorder, secrets = install()
    (old,) = tenant.webhooks
    tenant.webhooks.clear()
    report = ensure(tenant, recorder, secrets)
    (hook,) = tenant.webhooks.values()
    assert hook["WebhookId"] != old
    assert report == WebhookReport(WEBHOOK_NAME, "registered", str(hook["WebhookId"]), 3, None)
    assert tenant.log == [
        ("GET", f"/v1/Webhook/{old}"),
        ("GET", "/v1/Webhook"),
        ("POST", "/v1/Webhook"),
    ]
    assert recorded_webhook(recorder).superoffice_id == str(hook["WebhookId"])
    assert hook["Secret"] == revealed(secrets)
    assert secrets.puts == 1


def test_ensure_without_a_stored_secret_stores_a_new_one_first() -> None:
    tenant, recorder, _ = install()
    tenant.webhooks.clear()
    fresh = MemoryWebhookSecrets()
    tenant.test_event_target = lambda fields: 200 if fresh.secret is not None else 401
    report = ensure(tenant, recorder, fresh)
    assert report.outcome == "registered"
    (hook,) = tenant.webhooks.values()
    assert hook["Secret"] == revealed(fresh)
    assert fresh.puts == 1


def test_ensure_without_a_record_registers_or_adopts() -> None:
    tenant, _, secrets = install()
    (hook,) = tenant.webhooks.values()
    hook["State"] = "TooManyErrors"
    recorder = MemoryRecorder()  # the record was lost: ours is found by name
    report = ensure(tenant, recorder, secrets)
    assert (report.outcome, report.webhook_id) == ("registered", str(hook["WebhookId"]))
    assert tenant.log == [("GET", "/v1/Webhook"), ("PUT", f"/v1/Webhook/{hook['WebhookId']}")]
    assert tenant.webhooks[hook["WebhookId"]]["State"] == "Active"
    assert len(tenant.webhooks) == 1
    assert recorded_webhook(recorder).superoffice_id == str(hook["WebhookId"])


@pytest.mark.parametrize(
    "change",
    [
        {"TargetUrl": "https://old.example.com/webhooks/crm/Cust12345"},
        {"Events": ["contact.created"]},
    ],
)
def test_ensure_corrects_target_and_events(change: dict[str, Any]) -> None:
    tenant, recorder, secrets = install()
    (hook,) = tenant.webhooks.values()
    hook.update(change)
    report = ensure(tenant, recorder, secrets)
    assert (report.outcome, report.found_state) == ("updated", "Active")
    now = tenant.webhooks[hook["WebhookId"]]
    assert (now["TargetUrl"], now["Events"]) == (TARGET_URL, WEBHOOK_EVENTS)


def test_ensure_events_in_another_order_or_case_are_ok() -> None:
    tenant, recorder, secrets = install()
    (hook,) = tenant.webhooks.values()
    hook["Events"] = [event.upper() for event in reversed(WEBHOOK_EVENTS)]
    assert ensure(tenant, recorder, secrets).outcome == "ok"


def test_ensure_leaves_another_webhook_under_the_recorded_id_alone() -> None:
    tenant, recorder, secrets = install()
    (old,) = tenant.webhooks
    tenant.webhooks[old].update(Name="Customer hook", State="Stopped")
    customers = dict(tenant.webhooks[old])
    report = ensure(tenant, recorder, secrets)
    assert report.outcome == "registered"
    assert tenant.webhooks[old] == customers
    assert report.webhook_id != str(old)
    assert len(ours(tenant)) == 2  # theirs kept its (our) target; ours is new


def test_ensure_errors_propagate() -> None:
    tenant, recorder, secrets = install()
    tenant.faults.append(lambda method, path: httpx.Response(503))
    with pytest.raises(SuperOfficeUnavailable):
        ensure(tenant, recorder, secrets)
    tenant.faults.clear()
    (hook,) = tenant.webhooks.values()
    hook["State"] = "TooManyErrors"
    tenant.test_event_target = lambda fields: 500  # the app still fails
    with pytest.raises(SuperOfficeApiError):
        ensure(tenant, recorder, secrets)


def test_ensure_with_no_webhooks_in_the_spec_does_nothing() -> None:
    tenant, secrets = FakeTenant(), MemoryWebhookSecrets()
    assert ensure_webhooks(spec(), tenant.tenant_api(), MemoryRecorder(), secrets) == ()
    assert tenant.log == []
    assert secrets.secret is None


def test_ensure_report_is_frozen_and_renders_as_json() -> None:
    tenant, recorder, secrets = install()
    report = ensure(tenant, recorder, secrets)
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.outcome = "registered"  # type: ignore[misc]
    assert json.loads(json.dumps(report.as_json())) == {
        "name": WEBHOOK_NAME,
        "outcome": "ok",
        "webhook_id": report.webhook_id,
        "requests": 1,
        "found_state": "Active",
    }
